#pragma once
// How Kiln types are represented in LLVM IR.
//  - value form (in SSA registers): bool is i1, intN is iN, float16/32/64 are half/
//    float/double, a tuple is a literal struct of its items, range is
//    {start, stop, step}, iterators are pointers to their state (an alloca),
//    an array is the kiln_abi.h struct {meminfo, data, [nd x i64] shape,
//    [nd x i64] strides} (its elements in memory form), a bound method is
//    its receiver, a record is {meminfo, data} (recown: the meminfo of the
//    array whose bytes `data` points into, null when the record is borrowed
//    from memory the caller keeps alive; docs/records-memory.md),
//    and values with no run-time content (modules, functions, none) are i8.
//  - memory form (entry-point arguments and results, see kiln_abi.h): the
//    same, except bool is i8, so the layout is the C struct layout. A record
//    argument or result of the exported entry is the exception: a pointer to
//    its bytes, and the bytes themselves (lower.cpp, lowerProgram).
#include "compiler/typing/types.h"
#include "llvm/IR/IRBuilder.h"

namespace kiln::lowering {

/// The fields of an array's struct (kiln_abi.h), as extractvalue indices.
enum ArrayField : unsigned { kMeminfo = 0, kData = 1, kShape = 2, kStrides = 3 };
/// strings: the fields of a str's struct (KilnStr, kiln_unicode.h).
enum StrField : unsigned { kStrMeminfo = 0, kStrData = 1, kStrLength = 2, kStrKind = 3 };
/// recown: the fields of a record's struct, at the array's indices.
enum RecordField : unsigned { kRecordMeminfo = kMeminfo, kRecordData = kData };
/// The bytes of one element of dtype in memory form.
inline int64_t itemSize(const typing::Type* dtype) {
  if (dtype->isDatetimeLike()) return 8;  // datetime: int64
  if (dtype->kind == typing::Kind::kRecord) return dtype->index;  // records: the itemsize
  if (dtype->kind == typing::Kind::kUnicodeCharSeq) return 4 * int64_t{dtype->index};  // records: UCS4
  return dtype->kind == typing::Kind::kBool ? 1 : dtype->bits / 8;
}

llvm::Type* valueType(llvm::LLVMContext& ctx, const typing::Type* t);
/// strings: a str's value form, KilnStr {meminfo, data, length, kind}.
llvm::StructType* strStruct(llvm::LLVMContext& ctx);
/// A complex value of the struct type `ct` ({part, part}) from its parts.
llvm::Value* complexValue(llvm::IRBuilder<>& b, llvm::Type* ct, llvm::Value* re, llvm::Value* im);
llvm::Type* memoryType(llvm::LLVMContext& ctx, const typing::Type* t);
llvm::Value* toMemory(llvm::IRBuilder<>& b, llvm::Value* v, const typing::Type* t);
llvm::Value* fromMemory(llvm::IRBuilder<>& b, llvm::Value* v, const typing::Type* t);

/// Converts v from type `from` to type `to` as Python's implicit numeric
/// widening does (and int(float) truncation). Unknown `from` gives poison.
llvm::Value* convert(llvm::IRBuilder<>& b, llvm::Value* v, const typing::Type* from, const typing::Type* to);
/// datetime: a datetime64/timedelta64 value of type `from` in the unit of
/// `to` (NaT stays NaT; a datetime in years or months goes through the
/// calendar). lower_datetime.cpp.
llvm::Value* datetimeToUnit(llvm::IRBuilder<>& b, llvm::Value* v, const typing::Type* from, const typing::Type* to);

}  // namespace kiln::lowering
