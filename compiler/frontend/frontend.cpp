#include "compiler/frontend/frontend.h"

#include <algorithm>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "compiler/diagnostic.h"
#include "compiler/frontend/cfg.h"
#include "compiler/frontend/decoder.h"
#include "compiler/frontend/opcodes/opcode_table.h"
#include "compiler/frontend/ssa_builder.h"

namespace kiln::frontend {

namespace {

using compiler::CodeObject;
using compiler::Diagnostic;

// co_flags bits (Include/cpython/code.h), the same in every supported version.
constexpr int32_t kCoVarkeywords = 0x8;
constexpr int32_t kCoCoroutine = 0x80;
constexpr int32_t kCoIterableCoroutine = 0x100;
constexpr int32_t kCoAsyncGenerator = 0x200;

absl::StatusOr<const compiler::Function*> functionAt(const compiler::Bundle& bundle, int index) {
  if (index < 0 || static_cast<size_t>(index) >= bundle.functions.size())
    return absl::InvalidArgumentError(
        absl::StrCat("function index ", index, " out of range (bundle has ", bundle.functions.size(), ")"));
  return &bundle.functions[index];
}

absl::StatusOr<const OpcodeTable*> tableFor(const compiler::Bundle& bundle, const CodeObject& code) {
  if (const OpcodeTable* t = opcodeTableFor(bundle.python_major, bundle.python_minor)) return t;
  return compiler::userError(Diagnostic::Kind::kUnsupported,
                             absl::StrCat("CPython ", bundle.python_major, ".", bundle.python_minor,
                                          " bytecode is not supported (expected ",
                                          absl::StrJoin(supportedPythonVersions(), " or "), ")"),
                             code.filename, code.firstlineno, code.qualname);
}

// The line of the first instruction an exception handler covers: the start of
// the first entry of co_exceptiontable, past those of a 3.12 generator's own
// handlers (which cover its whole body, from the def line on).
int32_t firstProtectedLine(const CodeObject& code, const OpcodeTable& table) {
  absl::StatusOr<std::vector<ExceptionEntry>> entries = parseExceptionTable(code.exceptiontable);
  if (!entries.ok()) return code.firstlineno;  // decoding reports it
  for (const ExceptionEntry& e : *entries) {
    if (e.target + 1 < code.code.size()) {
      const OpcodeRow* row = table.row(static_cast<uint8_t>(code.code[e.target]));
      if (row && isGeneratorOnlyHandler(*row, static_cast<uint8_t>(code.code[e.target + 1]), table)) continue;
    }
    const int32_t line = e.start < code.code.size() ? code.lineAt(e.start) : 0;
    return line ? line : code.firstlineno;
  }
  return code.firstlineno;
}

// Whether the code has a with statement: a with block also fills the
// exception table, and the user should hear "with", not "try/except".
bool hasWithStatement(const CodeObject& code, const OpcodeTable& table) {
  for (size_t k = 0; k + 1 < code.code.size(); k += 2) {
    const OpcodeRow* row = table.row(static_cast<uint8_t>(code.code[k]));
    if (row && (std::string_view(row->name) == "BEFORE_WITH" || std::string_view(row->name) == "BEFORE_ASYNC_WITH"))
      return true;
  }
  return false;
}

absl::Status checkSupported(const CodeObject& code, const OpcodeTable& table) {
  auto fail = [&](std::string message, int32_t line) {
    return compiler::userError(Diagnostic::Kind::kUnsupported, std::move(message), code.filename, line,
                               code.qualname);
  };
  if (code.flags & (kCoCoroutine | kCoIterableCoroutine))
    return fail("async functions are not supported", code.firstlineno);
  if (code.flags & kCoAsyncGenerator) return fail("async generators are not supported", code.firstlineno);
  if (code.flags & kCoVarkeywords) return fail("**kwargs parameters are not supported", code.firstlineno);
  if (!code.exceptiontable.empty() && hasWithStatement(code, table)) {
    // objmode: the Python client replaces each `with objmode(...)` block by
    // one call (kiln/_objmode.py); one that reaches the compiler came from a
    // bundle no Python client rewrote (a C++ program's), which cannot run it.
    if (std::find(code.names.begin(), code.names.end(), "objmode") != code.names.end())
      return fail("with statements are not supported (a numba.objmode() block runs in the Python "
                  "interpreter: only the Python client, which compiles it from the function's source, "
                  "can run it)", firstProtectedLine(code, table));
    return fail("with statements are not supported", firstProtectedLine(code, table));
  }
  return absl::OkStatus();
}

std::string argRepr(const Instruction& in, const CodeObject& code, const OpcodeTable& table) {
  const OpcodeRow& row = *in.row;
  const uint32_t payload = in.arg >> row.arg_shift;
  const bool flag = row.arg_shift > 0 && (in.arg & 1);
  auto at = [](const std::vector<std::string>& v, size_t k) { return k < v.size() ? v[k] : "<bad index>"; };
  if (in.target >= 0) return absl::StrCat("to ", in.target);
  switch (row.form) {
    case Form::kLoadConst:
    case Form::kReturnConst:
    case Form::kKwNames:
      return in.arg < code.consts.size() ? code.consts[in.arg].repr() : "<bad index>";
    case Form::kLoadFast:
    case Form::kLoadFastAndClear:
    case Form::kStoreFast:
    case Form::kDeleteFast: return at(code.varnames, in.arg);
    case Form::kMakeCell:
    case Form::kLoadClosure:
    case Form::kLoadDeref:
    case Form::kStoreDeref: {  // CPython's fast locals plus: varnames, other cells, freevars
      std::vector<std::string> slots = code.varnames;
      for (const std::string& c : code.cellvars)
        if (std::find(slots.begin(), slots.end(), c) == slots.end()) slots.push_back(c);
      slots.insert(slots.end(), code.freevars.begin(), code.freevars.end());
      return at(slots, in.arg);
    }
    case Form::kCopyFreeVars:
    case Form::kMakeFunction: return "";
    case Form::kLoadGlobal: return absl::StrCat(flag ? "NULL + " : "", at(code.names, payload));
    case Form::kLoadAttr: return absl::StrCat(flag ? "NULL|self + " : "", at(code.names, payload));
    case Form::kLoadMethod: return at(code.names, payload);
    case Form::kStoreAttr: return at(code.names, in.arg);  // records:
    case Form::kBinaryOp: return in.arg < table.binary_ops.size() ? table.binary_ops[in.arg].symbol : "?";
    case Form::kCompareOp: return payload < table.compare_ops.size() ? ir::symbol(table.compare_ops[payload]) : "?";
    case Form::kIsOp: return in.arg ? "is not" : "is";
    case Form::kContainsOp: return in.arg ? "not in" : "in";
    case Form::kCallIntrinsic1:
      return static_cast<int64_t>(in.arg) == table.intrinsic_unary_positive ? "INTRINSIC_UNARY_POSITIVE" : "";
    case Form::kNop:
    case Form::kExtendedArg:
    case Form::kPopTop:
    case Form::kPushNull:
    case Form::kCopy:
    case Form::kSwap:
    case Form::kUnaryNegative:
    case Form::kUnaryPositive:
    case Form::kUnaryNot:
    case Form::kUnaryInvert:
    case Form::kBuildTuple:
    case Form::kFormatValue:  // strings
    case Form::kBuildString:
    case Form::kBuildMap:  // dicts:
    case Form::kBuildConstKeyMap:
    case Form::kDeleteSubscr:
    case Form::kMapAdd:
    case Form::kBuildSet:  // sets:
    case Form::kSetAdd:
    case Form::kSetUpdate:
    case Form::kBuildList:  // lists
    case Form::kListAppend:
    case Form::kListExtend:
    case Form::kListToTuple:  // tuples:
    case Form::kCallFunctionEx:
    case Form::kUnpackEx:
    case Form::kUnpackSequence:
    case Form::kBinarySubscr:
    case Form::kStoreSubscr:
    case Form::kBuildSlice:
    case Form::kBinarySlice:
    case Form::kStoreSlice:
    case Form::kGetIter:
    case Form::kForIter:
    case Form::kSend:  // genpy:
    case Form::kEndFor:
    case Form::kEndSend:  // genpy:
    case Form::kCall:
    case Form::kJump:
    case Form::kPopJumpIfFalse:
    case Form::kPopJumpIfTrue:
    case Form::kPopJumpIfNone:
    case Form::kPopJumpIfNotNone:
    case Form::kJumpIfFalseOrPop:
    case Form::kJumpIfTrueOrPop:
    case Form::kReturnValue:
    case Form::kRaiseVarargs:
    case Form::kLoadAssertionError:
    case Form::kPushExcInfo:
    case Form::kCheckExcMatch:
    case Form::kPopExcept:
    case Form::kReraise:
    case Form::kYieldValue:  // generators:
    case Form::kUnsupported: return "";
  }
  return "";
}

// closures: whether a code constant of some function of the bundle names
// this one, i.e. it is made by MAKE_FUNCTION in compiled code (its free
// variables are then parameters, not frozen globals).
bool referencedAsCode(const compiler::Constant& c, int index) {
  if (c.kind == compiler::Constant::Kind::kCode) return c.i == index;
  if (c.kind == compiler::Constant::Kind::kTuple)
    for (const compiler::Constant& item : c.items)
      if (referencedAsCode(item, index)) return true;
  return false;
}

bool isNestedCode(const compiler::Bundle& bundle, int index) {
  for (const compiler::Function& f : bundle.functions)
    for (const compiler::Constant& c : f.code.consts)
      if (referencedAsCode(c, index)) return true;
  return false;
}

// pycells: the captured variables of function `index` that live in cells
// (ssa_builder.h): its cell variables that it assigns after a capture, or
// that a function nested in it (at any depth) assigns as nonlocal; and its
// free variables that the function it is nested in keeps in cells.
absl::StatusOr<CaptureFacts> factsOf(const compiler::Bundle& bundle, int index) {
  const CodeObject& code = bundle.functions[static_cast<size_t>(index)].code;
  if (code.cellvars.empty() && code.freevars.empty()) return CaptureFacts{};
  absl::StatusOr<const OpcodeTable*> table = tableFor(bundle, code);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::vector<Instruction>> instrs = decode(code, **table);
  if (!instrs.ok()) return instrs.status();
  absl::StatusOr<Cfg> cfg = buildCfg(code, *std::move(instrs), **table);
  if (!cfg.ok()) return cfg.status();
  return captureFacts(code, *cfg);
}

void nestedIn(const compiler::Constant& c, std::vector<int>* out) {
  if (c.kind == compiler::Constant::Kind::kCode) out->push_back(static_cast<int>(c.i));
  if (c.kind == compiler::Constant::Kind::kTuple)
    for (const compiler::Constant& item : c.items) nestedIn(item, out);
}

std::vector<int> childrenOf(const compiler::Bundle& bundle, int index) {
  std::vector<int> out;
  for (const compiler::Constant& c : bundle.functions[static_cast<size_t>(index)].code.consts) nestedIn(c, &out);
  std::erase_if(out, [&](int k) { return k < 0 || static_cast<size_t>(k) >= bundle.functions.size() || k == index; });
  return out;
}

// Whether a function nested in `index` (at any depth) assigns `name` as nonlocal.
bool assignedInside(const compiler::Bundle& bundle, int index, const std::string& name, int depth) {
  if (depth > 32) return false;
  for (int child : childrenOf(bundle, index)) {
    const CodeObject& cc = bundle.functions[static_cast<size_t>(child)].code;
    if (std::find(cc.freevars.begin(), cc.freevars.end(), name) == cc.freevars.end()) continue;
    absl::StatusOr<CaptureFacts> f = factsOf(bundle, child);
    if (f.ok() && f->nonlocal_stores.count(name)) return true;
    if (assignedInside(bundle, child, name, depth + 1)) return true;
  }
  return false;
}

std::set<std::string> cellsOf(const compiler::Bundle& bundle, int index, int depth = 0) {
  std::set<std::string> cells;
  if (depth > 32) return cells;
  const CodeObject& code = bundle.functions[static_cast<size_t>(index)].code;
  if (!code.cellvars.empty()) {
    absl::StatusOr<CaptureFacts> facts = factsOf(bundle, index);
    for (const std::string& c : code.cellvars)
      if ((facts.ok() && facts->assigned_after_capture.count(c)) || assignedInside(bundle, index, c, 0))
        cells.insert(c);
  }
  if (!code.freevars.empty())
    for (size_t parent = 0; parent < bundle.functions.size(); ++parent) {
      std::vector<int> kids = childrenOf(bundle, static_cast<int>(parent));
      if (std::find(kids.begin(), kids.end(), index) == kids.end()) continue;
      std::set<std::string> outer = cellsOf(bundle, static_cast<int>(parent), depth + 1);
      for (const std::string& v : code.freevars)
        if (outer.count(v)) cells.insert(v);
      break;
    }
  return cells;
}

// pycells: a tuple global holding jitted functions (bundle.py: the builtin
// "functuple:N", its items the globals "name[0]" ...) is built where it is
// read from its items, each read as a global (and expanded in turn).
void expandFunctionTuples(ir::Function& ir, const compiler::Function& fn) {
  for (const std::unique_ptr<ir::Block>& b : ir.blocks) {
    for (size_t k = 0; k < b->instrs.size(); ++k) {
      ir::Instr* load = b->instrs[k].get();
      if (load->op != ir::Op::kLoadGlobal) continue;
      const compiler::GlobalRef* g = fn.global(load->name);
      if (!g || g->kind != compiler::GlobalRef::Kind::kBuiltin || g->qualified_name.rfind("functuple:", 0) != 0)
        continue;
      size_t n = 0;
      while (fn.global(absl::StrCat(load->name, "[", n, "]"))) ++n;
      std::vector<ir::Value*> items;
      for (size_t j = 0; j < n; ++j) {
        ir::Instr* item = ir.append(b.get(), ir::Op::kLoadGlobal, {}, load->line);
        item->offset = load->offset;
        item->name = absl::StrCat(load->name, "[", j, "]");
        items.push_back(item->result.get());
      }
      std::rotate(b->instrs.begin() + static_cast<std::ptrdiff_t>(k), b->instrs.end() - static_cast<std::ptrdiff_t>(n),
                  b->instrs.end());
      // The items come first now: the loop reaches them (a nested tuple) before the tuple.
      load->op = ir::Op::kBuildTuple;
      load->name.clear();
      load->operands = items;
      k -= 1;  // (k is unsigned: wraps to the first item when k was 0, and ++k brings it back)
    }
  }
}

// pycells: a slice global (bundle.py freezes it as the constant tuple
// (start, stop, step) named "slice") is built where it is read, from
// constants, so that typing sees its bounds as it sees a literal slice's.
void expandSliceGlobals(ir::Function& ir, const compiler::Function& fn) {
  for (const std::unique_ptr<ir::Block>& b : ir.blocks) {
    for (size_t k = 0; k < b->instrs.size(); ++k) {
      ir::Instr* load = b->instrs[k].get();
      if (load->op != ir::Op::kLoadGlobal) continue;
      const compiler::GlobalRef* g = fn.global(load->name);
      if (!g || g->kind != compiler::GlobalRef::Kind::kConstant || g->qualified_name != "slice" ||
          g->value.kind != compiler::Constant::Kind::kTuple || g->value.items.size() != 3)
        continue;
      std::vector<ir::Value*> parts;
      for (const compiler::Constant& c : g->value.items) {
        ir::Instr* part = ir.append(b.get(), ir::Op::kConst, {}, load->line);
        part->offset = load->offset;
        part->const_value = c;
        parts.push_back(part->result.get());
      }
      // The three constants were appended; move them before the load.
      std::rotate(b->instrs.begin() + static_cast<std::ptrdiff_t>(k), b->instrs.end() - 3, b->instrs.end());
      k += 3;
      load->op = ir::Op::kBuildSlice;
      load->name.clear();
      load->operands = parts;
    }
  }
}

}  // namespace

absl::StatusOr<std::string> printBytecode(const compiler::Bundle& bundle, int function_index) {
  absl::StatusOr<const compiler::Function*> fn = functionAt(bundle, function_index);
  if (!fn.ok()) return fn.status();
  const CodeObject& code = (*fn)->code;
  absl::StatusOr<const OpcodeTable*> table = tableFor(bundle, code);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::vector<Instruction>> instrs = decode(code, **table);
  if (!instrs.ok()) return instrs.status();

  std::set<int64_t> targets;
  for (const Instruction& in : *instrs)
    if (in.target >= 0) targets.insert(in.target);
  std::string out = absl::StrCat("; ", code.qualname, " (", code.filename, ":", code.firstlineno, "), CPython ",
                                 (*table)->major, ".", (*table)->minor, "\n");
  for (const Instruction& in : *instrs) {
    const char* mark = targets.count(in.start) ? ">>" : "  ";
    for (uint32_t p = in.start; p < in.offset; p += 2, mark = "  ")
      absl::StrAppendFormat(&out, "%s %5u %5d  %-28s %u\n", mark, p, in.line, "EXTENDED_ARG",
                            static_cast<uint8_t>(code.code[p + 1]));
    std::string line = absl::StrFormat("%s %5u %5d  %-28s", mark, in.offset, in.line, in.row->name);
    if (in.opcode >= (*table)->have_argument) absl::StrAppend(&line, " ", in.arg);
    if (std::string repr = argRepr(in, code, **table); !repr.empty()) absl::StrAppend(&line, " (", repr, ")");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<ir::Function>> buildFunction(const compiler::Bundle& bundle,
                                                            int function_index) {
  absl::StatusOr<const compiler::Function*> fn = functionAt(bundle, function_index);
  if (!fn.ok()) return fn.status();
  const CodeObject& code = (*fn)->code;
  absl::StatusOr<const OpcodeTable*> table = tableFor(bundle, code);
  if (!table.ok()) return table.status();
  if (absl::Status s = checkSupported(code, **table); !s.ok()) return s;
  absl::StatusOr<std::vector<Instruction>> instrs = decode(code, **table);
  if (!instrs.ok()) return instrs.status();
  absl::StatusOr<Cfg> cfg = buildCfg(code, *std::move(instrs), **table);
  if (!cfg.ok()) return cfg.status();
  absl::StatusOr<std::unique_ptr<ir::Function>> ir =
      buildSsa(code, *cfg, **table, isNestedCode(bundle, function_index), cellsOf(bundle, function_index),
               (*fn)->locals);
  if (!ir.ok()) return ir.status();
  expandFunctionTuples(**ir, **fn);
  expandSliceGlobals(**ir, **fn);
  (*ir)->renumber();
  return ir;
}

std::vector<std::string> supportedPythonVersions() {
  std::vector<std::string> out;
  for (const OpcodeTable* t : opcodeTables()) out.push_back(absl::StrCat(t->major, ".", t->minor));
  return out;
}

}  // namespace kiln::frontend
