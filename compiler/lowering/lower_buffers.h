#pragma once
// buffers: what lowering adds for bytes/bytearray/memoryview/array.array
// arguments (typing/rules_buffers.h); everything else they share with arrays.
#include <string>

#include "compiler/typing/types.h"
#include "llvm/IR/IRBuilder.h"

namespace kiln::lowering {

/// A memoryview's flag `name` (readonly, contiguous, c_contiguous,
/// f_contiguous) of the buffer value `arr` of type `t`, an i1.
llvm::Value* bufferFlag(llvm::IRBuilder<>& b, llvm::Value* arr, const typing::Type* t, const std::string& name);

}  // namespace kiln::lowering
