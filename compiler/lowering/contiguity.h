#pragma once
// Contiguity: whether an array's elements lie one after another in memory,
// in C order (last dimension fastest) or F order (first fastest). A flat
// loop over such arrays reads and writes with unit stride, which LLVM's
// loop vectoriser turns into SIMD code; the elementwise loops
// (lower_arrays.cpp) and the fused loops (lower_fusion.cpp) both choose
// their flat loop by it.

#include "compiler/typing/types.h"
#include "llvm/IR/IRBuilder.h"

namespace kiln::lowering {

/// An i1: true when the array `arr` of type `t` is contiguous in `order`
/// ('C' or 'F'): known from its layout (a 1-d array of layout C or F is
/// both), or else checked at run time from its strides.
llvm::Value* isContiguous(llvm::IRBuilder<>& b, llvm::Value* arr, const typing::Type* t, char order);

}  // namespace kiln::lowering
