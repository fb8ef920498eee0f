// tuples: builtins whose answer typing knows from the types alone, answered
// by rewriting the call (inference.cpp applies the rewrite): tuple(t) is t,
// tuple() the empty tuple, bool(t) the truth of t, isinstance(x, C) a
// constant.
#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_buffers.h"

namespace kiln::typing {

// Whether a value of type x is an instance of the class c (a builtin class
// or a NumPy scalar type); nullopt when c is not a class this knows.
std::optional<bool> instanceOf(const Type* x, const Type* c) {
  if (c->kind == Kind::kDType) {  // NEP 50: np.float64(0) is a float64 whatever its strength
    const Type* d = c->items[0];
    return x == d || (x->strong && x->kind == d->kind && x->bits == d->bits && x->is_signed == d->is_signed);
  }
  if (c->kind != Kind::kBuiltin) return std::nullopt;
  const std::string& n = c->name;
  // As Python: bool is a subclass of int.
  if (n == "int") return x->kind == Kind::kInt || x->kind == Kind::kBool;
  if (n == "bool") return x->kind == Kind::kBool;
  if (n == "float") return x->kind == Kind::kFloat;
  if (n == "complex") return x->kind == Kind::kComplex;
  if (n == "str") return x->kind == Kind::kStr;
  // A literal list or str-key dict is carried as a tuple, but is a list or a dict to the user.
  if (n == "tuple") return x->kind == Kind::kTuple && !isLiteralList(x) && !isLiteralStrKeyDict(x);
  if (n == "list") return x->kind == Kind::kList || isLiteralList(x);
  if (n == "dict") return x->kind == Kind::kDict || isLiteralStrKeyDict(x);
  if (n == "range") return x->kind == Kind::kRange;
  if (n == "slice") return x->kind == Kind::kSlice;
  if (n == "set") return isSet(x);  // unroll: sets and bytes (Numba's isinstance)
  if (n == "bytes") return isBytes(x);
  if (n == "object") return true;
  if (n == "numpy.ndarray") return x->kind == Kind::kArray;  // wording: library functions check their arguments
  if (n == "numpy.timedelta64") return x->kind == Kind::kNPTimedelta;  // dtunits: any unit
  if (n == "numpy.datetime64") return x->kind == Kind::kNPDatetime;
  return std::nullopt;
}

std::optional<absl::StatusOr<BuiltinRewrite>> tupleBuiltinRewrite(const std::string& name,
                                                                  const std::vector<const Type*>& args,
                                                                  size_t nkw) {
  using R = BuiltinRewrite::Kind;
  if (name != "tuple" && name != "bool" && name != "isinstance") return std::nullopt;
  if (nkw != 0) return absl::InvalidArgumentError(absl::StrCat(name, "() takes no keyword arguments"));
  if (name == "tuple") {
    if (args.empty()) return BuiltinRewrite{R::kEmptyTuple};
    if (args.size() == 1 && args[0]->kind == Kind::kTuple) return BuiltinRewrite{R::kCopy};
    if (args.size() == 1)
      return absl::InvalidArgumentError(absl::StrCat("No implementation of function tuple(", args[0]->str(),
                                                     "): a tuple's length must be known at compile time"));
    return absl::InvalidArgumentError(absl::StrCat("tuple expected at most 1 argument, got ", args.size()));
  }
  if (name == "bool") {
    if (args.size() == 1 && args[0]->kind == Kind::kTuple) return BuiltinRewrite{R::kTruth};
    return std::nullopt;  // the other kinds: the builtin's own rule
  }
  if (args.size() != 2)
    return absl::InvalidArgumentError(absl::StrCat("isinstance expected 2 arguments, got ", args.size()));
  std::vector<const Type*> classes;
  if (args[1]->kind == Kind::kTuple) classes = args[1]->items;
  else classes.push_back(args[1]);
  // As Python, the classes are tried in order: a match answers before a
  // later item that is no class is looked at.
  for (const Type* c : classes) {
    std::optional<bool> is = instanceOf(args[0], c);
    if (!is && c->kind != Kind::kBuiltin && c->kind != Kind::kDType)  // unroll: Numba's words
      return absl::InvalidArgumentError(absl::StrCat("Cannot infer numba type of python type: isinstance() arg 2 "
                                                     "holds a value of type ", c->str(), ", not a class"));
    if (!is && c->name.rfind("namedtuple:", 0) == 0)  // unroll: Numba's words
      return absl::InvalidArgumentError(
          absl::StrCat("isinstance() does not support variables of type \"", numbaSpelling(args[0]), "\""));
    if (!is)
      return absl::InvalidArgumentError(
          absl::StrCat("isinstance() with the class ", c->str(), " is not supported in jitted code"));
    if (*is) return BuiltinRewrite{R::kConstant, true};
  }
  return BuiltinRewrite{R::kConstant, false};
}

}  // namespace kiln::typing
