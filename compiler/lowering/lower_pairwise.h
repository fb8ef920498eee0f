#pragma once
// pairwise: NumPy's pairwise summation, the order in which NumPy's add
// reduction sums float and complex items (numpy/_core/src/umath/
// loops_utils.h.src, `pairwise_sum`).
//
// Floats: a range of at most 128 items is summed with eight accumulators
// (accumulator j takes items j, j+8, j+16, ... in turn; they are added as
// ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the items past the last multiple
// of 8 one by one; a range of fewer than 8 items one by one from 0.0); a
// longer range is split in two at half its length rounded down to a multiple
// of 8, each half summed alike and the two added.
//
// Complex: NumPy runs the same scheme over the interleaved (real, imaginary)
// scalars, with the real and imaginary parts in separate accumulators, so
// counted in items everything halves: a leaf is at most 64 items, summed with
// four accumulators per part (accumulator j takes items j, j+4, ...; added as
// (r0+r1)+(r2+r3), then the items past the last multiple of 4 one by one; a
// range of fewer than 4 items one by one); a longer range is split at half
// its length rounded down to a multiple of 4 items (for 65 items: 32 + 33).
// A complex64's parts are summed in float32. (Found by experiment against
// NumPy 2.4: tests/integration/test_pairwise_complex_sums.py.)
//
// A reduction starts from the identity: the total is 0.0 + that sum (each
// part, for a complex).
//
// Summing in this order gives NumPy's bits (a loop from the first item to the
// last does not), and the independent accumulators break the chain of
// dependent adds, so the loop runs several times faster than a serial one.

#include <functional>

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Type.h"
#include "llvm/IR/Value.h"

namespace kiln::lowering {

class FunctionLowering;

/// Item k (an i64, 0 <= k < n) of the range, in the accumulator's type. It is
/// emitted several times, at different points: it must compute from k alone.
using PairwiseItem = std::function<llvm::Value*(llvm::Value* k)>;

/// 0.0 + the pairwise sum of items 0..n-1 (n >= 0, an i64), in `acc`: float,
/// double, or a complex value type (a struct {part, part}), in NumPy's order
/// for that kind. The recursion runs as a loop over an explicit stack of
/// ranges.
llvm::Value* pairwiseSum(FunctionLowering& fl, llvm::Value* n, llvm::Type* acc, const PairwiseItem& item);

/// x + y in a pairwise accumulator type (float, or complex part by part), as
/// NumPy adds partial sums.
llvm::Value* pairwiseAdd(llvm::IRBuilder<>& b, llvm::Value* x, llvm::Value* y);

/// A constant of a pairwise accumulator type with every part `v`.
llvm::Value* pairwiseConstant(llvm::Type* acc, double v);

}  // namespace kiln::lowering
