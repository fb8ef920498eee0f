// records: a record (typing/rules_records.cpp) is a pointer to its bytes
// inside an array (or a record argument's buffer). A field is read and
// written at its offset with alignment 1: a packed dtype (NumPy's default,
// align=False) puts fields at any offset, and x86 loads them at no cost.
// A field of an array of records is the array's struct with the data
// pointer moved to the field: same shape and strides, same memory.
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

using typing::Kind;

llvm::Value* FunctionLowering::recordFieldPtr(llvm::Value* rec, const typing::Type* rt, int k) {
  return b_.CreateGEP(b_.getInt8Ty(), rec, b_.getInt64(rt->field_offsets[static_cast<size_t>(k)]));
}

llvm::Value* FunctionLowering::recordLoad(llvm::Value* rec, const typing::Type* rt, int k) {
  const typing::Type* ft = rt->items[static_cast<size_t>(k)];
  llvm::Value* p = recordFieldPtr(rec, rt, k);
  if (ft->isRecord()) return p;  // a nested record: a pointer to its bytes too
  if (ft->kind == Kind::kUnicodeCharSeq) return strFromUcs4Field(p, ft->index);  // a U field: a new str
  return fromMemory(b_, b_.CreateAlignedLoad(memoryType(ctx_, ft), p, llvm::Align(1)), ft);
}

void FunctionLowering::recordStore(llvm::Value* rec, const typing::Type* rt, int k, const ir::Value* v) {
  const typing::Type* ft = rt->items[static_cast<size_t>(k)];
  llvm::Value* p = recordFieldPtr(rec, rt, k);
  if (ft->isRecord()) {
    storeElement(p, value(v), ft);
    return;
  }
  llvm::Value* x = converted(v, typing::enumAsNumber(ft));
  b_.CreateAlignedStore(toMemory(b_, x, ft), p, llvm::Align(1));
}

llvm::Value* FunctionLowering::recordArrayFieldView(llvm::Value* arr, const typing::Type* at, const std::string& name) {
  const typing::Type* rt = at->dtype();
  const int k = rt->recordField(name);
  llvm::Value* data = b_.CreateExtractValue(arr, kData);
  return b_.CreateInsertValue(arr, recordFieldPtr(data, rt, k), kData);
}

}  // namespace kiln::lowering
