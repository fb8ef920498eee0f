// cuda: SimKernelIntrinsics, the kernel language's primitives for the CPU
// emulation (runtime/cpu/kiln_cuda_sim.h). Every function that uses one
// loads its thread's KilnCudaSimThread once, in its entry block, through the
// runtime table (KilnRuntime.cuda_sim->current); indices are loads from it,
// barriers and warp operations calls into the runtime (which switch fibers),
// atomics LLVM's own atomicrmw/cmpxchg (float add and max become
// compare-and-swap loops where the CPU has no instruction).
#include <cstddef>

#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/lowering/kernel_intrinsics.h"
#include "kiln_cuda_sim.h"
#include "kiln_rt.h"

namespace kiln::lowering {

namespace {

// KilnCudaSimApi: {current, barrier, shared, warp, launch}.
constexpr unsigned kApiCurrent = 0, kApiBarrier = 1, kApiShared = 2, kApiWarp = 3, kApiLaunch = 4;

class SimKernelIntrinsics final : public KernelIntrinsics {
 public:
  explicit SimKernelIntrinsics(FunctionLowering& fl) : fl_(fl) {}

  llvm::Value* threadIdx(llvm::IRBuilder<>& b, int dim) override {
    return field(b, offsetof(KilnCudaSimThread, thread_idx) + 4 * dim);
  }
  llvm::Value* blockIdx(llvm::IRBuilder<>& b, int dim) override {
    return field(b, offsetof(KilnCudaSimThread, block_idx) + 4 * dim);
  }
  llvm::Value* blockDim(llvm::IRBuilder<>& b, int dim) override {
    return field(b, offsetof(KilnCudaSimThread, block_dim) + 4 * dim);
  }
  llvm::Value* gridDim(llvm::IRBuilder<>& b, int dim) override {
    return field(b, offsetof(KilnCudaSimThread, grid_dim) + 4 * dim);
  }
  llvm::Value* laneId(llvm::IRBuilder<>& b) override { return field(b, offsetof(KilnCudaSimThread, lane_id)); }
  llvm::Value* warpSize(llvm::IRBuilder<>& b) override { return b.getInt32(32); }

  llvm::Value* barrier(llvm::IRBuilder<>& b, BarrierKind kind, llvm::Value* predicate) override {
    int32_t k = kind == BarrierKind::kSync    ? KILN_SIM_SYNC
                : kind == BarrierKind::kCount ? KILN_SIM_SYNC_COUNT
                : kind == BarrierKind::kAnd   ? KILN_SIM_SYNC_AND
                                              : KILN_SIM_SYNC_OR;
    llvm::Type* i32 = b.getInt32Ty();
    auto* fty = llvm::FunctionType::get(i32, {b.getPtrTy(), i32, i32}, false);
    return b.CreateCall(fty, entry(b, kApiBarrier), {thread(), b.getInt32(k), predicate});
  }

  void fence(llvm::IRBuilder<>& b, FenceScope) override {
    // Fibers of a block share one OS thread; blocks on other threads see
    // memory through the CPU's coherence: a full fence serves every scope.
    b.CreateFence(llvm::AtomicOrdering::SequentiallyConsistent);
  }

  llvm::Value* sharedArray(llvm::IRBuilder<>& b, llvm::Type* elem, uint64_t count, const std::string& site,
                           llvm::Value** fail) override {
    if (count == 0) {  // dynamic shared memory: the launch's
      *fail = nullptr;
      return load(b, b.getPtrTy(), offsetof(KilnCudaSimThread, dyn_shared));
    }
    llvm::Module& m = fl_.module();
    // A private byte whose address names the site (one per call site, so a
    // block's threads find the same memory).
    auto* key = new llvm::GlobalVariable(m, b.getInt8Ty(), true, llvm::GlobalValue::PrivateLinkage, b.getInt8(0), site);
    const llvm::DataLayout& dl = m.getDataLayout();
    uint64_t bytes = count * (dl.getTypeAllocSize(elem).getFixedValue() ? dl.getTypeAllocSize(elem).getFixedValue()
                                                                          : elem->getPrimitiveSizeInBits() / 8);
    llvm::Type* ptr = b.getPtrTy();
    auto* fty = llvm::FunctionType::get(ptr, {ptr, ptr, b.getInt64Ty()}, false);
    llvm::Value* p = b.CreateCall(fty, entry(b, kApiShared), {thread(), key, b.getInt64(static_cast<int64_t>(bytes))});
    *fail = b.CreateIsNull(p);
    return p;
  }

  llvm::Value* dynamicSharedCount(llvm::IRBuilder<>& b, llvm::Type* elem) override {
    llvm::Value* bytes = load(b, b.getInt64Ty(), offsetof(KilnCudaSimThread, dyn_shared_bytes));
    const llvm::DataLayout& dl = fl_.module().getDataLayout();
    uint64_t size = dl.getTypeAllocSize(elem).getFixedValue();
    if (size == 0) size = elem->getPrimitiveSizeInBits() / 8;
    return b.CreateUDiv(bytes, b.getInt64(static_cast<int64_t>(size)));
  }

  llvm::Value* localArray(llvm::IRBuilder<>& b, llvm::Type* elem, uint64_t count, llvm::AllocaInst* slot) override {
    // Zeroed where the array is made (a GPU leaves it undefined; zero is a
    // value it may have, and reads of it are then defined for LLVM).
    const llvm::DataLayout& dl = fl_.module().getDataLayout();
    uint64_t bytes = dl.getTypeAllocSize(slot->getAllocatedType()).getFixedValue();
    if (bytes == 0) bytes = count * (elem->getPrimitiveSizeInBits() / 8);
    b.CreateMemSet(slot, b.getInt8(0), b.getInt64(static_cast<int64_t>(bytes)), llvm::MaybeAlign(8));
    return slot;
  }

  llvm::Value* atomicRMW(llvm::IRBuilder<>& b, llvm::AtomicRMWInst::BinOp op, llvm::Value* ptr,
                         llvm::Value* value) override {
    return b.CreateAtomicRMW(op, ptr, value, llvm::MaybeAlign(), llvm::AtomicOrdering::SequentiallyConsistent);
  }

  llvm::Value* atomicCAS(llvm::IRBuilder<>& b, llvm::Value* ptr, llvm::Value* expected, llvm::Value* value) override {
    llvm::Value* pair = b.CreateAtomicCmpXchg(ptr, expected, value, llvm::MaybeAlign(),
                                              llvm::AtomicOrdering::SequentiallyConsistent,
                                              llvm::AtomicOrdering::SequentiallyConsistent);
    return b.CreateExtractValue(pair, 0);
  }

  llvm::Value* vote(llvm::IRBuilder<>& b, VoteKind kind, llvm::Value* mask, llvm::Value* predicate) override {
    int32_t op = kind == VoteKind::kAll   ? KILN_SIM_WARP_ALL
                 : kind == VoteKind::kAny ? KILN_SIM_WARP_ANY
                 : kind == VoteKind::kEq  ? KILN_SIM_WARP_EQ
                                          : KILN_SIM_WARP_BALLOT;
    llvm::Value* r = warp(b, op, b.CreateZExt(predicate, b.getInt64Ty()), b.getInt32(0));
    return kind == VoteKind::kBallot ? b.CreateTrunc(r, b.getInt32Ty()) : b.CreateICmpNE(r, b.getInt64(0));
  }

  llvm::Value* shuffle(llvm::IRBuilder<>& b, ShuffleKind kind, llvm::Value* mask, llvm::Value* value,
                       llvm::Value* arg) override {
    int32_t op = kind == ShuffleKind::kIdx    ? KILN_SIM_SHFL_IDX
                 : kind == ShuffleKind::kUp   ? KILN_SIM_SHFL_UP
                 : kind == ShuffleKind::kDown ? KILN_SIM_SHFL_DOWN
                                              : KILN_SIM_SHFL_XOR;
    llvm::Type* t = value->getType();
    unsigned bits = t->getPrimitiveSizeInBits();
    llvm::Type* it = b.getIntNTy(bits);
    llvm::Value* as_int = t->isFloatingPointTy() ? b.CreateBitCast(value, it) : value;
    llvm::Value* r = warp(b, op, b.CreateZExt(as_int, b.getInt64Ty()), arg);
    llvm::Value* back = b.CreateTrunc(r, it);
    return t->isFloatingPointTy() ? b.CreateBitCast(back, t) : back;
  }

  llvm::Value* match(llvm::IRBuilder<>& b, bool all, llvm::Value*, llvm::Value* value) override {  // fp16:
    llvm::Value* r = warp(b, all ? KILN_SIM_MATCH_ALL : KILN_SIM_MATCH_ANY, b.CreateZExt(value, b.getInt64Ty()), b.getInt32(0));
    return b.CreateTrunc(r, b.getInt32Ty());
  }

  void syncWarp(llvm::IRBuilder<>& b, llvm::Value* mask) override {
    warp(b, KILN_SIM_WARP_SYNC, b.getInt64(0), b.getInt32(0));
  }

  llvm::Value* activeMask(llvm::IRBuilder<>& b) override {
    return b.CreateTrunc(warp(b, KILN_SIM_ACTIVEMASK, b.getInt64(0), b.getInt32(0)), b.getInt32Ty());
  }

  // cudalang: a hint only; the emulation's fibers run until they wait, so
  // sleeping would only delay the block (a spin on a flag another thread of
  // the block sets cannot make progress either way without a barrier).
  void nanosleep(llvm::IRBuilder<>&, llvm::Value*) override {}

 private:
  llvm::Value* thread() { return fl_.cudaSimThread(); }

  llvm::Value* entry(llvm::IRBuilder<>& b, unsigned k) {
    llvm::Type* ptr = b.getPtrTy();
    return b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, fl_.cudaSimApi(), k));
  }

  llvm::Value* warp(llvm::IRBuilder<>& b, int32_t op, llvm::Value* bits, llvm::Value* arg) {
    llvm::Type* i64 = b.getInt64Ty();
    llvm::Type* i32 = b.getInt32Ty();
    auto* fty = llvm::FunctionType::get(i64, {b.getPtrTy(), i32, i64, i32}, false);
    return b.CreateCall(fty, entry(b, kApiWarp), {thread(), b.getInt32(op), bits, arg});
  }

  llvm::Value* load(llvm::IRBuilder<>& b, llvm::Type* t, size_t offset) {
    llvm::LoadInst* v =
        b.CreateLoad(t, b.CreateConstGEP1_64(b.getInt8Ty(), thread(), static_cast<int64_t>(offset)));
    // The thread's indices never change while it runs: loads may move
    // across the runtime's calls (barriers).
    v->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(b.getContext(), {}));
    return v;
  }

  llvm::Value* field(llvm::IRBuilder<>& b, size_t offset) { return load(b, b.getInt32Ty(), offset); }

  FunctionLowering& fl_;
};

}  // namespace

std::unique_ptr<KernelIntrinsics> makeSimKernelIntrinsics(FunctionLowering& fl) {
  return std::make_unique<SimKernelIntrinsics>(fl);
}

llvm::Value* FunctionLowering::cudaSimApi() {
  if (cuda_sim_api_) return cuda_sim_api_;
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  b_.SetInsertPoint(alloca_block_->getTerminator());
  cuda_sim_api_ = runtimeField(offsetof(KilnRuntime, cuda_sim), "kiln.cuda_sim");
  return cuda_sim_api_;
}

llvm::Value* FunctionLowering::cudaSimThread() {
  if (cuda_sim_thread_) return cuda_sim_thread_;
  llvm::Value* api = cudaSimApi();
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  b_.SetInsertPoint(alloca_block_->getTerminator());
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Value* current = b_.CreateLoad(ptr, b_.CreateConstGEP1_64(ptr, api, kApiCurrent));
  cuda_sim_thread_ = b_.CreateCall(llvm::FunctionType::get(ptr, {}, false), current, {}, "cuda.thread");
  return cuda_sim_thread_;
}

int32_t cudaSimLaunchFlags(const typing::Program& program) {
  // Whether any reachable instance can make a thread wait (a barrier or a
  // warp operation): if none can, the runtime runs threads without fibers.
  for (const auto& inst : program.instances) {
    if (!inst->reachable) continue;
    for (const auto& b : inst->ir->blocks)
      for (const auto& i : b->instrs) {
        if (!i->resolution) continue;
        switch (i->resolution->id) {
          case typing::BuiltinId::kCudaSyncthreads:
          case typing::BuiltinId::kCudaSyncthreadsCount:
          case typing::BuiltinId::kCudaSyncthreadsAnd:
          case typing::BuiltinId::kCudaSyncthreadsOr:
          case typing::BuiltinId::kCudaAllSync:
          case typing::BuiltinId::kCudaAnySync:
          case typing::BuiltinId::kCudaEqSync:
          case typing::BuiltinId::kCudaBallotSync:
          case typing::BuiltinId::kCudaShflSync:
          case typing::BuiltinId::kCudaShflUpSync:
          case typing::BuiltinId::kCudaShflDownSync:
          case typing::BuiltinId::kCudaShflXorSync:
          case typing::BuiltinId::kCudaSyncwarp:
          case typing::BuiltinId::kCudaMatchAnySync:  // fp16:
          case typing::BuiltinId::kCudaMatchAllSync:
            return 0;
          default:
            break;
        }
      }
  }
  return KILN_SIM_LAUNCH_NO_SYNC;
}

void emitCudaSimLaunchEntry(llvm::Module& mod, llvm::Function* inner, const std::string& symbol, int32_t flags) {
  // The exported entry of an emulated kernel: the runtime runs the inner
  // entry once per thread of the launch (kiln_cuda_sim.h).
  llvm::LLVMContext& ctx = mod.getContext();
  llvm::PointerType* ptr = llvm::PointerType::getUnqual(ctx);
  llvm::Type* i32 = llvm::Type::getInt32Ty(ctx);
  auto* fty = llvm::FunctionType::get(i32, {ptr, ptr, ptr}, false);
  llvm::Function* fn = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, symbol, &mod);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
  llvm::GlobalVariable* hook = mod.getGlobalVariable(KILN_RT_HOOK_SYMBOL);
  if (!hook)  // as lower_memory.cpp makes it: weak, so objects linked together share one
    hook = new llvm::GlobalVariable(mod, ptr, false, llvm::GlobalValue::WeakAnyLinkage,
                                    llvm::ConstantPointerNull::get(ptr), KILN_RT_HOOK_SYMBOL);
  llvm::Value* rt = b.CreateLoad(ptr, hook, "kiln.rt");
  llvm::Value* api = b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), rt, offsetof(KilnRuntime, cuda_sim)),
                                  "kiln.cuda_sim");
  llvm::Value* launch = b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, api, kApiLaunch));
  auto* launch_ty = llvm::FunctionType::get(i32, {ptr, i32, ptr, ptr, ptr}, false);
  llvm::Value* status =
      b.CreateCall(launch_ty, launch, {inner, b.getInt32(flags), fn->getArg(0), fn->getArg(1), fn->getArg(2)});
  b.CreateRet(status);
}

}  // namespace kiln::lowering
