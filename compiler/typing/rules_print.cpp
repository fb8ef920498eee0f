// print: print(*args, sep=' ', end='\n'). A value is printed as Python
// prints the object it boxes to (runtime/cpu/kiln_print.h), so what can be
// printed is what can be handed to Python: numbers, bools, None, strings,
// datetimes, enum members, arrays, and tuples, lists, sets and dicts of them.
#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {
namespace {

bool printable(const Type* t) {
  switch (t->kind) {
    case Kind::kNone:
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kComplex:
    case Kind::kStr:
    case Kind::kNPDatetime:
    case Kind::kNPTimedelta:
    case Kind::kEnumMember:
    case Kind::kSlice:  // pyvals: slice(1, 2, None), its None parts as they were
    case Kind::kEllipsis:  // pyvals: Ellipsis
      return true;
    case Kind::kOptional:  // optional: None or its value, boxed as a result is
      return printable(t->items[0]);
    case Kind::kArray:
      return t->dtype()->isNumber() || t->dtype()->isDatetimeLike();
    case Kind::kTuple:
      if (isLiteralList(t) || isLiteralStrKeyDict(t)) return false;  // a literal container is not boxed (refused)
      [[fallthrough]];
    case Kind::kList:
    case Kind::kDict:
      for (const Type* item : t->items)
        if (!printable(item)) return false;
      return true;
    case Kind::kUnknown:
    case Kind::kRange:
    case Kind::kModule:
    case Kind::kFunction:
    case Kind::kFunctionSet:  // pycells:
    case Kind::kBuiltin:
    case Kind::kTypeRef:  // typedempty:
    case Kind::kExceptionClass:
    case Kind::kBoundMethod:
    case Kind::kDType:
    case Kind::kRecord:  // records: not boxed for print yet (refused)
    case Kind::kUnicodeCharSeq:
    case Kind::kNestedArray:  // records2: a subarray field, only ever read as an array view
    case Kind::kNPGenerator:  // npgen: an object borrowed from the caller
#define KILN_CASES_kIterator 1
#include "compiler/typing/kind_cases.def"
      return false;
  }
  return false;
}

}  // namespace

std::optional<absl::StatusOr<const Type*>> printBuiltinCall(TypeContext& tc, const std::string& name,
                                                            const std::vector<const Type*>& args,
                                                            const std::vector<std::string>& kwnames) {
  if (name != "print") return std::nullopt;
  const size_t npos = args.size() - kwnames.size();
  for (size_t k = 0; k < kwnames.size(); ++k) {
    const std::string& kw = kwnames[k];
    if (kw != "sep" && kw != "end")
      return absl::UnimplementedError(absl::StrCat("print() with the keyword argument '", kw,
                                                   "' is not supported in jitted code (only sep= and end=)"));
    const Type* t = args[npos + k];
    if (t->kind != Kind::kUnknown && t->kind != Kind::kStr && t->kind != Kind::kNone)
      return absl::InvalidArgumentError(absl::StrCat("print(): ", kw, " must be None or a string, not ", t->str()));
  }
  for (const Type* t : args)
    if (t->kind == Kind::kUnknown) return tc.unknown();
  for (size_t k = 0; k < npos; ++k)
    if (!printable(args[k]))
      return absl::InvalidArgumentError(absl::StrCat("print() of a value of type ", args[k]->str(),
                                                     " is not supported in jitted code"));
  return tc.none();
}

}  // namespace kiln::typing
