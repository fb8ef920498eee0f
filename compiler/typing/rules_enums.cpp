// enums: members of enum.Enum and enum.IntEnum classes, typed as Numba
// types them ("EnumMember(mod.Color, int64)", "IntEnumMember(mod.Shape,
// int64)"): the class is part of the type (so of the cache key), the value
// is the representation. An Enum member compares (==, !=, is, is not) with
// members only: members of another class are never equal nor identical.
// An IntEnum member is an int wherever an int is used (arithmetic, ordering,
// hash), and identical only to a member of its own class with its value
// (each value names one member: an alias is the same object).
#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

bool isEnumMemberSpelling(const std::string& s) {
  return s.rfind("EnumMember(", 0) == 0 || s.rfind("IntEnumMember(", 0) == 0;
}

std::string enumMemberGlobal(const std::string& enum_class_builtin, const std::string& attr) {
  return absl::StrCat("enum:", enum_class_builtin.substr(enum_class_builtin.find(':') + 1), ".", attr);
}

const Type* enumAsNumber(const Type* t) { return t->isIntEnum() ? t->items[0] : t; }

bool plainEnum(const Type* t) { return t->kind == Kind::kEnumMember && !t->isIntEnum(); }

std::string enumValueProblem(const Type* value) {
  if (value->isNumber()) return "";
  if (value->kind == Kind::kTuple) {
    for (const Type* item : value->items)
      if (!item->isNumber()) return absl::StrCat("an enum member whose value is of type ", value->str(), " is not supported");
    return "";
  }
  return absl::StrCat("an enum member whose value is of type ", value->str(), " is not supported");
}

const Type* enumCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b) {
  switch (op) {
    case ir::CompareOp::kIs:
    case ir::CompareOp::kIsNot:
      return tc.boolean();  // identical: the same class and value (lower_enums.cpp)
    case ir::CompareOp::kEq:
    case ir::CompareOp::kNe:
      if (plainEnum(a) || plainEnum(b)) return tc.boolean();  // equal: identical
      return compareResult(tc, op, enumAsNumber(a), enumAsNumber(b));
    case ir::CompareOp::kLt:
    case ir::CompareOp::kLe:
    case ir::CompareOp::kGt:
    case ir::CompareOp::kGe:
      if (plainEnum(a) || plainEnum(b)) return nullptr;  // TypeError in Python
      return compareResult(tc, op, enumAsNumber(a), enumAsNumber(b));
    case ir::CompareOp::kIn:
    case ir::CompareOp::kNotIn:
      return nullptr;
  }
  return nullptr;
}

ir::OperandTypes enumCompareOperands(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b,
                                     const Type* result) {
  bool identity = op == ir::CompareOp::kIs || op == ir::CompareOp::kIsNot;
  if (identity || plainEnum(a) || plainEnum(b)) return {};  // lower_enums.cpp compares the values itself
  return compareOperands(tc, op, enumAsNumber(a), enumAsNumber(b), result);
}

}  // namespace kiln::typing
