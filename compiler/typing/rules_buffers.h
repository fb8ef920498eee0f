#pragma once
// buffers: bytes, bytearray, memoryview and array.array arguments, typed as
// Numba types them: an Array whose `name` is the exporter ("Bytes",
// "bytearray", "memoryview", "pyarray"), over the exporter's memory (the
// client reads it through the buffer protocol). Everything an array does
// they do (len, indexing, iteration, stores unless read-only, .shape,
// .strides, .itemsize, .nbytes, .ndim); a memoryview also has the flags
// .readonly, .contiguous, .c_contiguous and .f_contiguous. As in Numba, a
// bytearray or array.array is not sliced (a slice of one is a copy in
// Python, which compiled code does not make).
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "compiler/ir/ir.h"
#include "compiler/typing/types.h"

namespace kiln::typing {

/// A buffer argument's type (an Array named for its exporter).
inline bool isBuffer(const Type* t) { return t->kind == Kind::kArray && !t->name.empty(); }
/// charseq: a bytes value (an S item or field, a bytes argument): Bytes(uint8, 1d, C).
inline bool isBytes(const Type* t) { return t->kind == Kind::kArray && t->name == "Bytes"; }
/// chararrays: an S array's dtype, a record of no fields spelled "[char x N]" (N bytes).
inline bool isCharDtype(const Type* t) {
  return t->kind == Kind::kRecord && t->field_names.empty() && t->name.rfind("[char x ", 0) == 0;
}
/// The type of buffer attribute `attr` (a memoryview's flags), or null.
const Type* bufferAttr(TypeContext& tc, const Type* buffer, const std::string& attr);
/// bytesm: the type of kiln.bytes.of(a) (a 1-d C uint8 array made in compiled
/// code, whose block the bytes value takes over): Bytes(uint8, 1d, C).
absl::StatusOr<const Type*> bytesOfCall(TypeContext& tc, const std::vector<const Type*>& args);
/// bytes2: the type of a bytes value made in compiled code: Bytes(uint8, 1d, C).
const Type* bytesType(TypeContext& tc);
/// bytes2: the type of `a op b` when it is a bytes operation (Python's
/// `b1 + b2`, `b * n`, `n * b` of Bytes values and an int or bool): a new
/// Bytes(uint8, 1d, C); null otherwise.
const Type* bytesBinaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b);
/// bytes2: the type of kiln.str.of(a) (a 1-d C uint8, uint16 or uint32 array of code points): str.
absl::StatusOr<const Type*> strOfCodesCall(TypeContext& tc, const std::vector<const Type*>& args);
/// Why `buffer[index]` is refused (a slice of a bytearray or array.array); empty when it is not.
std::string bufferIndexProblem(const Type* buffer, const Type* index);

}  // namespace kiln::typing
