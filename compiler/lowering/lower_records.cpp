// records: a record (typing/rules_records.cpp) is a pointer to its bytes
// inside an array (or a record argument's buffer), with the meminfo of that
// array (recown: null when borrowed from the caller; docs/records-memory.md). A field is read and
// written at its offset with alignment 1: a packed dtype (NumPy's default,
// align=False) puts fields at any offset, and x86 loads them at no cost.
// A field of an array of records is the array's struct with the data
// pointer moved to the field: same shape and strides, same memory.
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

using typing::Kind;

llvm::Value* FunctionLowering::recordFieldPtr(llvm::Value* data, const typing::Type* rt, int k) {
  return b_.CreateGEP(b_.getInt8Ty(), data, b_.getInt64(rt->field_offsets[static_cast<size_t>(k)]));
}

namespace {

// records2: a subarray field's C strides, in bytes.
std::vector<int64_t> nestedStrides(const typing::Type* ft) {
  std::vector<int64_t> strides(ft->field_offsets.size());
  int64_t step = itemSize(ft->items[0]);
  for (size_t d = strides.size(); d-- > 0;) {
    strides[d] = step;
    step *= ft->field_offsets[d];
  }
  return strides;
}

}  // namespace

llvm::Value* FunctionLowering::recordLoad(llvm::Value* rec, const typing::Type* rt, int k) {
  const typing::Type* ft = rt->items[static_cast<size_t>(k)];
  llvm::Value* p = recordFieldPtr(b_.CreateExtractValue(rec, kRecordData), rt, k);
  if (ft->isRecord()) return recordValue(b_.CreateExtractValue(rec, kRecordMeminfo), p);  // a nested record: its bytes, the same block
  if (ft->kind == Kind::kUnicodeCharSeq && ft->name == "char") {  // charseq: an S field, a new Bytes without its trailing NULs
    llvm::AllocaInst* len = entryAlloca(b_.getInt64Ty(), "s.len");
    b_.CreateStore(b_.getInt64(0), len);
    loop(b_.getInt64(ft->index), [&](llvm::Value* k) {
      llvm::Value* c = b_.CreateLoad(b_.getInt8Ty(), b_.CreateGEP(b_.getInt8Ty(), p, k));
      llvm::Value* was = b_.CreateLoad(b_.getInt64Ty(), len);
      b_.CreateStore(b_.CreateSelect(b_.CreateICmpNE(c, b_.getInt8(0)), b_.CreateAdd(k, b_.getInt64(1)), was), len);
    });
    // bytesm: a copy, as Python's r['n'] is a new bytes object: a view
    // changed when the array was written after (a['n'][0] = b'zz'). The
    // field read is a root (ownership.cpp), which takes the new block.
    llvm::Value* n = b_.CreateLoad(b_.getInt64Ty(), len);
    llvm::Value* out = newArray(*types().parse("Bytes(uint8, 1d, C)"), {n});
    b_.CreateMemCpy(b_.CreateExtractValue(out, kData), llvm::MaybeAlign(1), p, llvm::MaybeAlign(1), n);
    return out;
  }
  if (ft->kind == Kind::kUnicodeCharSeq) return strFromUcs4Field(p, ft->index);  // a U field: a new str
  if (ft->kind == Kind::kNestedArray) {  // records2: a C array view of the field's bytes; recown: the record's block
    llvm::Type* dims = llvm::ArrayType::get(b_.getInt64Ty(), ft->ndim);
    llvm::Type* ptr = llvm::PointerType::getUnqual(ctx_);
    llvm::Value* view = llvm::PoisonValue::get(llvm::StructType::get(ctx_, {ptr, ptr, dims, dims}));
    view = b_.CreateInsertValue(view, b_.CreateExtractValue(rec, kRecordMeminfo), kMeminfo);
    view = b_.CreateInsertValue(view, p, kData);
    const std::vector<int64_t> strides = nestedStrides(ft);
    for (int d = 0; d < ft->ndim; ++d) {
      view = b_.CreateInsertValue(view, b_.getInt64(ft->field_offsets[static_cast<size_t>(d)]), {kShape, static_cast<unsigned>(d)});
      view = b_.CreateInsertValue(view, b_.getInt64(strides[static_cast<size_t>(d)]), {kStrides, static_cast<unsigned>(d)});
    }
    return view;
  }
  return fromMemory(b_, b_.CreateAlignedLoad(memoryType(ctx_, ft), p, llvm::Align(1)), ft);
}

void FunctionLowering::recordStore(llvm::Value* rec, const typing::Type* rt, int k, const ir::Value* v) {
  const typing::Type* ft = rt->items[static_cast<size_t>(k)];
  llvm::Value* p = recordFieldPtr(b_.CreateExtractValue(rec, kRecordData), rt, k);
  if (ft->isRecord()) {
    storeElement(p, value(v), ft);
    return;
  }
  if (ft->kind == Kind::kNestedArray) {  // records3: r.x = arr copies into the field, broadcast as NumPy does
    storeIntoView(Typed{types().array(ft->items[0], ft->ndim, 'C'), recordLoad(rec, rt, k)}, v);
    return;
  }
  llvm::Value* x = converted(v, typing::enumAsNumber(ft));
  b_.CreateAlignedStore(toMemory(b_, x, ft), p, llvm::Align(1));
}

llvm::Value* FunctionLowering::recordArrayFieldView(llvm::Value* arr, const typing::Type* at, const std::string& name) {
  const typing::Type* rt = at->dtype();
  const int k = rt->recordField(name);
  llvm::Value* data = b_.CreateExtractValue(arr, kData);
  const typing::Type* ft = rt->items[static_cast<size_t>(k)];
  if (ft->kind == Kind::kNestedArray) {  // records2: the array's dimensions, then the subarray's
    const unsigned nd = static_cast<unsigned>(at->ndim), sub = static_cast<unsigned>(ft->ndim);
    llvm::Type* dims = llvm::ArrayType::get(b_.getInt64Ty(), nd + sub);
    llvm::Type* ptr = llvm::PointerType::getUnqual(ctx_);
    llvm::Value* view = llvm::PoisonValue::get(llvm::StructType::get(ctx_, {ptr, ptr, dims, dims}));
    view = b_.CreateInsertValue(view, b_.CreateExtractValue(arr, kMeminfo), kMeminfo);
    view = b_.CreateInsertValue(view, recordFieldPtr(data, rt, k), kData);
    for (unsigned d = 0; d < nd; ++d) {
      view = b_.CreateInsertValue(view, b_.CreateExtractValue(arr, {kShape, d}), {kShape, d});
      view = b_.CreateInsertValue(view, b_.CreateExtractValue(arr, {kStrides, d}), {kStrides, d});
    }
    const std::vector<int64_t> strides = nestedStrides(ft);
    for (unsigned d = 0; d < sub; ++d) {
      view = b_.CreateInsertValue(view, b_.getInt64(ft->field_offsets[d]), {kShape, nd + d});
      view = b_.CreateInsertValue(view, b_.getInt64(strides[d]), {kStrides, nd + d});
    }
    return view;
  }
  return b_.CreateInsertValue(arr, recordFieldPtr(data, rt, k), kData);
}

}  // namespace kiln::lowering
