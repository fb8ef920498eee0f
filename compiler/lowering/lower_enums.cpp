// enums: comparisons where a side is an enum member (typing:
// rules_enums.cpp). A member is represented by its value, so members of one
// class are equal (and identical: each value names one member) when their
// values are; members of different classes, or a member and a non-member,
// are never identical, and an Enum member equals members only. Comparisons
// of IntEnum members as ints take the numeric path (null here).
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

using ir::CompareOp;
using typing::Kind;

llvm::Value* FunctionLowering::enumCompare(CompareOp op, const ir::Value* lhs, const ir::Value* rhs) {
  const typing::Type* a = lhs->type;
  const typing::Type* c = rhs->type;
  bool identity = op == CompareOp::kIs || op == CompareOp::kIsNot;
  bool plain = (a->kind == Kind::kEnumMember && !a->isIntEnum()) || (c->kind == Kind::kEnumMember && !c->isIntEnum());
  if (!identity && !plain) return nullptr;  // IntEnum members as their ints
  bool want_same = op == CompareOp::kIs || op == CompareOp::kEq;
  if (a != c) return b_.getInt1(!want_same);
  const typing::Type* vt = a->items[0];
  llvm::Value* x = value(lhs);
  llvm::Value* y = value(rhs);
  llvm::Value* same = b_.getInt1(true);
  if (vt->kind == Kind::kTuple) {
    for (unsigned k = 0; k < vt->items.size(); ++k)
      same = b_.CreateAnd(same, compareValues(CompareOp::kEq, b_.CreateExtractValue(x, k), b_.CreateExtractValue(y, k),
                                              vt->items[k]));
  } else {
    same = compareValues(CompareOp::kEq, x, y, vt);
  }
  return want_same ? same : b_.CreateNot(same);
}

}  // namespace kiln::lowering
