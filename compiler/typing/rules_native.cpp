// native: calls of C functions by address (a Numba WrapperAddressProtocol, a
// ctypes or cffi function). The client freezes each as the builtin
// "native:NAME|RESULT(PARAM,...)|KEY" (kiln/_native.py): NAME as the user
// wrote it (for messages), the signature in Kiln's spellings, KEY the
// function's stable identity. The call is typed as a call of a function of
// that signature is, as Numba types a first-class function's call: one
// argument per parameter, each a number or bool converted to the
// parameter's type. Lowering (lower_native.cpp) calls through a slot the
// runtime fills (runtime/cpu/kiln_native.h).
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

namespace {

bool nativeScalar(const Type* t) { return t->isNumber() && t->kind != Kind::kComplex; }

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
      absl::StatusOr<const Type*> t = tc.parse(p);
      if (!t.ok()) return t.status();
      if (!nativeScalar(*t))
        return absl::InvalidArgumentError(absl::StrCat("native function '", out.name, "' takes ", (*t)->str(),
                                                       ": numbers and bool are supported"));
      out.params.push_back(*t);
    }
  return out;
}

std::optional<absl::StatusOr<const Type*>> nativeBuiltinCall(TypeContext& tc, const std::string& name,
                                                             const std::vector<const Type*>& args,
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
  for (size_t k = 0; k < args.size(); ++k)
    if (!nativeScalar(args[k]))
      return absl::InvalidArgumentError(absl::StrCat("native function '", f->name, "': argument ", k + 1, " of type ",
                                                     args[k]->str(), " cannot be converted to ",
                                                     f->params[k]->str()));
  return f->result;
}

}  // namespace kiln::typing
