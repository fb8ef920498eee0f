// cuda: the kernel language (the "kiln.cuda.*" rows of builtins.def, typed
// by typing/rules_cuda.cpp), lowered once for every target through the
// target's primitives (kernel_intrinsics.h). What is built of several
// primitives lives here: cuda.grid(n) and gridsize(n), shared and local
// arrays as array structs, atomics on an element's address.
#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/lowering/kernel_intrinsics.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/rules_cuda.h"

namespace kiln::lowering {

using typing::BuiltinId;
using typing::Kind;

std::unique_ptr<KernelIntrinsics> makeSimKernelIntrinsics(FunctionLowering& fl);  // lower_cuda_sim.cpp
std::unique_ptr<KernelIntrinsics> makePtxKernelIntrinsics(llvm::Module& module);  // lower_cuda_ptx.cpp

KernelIntrinsics& FunctionLowering::kernelIntrinsics() {
  // The CPU emulation, or the NVPTX target's (Program::cuda_ptx).
  if (!kernel_) kernel_ = prog_.cuda_ptx ? makePtxKernelIntrinsics(mod_) : makeSimKernelIntrinsics(*this);
  return *kernel_;
}

llvm::Value* FunctionLowering::cudaValue(BuiltinId id) {
  KernelIntrinsics& k = kernelIntrinsics();
  llvm::Value* v = nullptr;
  switch (id) {
    case BuiltinId::kCudaThreadIdxX: v = k.threadIdx(b_, 0); break;
    case BuiltinId::kCudaThreadIdxY: v = k.threadIdx(b_, 1); break;
    case BuiltinId::kCudaThreadIdxZ: v = k.threadIdx(b_, 2); break;
    case BuiltinId::kCudaBlockIdxX: v = k.blockIdx(b_, 0); break;
    case BuiltinId::kCudaBlockIdxY: v = k.blockIdx(b_, 1); break;
    case BuiltinId::kCudaBlockIdxZ: v = k.blockIdx(b_, 2); break;
    case BuiltinId::kCudaBlockDimX: v = k.blockDim(b_, 0); break;
    case BuiltinId::kCudaBlockDimY: v = k.blockDim(b_, 1); break;
    case BuiltinId::kCudaBlockDimZ: v = k.blockDim(b_, 2); break;
    case BuiltinId::kCudaGridDimX: v = k.gridDim(b_, 0); break;
    case BuiltinId::kCudaGridDimY: v = k.gridDim(b_, 1); break;
    case BuiltinId::kCudaGridDimZ: v = k.gridDim(b_, 2); break;
    case BuiltinId::kCudaLaneid: v = k.laneId(b_); break;
    case BuiltinId::kCudaWarpsize: v = k.warpSize(b_); break;
    default: break;
  }
  return v;
}

namespace {

llvm::AtomicRMWInst::BinOp rmwOp(BuiltinId id, const typing::Type* dt) {
  bool f = dt->kind == Kind::kFloat;
  bool s = dt->is_signed;
  using Op = llvm::AtomicRMWInst::BinOp;
  switch (id) {
    case BuiltinId::kCudaAtomicAdd: return f ? Op::FAdd : Op::Add;
    case BuiltinId::kCudaAtomicSub: return f ? Op::FSub : Op::Sub;
    case BuiltinId::kCudaAtomicMax: return f ? Op::FMax : (s ? Op::Max : Op::UMax);
    case BuiltinId::kCudaAtomicMin: return f ? Op::FMin : (s ? Op::Min : Op::UMin);
    // fp16: LLVM's fmax/fmin are maxnum/minnum: a NaN on either side is ignored
    case BuiltinId::kCudaAtomicNanmax: return f ? Op::FMax : (s ? Op::Max : Op::UMax);
    case BuiltinId::kCudaAtomicNanmin: return f ? Op::FMin : (s ? Op::Min : Op::UMin);
    case BuiltinId::kCudaAtomicExch: return Op::Xchg;
    case BuiltinId::kCudaAtomicAnd: return Op::And;
    case BuiltinId::kCudaAtomicOr: return Op::Or;
    case BuiltinId::kCudaAtomicXor: return Op::Xor;
    case BuiltinId::kCudaAtomicInc: return Op::UIncWrap;
    case BuiltinId::kCudaAtomicDec: return Op::UDecWrap;
    default: return Op::BAD_BINOP;
  }
}

}  // namespace

llvm::Value* FunctionLowering::cudaBuiltin(const ir::Resolution& res, const std::vector<const ir::Value*>& args,
                                           const typing::Type* result) {
  KernelIntrinsics& k = kernelIntrinsics();
  const compiler::Function& fn = prog_.bundle->functions[inst_.function_index];
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* i64 = b_.getInt64Ty();
  auto sext = [&](llvm::Value* v) { return b_.CreateSExt(v, i64); };
  auto i32Of = [&](const ir::Value* v) { return converted(v, types().integer(32, true)); };
  BuiltinId id = res.id;
  switch (id) {
    case BuiltinId::kCudaGrid:
    case BuiltinId::kCudaGridsize: {
      std::vector<int64_t> n;
      typing::cudaLiteralShape(fn, args[0], &n);
      int dims = n.empty() ? 1 : static_cast<int>(n[0]);
      std::vector<llvm::Value*> parts;
      for (int d = 0; d < dims; ++d) {
        llvm::Value* v = id == BuiltinId::kCudaGrid
                             ? b_.CreateAdd(b_.CreateMul(sext(k.blockIdx(b_, d)), sext(k.blockDim(b_, d))),
                                            sext(k.threadIdx(b_, d)))
                             : b_.CreateMul(sext(k.blockDim(b_, d)), sext(k.gridDim(b_, d)));
        parts.push_back(v);
      }
      if (dims == 1) return parts[0];
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
      for (unsigned d = 0; d < parts.size(); ++d) out = b_.CreateInsertValue(out, parts[d], d);
      return out;
    }
    case BuiltinId::kCudaSyncthreads:
      k.barrier(b_, BarrierKind::kSync, b_.getInt32(1));
      return b_.getInt8(0);  // None
    case BuiltinId::kCudaSyncthreadsCount:
    case BuiltinId::kCudaSyncthreadsAnd:
    case BuiltinId::kCudaSyncthreadsOr: {
      llvm::Value* p = b_.CreateZExt(truth(value(args[0]), args[0]->type), i32);
      BarrierKind kind = id == BuiltinId::kCudaSyncthreadsCount ? BarrierKind::kCount
                         : id == BuiltinId::kCudaSyncthreadsAnd ? BarrierKind::kAnd
                                                                : BarrierKind::kOr;
      return k.barrier(b_, kind, p);
    }
    case BuiltinId::kCudaThreadfence:
      k.fence(b_, FenceScope::kDevice);
      return b_.getInt8(0);
    case BuiltinId::kCudaThreadfenceBlock:
      k.fence(b_, FenceScope::kBlock);
      return b_.getInt8(0);
    case BuiltinId::kCudaThreadfenceSystem:
      k.fence(b_, FenceScope::kSystem);
      return b_.getInt8(0);
    case BuiltinId::kCudaSharedArray:
    case BuiltinId::kCudaLocalArray: {
      std::vector<int64_t> shape;
      typing::cudaLiteralShape(fn, args[0], &shape);
      const typing::Type* dt = result->dtype();
      llvm::Type* elem = valueType(ctx_, dt);
      const int64_t item = itemSize(dt);
      uint64_t count = 1;
      for (int64_t d : shape) count *= static_cast<uint64_t>(d);
      llvm::Value* data = nullptr;
      std::vector<llvm::Value*> dims;
      for (int64_t d : shape) dims.push_back(b_.getInt64(d));
      if (id == BuiltinId::kCudaSharedArray) {
        llvm::Value* fail = nullptr;
        data = k.sharedArray(b_, elem, count, absl::StrCat("kiln.cuda.shared.", line_, ".", shared_sites_++), &fail);
        if (fail) raiseIf(fail, KILN_MEMORY_ERROR, "too much shared memory: a block has at most 48 KiB of static shared memory");
        if (count == 0) dims[0] = k.dynamicSharedCount(b_, elem);  // shape 0: the launch's dynamic shared memory
      } else {
        llvm::AllocaInst* slot = entryAlloca(llvm::ArrayType::get(elem, count), "local.array");
        data = k.localArray(b_, elem, count, slot);
      }
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
      out = b_.CreateInsertValue(out, llvm::ConstantPointerNull::get(b_.getPtrTy()), kMeminfo);
      out = b_.CreateInsertValue(out, data, kData);
      llvm::Value* stride = b_.getInt64(item);
      std::vector<llvm::Value*> strides(dims.size());
      for (size_t d = dims.size(); d-- > 0;) {
        strides[d] = stride;
        stride = b_.CreateMul(stride, dims[d]);
      }
      for (unsigned d = 0; d < dims.size(); ++d) {
        out = b_.CreateInsertValue(out, dims[d], {kShape, d});
        out = b_.CreateInsertValue(out, strides[d], {kStrides, d});
      }
      return out;
    }
    case BuiltinId::kCudaConstArrayLike: {
      llvm::Value* v = value(args[0]);
      retain(v, args[0]->type);  // the result is a reference of its own
      return v;
    }
    case BuiltinId::kCudaAtomicAdd:
    case BuiltinId::kCudaAtomicSub:
    case BuiltinId::kCudaAtomicMax:
    case BuiltinId::kCudaAtomicMin:
    case BuiltinId::kCudaAtomicNanmax:  // fp16:
    case BuiltinId::kCudaAtomicNanmin:
    case BuiltinId::kCudaAtomicExch:
    case BuiltinId::kCudaAtomicAnd:
    case BuiltinId::kCudaAtomicOr:
    case BuiltinId::kCudaAtomicXor:
    case BuiltinId::kCudaAtomicInc:
    case BuiltinId::kCudaAtomicDec:
    case BuiltinId::kCudaAtomicCas: {
      const typing::Type* at = args[0]->type;
      const typing::Type* dt = at->dtype();
      Place p = locate(value(args[0]), at, value(args[1]), args[1]->type);
      if (id == BuiltinId::kCudaAtomicCas)
        return k.atomicCAS(b_, p.ptr, converted(args[2], dt), converted(args[3], dt));
      return k.atomicRMW(b_, rmwOp(id, dt), p.ptr, converted(args[2], dt));
    }
    case BuiltinId::kCudaAllSync:
    case BuiltinId::kCudaAnySync:
    case BuiltinId::kCudaEqSync:
    case BuiltinId::kCudaBallotSync: {
      VoteKind kind = id == BuiltinId::kCudaAllSync  ? VoteKind::kAll
                      : id == BuiltinId::kCudaAnySync ? VoteKind::kAny
                      : id == BuiltinId::kCudaEqSync  ? VoteKind::kEq
                                                      : VoteKind::kBallot;
      llvm::Value* v = k.vote(b_, kind, i32Of(args[0]), truth(value(args[1]), args[1]->type));
      return kind == VoteKind::kBallot ? v : b_.CreateZExt(v, valueType(ctx_, result));
    }
    case BuiltinId::kCudaMatchAnySync:  // fp16: warp match
    case BuiltinId::kCudaMatchAllSync: {
      llvm::Value* v = value(args[1]);
      if (v->getType()->isFloatingPointTy()) v = b_.CreateBitCast(v, b_.getIntNTy(v->getType()->getPrimitiveSizeInBits()));
      bool all = id == BuiltinId::kCudaMatchAllSync;
      llvm::Value* m = k.match(b_, all, i32Of(args[0]), v);
      if (!all) return m;
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
      out = b_.CreateInsertValue(out, m, 0);
      return b_.CreateInsertValue(out, b_.CreateICmpNE(m, b_.getInt32(0)), 1);
    }
    case BuiltinId::kCudaShflSync:
    case BuiltinId::kCudaShflUpSync:
    case BuiltinId::kCudaShflDownSync:
    case BuiltinId::kCudaShflXorSync: {
      ShuffleKind kind = id == BuiltinId::kCudaShflSync      ? ShuffleKind::kIdx
                         : id == BuiltinId::kCudaShflUpSync   ? ShuffleKind::kUp
                         : id == BuiltinId::kCudaShflDownSync ? ShuffleKind::kDown
                                                              : ShuffleKind::kXor;
      return k.shuffle(b_, kind, i32Of(args[0]), value(args[1]), i32Of(args[2]));
    }
    case BuiltinId::kCudaSyncwarp:
      k.syncWarp(b_, args.empty() ? static_cast<llvm::Value*>(b_.getInt32(-1)) : i32Of(args[0]));
      return b_.getInt8(0);
    case BuiltinId::kCudaActivemask:
      return k.activeMask(b_);
    // cudalang: bit and arithmetic intrinsics, plain LLVM on both targets.
    case BuiltinId::kCudaPopc:
    case BuiltinId::kCudaClz: {
      llvm::Value* x = value(args[0]);
      if (id == BuiltinId::kCudaPopc) return b_.CreateCall(intrinsic(llvm::Intrinsic::ctpop, x->getType()), {x});
      return b_.CreateCall(intrinsic(llvm::Intrinsic::ctlz, x->getType()), {x, b_.getFalse()});
    }
    case BuiltinId::kCudaBrev: {
      llvm::Value* x = converted(args[0], result);
      return b_.CreateCall(intrinsic(llvm::Intrinsic::bitreverse, x->getType()), {x});
    }
    case BuiltinId::kCudaFfs: {
      llvm::Value* x = value(args[0]);
      llvm::Value* tz = b_.CreateCall(intrinsic(llvm::Intrinsic::cttz, x->getType()), {x, b_.getFalse()});
      llvm::Value* pos = b_.CreateAdd(b_.CreateZExtOrTrunc(tz, i32), b_.getInt32(1));
      return b_.CreateSelect(b_.CreateIsNull(x), b_.getInt32(0), pos);
    }
    case BuiltinId::kCudaFma: {
      llvm::Value* a = converted(args[0], result);
      return b_.CreateCall(intrinsic(llvm::Intrinsic::fma, a->getType()),
                           {a, converted(args[1], result), converted(args[2], result)});
    }
    case BuiltinId::kCudaCbrt: {
      // The C library's cbrt/cbrtf: libdevice's __nv_cbrt/__nv_cbrtf on the GPU.
      llvm::Value* a = converted(args[0], result);
      llvm::Type* t = a->getType();
      llvm::FunctionCallee f =
          mod_.getOrInsertFunction(t->isFloatTy() ? "cbrtf" : "cbrt", llvm::FunctionType::get(t, {t}, false));
      if (auto* fn = llvm::dyn_cast<llvm::Function>(f.getCallee())) fn->setDoesNotThrow();
      return b_.CreateCall(f, {a});
    }
    case BuiltinId::kCudaSelp:
      return b_.CreateSelect(truth(value(args[0]), args[0]->type), converted(args[1], result),
                             converted(args[2], result));
    case BuiltinId::kCudaLanemaskLt:  // the lanes below this one: (1 << laneid) - 1
      return b_.CreateSub(b_.CreateShl(b_.getInt32(1), k.laneId(b_)), b_.getInt32(1));
    case BuiltinId::kCudaAtomicCompareAndSwap: {  // ary[0]
      const typing::Type* at = args[0]->type;
      const typing::Type* dt = at->dtype();
      Place p = locate(value(args[0]), at, b_.getInt64(0), types().integer(64, true));
      return k.atomicCAS(b_, p.ptr, converted(args[1], dt), converted(args[2], dt));
    }
    case BuiltinId::kCudaNanosleep:
      k.nanosleep(b_, converted(args[0], types().integer(32, false)));
      return b_.getInt8(0);
    default:
      break;
  }
  if (typing::isCudaValueRow(id)) return cudaValue(id);
  return nullptr;
}

llvm::Value* FunctionLowering::cudaMathFloat32(const ir::Resolution& res, const std::vector<const ir::Value*>& args,
                                               const typing::Type* result) {
  if (!prog_.cuda_kernel || result == nullptr || result->kind != Kind::kFloat || result->bits != 32 ||
      !typing::cudaMathHasFloat32(res.id))
    return nullptr;
  llvm::Type* f = b_.getFloatTy();
  std::vector<llvm::Value*> vals;
  for (const ir::Value* a : args) vals.push_back(converted(a, result));
  // LLVM's intrinsics (llvm.sin.f32: sinf on the CPU, __nv_sinf through
  // libdevice on the GPU), else the C library's float function (tanf:
  // __nv_tanf).
  auto viaIntrinsic = [&](llvm::Intrinsic::ID id) -> llvm::Value* {
    return b_.CreateCall(intrinsic(id, f), vals);
  };
  auto viaLibm = [&](const char* name) -> llvm::Value* {
    std::vector<llvm::Type*> params(vals.size(), f);
    llvm::FunctionCallee fc = mod_.getOrInsertFunction(name, llvm::FunctionType::get(f, params, false));
    if (auto* fn = llvm::dyn_cast<llvm::Function>(fc.getCallee())) fn->setDoesNotThrow();
    return b_.CreateCall(fc, vals);
  };
  switch (res.id) {
    case BuiltinId::kMathSin: return viaIntrinsic(llvm::Intrinsic::sin);
    case BuiltinId::kMathCos: return viaIntrinsic(llvm::Intrinsic::cos);
    case BuiltinId::kMathExp: return viaIntrinsic(llvm::Intrinsic::exp);
    case BuiltinId::kMathExp2: return viaIntrinsic(llvm::Intrinsic::exp2);
    case BuiltinId::kMathLog: return viaIntrinsic(llvm::Intrinsic::log);
    case BuiltinId::kMathLog10: return viaIntrinsic(llvm::Intrinsic::log10);
    case BuiltinId::kMathLog2: return viaIntrinsic(llvm::Intrinsic::log2);
    case BuiltinId::kMathSqrt: return viaIntrinsic(llvm::Intrinsic::sqrt);
    case BuiltinId::kMathFabs: return viaIntrinsic(llvm::Intrinsic::fabs);
    case BuiltinId::kMathPow: return viaIntrinsic(llvm::Intrinsic::pow);
    case BuiltinId::kMathCopysign: return viaIntrinsic(llvm::Intrinsic::copysign);
    case BuiltinId::kMathTan: return viaLibm("tanf");
    case BuiltinId::kMathAsin: return viaLibm("asinf");
    case BuiltinId::kMathAcos: return viaLibm("acosf");
    case BuiltinId::kMathAtan: return viaLibm("atanf");
    case BuiltinId::kMathSinh: return viaLibm("sinhf");
    case BuiltinId::kMathCosh: return viaLibm("coshf");
    case BuiltinId::kMathTanh: return viaLibm("tanhf");
    case BuiltinId::kMathAsinh: return viaLibm("asinhf");
    case BuiltinId::kMathAcosh: return viaLibm("acoshf");
    case BuiltinId::kMathAtanh: return viaLibm("atanhf");
    case BuiltinId::kMathExpm1: return viaLibm("expm1f");
    case BuiltinId::kMathLog1p: return viaLibm("log1pf");
    case BuiltinId::kMathErf: return viaLibm("erff");
    case BuiltinId::kMathErfc: return viaLibm("erfcf");
    case BuiltinId::kMathGamma: return viaLibm("tgammaf");
    case BuiltinId::kMathLgamma: return viaLibm("lgammaf");
    case BuiltinId::kMathCbrt: return viaLibm("cbrtf");
    case BuiltinId::kMathAtan2: return viaLibm("atan2f");
    case BuiltinId::kMathHypot: return viaLibm("hypotf");
    case BuiltinId::kMathFmod: return viaLibm("fmodf");
    default: return nullptr;
  }
}

}  // namespace kiln::lowering
