// Random streams: the typing of the primitives kiln.rng.* (builtins.def,
// runtime/cpu/kiln_random.h) that the library's numpy.random and random
// functions are written over. Every argument is an integer (the stream, a
// seed); the results are int64 (32 random bits), float64 or None.
#include "absl/strings/str_cat.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

absl::StatusOr<const Type*> randomBuiltinCall(TypeContext& tc, BuiltinId id, const std::vector<const Type*>& args) {
  // array_or_none(x): x itself when it is an array, else None, so that a
  // library function tells `choice(5)` from `choice(arr)` at compile time
  // (a helper's `arr is None` is pruned: prune_none_branches.h).
  if (id == BuiltinId::kRngArrayOrNone) return args[0]->kind == Kind::kArray ? args[0] : tc.none();
  for (const Type* a : args)
    if (a->kind != Kind::kInt && a->kind != Kind::kBool)
      return absl::InvalidArgumentError(
          absl::StrCat("'", builtinInfo(id).name, "' takes integer arguments, not ", a->str()));
  switch (id) {
    case BuiltinId::kRngSeed:
      return tc.none();
    case BuiltinId::kRngNextU32:
      return tc.integer(64, true);
    case BuiltinId::kRngNextDouble:
    case BuiltinId::kRngGauss:
      return tc.floating(64);
    case BuiltinId::kRngArrayOrNone:
    default:
      break;
  }
  return absl::InternalError(absl::StrCat("'", builtinInfo(id).name, "' is not a random primitive"));
}

}  // namespace kiln::typing
