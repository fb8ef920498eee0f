// complex: the typing of complex scalars' own constructs: the parts of a
// number (`z.real`, `z.imag`, `z.conjugate()`, which ints and floats have
// too, as in Python) and the `complex()` constructor. Arithmetic is typed
// with the other numbers (rules_numeric.cpp), cmath is written in Python
// (kiln/library/cmath_functions.py).
#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

namespace {

// The type of a part of a number: a complex number's parts are floats of
// half its width; an int's and a float's are of their own type (bool's
// are ints, as True.real is 1).
const Type* partType(TypeContext& tc, const Type* number) {
  switch (number->kind) {
    case Kind::kComplex:
      return tc.floating(number->bits / 2);
    case Kind::kBool:
      return tc.integer(64, true);
    default:
      return number;
  }
}

}  // namespace

const Type* numberAttr(TypeContext& tc, const Type* number, const std::string& name) {
  if (!number->isNumber()) return nullptr;
  if (name == "real" || name == "imag") return partType(tc, number);
  if (name == "conjugate" || name == "item") return tc.boundMethod(number, name);  // arrmeth: x.item() is x, as Numba's
  // wording: x.view(np.T) of an int or float scalar reinterprets its bits (NumPy's scalar view).
  if (name == "view" && (number->kind == Kind::kInt || number->kind == Kind::kFloat)) return tc.boundMethod(number, name);
  return nullptr;
}

absl::StatusOr<const Type*> numberMethodCall(TypeContext& tc, const Type* number, const std::string& name,
                                             const std::vector<const Type*>& args) {
  if (name == "view") {  // the same bits read as another int or float type of the same size
    const Type* to = args.size() == 1 && args[0]->kind == Kind::kDType ? args[0]->items[0] : nullptr;
    if (!to || (to->kind != Kind::kInt && to->kind != Kind::kFloat))
      return absl::InvalidArgumentError(
          absl::StrCat(number->str(), ".view() takes one int or float NumPy type (np.int32, np.float64, ...)"));
    if (to->bits != number->bits)
      return absl::InvalidArgumentError(absl::StrCat(number->str(), ".view(", to->str(),
                                                     "): Changing the dtype of a 0d array is only supported if the "
                                                     "itemsize is unchanged"));
    return to;
  }
  if (name == "item") {
    if (!args.empty()) return absl::InvalidArgumentError(absl::StrCat(number->str(), ".item() takes no arguments"));
    return number;
  }
  if (name != "conjugate")
    return absl::InvalidArgumentError(absl::StrCat("unknown attribute '", name, "' of type ", number->str()));
  if (!args.empty()) return absl::InvalidArgumentError(absl::StrCat(number->str(), ".conjugate() takes no arguments"));
  return number->kind == Kind::kComplex ? number : partType(tc, number);
}

absl::StatusOr<const Type*> complexCall(TypeContext& tc, const std::vector<const Type*>& args) {
  if (args.size() > 2)
    return absl::InvalidArgumentError(absl::StrCat("complex() takes at most 2 arguments (", args.size(), " given)"));
  for (const Type* a : args)
    if (!a->isNumber())
      return absl::InvalidArgumentError(
          absl::StrCat("complex() argument must be a number, not ", a->str(), " (strings are not supported)"));
  return tc.complex(128);
}

}  // namespace kiln::typing
