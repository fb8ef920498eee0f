// Random streams: the primitives kiln.rng.* (builtins.def) as calls through
// the runtime table's `random` field (runtime/cpu/kiln_random.h,
// KilnRandomApi), so every compiled library of the process draws from the
// same per-thread states.
#include <cstddef>

#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/registry.h"
#include "kiln_rt.h"

namespace kiln::lowering {

using typing::BuiltinId;

namespace {
// KilnRandomApi: {seed, next_u32, next_double, gauss}.
constexpr unsigned kApiSeed = 0, kApiNextU32 = 1, kApiNextDouble = 2, kApiGauss = 3;
}  // namespace

llvm::Value* FunctionLowering::randomPrimitive(BuiltinId id, const std::vector<const ir::Value*>& args) {
  if (id == BuiltinId::kRngShape) {  // an int or a tuple of ints, as a tuple of int64
    const typing::Type* s = args[0]->type;
    const typing::Type* i64t = types().integer(64, true);
    llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, types().tuple(std::vector<const typing::Type*>(
                                                               s->kind == typing::Kind::kTuple ? s->items.size() : 1, i64t))));
    if (s->kind != typing::Kind::kTuple) return b_.CreateInsertValue(out, converted(args[0], i64t), 0);
    llvm::Value* v = value(args[0]);
    for (unsigned k = 0; k < s->items.size(); ++k)
      out = b_.CreateInsertValue(out, convert(b_, b_.CreateExtractValue(v, k), s->items[k], i64t), k);
    return out;
  }
  if (id == BuiltinId::kRngArrayOrNone) {
    if (args[0]->type->kind != typing::Kind::kArray) return b_.getInt8(0);  // None
    llvm::Value* v = value(args[0]);
    retain(v, args[0]->type);  // the result is a reference of its own
    return v;
  }
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::Type* f64 = b_.getDoubleTy();
  llvm::Value* api = runtimeField(offsetof(KilnRuntime, random), "kiln.random");
  auto* api_type = llvm::StructType::get(ctx_, {ptr, ptr, ptr, ptr});
  auto entry = [&](unsigned field) { return b_.CreateLoad(ptr, b_.CreateStructGEP(api_type, api, field)); };
  const typing::Type* int64 = types().integer(64, true);
  llvm::Value* stream = converted(args[0], int64);
  switch (id) {
    case BuiltinId::kRngSeed:
      b_.CreateCall(llvm::FunctionType::get(b_.getVoidTy(), {i64, i64}, false), entry(kApiSeed),
                    {stream, converted(args[1], int64)});
      return b_.getInt8(0);  // None
    case BuiltinId::kRngNextU32:
      return b_.CreateCall(llvm::FunctionType::get(i64, {i64}, false), entry(kApiNextU32), {stream});
    case BuiltinId::kRngNextDouble:
      return b_.CreateCall(llvm::FunctionType::get(f64, {i64}, false), entry(kApiNextDouble), {stream});
    case BuiltinId::kRngGauss:
      return b_.CreateCall(llvm::FunctionType::get(f64, {i64}, false), entry(kApiGauss), {stream});
    default:
      break;
  }
  return nullptr;
}

}  // namespace kiln::lowering
