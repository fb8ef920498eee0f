// Builtins and module functions: which exist and what they return. Lowering
// (lowering/lower_builtins.cpp) implements exactly the names accepted here.
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

namespace {

constexpr double kPi = 3.141592653589793;

// math functions float64 -> float64 (ints and bools are converted).
const std::set<std::string>& unaryMath() {
  static const std::set<std::string> names = {
      "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
      "atanh", "exp", "expm1", "exp2", "log1p", "log10", "log2", "sqrt", "fabs", "erf", "erfc",
      "gamma", "lgamma", "degrees", "radians", "cbrt"};
  return names;
}
const std::set<std::string>& binaryMath() {
  static const std::set<std::string> names = {"atan2", "pow", "copysign", "hypot", "fmod"};
  return names;
}

bool isReal(const Type* t) { return t->kind == Kind::kBool || t->kind == Kind::kInt || t->kind == Kind::kFloat; }
bool isIntLike(const Type* t) { return t->kind == Kind::kBool || t->kind == Kind::kInt; }

std::string argList(const std::vector<const Type*>& args) {
  std::vector<std::string> s;
  for (const Type* t : args) s.push_back(t->str());
  return absl::StrJoin(s, ", ");
}

}  // namespace

bool isExceptionClassName(const std::string& name) {
  static const std::set<std::string> names = {
      "Exception", "ValueError", "ZeroDivisionError", "IndexError", "KeyError", "TypeError",
      "RuntimeError", "AssertionError", "OverflowError", "ArithmeticError", "NotImplementedError",
      "StopIteration", "MemoryError", "NameError", "LookupError"};
  return names.count(name) > 0;
}

bool moduleConstant(const std::string& module, const std::string& attr, double* value) {
  if (module != "math" && module != "numpy" && module != "cmath") return false;
  if (attr == "pi") *value = kPi;
  else if (attr == "e") *value = 2.718281828459045;
  else if (attr == "tau" && module != "numpy") *value = 6.283185307179586;
  else if (attr == "inf") *value = INFINITY;
  else if (attr == "nan") *value = NAN;
  else return false;
  return true;
}

const Type* moduleAttr(TypeContext& tc, const std::string& module, const std::string& attr) {
  double v;
  if (moduleConstant(module, attr, &v)) return tc.floating(64);
  if (module == "math") {
    static const std::set<std::string> others = {"floor", "ceil", "trunc", "isnan", "isinf", "isfinite",
                                                 "frexp", "ldexp", "log"};
    if (unaryMath().count(attr) || binaryMath().count(attr) || others.count(attr))
      return tc.builtin("math." + attr);
  }
  return nullptr;
}

absl::StatusOr<const Type*> builtinCall(TypeContext& tc, const std::string& name,
                                        const std::vector<const Type*>& args) {
  for (const Type* a : args)
    if (a->kind == Kind::kUnknown) return tc.unknown();
  auto bad = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat("no implementation of '", name, "' for argument types (", argList(args), ")"));
  };
  size_t n = args.size();
  if (name.rfind("math.", 0) == 0) {
    std::string f = name.substr(5);
    if (unaryMath().count(f)) {
      if (n == 1 && isReal(args[0])) return tc.floating(64);
      return bad();
    }
    if (binaryMath().count(f)) {
      if (n == 2 && isReal(args[0]) && isReal(args[1])) return tc.floating(64);
      return bad();
    }
    if (f == "log") {
      if ((n == 1 || n == 2) && isReal(args[0]) && (n == 1 || isReal(args[1]))) return tc.floating(64);
      return bad();
    }
    if (f == "floor" || f == "ceil" || f == "trunc") {
      if (n == 1 && isReal(args[0])) return tc.integer(64, true);
      return bad();
    }
    if (f == "isnan" || f == "isinf" || f == "isfinite") {
      if (n == 1 && isReal(args[0])) return tc.boolean();
      return bad();
    }
    if (f == "frexp") {
      if (n == 1 && isReal(args[0])) return tc.tuple({tc.floating(64), tc.integer(64, true)});
      return bad();
    }
    if (f == "ldexp") {
      if (n == 2 && isReal(args[0]) && isIntLike(args[1])) return tc.floating(64);
      return bad();
    }
    return bad();
  }
  if (name == "abs") {
    if (n != 1 || !isReal(args[0])) return bad();
    return args[0]->kind == Kind::kFloat ? args[0] : promote(tc, args[0], args[0]);
  }
  if (name == "min" || name == "max") {
    if (n < 2) return bad();
    const Type* t = args[0];
    for (const Type* a : args) {
      if (!isReal(a)) return bad();
      t = (t->kind == Kind::kBool && a->kind == Kind::kBool) ? t : promote(tc, t, a);
    }
    return t;
  }
  if (name == "int") {
    if (n == 1 && isReal(args[0])) return tc.integer(64, true);
    return bad();
  }
  if (name == "float") {
    if (n == 1 && isReal(args[0])) return tc.floating(64);
    return bad();
  }
  if (name == "bool") {
    if (n == 1 && (args[0]->isNumber() || args[0]->kind == Kind::kNone)) return tc.boolean();
    if (n == 0) return tc.boolean();
    return bad();
  }
  if (name == "round") {
    if (n == 1 && isReal(args[0])) return tc.integer(64, true);
    if (n == 2 && isReal(args[0]) && isIntLike(args[1]))
      return args[0]->kind == Kind::kFloat ? args[0] : tc.integer(64, true);
    return bad();
  }
  if (name == "divmod") {
    if (n == 2 && isReal(args[0]) && isReal(args[1])) {
      const Type* p = promote(tc, args[0], args[1]);
      return tc.tuple({p, p});
    }
    return bad();
  }
  if (name == "pow") {
    if (n == 2) {
      const Type* t = binaryResult(tc, ir::BinaryOp::kPow, args[0], args[1]);
      if (t) return t;
    }
    return bad();
  }
  if (name == "range") {
    if (n >= 1 && n <= 3) {
      for (const Type* a : args)
        if (!isIntLike(a)) return bad();
      return tc.range();
    }
    return bad();
  }
  if (name == "len") {
    if (n == 1 && (args[0]->kind == Kind::kRange || args[0]->kind == Kind::kTuple)) return tc.integer(64, true);
    return bad();
  }
  return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not supported in jitted code"));
}

}  // namespace kiln::typing
