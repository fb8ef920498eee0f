// print: print(*args, sep=' ', end='\n'). A value is printed as Python
// prints the object it boxes to (runtime/cpu/kiln_print.h), so what can be
// printed is what can be handed to Python: numbers, bools, None, strings,
// datetimes, enum members, arrays, and tuples, lists, sets and dicts of them.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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
    case Kind::kStructRef:  // structref: not printed (refused)
#define KILN_CASES_kIterator 1
#include "compiler/typing/kind_cases.def"
      return false;
  }
  return false;
}

// objmode: what the client converts a Python value to as it converts an
// argument, owning what it holds (value_types.cpp's unbox).
bool unboxableOutput(const Type* t) {
  switch (t->kind) {
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kComplex:
    case Kind::kStr:
      return true;
    case Kind::kArray:
      return t->dtype()->isNumber();
    case Kind::kTuple:
      if (isLiteralList(t) || isLiteralStrKeyDict(t)) return false;
      for (const Type* item : t->items)
        if (!unboxableOutput(item)) return false;
      return true;
    case Kind::kNone:
    case Kind::kNPDatetime:
    case Kind::kNPTimedelta:
    case Kind::kEnumMember:
    case Kind::kSlice:
    case Kind::kEllipsis:
    case Kind::kOptional:
    case Kind::kList:
    case Kind::kDict:
    case Kind::kUnknown:
    case Kind::kRange:
    case Kind::kModule:
    case Kind::kFunction:
    case Kind::kFunctionSet:
    case Kind::kBuiltin:
    case Kind::kTypeRef:
    case Kind::kExceptionClass:
    case Kind::kBoundMethod:
    case Kind::kDType:
    case Kind::kRecord:
    case Kind::kUnicodeCharSeq:
    case Kind::kNestedArray:
    case Kind::kNPGenerator:
    case Kind::kStructRef:
#define KILN_CASES_kIterator 1
#include "compiler/typing/kind_cases.def"
      return false;
  }
  return false;
}

}  // namespace

std::optional<absl::StatusOr<const Type*>> objmodeBuiltinCall(TypeContext& tc, const std::string& name,
                                                              const std::vector<const Type*>& args,
                                                              const std::string* key, const std::string* outputs) {
  if (name != "kiln.objmode_call") return std::nullopt;
  if (key == nullptr || outputs == nullptr || args.size() < 2)
    return absl::InvalidArgumentError("kiln.objmode_call() is the client's own call: its key and outputs are constants");
  for (size_t k = 2; k < args.size(); ++k)
    if (args[k]->kind == Kind::kUnknown) return tc.unknown();
  for (size_t k = 2; k < args.size(); ++k)
    if (!printable(args[k]))
      return absl::UnimplementedError(absl::StrCat("a with objmode() block reads a value of type ", args[k]->str(),
                                                   ", which cannot be handed to Python"));
  std::vector<const Type*> items;
  for (absl::string_view line : absl::StrSplit(*outputs, '\n', absl::SkipEmpty())) {
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) return absl::InvalidArgumentError(absl::StrCat("bad objmode output '", line, "'"));
    absl::string_view var = line.substr(0, eq), spelling = line.substr(eq + 1);
    absl::StatusOr<const Type*> t = tc.parse(spelling);
    if (!t.ok())
      return absl::InvalidArgumentError(absl::StrCat("with objmode(): the type of output '", var, "' (", spelling,
                                                     ") is not a type: ", t.status().message()));
    if (!unboxableOutput(*t))
      return absl::UnimplementedError(absl::StrCat("with objmode(): output '", var, "' of type ", (*t)->str(),
                                                   " is not supported (numbers, str, arrays of numbers and tuples "
                                                   "of them are)"));
    items.push_back(*t);
  }
  return tc.tuple(std::move(items));
}

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
