#pragma once
// SimplifyBlockParams: the cleanup that makes the frontend's SSA minimal.
// The SSA builder gives a loop header a param for every local and stack slot;
// this pass removes each param whose incoming args are all one value (or the
// param itself), replacing its uses by that value, and repeats until nothing
// changes. It also drops blocks unreachable from the entry and the `undef`
// values left without uses. It never changes what the function computes, and
// never touches the entry block's params (the function's arguments).

#include "compiler/ir/ir.h"

namespace kiln::transforms {

class SimplifyBlockParams {
 public:
  const char* name() const { return "simplify-block-params"; }
  void run(ir::Function& f);
};

}  // namespace kiln::transforms
