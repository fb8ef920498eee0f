#pragma once
// ParallelLoops: which prange loops of a parallel=True function run on the
// thread pool (docs/architecture.md "Parallel loops").
//
// A prange loop is a for loop over `prange(...)` (Numba's or kiln's) in a
// bundle function that carries the "<parallel>" global (bundle.py: the
// function was decorated with parallel=True). Elsewhere prange is range.
// The pass marks a loop parallel (its for_iter gets the name "prange", which
// the printer shows and lowering reads) only when its iterations are
// independent by construction, Numba's rules without reductions:
//  - the loop header holds only the for_iter and has no parameters: no
//    value is carried from one iteration into the next (`s += x[i]`);
//  - no value defined in the body is used after the loop;
//  - the body leaves the loop only back through the header or by raising
//    (no break, no return, no try/except inside it);
//  - what the body reads from outside it is immutable or an array
//    (numbers, strings, tuples of them, arrays, functions, classes): no
//    list, dict, set, iterator or random generator of the caller;
//  - its only effects outside the iteration are stores into array elements
//    and calls of compiled functions that, transitively, neither draw random
//    numbers (one shared generator), print, nor run object-mode blocks.
// A prange loop inside a parallel loop's body runs serially, silently (no
// nested parallelism). Every other prange loop of a parallel function runs
// serially with a performance warning at its line that names the reason.

#include <vector>

#include "compiler/diagnostic.h"
#include "compiler/ir/ir.h"
#include "compiler/typing/inference.h"

namespace kiln::typing {

/// The blocks of the loop whose header ends in for_iter `loop`: those
/// reachable from its body edge without passing through the header, in
/// block order. Lowering outlines exactly these (lowering/lower_parallel.cpp).
std::vector<const ir::Block*> loopBody(const ir::Instr& loop);

class ParallelLoops {
 public:
  const char* name() const { return "parallel-loops"; }
  /// Marks the parallel loops of every reachable instance; the warnings of
  /// the loops that stay serial, in instance then block order.
  std::vector<compiler::Diagnostic> run(Program& program);
};

}  // namespace kiln::typing
