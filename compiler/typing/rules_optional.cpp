// optional: OptionalType(T), a value of T or None, made where None and a T
// meet (a variable assigned None on one path and a T on another, a function
// returning None on one path, an argument typed optional(T)).
//
// An optional is used as a T (arithmetic, indexing, attributes, a call of a
// builtin) through an unwrap inserted before the use: a Copy named
// kUnwrapOptional whose result is the T, which raises TypeError("expected T,
// got None") when it is None, as Numba does. Only what keeps the optional as
// it is sees it whole: `x is None` / `x is not None`, a return, a tuple
// item, a call of a jitted function (its parameter becomes optional), print
// and a join with another value. Its truth (`if x:`) is None's False or the
// value's, for numbers; refused for other values.
#include "absl/strings/str_cat.h"
#include "compiler/typing/format_spec.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

const Type* joinOptional(TypeContext& tc, const Type* a, const Type* b) {
  auto valueOf = [](const Type* t) { return t->kind == Kind::kOptional ? t->items[0] : t; };
  const bool a_none = a->kind == Kind::kNone, b_none = b->kind == Kind::kNone;
  if (a->kind == Kind::kUnknown || b->kind == Kind::kUnknown) return nullptr;
  if (!(a_none || b_none || a->kind == Kind::kOptional || b->kind == Kind::kOptional)) return nullptr;
  if (a_none && b_none) return a;
  const Type* value = a_none ? valueOf(b) : b_none ? valueOf(a) : unify(tc, valueOf(a), valueOf(b));
  if (value == nullptr || value->kind == Kind::kNone || value->kind == Kind::kUnknown) return nullptr;
  return tc.optional(value);
}

// format: `a == b` / `a != b` between optional strings (or a str, or None):
// None equals only None, as Python (Numba's too).
namespace {
bool strOrNoneOrOptionalStr(const Type* t) {
  return t->kind == Kind::kStr || t->kind == Kind::kNone ||
         (t->kind == Kind::kOptional && t->items[0]->kind == Kind::kStr);
}

}  // namespace

bool optionalStrEquality(ir::CompareOp op, const Type* a, const Type* b) {
  if (op != ir::CompareOp::kEq && op != ir::CompareOp::kNe) return false;
  if (a->kind != Kind::kOptional && b->kind != Kind::kOptional) return false;
  return strOrNoneOrOptionalStr(a) && strOrNoneOrOptionalStr(b);
}

bool usesOptionalWhole(const ir::Instr& i, size_t operand) {
  using ir::Op;
  // a copy is the value (an unwrap takes the optional); a tuple holds it.
  if (i.op == Op::kCopy || i.op == Op::kBuildTuple || i.op == Op::kReturn || i.op == Op::kYield) return true;
  if (i.op == Op::kTruth) return true;  // of a number: None is false (optionalUseProblem refuses the rest)
  if (i.op == Op::kCompare)
    return i.compare_op == ir::CompareOp::kIs || i.compare_op == ir::CompareOp::kIsNot ||
           optionalStrEquality(i.compare_op, i.operands[0]->type, i.operands[1]->type);  // format:
  if (i.op != Op::kCall || operand == 0) return false;
  const Type* callee = i.operands[0]->type;
  if (callee->kind == Kind::kFunction) return true;  // a jitted function: its parameter is optional
  return callee->kind == Kind::kBuiltin && callee->name == "print";
}

std::string optionalUseProblem(const ir::Instr& i) {
  if (i.op == ir::Op::kTruth && i.operands[0]->type->kind == Kind::kOptional &&
      !i.operands[0]->type->items[0]->isNumber())
    return absl::StrCat("the truth value of an ", i.operands[0]->type->str(),
                        " is not supported in jitted code (test `x is not None` instead)");
  // wording: a dict literal's key or value that may be None would be unwrapped
  // (a TypeError when it is None); Numba refuses it while typing, in these words.
  if (i.op == ir::Op::kBuildMap)
    for (size_t k = 0; k < i.operands.size(); ++k)
      if (i.operands[k]->type->kind == Kind::kOptional) return dictNoneProblem(i.operands[k]->type, k % 2 == 0);
  return "";
}

const Type* optionalCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b) {
  if (optionalStrEquality(op, a, b)) return tc.boolean();  // format:
  if (op != ir::CompareOp::kIs && op != ir::CompareOp::kIsNot) return nullptr;
  const bool a_opt = a->kind == Kind::kOptional, b_opt = b->kind == Kind::kOptional;
  if (!a_opt && !b_opt) return nullptr;
  // x is None, None is x (and `is not`); anything else between an optional
  // and a value is identity of objects Kiln does not have.
  if ((a_opt && b->kind == Kind::kNone) || (b_opt && a->kind == Kind::kNone)) return tc.boolean();
  return nullptr;
}

}  // namespace kiln::typing
