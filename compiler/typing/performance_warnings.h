#pragma once
// The performance warnings of a typed program, as Numba gives them
// (NumbaPerformanceWarning): a matrix product, np.dot, np.vdot or `@`,
// called on an array that is not contiguous (layout 'A'), which the BLAS
// call reads through a copy or a strided loop. Each is located at the user's
// call; the client emits them with warnings.warn_explicit (docs/errors.md).

#include <vector>

#include "compiler/diagnostic.h"
#include "compiler/typing/inference.h"

namespace kiln::typing {

/// The warnings of every reachable instance, in instance order, then
/// instruction order; one per call site.
std::vector<compiler::Diagnostic> performanceWarnings(const Program& program);

}  // namespace kiln::typing
