// linalg: kiln.linalg.call(op, a, b, c, d, e) as a call through the runtime
// table's `linalg` field (runtime/cpu/kiln_linalg.h, KilnLinalgApi.call),
// the arrays passed as KilnLinalgArray descriptors on the stack. The
// BLAS/LAPACK behind it is the one the client found at load time, so the
// compiled object has no undefined symbols (docs/linalg.md).
#include <cstddef>

#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "kiln_linalg.h"
#include "kiln_rt.h"

namespace kiln::lowering {

namespace {
// The KILN_LA_* code of an array's dtype.
int64_t linalgDtype(const typing::Type* d) {
  switch (d->kind) {
    case typing::Kind::kFloat:
      return d->bits == 32 ? KILN_LA_F32 : d->bits == 64 ? KILN_LA_F64 : KILN_LA_OTHER;
    case typing::Kind::kComplex:
      return d->bits == 64 ? KILN_LA_C64 : d->bits == 128 ? KILN_LA_C128 : KILN_LA_OTHER;
    case typing::Kind::kInt:
      if (!d->is_signed) return d->bits == 8 ? KILN_LA_U8 : KILN_LA_OTHER;
      return d->bits == 64 ? KILN_LA_I64 : d->bits == 32 ? KILN_LA_I32 : d->bits == 16 ? KILN_LA_I16 : KILN_LA_I8;
    case typing::Kind::kBool:
      return KILN_LA_U8;
    default:
      return KILN_LA_OTHER;
  }
}
}  // namespace

llvm::Value* FunctionLowering::linalgCall(const std::vector<const ir::Value*>& args) {
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::Type* ptr = b_.getPtrTy();
  // KilnLinalgArray: {data, dtype, ndim, shape[2], strides[2]}.
  auto* desc = llvm::StructType::get(ctx_, {ptr, i64, i64, llvm::ArrayType::get(i64, 2), llvm::ArrayType::get(i64, 2)});
  static_assert(sizeof(KilnLinalgArray) == 7 * 8, "KilnLinalgArray layout");
  const unsigned n = static_cast<unsigned>(args.size() - 1);
  llvm::AllocaInst* descs = entryAlloca(llvm::ArrayType::get(desc, n), "linalg.args");
  for (unsigned k = 0; k < n; ++k) {
    const typing::Type* at = args[k + 1]->type;
    llvm::Value* arr = value(args[k + 1]);
    llvm::Value* slot = b_.CreateConstInBoundsGEP2_32(llvm::ArrayType::get(desc, n), descs, 0, k);
    b_.CreateStore(b_.CreateExtractValue(arr, kData), b_.CreateStructGEP(desc, slot, 0));
    b_.CreateStore(b_.getInt64(linalgDtype(at->dtype())), b_.CreateStructGEP(desc, slot, 1));
    b_.CreateStore(b_.getInt64(at->ndim), b_.CreateStructGEP(desc, slot, 2));
    for (unsigned d = 0; d < 2; ++d) {
      const bool has = d < static_cast<unsigned>(at->ndim);
      b_.CreateStore(has ? b_.CreateExtractValue(arr, {kShape, d}) : b_.getInt64(1),
                     b_.CreateInBoundsGEP(desc, slot, {b_.getInt32(0), b_.getInt32(3), b_.getInt32(d)}));
      b_.CreateStore(has ? strideOf(arr, at, d) : b_.getInt64(0), b_.CreateInBoundsGEP(desc, slot, {b_.getInt32(0), b_.getInt32(4), b_.getInt32(d)}));
    }
  }
  llvm::Value* api = runtimeField(offsetof(KilnRuntime, linalg), "kiln.linalg");
  llvm::Value* call = b_.CreateLoad(ptr, api);  // KilnLinalgApi.call
  return b_.CreateCall(llvm::FunctionType::get(i64, {i64, ptr, i64}, false), call,
                       {converted(args[0], types().integer(64, true)), descs, b_.getInt64(n)});
}

}  // namespace kiln::lowering
