// The reader of ir::print's text form. One line at a time: a function header,
// block headers, instructions, the closing brace. Uses may come before their
// definitions (loop back edges), so operands and edges are resolved when the
// function is complete.
#include "compiler/ir/parser.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace kiln::ir {

namespace {

using compiler::Constant;

std::optional<Op> opNamed(std::string_view m) {
#define KILN_OP(Name, mnem, kind) \
  if (m == mnem) return Op::k##Name;
#include "compiler/ir/ops.def"
  return std::nullopt;
}

template <typename E>
std::optional<E> enumNamed(std::string_view n, E last) {
  for (int k = 0; k <= static_cast<int>(last); ++k)
    if (n == name(static_cast<E>(k))) return static_cast<E>(k);
  return std::nullopt;
}

bool isIdentChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

struct Use {
  int id;
  int line, col;
};

struct PendingEdge {
  int block;
  std::vector<Use> args;
  int line, col;
};

struct Pending {
  Instr* instr;
  std::vector<Use> operands;
  std::vector<PendingEdge> succs;
};

class Parser {
 public:
  Parser(std::string_view text, std::string_view source, const TypeResolver& types)
      : source_(source), types_(types) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      lines_.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }

  absl::StatusOr<std::vector<std::unique_ptr<Function>>> parseAll() {
    std::vector<std::unique_ptr<Function>> out;
    while (nextContentLine()) {
      absl::StatusOr<std::unique_ptr<Function>> f = parseFunction();
      if (!f.ok()) return f.status();
      out.push_back(*std::move(f));
    }
    if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(source_, ": no function found"));
    return out;
  }

 private:
  // --- the cursor over the current line -----------------------------------
  std::string source_;
  const TypeResolver& types_;
  std::vector<std::string_view> lines_;
  size_t next_line_ = 0;  // the line after the current one
  std::string_view cur_;
  size_t col_ = 0;

  int lineNo() const { return static_cast<int>(next_line_); }

  // Moves to the next line that is neither blank nor a ';' comment.
  bool nextContentLine() {
    while (next_line_ < lines_.size()) {
      cur_ = lines_[next_line_++];
      col_ = 0;
      skipSpaces();
      if (col_ < cur_.size() && cur_[col_] != ';') return true;
    }
    cur_ = {};
    col_ = 0;
    return false;
  }

  void skipSpaces() {
    while (col_ < cur_.size() && (cur_[col_] == ' ' || cur_[col_] == '\t' || cur_[col_] == '\r')) ++col_;
  }
  char peek() const { return col_ < cur_.size() ? cur_[col_] : '\0'; }
  bool atEnd() const { return col_ >= cur_.size(); }
  bool lookingAt(std::string_view s) const { return cur_.substr(col_).substr(0, s.size()) == s; }
  bool eat(std::string_view s) {
    if (!lookingAt(s)) return false;
    col_ += s.size();
    return true;
  }

  absl::Status error(std::string_view expected) const {
    std::string found = "end of line";
    if (col_ < cur_.size()) {
      size_t end = col_;
      while (end < cur_.size() && end - col_ < 20 && cur_[end] != ' ') ++end;
      found = absl::StrCat("'", std::string(cur_.substr(col_, std::max<size_t>(end - col_, 1))), "'");
    }
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ":", lineNo(), ":", col_ + 1, ": expected ", std::string(expected), ", found ", found));
  }
  absl::Status errorHere(std::string_view message, int line, int col) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ":", line, ":", col, ": ", std::string(message)));
  }
  absl::Status expect(std::string_view s) {
    return eat(s) ? absl::OkStatus() : error(absl::StrCat("'", std::string(s), "'"));
  }

  std::optional<int64_t> integer() {
    size_t start = col_;
    if (peek() == '-') ++col_;
    size_t digits = col_;
    while (absl::ascii_isdigit(static_cast<unsigned char>(peek()))) ++col_;
    if (col_ == digits) {
      col_ = start;
      return std::nullopt;
    }
    std::string s(cur_.substr(start, col_ - start));
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == ERANGE) {
      col_ = start;
      return std::nullopt;
    }
    return v;
  }

  std::string_view identifier() {
    size_t start = col_;
    while (col_ < cur_.size() && isIdentChar(cur_[col_])) ++col_;
    return cur_.substr(start, col_ - start);
  }

  // --- values and types -----------------------------------------------------
  struct Def {
    int id;
    const typing::Type* type = nullptr;
    int line, col;
  };

  // "%N" or "%N: TYPE"; the type ends at a top-level character of `stops`.
  absl::StatusOr<Def> def(std::string_view stops) {
    Def d{0, nullptr, lineNo(), static_cast<int>(col_ + 1)};
    absl::StatusOr<int> id = valueRef();
    if (!id.ok()) return id.status();
    d.id = *id;
    if (!eat(": ")) return d;
    size_t start = col_;
    int depth = 0;
    while (col_ < cur_.size()) {
      char c = cur_[col_];
      if (depth == 0 && (stops.find(c) != std::string_view::npos || (c == ' ' && lookingAt(" = ")))) break;
      if (c == '(') ++depth;
      if (c == ')') --depth;
      ++col_;
    }
    std::string_view spelling = cur_.substr(start, col_ - start);
    if (spelling.empty()) return error("a type");
    if (spelling == "?") return d;
    if (!types_)
      return errorHere(
          absl::StrCat("typed value '", std::string(spelling), "' but no type resolver (untyped IR expected)"),
          lineNo(), static_cast<int>(start + 1));
    d.type = types_(spelling);
    if (!d.type)
      return errorHere(absl::StrCat("unknown type '", std::string(spelling), "'"), lineNo(),
                       static_cast<int>(start + 1));
    return d;
  }

  absl::StatusOr<int> valueRef() {
    if (!eat("%")) return error("a value ('%N')");
    std::optional<int64_t> n = integer();
    if (!n || *n < 0 || *n > 1 << 30) return error("a value number");
    return static_cast<int>(*n);
  }

  Use use() { return Use{0, lineNo(), static_cast<int>(col_ + 1)}; }

  // --- constants ----------------------------------------------------------
  // A float as Python's repr (and Constant::repr) writes it, including
  // inf, -inf and nan; `sign` requires a leading '+' or '-'.
  std::optional<double> floatLiteral(bool sign) {
    size_t start = col_;
    bool negative = false;
    if (peek() == '+' || peek() == '-') {
      negative = peek() == '-';
      ++col_;
    } else if (sign) {
      return std::nullopt;
    }
    if (eat("inf")) return negative ? -HUGE_VAL : HUGE_VAL;
    if (eat("nan"))
      return negative ? -std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::quiet_NaN();
    size_t body = col_;
    while (col_ < cur_.size() && (absl::ascii_isdigit(static_cast<unsigned char>(cur_[col_])) || cur_[col_] == '.' ||
                                  cur_[col_] == 'e' || ((cur_[col_] == '+' || cur_[col_] == '-') &&
                                                        col_ > body && cur_[col_ - 1] == 'e')))
      ++col_;
    if (col_ == body) {
      col_ = start;
      return std::nullopt;
    }
    std::string s(cur_.substr(start, col_ - start));
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) {
      col_ = start;
      return std::nullopt;
    }
    return v;
  }

  absl::StatusOr<std::string> quoted() {
    if (!eat("'")) return error("a quote");
    std::string out;
    while (true) {
      if (atEnd()) return error("a closing quote");
      char c = cur_[col_++];
      if (c == '\'') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      char e = peek();
      ++col_;
      switch (e) {
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'x': {
          if (col_ + 2 > cur_.size()) return error("two hex digits");
          std::string hex(cur_.substr(col_, 2));
          char* end = nullptr;
          long v = std::strtol(hex.c_str(), &end, 16);
          if (end != hex.c_str() + 2) return error("two hex digits");
          out += static_cast<char>(v);
          col_ += 2;
          break;
        }
        default: --col_; return error("an escape (\\\\, \\', \\n, \\r, \\t, \\xNN)");
      }
    }
  }

  absl::StatusOr<Constant> constant() {
    using K = Constant::Kind;
    Constant c;
    if (eat("None")) return c;
    if (eat("True") || eat("False")) {
      c.kind = K::kBool;
      c.b = cur_[col_ - 4] == 'T';
      return c;
    }
    if (eat("Ellipsis")) {
      c.kind = K::kEllipsis;
      return c;
    }
    if (eat("<code #")) {
      std::optional<int64_t> n = integer();
      if (!n) return error("a code index");
      if (absl::Status s = expect(">"); !s.ok()) return s;
      c.kind = K::kCode;
      c.i = *n;
      return c;
    }
    if (peek() == '\'' || lookingAt("b'")) {
      c.kind = eat("b") ? K::kBytes : K::kStr;
      absl::StatusOr<std::string> s = quoted();
      if (!s.ok()) return s.status();
      c.s = *std::move(s);
      return c;
    }
    if (peek() == '(') {
      // A complex "(re+imj)" or a tuple "(a, b)", "(a,)", "()".
      size_t start = col_++;
      if (std::optional<double> re = floatLiteral(false)) {
        if (std::optional<double> im = floatLiteral(true); im && eat("j)")) {
          c.kind = K::kComplex;
          c.f = *re;
          c.imag = *im;
          return c;
        }
      }
      col_ = start + 1;
      c.kind = K::kTuple;
      while (!eat(")")) {
        absl::StatusOr<Constant> item = constant();
        if (!item.ok()) return item.status();
        c.items.push_back(*std::move(item));
        if (eat(")")) break;
        if (!eat(",")) return error("',' or ')' in a tuple");
        skipSpaces();
      }
      return c;
    }
    size_t start = col_;
    while (col_ < cur_.size() && cur_[col_] != ' ' && cur_[col_] != ',' && cur_[col_] != ')') ++col_;
    std::string_view token = cur_.substr(start, col_ - start);
    col_ = start;
    if (token.find_first_of(".eni") == std::string_view::npos) {
      if (std::optional<int64_t> n = integer()) {
        c.kind = K::kInt;
        c.i = *n;
        return c;
      }
      return error("a constant");
    }
    if (std::optional<double> v = floatLiteral(false)) {
      c.kind = K::kFloat;
      c.f = *v;
      return c;
    }
    return error("a constant");
  }

  // --- structure ------------------------------------------------------------
  absl::StatusOr<std::unique_ptr<Function>> parseFunction() {
    auto f = std::make_unique<Function>();
    if (absl::Status s = expect("func @"); !s.ok()) return s;
    size_t open = cur_.find('(', col_);
    if (open == std::string_view::npos || open == col_) return error("a function name and '('");
    f->qualname = std::string(cur_.substr(col_, open - col_));
    size_t dot = f->qualname.rfind('.');
    f->name = dot == std::string::npos ? f->qualname : f->qualname.substr(dot + 1);
    col_ = open + 1;
    std::vector<Def> header;
    while (!eat(")")) {
      absl::StatusOr<Def> d = def(",) ");
      if (!d.ok()) return d.status();
      header.push_back(*d);
      eat(" ");
      f->arg_names.emplace_back(identifier());
      if (eat(")")) break;
      if (!eat(", ")) return error("',' or ')'");
    }
    if (absl::Status s = expect(" {"); !s.ok()) return s;
    if (skipSpaces(); !atEnd()) return error("end of line");

    std::map<int, Value*> values;
    std::map<int, Block*> blocks;
    std::vector<Pending> pending;
    Block* block = nullptr;
    auto define = [&](Value* v, const Def& d) -> absl::Status {
      if (!values.emplace(d.id, v).second)
        return errorHere(absl::StrCat("value %", d.id, " is defined twice"), d.line, d.col);
      v->id = d.id;
      v->type = d.type;
      return absl::OkStatus();
    };

    while (true) {
      if (!nextContentLine())
        return errorHere(absl::StrCat("expected '}' closing @", f->qualname, ", found the end of the text"),
                         lineNo(), 1);
      if (eat("}")) {
        if (skipSpaces(); !atEnd()) return error("end of line");
        break;
      }
      if (eat("bb")) {
        int line = lineNo(), col = static_cast<int>(col_ - 1);
        std::optional<int64_t> id = integer();
        if (!id || *id < 0) return error("a block number");
        if (blocks.count(static_cast<int>(*id)))
          return errorHere(absl::StrCat("block bb", *id, " is defined twice"), line, col);
        block = f->addBlock();
        block->id = static_cast<int>(*id);
        blocks[block->id] = block;
        if (absl::Status s = expect("("); !s.ok()) return s;
        while (!eat(")")) {
          absl::StatusOr<Def> d = def(",)");
          if (!d.ok()) return d.status();
          Value* p = block->addParam();
          if (absl::Status s = define(p, *d); !s.ok()) return s;
          if (eat(")")) break;
          if (!eat(", ")) return error("',' or ')'");
        }
        if (absl::Status s = expect(":"); !s.ok()) return s;
        if (skipSpaces(); !atEnd()) return error("end of line");
        if (f->blocks.size() == 1) {
          if (block->params.size() != header.size())
            return errorHere(absl::StrCat("the entry block has ", block->params.size(), " params but the function ",
                                          header.size()),
                             line, col);
          for (size_t k = 0; k < header.size(); ++k) {
            if (block->params[k]->id != header[k].id)
              return errorHere(absl::StrCat("entry param ", k, " is %", block->params[k]->id, " but the header says %",
                                            header[k].id),
                               line, col);
            block->params[k]->debug_name = f->arg_names[k];
          }
        }
        continue;
      }
      if (!block) return error("a block header 'bbN(...):'");
      absl::StatusOr<Pending> p = instruction(*f, block, define);
      if (!p.ok()) return p.status();
      pending.push_back(*std::move(p));
    }
    if (f->blocks.empty()) return error("a block");

    auto resolve = [&](const Use& u) -> absl::StatusOr<Value*> {
      auto it = values.find(u.id);
      if (it == values.end()) return errorHere(absl::StrCat("use of undefined value %", u.id), u.line, u.col);
      return it->second;
    };
    for (Pending& p : pending) {
      for (const Use& u : p.operands) {
        absl::StatusOr<Value*> v = resolve(u);
        if (!v.ok()) return v.status();
        p.instr->operands.push_back(*v);
      }
      for (const PendingEdge& e : p.succs) {
        auto it = blocks.find(e.block);
        if (it == blocks.end()) return errorHere(absl::StrCat("branch to undefined block bb", e.block), e.line, e.col);
        Edge edge;
        edge.target = it->second;
        for (const Use& u : e.args) {
          absl::StatusOr<Value*> v = resolve(u);
          if (!v.ok()) return v.status();
          edge.args.push_back(*v);
        }
        p.instr->succs.push_back(std::move(edge));
      }
    }
    f->syncIdCounters();
    return f;
  }

  template <typename Define>
  absl::StatusOr<Pending> instruction(Function& f, Block* block, Define& define) {
    std::optional<Def> result;
    if (peek() == '%') {
      absl::StatusOr<Def> d = def("");
      if (!d.ok()) return d.status();
      result = *d;
      if (absl::Status s = expect(" = "); !s.ok()) return s;
    }
    size_t mcol = col_;
    std::string_view mnem = identifier();
    std::optional<Op> op = opNamed(mnem);
    if (!op) {
      col_ = mcol;
      return error("an operation");
    }
    Pending p;
    p.instr = f.append(block, *op, {}, 0);
    Instr& i = *p.instr;
    if (result && !i.result)
      return errorHere(absl::StrCat("'", std::string(mnem), "' produces no value"), result->line, result->col);
    if (!result && i.result) {
      col_ = mcol;
      return error(absl::StrCat("'%N = ' before '", std::string(mnem), "', which produces a value"));
    }
    if (result)
      if (absl::Status s = define(i.result.get(), *result); !s.ok()) return s;

    // Attributes printed before the operands.
    switch (i.op) {
      case Op::kConst: {
        if (absl::Status s = expect(" "); !s.ok()) return s;
        absl::StatusOr<Constant> c = constant();
        if (!c.ok()) return c.status();
        i.const_value = *std::move(c);
        break;
      }
      case Op::kDeclare: {  // locals: the declared type's spelling, as a str constant
        if (absl::Status s = expect(" "); !s.ok()) return s;
        absl::StatusOr<Constant> c = constant();
        if (!c.ok()) return c.status();
        if (c->kind != Constant::Kind::kStr) return error("the declared type, a str");
        i.name = c->s;
        break;
      }
      case Op::kLoadGlobal: {
        if (absl::Status s = expect(" "); !s.ok()) return s;
        i.name = std::string(identifier());
        if (i.name.empty()) return error("a global name");
        // A dotted name is one no Python global shadows ("builtins.str").
        while (eat(".")) {
          const std::string part(identifier());
          if (part.empty()) return error("a global name after '.'");
          absl::StrAppend(&i.name, ".", part);
        }
        break;
      }
      case Op::kBinOp: {
        if (absl::Status s = expect(" "); !s.ok()) return s;
        size_t c = col_;
        std::optional<BinaryOp> b = enumNamed(identifier(), BinaryOp::kMatMul);
        if (!b) return (col_ = c, error("a binary operator (add, sub, ...)"));
        i.binary_op = *b;
        i.inplace = eat("!");
        break;
      }
      case Op::kUnaryOp: {
        if (absl::Status s = expect(" "); !s.ok()) return s;
        size_t c = col_;
        std::optional<UnaryOp> u = enumNamed(identifier(), UnaryOp::kInvert);
        if (!u) return (col_ = c, error("a unary operator (neg, pos, not, invert)"));
        i.unary_op = *u;
        break;
      }
      case Op::kCompare: {
        if (absl::Status s = expect(" "); !s.ok()) return s;
        size_t c = col_;
        std::optional<CompareOp> o = enumNamed(identifier(), CompareOp::kNotIn);
        if (!o) return (col_ = c, error("a comparison (lt, eq, ...)"));
        i.compare_op = *o;
        break;
      }
      case Op::kMakeFunction: {
        if (absl::Status s = expect(" #"); !s.ok()) return s;
        std::optional<int64_t> index = integer();
        if (!index) return error("a function index");
        i.index = static_cast<int32_t>(*index);
        break;
      }
      case Op::kUndef:
      case Op::kGetAttr:
      case Op::kTruth:
      case Op::kCall:
      case Op::kBuildTuple:
      case Op::kBuildList:  // lists
      case Op::kUnpack:
      case Op::kGetItem:
      case Op::kGetIter:
      case Op::kBuildSlice:
      case Op::kCopy:
      case Op::kSetItem:
      case Op::kBuildMap:  // dicts:
      case Op::kDelItem:
      case Op::kJump:
      case Op::kBranch:
      case Op::kReturn:
      case Op::kRaise:
      case Op::kExcMatch:
      case Op::kCatch:
      case Op::kRestoreError:
      case Op::kDropCaught:
      case Op::kReraise:
      case Op::kYield:  // generators:
      case Op::kUnreachable: break;
      case Op::kForIter:  // prange: a loop run on the thread pool (typing/parallel_loops.h)
        if (eat(" prange")) i.name = "prange";
        break;
      case Op::kFused:  // fusion: made after typing, never read from text
        return error("an instruction of untyped IR (fused ops exist only after typing)");
    }

    // Operands, the attributes printed after them, then the edges.
    bool first = true;
    while (true) {
      skipSpaces();
      if (atEnd() || peek() == ';') break;
      if (!first && !eat(",")) {
        if (i.op == Op::kRaise && isIdentChar(peek())) {
          i.name = std::string(identifier());
          continue;
        }
        if (lookingAt("[") || lookingAt("kw(") || lookingAt("bb")) {
          // fall through to the item below
        } else {
          return error("',' or the end of the instruction");
        }
      }
      skipSpaces();
      first = false;
      if (peek() == '%') {
        Use u = use();
        absl::StatusOr<int> id = valueRef();
        if (!id.ok()) return id.status();
        u.id = *id;
        p.operands.push_back(u);
        if (i.op == Op::kGetAttr && eat(".")) {
          i.name = std::string(identifier());
          if (i.name.empty()) return error("an attribute name");
        }
      } else if (eat("bb")) {
        PendingEdge e{0, {}, lineNo(), static_cast<int>(col_ - 1)};
        std::optional<int64_t> id = integer();
        if (!id) return error("a block number");
        e.block = static_cast<int>(*id);
        if (absl::Status s = expect("("); !s.ok()) return s;
        while (!eat(")")) {
          Use u = use();
          absl::StatusOr<int> v = valueRef();
          if (!v.ok()) return v.status();
          u.id = *v;
          e.args.push_back(u);
          if (eat(")")) break;
          if (!eat(", ")) return error("',' or ')'");
        }
        p.succs.push_back(std::move(e));
      } else if (i.op == Op::kUnpack && eat("[")) {
        std::optional<int64_t> index = integer();
        if (!index) return error("an index");
        if (absl::Status s = expect(" of "); !s.ok()) return s;
        std::optional<int64_t> count = integer();
        if (!count) return error("a count");
        if (absl::Status s = expect("]"); !s.ok()) return s;
        i.index = static_cast<int32_t>(*index);
        i.count = static_cast<int32_t>(*count);
      } else if (i.op == Op::kCall && eat("kw(")) {
        while (!eat(")")) {
          std::string_view n = identifier();
          if (n.empty()) return error("a keyword name");
          i.kwnames.emplace_back(n);
          if (eat(")")) break;
          if (!eat(", ")) return error("',' or ')'");
        }
      } else if (i.op == Op::kRaise && isIdentChar(peek())) {
        i.name = std::string(identifier());
      } else {
        return error("an operand ('%N') or a successor ('bbN(...)')");
      }
    }
    if (eat(";")) {
      skipSpaces();
      if (eat("line ")) {
        std::optional<int64_t> line = integer();
        if (!line) return error("a line number");
        i.line = static_cast<int32_t>(*line);
        skipSpaces();
      }
      col_ = cur_.size();  // the rest is a comment
    }
    return p;
  }
};

}  // namespace

absl::StatusOr<std::vector<std::unique_ptr<Function>>> parseFunctions(std::string_view text, std::string_view source,
                                                                      const TypeResolver& types) {
  return Parser(text, source, types).parseAll();
}

absl::StatusOr<std::unique_ptr<Function>> parseFunction(std::string_view text, std::string_view source,
                                                        const TypeResolver& types) {
  absl::StatusOr<std::vector<std::unique_ptr<Function>>> fs = parseFunctions(text, source, types);
  if (!fs.ok()) return fs.status();
  if (fs->size() != 1)
    return absl::InvalidArgumentError(absl::StrCat(std::string(source), ": expected one function, found ", fs->size()));
  return std::move(fs->front());
}

}  // namespace kiln::ir
