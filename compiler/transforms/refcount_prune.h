#pragma once
// RefcountPrune: removes reference-count increments and decrements that
// cancel, on the LLVM IR that lowering produced (before optimisation, while
// they are still calls to kiln.incref / kiln.decref, which are always
// inlined afterwards).
//
// Rule: within one basic block, an incref(p) followed by a decref(p) of the
// same pointer (one SSA value, or one field extracted from one aggregate)
// cancels when everything between them is another
// incref/decref call or an instruction that neither touches memory nor has
// side effects. Then the object is not read or written between the two, and
// the count after the pair is what it was before, so removing both changes
// at most the moment of a free to an earlier refcount operation between
// them, where nothing can observe it. The incref matched is the nearest one.
//
// Lowering's ownership rules (lowering/ownership.h) produce such pairs where
// a value hands its reference on: an edge that passes a dying array to a
// block parameter, a return of a value that dies there, an op whose result
// is its operand (in-place arithmetic). Loops whose arrays are created
// outside them carry no refcount operations at all; the pass keeps it so
// for the hand-overs at their edges.
#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"

namespace kiln::transforms {

/// The module-internal functions lowering emits (defined in the module).
inline constexpr const char* kIncrefFunction = "kiln.incref";
inline constexpr const char* kDecrefFunction = "kiln.decref";

class RefcountPrune {
 public:
  const char* name() const { return "refcount-prune"; }
  /// Returns the number of pairs removed.
  int run(llvm::Function& f);
  int run(llvm::Module& m);
};

}  // namespace kiln::transforms
