#pragma once
// float16: the conversions between half and float/double that x86-64 code
// generation calls by name (__extendhfsf2, __truncsfhf2, __truncdfhf2,
// __extendhfdf2) when the target lacks F16C. They live in compiler-rt or
// libgcc, which a Kiln shared object does not link (it names libm only), so
// the module defines them itself, hidden, in integer arithmetic that rounds
// to nearest even as IEEE 754 (and NumPy's npy_float_to_half) does.
#include "llvm/IR/Module.h"

namespace kiln::compiler::cpu {

/// Defines the half conversion routines in `module` when one of its
/// functions computes with `half` values; does nothing otherwise.
void addHalfConversions(llvm::Module& module);

}  // namespace kiln::compiler::cpu
