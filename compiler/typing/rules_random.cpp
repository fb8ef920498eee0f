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
  // shape(size): a size= given as an int or a tuple of ints, as a tuple
  // (so that `shape(size) + (k,)` is the shape of a multinomial's result).
  if (id == BuiltinId::kRngShape) {
    const Type* s = args[0];
    auto isInt = [](const Type* t) { return t->kind == Kind::kInt; };
    if (isInt(s)) return tc.tuple({tc.integer(64, true)});
    bool ok = s->kind == Kind::kTuple && !s->items.empty();
    if (ok)
      for (const Type* t : s->items) ok = ok && isInt(t) && t == s->items[0];
    if (!ok) return absl::InvalidArgumentError(absl::StrCat("size should be int or tuple of ints or None, got ", s->str()));
    return tc.tuple(std::vector<const Type*>(s->items.size(), tc.integer(64, true)));
  }
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
    case BuiltinId::kRngShape:
    default:
      break;
  }
  return absl::InternalError(absl::StrCat("'", builtinInfo(id).name, "' is not a random primitive"));
}

}  // namespace kiln::typing
