#pragma once
// Kiln IR (typed) -> LLVM IR. One internal function per reachable instance,
//   i32 @symbol(ptr ret, ptr err, <args in value form>)
// returning KILN_OK or an error kind (with *err filled in), and one exported
// entry point with the uniform ABI of runtime/cpu/kiln_abi.h.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/typing/inference.h"
#include "llvm/IR/FMF.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace kiln::lowering {

/// With `boundscheck`, an array index out of range raises IndexError;
/// without it (Numba's default) it is undefined behaviour, and the index
/// arithmetic is left free for LLVM to vectorize. With `numpy_error_model`
/// (error_model='numpy') scalar division by zero follows NumPy instead of
/// raising ZeroDivisionError: float / and // give inf or nan, float % nan,
/// integer // and % give 0. `fastmath` goes on every floating-point
/// operation and call, and the matching "*-fp-math" attributes on every
/// function. With `numpy_fma` (TargetBackend::numpyFusesComplexMultiply)
/// the complex multiply of NumPy's array loops fuses as NumPy's does there.
absl::StatusOr<std::unique_ptr<llvm::Module>> lowerProgram(const typing::Program& program, llvm::LLVMContext& ctx,
                                                           const std::string& entry_symbol, bool boundscheck,
                                                           bool numpy_error_model = false,
                                                           llvm::FastMathFlags fastmath = {}, bool numpy_fma = false);

/// The flags for Options::fastmath (`all`) / fastmath_flags (names from
/// compiler::fastMathFlagNames(), already checked; others are ignored).
llvm::FastMathFlags fastMathFlags(bool all, const std::vector<std::string>& names);

}  // namespace kiln::lowering
