// Typing rules of strings (unicode_type, docs/strings.md): operators,
// indexing, the builtins that take or make a str, and str methods.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

using ir::BinaryOp;
using ir::CompareOp;

namespace {
bool isStr(const Type* t) { return t->kind == Kind::kStr; }
bool isIntLike(const Type* t) { return t->kind == Kind::kInt || t->kind == Kind::kBool; }
bool isOptionalInt(const Type* t) { return t->kind == Kind::kNone || isIntLike(t); }
}  // namespace

const Type* strBinaryResult(TypeContext& tc, BinaryOp op, const Type* a, const Type* b) {
  if (op == BinaryOp::kAdd && isStr(a) && isStr(b)) return tc.str();
  if (op == BinaryOp::kMul && ((isStr(a) && isIntLike(b)) || (isIntLike(a) && isStr(b)))) return tc.str();
  return nullptr;
}

const Type* strCompareResult(TypeContext& tc, CompareOp op, const Type* a, const Type* b) {
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kNe:
    case CompareOp::kLt:
    case CompareOp::kLe:
    case CompareOp::kGt:
    case CompareOp::kGe:
    case CompareOp::kIn:
    case CompareOp::kNotIn:
      if (isStr(a) && isStr(b)) return tc.boolean();
      // A str never equals a number or a tuple (Python's == is False, not an error).
      if ((op == CompareOp::kEq || op == CompareOp::kNe) &&
          (a->isNumber() || b->isNumber() || a->kind == Kind::kNone || b->kind == Kind::kNone ||
           a->kind == Kind::kTuple || b->kind == Kind::kTuple))
        return tc.boolean();
      return nullptr;
    case CompareOp::kIs:
    case CompareOp::kIsNot:
      return tc.boolean();  // refused with its reason by strCompareProblem
  }
  return nullptr;
}

const Type* strIndexResult(TypeContext& tc, const Type* str, const Type* index) {
  if (!isStr(str)) return nullptr;
  if (isIntLike(index) || index->kind == Kind::kSlice) return tc.str();
  return nullptr;
}

bool isStrBuiltin(BuiltinId id, const std::vector<const Type*>& args) {
  switch (id) {
    case BuiltinId::kOrd:
    case BuiltinId::kChr:
    case BuiltinId::kStrOf:
      return true;
    case BuiltinId::kHash:  // of anything else: rules_dicts.cpp
    case BuiltinId::kLen:
    case BuiltinId::kInt:
    case BuiltinId::kFloat:
    case BuiltinId::kBool:
      return args.size() == 1 && isStr(args[0]);
    default:
      return false;
  }
}

absl::StatusOr<const Type*> strBuiltinCall(TypeContext& tc, BuiltinId id, const std::vector<const Type*>& args) {
  for (const Type* a : args)
    if (a->kind == Kind::kUnknown) return tc.unknown();
  const size_t n = args.size();
  auto bad = [&]() -> absl::StatusOr<const Type*> {
    std::string types;
    for (size_t k = 0; k < n; ++k) absl::StrAppend(&types, k ? ", " : "", args[k]->str());
    // Numba's wording for its builtins (the suite looks for it).
    const char* numba_name = id == BuiltinId::kStrOf ? "Function(<class 'str'>)"
                             : id == BuiltinId::kOrd ? "Function(<built-in function ord>)"
                             : id == BuiltinId::kChr ? "Function(<built-in function chr>)"
                                                     : nullptr;
    if (numba_name)
      return absl::InvalidArgumentError(absl::StrCat("No implementation of function ", numba_name,
                                                     " found for signature: ", builtinName(id), "(", types, ")"));
    return absl::InvalidArgumentError(absl::StrCat(builtinName(id), "() is not supported for (", types, ")"));
  };
  switch (id) {
    case BuiltinId::kOrd:
      return n == 1 && isStr(args[0]) ? tc.integer(64, true) : bad();
    case BuiltinId::kChr:
      return n == 1 && isIntLike(args[0]) ? tc.str() : bad();
    case BuiltinId::kStrOf:
      if (n == 0) return tc.str();
      // Not float32 (NumPy prints its own shortest repr); float64 prints as
      // Python's repr, uint64 through the formatter (format: kiln_format.c).
      if (n == 1 && (isStr(args[0]) || isIntLike(args[0]) || (args[0]->kind == Kind::kFloat && args[0]->bits == 64)))
        return tc.str();
      return bad();
    case BuiltinId::kHash:
      return n == 1 && isStr(args[0]) ? tc.integer(64, true) : bad();
    case BuiltinId::kLen:
    case BuiltinId::kInt:
      return tc.integer(64, true);
    case BuiltinId::kFloat:
      return tc.floating(64);
    case BuiltinId::kBool:
      return tc.boolean();
    default:
      return bad();
  }
}

absl::StatusOr<const Type*> strMethodCall(TypeContext& tc, BuiltinId id, const Type* str,
                                          const std::vector<const Type*>& args) {
  (void)str;
  const char* m = memberName(id);
  auto bad = [&](const std::string& why) -> absl::StatusOr<const Type*> {
    return absl::InvalidArgumentError(absl::StrCat("str.", m, "(): ", why));
  };
  // Optional positions after the first argument: None or an int.
  auto bounds_ok = [&](size_t from) {
    for (size_t k = from; k < args.size(); ++k)
      if (!isOptionalInt(args[k])) return false;
    return true;
  };
  switch (id) {
    case BuiltinId::kStrUpper:
    case BuiltinId::kStrLower:
    case BuiltinId::kStrTitle:
    case BuiltinId::kStrCapitalize:
    case BuiltinId::kStrSwapcase:
    case BuiltinId::kStrCasefold:
      return tc.str();
    case BuiltinId::kStrStrip:
    case BuiltinId::kStrLstrip:
    case BuiltinId::kStrRstrip:
      if (!args.empty() && !isStr(args[0]) && args[0]->kind != Kind::kNone)
        return bad(absl::StrCat("chars must be a str or None, not ", args[0]->str()));
      return tc.str();
    case BuiltinId::kStrFind:
    case BuiltinId::kStrRfind:
    case BuiltinId::kStrIndex:
    case BuiltinId::kStrRindex:
      // Numba's wording (its type classes), then ours.
      if (args.empty() || !isStr(args[0]))
        return bad(absl::StrCat("the substring must be <class 'numba.core.types.misc.UnicodeType'> (a str), not ",
                                args.empty() ? "nothing" : args[0]->str()));
      // As Numba, a bool is not taken for start or end.
      for (size_t k = 1; k < args.size() && k < 3; ++k)
        if (args[k]->kind != Kind::kInt && args[k]->kind != Kind::kNone)
          return bad(absl::StrCat("\"", k == 1 ? "start" : "end",
                                  "\" must be (<class 'numba.core.types.scalars.Integer'>, <class "
                                  "'numba.core.types.misc.NoneType'>), not ",
                                  args[k]->str(), " (an integer or None)"));
      if (!bounds_ok(1)) return bad("start and end must be integers or None");
      return tc.integer(64, true);
    case BuiltinId::kStrCount:  // Numba's wording
      if (args.empty() || !isStr(args[0]))
        return bad(absl::StrCat("The substring must be a UnicodeType, not ", args.empty() ? "nothing" : args[0]->str()));
      if (!bounds_ok(1)) return bad("The slice indices must be an Integer or None");
      return tc.integer(64, true);
    case BuiltinId::kStrStartswith:
    case BuiltinId::kStrEndswith:
      if (args.empty() || !(isStr(args[0]) || (args[0]->kind == Kind::kTuple && !args[0]->items.empty() &&
                                                std::all_of(args[0]->items.begin(), args[0]->items.end(), isStr))))
        return bad("the prefix or suffix must be a str or a tuple of str");
      if (!bounds_ok(1)) return bad("start and end must be integers or None");
      return tc.boolean();
    case BuiltinId::kStrReplace:  // Numba's wording
      if (args.size() < 2 || !isStr(args[0]) || !isStr(args[1])) return bad("The object must be a UnicodeType.");
      if (args.size() == 3 && !isIntLike(args[2]))
        return bad("Unsupported parameters. The parameters must be Integer.");
      return tc.str();
    case BuiltinId::kStrIsdigit:
    case BuiltinId::kStrIsalpha:
    case BuiltinId::kStrIsspace:
    case BuiltinId::kStrIsalnum:
    case BuiltinId::kStrIsupper:
    case BuiltinId::kStrIslower:
    case BuiltinId::kStrIsdecimal:
    case BuiltinId::kStrIsnumeric:
    case BuiltinId::kStrIsascii:
    case BuiltinId::kStrIstitle:
    case BuiltinId::kStrIsprintable:
    case BuiltinId::kStrIsidentifier:
      return tc.boolean();
    default:
      return absl::InternalError(absl::StrCat(builtinName(id), " is not a str method"));
  }
}

}  // namespace kiln::typing
