// The text form of Kiln IR, stable for golden tests:
//
//   func @qualname(%0 n, %1 x) {
//   bb0(%0, %1):
//     %2 = const 0                        ; line 3
//     branch %5, bb1(%2), bb2()
//   }
//
// With a type namer, every defined value is followed by ": type". The
// parser (parser.cpp) reads exactly this form back; change both together.
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/ir.h"

namespace kiln::ir {

namespace {

std::string ref(const Value* v) { return v ? absl::StrCat("%", v->id) : "%<null>"; }

std::string def(const Value* v, const TypeNamer& type_name) {
  std::string s = ref(v);
  if (type_name) absl::StrAppend(&s, ": ", v->type ? type_name(v->type) : "?");
  return s;
}

// Python's escapes for what cannot appear literally between quotes.
std::string quoted(const std::string& s, bool bytes) {
  std::string out = bytes ? "b'" : "'";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80))
          absl::StrAppendFormat(&out, "\\x%02x", c);
        else
          out += ch;
    }
  }
  return out + "'";
}

std::string edge(const Edge& e) {
  std::vector<std::string> args;
  for (const Value* a : e.args) args.push_back(ref(a));
  return absl::StrCat("bb", e.target ? e.target->id : -1, "(", absl::StrJoin(args, ", "), ")");
}

std::string attrs(const Instr& i) {
  switch (i.op) {
    case Op::kConst: return " " + constantText(i.const_value);
    case Op::kLoadGlobal: return " " + i.name;
    case Op::kDeclare: {  // locals: the declared type's spelling
      compiler::Constant c;
      c.kind = compiler::Constant::Kind::kStr;
      c.s = i.name;
      return " " + constantText(c);
    }
    case Op::kGetAttr: return "";  // printed after the operand
    case Op::kBinOp: return absl::StrCat(" ", name(i.binary_op), i.inplace ? "!" : "");
    case Op::kUnaryOp: return absl::StrCat(" ", name(i.unary_op));
    case Op::kCompare: return absl::StrCat(" ", name(i.compare_op));
    case Op::kUnpack: return "";
    case Op::kRaise: return "";
    case Op::kMakeFunction: return absl::StrCat(" #", i.index);
    case Op::kForIter: return i.name.empty() ? "" : " " + i.name;  // prange: a loop run on the thread pool
    case Op::kUndef:
    case Op::kTruth:
    case Op::kCall:
    case Op::kBuildTuple:
    case Op::kBuildList:  // lists
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
    case Op::kUnreachable:
    case Op::kExcMatch:
    case Op::kCatch:
    case Op::kRestoreError:
    case Op::kDropCaught:
    case Op::kReraise:
    case Op::kYield:  // generators:
      return "";
    case Op::kFused:  // fusion: its body follows, one line per op; in place: fused!
      return i.inplace ? "!" : "";
  }
  return "";
}

}  // namespace

std::string constantText(const compiler::Constant& c) {
  using K = compiler::Constant::Kind;
  switch (c.kind) {
    case K::kStr: return quoted(c.s, false);
    case K::kBytes: return quoted(c.s, true);
    case K::kTuple: {
      std::vector<std::string> items;
      for (const compiler::Constant& item : c.items) items.push_back(constantText(item));
      return absl::StrCat("(", absl::StrJoin(items, ", "), items.size() == 1 ? ",)" : ")");
    }
    case K::kNone:
    case K::kBool:
    case K::kInt:
    case K::kFloat:
    case K::kComplex:
    case K::kEllipsis:
    case K::kCode:
    case K::kArray:
    case K::kBuiltin: return c.repr();
  }
  return c.repr();
}

std::string print(const Function& f, const TypeNamer& typed, const std::function<std::string(const Instr&)>& annotate) {
  std::string out;
  std::vector<std::string> params;
  if (!f.blocks.empty()) {
    const Block& entry = *f.blocks[0];
    for (size_t k = 0; k < entry.params.size(); ++k)
      params.push_back(absl::StrCat(def(entry.params[k].get(), typed), " ",
                                    k < f.arg_names.size() ? f.arg_names[k] : ""));
  }
  absl::StrAppend(&out, "func @", f.qualname.empty() ? f.name : f.qualname, "(",
                  absl::StrJoin(params, ", "), ") {\n");
  for (const auto& b : f.blocks) {
    std::vector<std::string> ps;
    for (const auto& p : b->params) ps.push_back(def(p.get(), typed));
    absl::StrAppend(&out, "bb", b->id, "(", absl::StrJoin(ps, ", "), "):\n");
    std::function<void(const std::unique_ptr<Instr>&, const std::string&)> emit = [&](const std::unique_ptr<Instr>& i,
                                                                                      const std::string& indent) {
      std::string line = indent;
      if (i->result) absl::StrAppend(&line, def(i->result.get(), typed), " = ");
      absl::StrAppend(&line, mnemonic(i->op), attrs(*i));
      std::vector<std::string> ops;
      for (const Value* o : i->operands) ops.push_back(ref(o));
      if (!ops.empty()) absl::StrAppend(&line, " ", absl::StrJoin(ops, ", "));
      if (i->op == Op::kGetAttr) absl::StrAppend(&line, ".", i->name);
      if (i->op == Op::kUnpack) absl::StrAppend(&line, " [", i->index, " of ", i->count, "]");
      if (i->op == Op::kCall && !i->kwnames.empty())
        absl::StrAppend(&line, " kw(", absl::StrJoin(i->kwnames, ", "), ")");
      if (i->op == Op::kRaise && !i->name.empty()) absl::StrAppend(&line, " ", i->name);
      if (annotate) absl::StrAppend(&line, annotate(*i));
      std::vector<std::string> succs;
      for (const Edge& e : i->succs) succs.push_back(edge(e));
      if (!succs.empty()) absl::StrAppend(&line, ops.empty() ? " " : ", ", absl::StrJoin(succs, ", "));
      if (i->line > 0) {
        if (line.size() < 44) line.resize(44, ' ');
        absl::StrAppend(&line, " ; line ", i->line);
      }
      absl::StrAppend(&out, line, "\n");
      for (const auto& f : i->fused) emit(f, indent + "  | ");  // fusion: the body, per element
    };
    for (const auto& i : b->instrs) emit(i, "  ");
  }
  absl::StrAppend(&out, "}\n");
  return out;
}

}  // namespace kiln::ir
