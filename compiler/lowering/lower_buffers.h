#pragma once
// buffers: what lowering adds for bytes/bytearray/memoryview/array.array
// arguments (typing/rules_buffers.h); everything else they share with arrays.
#include <string>

#include "compiler/ir/ir.h"
#include "compiler/typing/types.h"
#include "llvm/IR/IRBuilder.h"

namespace kiln::lowering {

/// A memoryview's flag `name` (readonly, contiguous, c_contiguous,
/// f_contiguous) of the buffer value `arr` of type `t`, an i1.
llvm::Value* bufferFlag(llvm::IRBuilder<>& b, llvm::Value* arr, const typing::Type* t, const std::string& name);

/// charseq: Python's comparison `op` (== != < <= > >=) of two Bytes values
/// (contiguous), lexicographic by unsigned byte as bytes compare; an i1.
llvm::Value* bytesCompare(llvm::IRBuilder<>& b, int op, llvm::Value* a, llvm::Value* c);
/// bytesm: `sub in hay` of two Bytes values (contiguous): whether sub is a
/// substring of hay (the empty one always is); an i1.
llvm::Value* bytesContains(llvm::IRBuilder<>& b, llvm::Value* hay, llvm::Value* sub);
/// bytesm: `c in hay` of a byte value c (an i64 in [0, 256), checked by the caller); an i1.
llvm::Value* bytesContainsByte(llvm::IRBuilder<>& b, llvm::Value* hay, llvm::Value* c);
/// charseq: a Bytes value's truth (not empty); an i1.
llvm::Value* bytesTruth(llvm::IRBuilder<>& b, llvm::Value* a);
/// charseq: a borrowed Bytes view of the `len` bytes at `p` (an S item or field, its trailing NULs cut).
llvm::Value* bytesView(llvm::IRBuilder<>& b, llvm::Value* p, llvm::Value* len);

}  // namespace kiln::lowering
