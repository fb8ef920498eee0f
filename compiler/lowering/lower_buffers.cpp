// buffers: see lower_buffers.h.
#include "compiler/lowering/lower_buffers.h"

#include "compiler/lowering/data_model.h"
#include "llvm/IR/Module.h"

namespace kiln::lowering {

llvm::Value* bufferFlag(llvm::IRBuilder<>& b, llvm::Value* arr, const typing::Type* t, const std::string& name) {
  if (name == "readonly") return b.getInt1(t->readonly);
  // The layout is the exporter's contiguity as the client found it (C when
  // C-contiguous, else F when F-contiguous, else A), so it answers for its
  // own order and rules out both for A. Whether a C buffer is F-contiguous
  // too (or an F one C) depends on its shape, as CPython's test: at most
  // one dimension longer than 1, or no elements.
  const bool c = t->layout == 'C', f = t->layout == 'F';
  if (name == "contiguous") return b.getInt1(c || f);
  if ((name == "c_contiguous" && c) || (name == "f_contiguous" && f)) return b.getInt1(true);
  if (!(c || f) || (name != "c_contiguous" && name != "f_contiguous")) return b.getInt1(false);
  if (t->ndim <= 1) return b.getInt1(true);
  llvm::Value* longer = b.getInt64(0);
  llvm::Value* empty = b.getInt1(false);
  for (unsigned k = 0; k < static_cast<unsigned>(t->ndim); ++k) {
    llvm::Value* dim = b.CreateExtractValue(arr, {kShape, k});
    longer = b.CreateAdd(longer, b.CreateZExt(b.CreateICmpSGT(dim, b.getInt64(1)), b.getInt64Ty()));
    empty = b.CreateOr(empty, b.CreateICmpEQ(dim, b.getInt64(0)));
  }
  return b.CreateOr(empty, b.CreateICmpULE(longer, b.getInt64(1)));
}

llvm::Value* bytesCompare(llvm::IRBuilder<>& b, int op, llvm::Value* a, llvm::Value* c) {
  llvm::Module* mod = b.GetInsertBlock()->getModule();
  llvm::FunctionCallee memcmp = mod->getOrInsertFunction(
      "memcmp", llvm::FunctionType::get(b.getInt32Ty(), {b.getPtrTy(), b.getPtrTy(), b.getInt64Ty()}, false));
  llvm::Value* na = b.CreateExtractValue(a, {kShape, 0});
  llvm::Value* nc = b.CreateExtractValue(c, {kShape, 0});
  llvm::Value* n = b.CreateSelect(b.CreateICmpSLT(na, nc), na, nc);
  llvm::Value* r = b.CreateCall(memcmp, {b.CreateExtractValue(a, kData), b.CreateExtractValue(c, kData), n});
  // The first differing byte decides, else the shorter is less.
  llvm::Value* lengths = b.CreateSelect(b.CreateICmpSLT(na, nc), b.getInt32(-1),
                                        b.CreateSelect(b.CreateICmpSGT(na, nc), b.getInt32(1), b.getInt32(0)));
  llvm::Value* cmp = b.CreateSelect(b.CreateICmpNE(r, b.getInt32(0)), r, lengths);
  llvm::Value* zero = b.getInt32(0);
  switch (static_cast<ir::CompareOp>(op)) {
    case ir::CompareOp::kEq: return b.CreateICmpEQ(cmp, zero);
    case ir::CompareOp::kNe: return b.CreateICmpNE(cmp, zero);
    case ir::CompareOp::kLt: return b.CreateICmpSLT(cmp, zero);
    case ir::CompareOp::kLe: return b.CreateICmpSLE(cmp, zero);
    case ir::CompareOp::kGt: return b.CreateICmpSGT(cmp, zero);
    case ir::CompareOp::kGe: return b.CreateICmpSGE(cmp, zero);
    case ir::CompareOp::kIs:
    case ir::CompareOp::kIsNot:
    case ir::CompareOp::kIn:
    case ir::CompareOp::kNotIn:
      break;  // typing refuses these (rules_buffers.cpp)
  }
  return b.getInt1(false);
}

llvm::Value* bytesContains(llvm::IRBuilder<>& b, llvm::Value* hay, llvm::Value* sub) {
  llvm::Module* mod = b.GetInsertBlock()->getModule();
  llvm::FunctionCallee memmem = mod->getOrInsertFunction(
      "memmem", llvm::FunctionType::get(b.getPtrTy(), {b.getPtrTy(), b.getInt64Ty(), b.getPtrTy(), b.getInt64Ty()}, false));
  llvm::Value* nsub = b.CreateExtractValue(sub, {kShape, 0});
  llvm::Value* found = b.CreateCall(memmem, {b.CreateExtractValue(hay, kData), b.CreateExtractValue(hay, {kShape, 0}),
                                             b.CreateExtractValue(sub, kData), nsub});
  // The empty bytes is in every bytes, whatever memmem returns for an empty
  // haystack (whose data pointer may be null).
  return b.CreateOr(b.CreateICmpEQ(nsub, b.getInt64(0)), b.CreateICmpNE(found, llvm::ConstantPointerNull::get(b.getPtrTy())));
}

llvm::Value* bytesContainsByte(llvm::IRBuilder<>& b, llvm::Value* hay, llvm::Value* c) {
  llvm::Module* mod = b.GetInsertBlock()->getModule();
  llvm::FunctionCallee memchr = mod->getOrInsertFunction(
      "memchr", llvm::FunctionType::get(b.getPtrTy(), {b.getPtrTy(), b.getInt32Ty(), b.getInt64Ty()}, false));
  llvm::Value* found = b.CreateCall(
      memchr, {b.CreateExtractValue(hay, kData), b.CreateTrunc(c, b.getInt32Ty()), b.CreateExtractValue(hay, {kShape, 0})});
  return b.CreateICmpNE(found, llvm::ConstantPointerNull::get(b.getPtrTy()));
}

llvm::Value* bytesTruth(llvm::IRBuilder<>& b, llvm::Value* a) {
  return b.CreateICmpNE(b.CreateExtractValue(a, {kShape, 0}), b.getInt64(0));
}

llvm::Value* bytesView(llvm::IRBuilder<>& b, llvm::Value* p, llvm::Value* len) {
  llvm::Type* dims = llvm::ArrayType::get(b.getInt64Ty(), 1);
  llvm::Type* ptr = b.getPtrTy();
  llvm::Value* view = llvm::PoisonValue::get(llvm::StructType::get(b.getContext(), {ptr, ptr, dims, dims}));
  view = b.CreateInsertValue(view, llvm::ConstantPointerNull::get(b.getPtrTy()), kMeminfo);
  view = b.CreateInsertValue(view, p, kData);
  view = b.CreateInsertValue(view, len, {kShape, 0});
  return b.CreateInsertValue(view, b.getInt64(1), {kStrides, 0});
}

}  // namespace kiln::lowering
