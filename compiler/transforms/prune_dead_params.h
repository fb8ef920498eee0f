#pragma once
// PruneDeadParams: removes the block params no instruction reads (pruned
// SSA). The SSA builder gives a loop header a param for every local; one a
// loop rebinds before it reads it (`for i in a: ...` then `for i in b: ...`)
// is dead at the header, and its incoming values may have unrelated types
// (int64 and unicode_type) that typing would otherwise have to unify. A param
// is live when an instruction (not an edge) uses it, or when it is passed to
// a live param; every other param is removed with the args its edges pass.
// It never changes what the function computes, and never touches the entry
// block's params (the function's arguments). Runs after SimplifyBlockParams.

#include "compiler/ir/ir.h"

namespace kiln::transforms {

class PruneDeadParams {
 public:
  const char* name() const { return "prune-dead-params"; }
  void run(ir::Function& f);
};

}  // namespace kiln::transforms
