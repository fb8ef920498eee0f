// PruneNoneBranches: Numba's dead-branch pruning of `arg is None` and
// `arg is not None` for one instance, before it is typed.
//
// A library function such as `numpy.random.normal(loc=0.0, scale=1.0,
// size=None)` returns a scalar when `size` is None and an array otherwise;
// only one of the two paths can be typed for a given call. With the
// instance's argument types known, a branch on `p is None` / `p is not
// None` (optionally through `not` or truth) where `p` is an entry parameter
// is decided now: it becomes a jump to the side taken, and the blocks no
// longer reachable from the entry are removed, so they are never typed.
// Anything else (a variable that was reassigned, a computed value) is left
// for typing as it was.
#ifndef KILN_COMPILER_TYPING_PRUNE_NONE_BRANCHES_H
#define KILN_COMPILER_TYPING_PRUNE_NONE_BRANCHES_H

#include <vector>

#include "compiler/ir/ir.h"
#include "compiler/typing/types.h"

namespace kiln::typing {

/// Prunes `f` for the entry parameter types `args`; true when it changed.
bool pruneNoneBranches(ir::Function& f, const std::vector<const Type*>& args);

}  // namespace kiln::typing

#endif  // KILN_COMPILER_TYPING_PRUNE_NONE_BRANCHES_H
