// buffers: see lower_buffers.h.
#include "compiler/lowering/lower_buffers.h"

#include "compiler/lowering/data_model.h"

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

}  // namespace kiln::lowering
