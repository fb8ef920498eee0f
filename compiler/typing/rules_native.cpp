// native: calls of C functions by address (a Numba WrapperAddressProtocol, a
// ctypes or cffi function). The client freezes each as the builtin
// "native:NAME|RESULT(PARAM,...)|KEY" (kiln/_native.py): NAME as the user
// wrote it (for messages), the signature in Kiln's spellings, KEY the
// function's stable identity. The call is typed as a call of a function of
// that signature is, as Numba types a first-class function's call: one
// argument per parameter, each a number or bool converted to the
// parameter's type. extfunc: a pointer parameter (`void*`, `T*`; a Numba
// ExternalFunction's voidptr and CPointer(T)) takes what Numba converts to
// one: `a.ctypes` of an array (ArrayCTypes; for `T*` only an array of T),
// and for `void*` an int as well (an address, `a.ctypes.data`). Lowering
// (lower_native.cpp) calls through a slot the runtime fills
// (runtime/cpu/kiln_native.h).
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "compiler/typing/array_ctypes.h"  // extfunc: a.ctypes as a pointer
#include "compiler/typing/rules.h"

namespace kiln::typing {

namespace {

bool nativeScalar(const Type* t) { return t->isNumber() && t->kind != Kind::kComplex; }

// A parameter as the signature spells it (`float64`, `void*`, `float64*`).
std::string paramSpelling(const NativeFunction& f, size_t k) {
  const Type* pointee = f.pointees[k];
  if (pointee == nullptr) return f.params[k]->str();
  return pointee->kind == Kind::kNone ? "void*" : absl::StrCat(pointee->str(), "*");
}

// An argument's type as the message names it: `a.ctypes` is Numba's
// ArrayCTypes(dtype=float64, ndim=2).
std::string argumentSpelling(const Type* arg, const Type* ctypes_of) {
  if (ctypes_of == nullptr) return arg->str();
  return absl::StrCat("ArrayCTypes(dtype=", ctypes_of->dtype()->str(), ", ndim=", ctypes_of->ndim, ")");
}

}  // namespace

bool isNativeFunctionName(absl::string_view builtin_name) {
  return absl::StartsWith(builtin_name, kNativeFunctionPrefix);
}

absl::StatusOr<NativeFunction> parseNativeFunction(TypeContext& tc, absl::string_view builtin_name) {
  if (!isNativeFunctionName(builtin_name)) return absl::InvalidArgumentError("not a native function");
  std::vector<absl::string_view> parts =
      absl::StrSplit(builtin_name.substr(kNativeFunctionPrefix.size()), absl::MaxSplits('|', 2));
  if (parts.size() != 3) return absl::InvalidArgumentError(absl::StrCat("bad native function '", builtin_name, "'"));
  NativeFunction out;
  out.name = std::string(parts[0]);
  out.key = std::string(parts[2]);
  const absl::string_view sig = parts[1];
  const size_t open = sig.find('(');
  if (open == absl::string_view::npos || sig.back() != ')' || out.key.empty())
    return absl::InvalidArgumentError(absl::StrCat("bad native function signature '", sig, "'"));
  absl::StatusOr<const Type*> result = tc.parse(sig.substr(0, open));
  if (!result.ok()) return result.status();
  if (!nativeScalar(*result) && (*result)->kind != Kind::kNone)
    return absl::InvalidArgumentError(absl::StrCat("native function '", out.name, "' returns ", (*result)->str(),
                                                   ": a number, bool or void is supported"));
  out.result = *result;
  const absl::string_view params = sig.substr(open + 1, sig.size() - open - 2);
  if (!params.empty())
    for (absl::string_view p : absl::StrSplit(params, ',')) {
      if (absl::ConsumeSuffix(&p, "*")) {  // extfunc: a pointer, to void or to a number
        const Type* pointee = tc.none();
        if (p != "void") {
          absl::StatusOr<const Type*> t = tc.parse(p);
          if (!t.ok()) return t.status();
          if (!(*t)->isNumber())
            return absl::InvalidArgumentError(absl::StrCat("native function '", out.name, "' takes a pointer to ",
                                                           (*t)->str(), ": pointers to numbers and void are "
                                                           "supported"));
          pointee = *t;
        }
        out.params.push_back(tc.integer(64, false));
        out.pointees.push_back(pointee);
        continue;
      }
      absl::StatusOr<const Type*> t = tc.parse(p);
      if (!t.ok()) return t.status();
      if (!nativeScalar(*t))
        return absl::InvalidArgumentError(absl::StrCat("native function '", out.name, "' takes ", (*t)->str(),
                                                       ": numbers, bool and pointers are supported"));
      out.params.push_back(*t);
      out.pointees.push_back(nullptr);
    }
  return out;
}

std::optional<absl::StatusOr<const Type*>> nativeBuiltinCall(TypeContext& tc, const std::string& name,
                                                             const std::vector<const Type*>& args,
                                                             const std::vector<const Type*>& ctypes_of,
                                                             const std::vector<std::string>& kwnames) {
  if (!isNativeFunctionName(name)) return std::nullopt;
  absl::StatusOr<NativeFunction> f = parseNativeFunction(tc, name);
  if (!f.ok()) return f.status();
  if (!kwnames.empty())
    return absl::InvalidArgumentError(
        absl::StrCat("native function '", f->name, "' takes no keyword arguments (got '", kwnames[0], "')"));
  if (args.size() != f->params.size())
    return absl::InvalidArgumentError(absl::StrCat("native function '", f->name, "' takes ", f->params.size(),
                                                   f->params.size() == 1 ? " argument" : " arguments", " but ",
                                                   args.size(), args.size() == 1 ? " was given" : " were given"));
  for (const Type* a : args)
    if (a->kind == Kind::kUnknown) return tc.unknown();
  for (size_t k = 0; k < args.size(); ++k) {
    const Type* pointee = f->pointees[k];
    const Type* array = k < ctypes_of.size() ? ctypes_of[k] : nullptr;
    bool ok;
    if (pointee == nullptr)
      ok = array == nullptr && nativeScalar(args[k]);
    else if (array != nullptr)  // ArrayCTypes converts to void* and to a pointer to its dtype
      ok = pointee->kind == Kind::kNone || array->dtype() == pointee;
    else
      ok = pointee->kind == Kind::kNone && args[k]->kind == Kind::kInt;
    if (!ok) {
      std::string why;
      if (pointee != nullptr && array == nullptr && args[k]->kind == Kind::kBuiltin && args[k]->name == kArrayCTypes)
        why = " (a.ctypes is passed only as one expression on the array a)";
      else if (pointee != nullptr && array == nullptr && args[k]->isArray())
        why = " (pass its a.ctypes)";
      return absl::InvalidArgumentError(absl::StrCat("native function '", f->name, "': argument ", k + 1, " of type ",
                                                     argumentSpelling(args[k], array), " cannot be converted to ",
                                                     paramSpelling(*f, k), why));
    }
  }
  return f->result;
}

}  // namespace kiln::typing
