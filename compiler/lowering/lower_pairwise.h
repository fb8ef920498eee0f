#pragma once
// pairwise: NumPy's pairwise summation, the order in which NumPy's add
// reduction sums float items (numpy/_core/src/umath/loops_utils.h.src,
// `pairwise_sum`). A range of at most 128 items is summed with eight
// accumulators (accumulator j takes items j, j+8, j+16, ... in turn; they are
// added as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the items past the last
// multiple of 8 one by one); a longer range is split in two at half its
// length rounded down to a multiple of 8, each half summed alike and the two
// added. A reduction starts from the identity: the total is 0.0 + that sum.
//
// Summing in this order gives NumPy's bits (a loop from the first item to the
// last does not), and the eight accumulators break the chain of dependent
// adds, so the loop runs several times faster than a serial one.

#include <functional>

#include "llvm/IR/Type.h"
#include "llvm/IR/Value.h"

namespace kiln::lowering {

class FunctionLowering;

/// Item k (an i64, 0 <= k < n) of the range, in the accumulator's type. It is
/// emitted several times, at different points: it must compute from k alone.
using PairwiseItem = std::function<llvm::Value*(llvm::Value* k)>;

/// 0.0 + the pairwise sum of items 0..n-1 (n >= 0, an i64), in `acc` (float,
/// double). The recursion runs as a loop over an explicit stack of ranges.
llvm::Value* pairwiseSum(FunctionLowering& fl, llvm::Value* n, llvm::Type* acc, const PairwiseItem& item);

}  // namespace kiln::lowering
