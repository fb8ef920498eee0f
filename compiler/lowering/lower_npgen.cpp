// npgen: draws from a numpy.random.Generator's bit generator in place. A
// Generator value is {PyObject* generator, bitgen_t* bitgen} (data_model.cpp);
// NumPy's bitgen_t (numpy/random/bitgen.h) is
//   struct { void* state; uint64_t (*next_uint64)(void*);
//            uint32_t (*next_uint32)(void*); double (*next_double)(void*);
//            uint64_t (*next_raw)(void*); }
// and a draw calls the function pointer on the state, as NumPy's own
// Generator methods do, so the Python object sees the advanced state.
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/registry.h"

namespace kiln::lowering {

using typing::BuiltinId;

namespace {
constexpr unsigned kState = 0, kNextUint64 = 1, kNextUint32 = 2, kNextDouble = 3;
}  // namespace

llvm::Value* FunctionLowering::npgenDraw(BuiltinId id, const std::vector<const ir::Value*>& args) {
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Value* bitgen = b_.CreateExtractValue(value(args[0]), 1);
  auto* bitgen_type = llvm::StructType::get(ctx_, {ptr, ptr, ptr, ptr, ptr});
  llvm::Value* state = b_.CreateLoad(ptr, b_.CreateStructGEP(bitgen_type, bitgen, kState));
  auto call = [&](unsigned field, llvm::Type* result) -> llvm::Value* {
    llvm::Value* fn = b_.CreateLoad(ptr, b_.CreateStructGEP(bitgen_type, bitgen, field));
    return b_.CreateCall(llvm::FunctionType::get(result, {ptr}, false), fn, {state});
  };
  switch (id) {
    case BuiltinId::kNpgenNextUint64: return call(kNextUint64, b_.getInt64Ty());
    case BuiltinId::kNpgenNextUint32: return call(kNextUint32, b_.getInt32Ty());
    case BuiltinId::kNpgenNextDouble: return call(kNextDouble, b_.getDoubleTy());
    default: break;
  }
  return nullptr;
}

}  // namespace kiln::lowering
