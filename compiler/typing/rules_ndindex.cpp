// ndindex: the typing of kiln.nd.unravel(k, shape) (builtins.def), the
// primitive the library's np.ndindex and np.ndenumerate are written over
// (kiln/library/numpy_functions.py): the C-order index tuple of flat
// position k in shape, one int64 per dimension.
#include "absl/strings/str_cat.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

absl::StatusOr<const Type*> ndUnravelCall(TypeContext& tc, const std::vector<const Type*>& args) {
  auto isInt = [](const Type* t) { return t->kind == Kind::kInt || t->kind == Kind::kBool; };
  if (!isInt(args[0]))
    return absl::InvalidArgumentError(absl::StrCat("an index must be an integer, not ", args[0]->str()));
  const Type* s = args[1];
  bool ok = s->kind == Kind::kTuple;
  if (ok)
    for (const Type* t : s->items) ok = ok && t->kind == Kind::kInt;
  if (!ok) return absl::InvalidArgumentError(absl::StrCat("a shape must be a tuple of integers, not ", s->str()));
  return tc.tuple(std::vector<const Type*>(s->items.size(), tc.integer(64, true)));
}

}  // namespace kiln::typing
