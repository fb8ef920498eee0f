// cuda: the PTX kernel entry and what the NVPTX target needs of the module
// lowering made (lower_cuda_ptx.h; docs/cuda.md "ABI").
#include "compiler/lowering/lower_cuda_ptx.h"

#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/diagnostic.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/kernel_intrinsics.h"
#include "compiler/transforms/refcount_prune.h"
#include "kiln_abi.h"
#include "kiln_rt.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/IntrinsicsNVPTX.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/Metadata.h"

namespace kiln::lowering {

using typing::Kind;

namespace {

// The address space of CUDA's global memory in LLVM's NVPTX target.
constexpr unsigned kGlobalAddressSpace = 1;

absl::Status unsupported(const ir::Function& f, int line, std::string message) {
  return compiler::userError(compiler::Diagnostic::Kind::kUnsupported, std::move(message), f.filename,
                             line > 0 ? line : f.firstlineno, f.qualname);
}

// The construct a type stands for, as the user wrote it.
const char* heapConstruct(Kind kind) {
  switch (kind) {
    case Kind::kStr:
    case Kind::kStrIter: return "strings";
    case Kind::kList:
    case Kind::kListIter: return "lists";
    case Kind::kDict:
    case Kind::kDictIter: return "dicts and sets";
    case Kind::kGenerator: return "generators";
    default: return nullptr;
  }
}

// What the typed IR of one instance uses that a GPU cannot run.
absl::Status checkInstance(const typing::Instance& inst) {
  const ir::Function& f = *inst.ir;
  auto check_value = [&](const ir::Value* v, int line) -> absl::Status {
    if (v == nullptr || v->type == nullptr) return absl::OkStatus();
    if (const char* what = heapConstruct(v->type->kind))
      return unsupported(f, line, absl::StrCat(what, " are not supported in a GPU kernel (a value of type '",
                                               v->type->str(), "'): they live on the heap, which kernels lack"));
    return absl::OkStatus();
  };
  for (const std::unique_ptr<ir::Block>& blk : f.blocks)  // what the user wrote first: raise, try
    for (const std::unique_ptr<ir::Instr>& i : blk->instrs) {
      if (i->op == ir::Op::kRaise)
        return unsupported(f, i->line, "raise (and assert) is not supported in a GPU kernel");
      if (i->has_handler) return unsupported(f, i->line, "try/except is not supported in a GPU kernel");
    }
  for (const std::unique_ptr<ir::Block>& blk : f.blocks) {
    const int block_line = blk->instrs.empty() ? f.firstlineno : blk->instrs.front()->line;
    for (const std::unique_ptr<ir::Value>& p : blk->params)
      if (absl::Status s = check_value(p.get(), block_line); !s.ok()) return s;
    for (const std::unique_ptr<ir::Instr>& i : blk->instrs)
      if (absl::Status s = check_value(i->result.get(), i->line); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// The instance whose body is the LLVM function `fn`, if any.
const typing::Instance* instanceOf(const typing::Program& program, const llvm::Function* fn) {
  for (const std::unique_ptr<typing::Instance>& inst : program.instances)
    if (inst->reachable && inst->symbol == fn->getName()) return inst.get();
  return nullptr;
}

// A user error about what `user` (an instruction of a body) does.
absl::Status unsupportedAt(const typing::Program& program, const llvm::User* user, std::string message) {
  const auto* inst = llvm::dyn_cast<llvm::Instruction>(user);
  const typing::Instance* where = inst ? instanceOf(program, inst->getFunction()) : nullptr;
  if (where == nullptr) where = program.instances[0].get();
  return unsupported(*where->ir, 0, std::move(message));
}

// The kernel parameters of one argument of type t (see lower_cuda_ptx.h).
absl::Status appendParams(llvm::LLVMContext& ctx, const typing::Type* t, std::vector<llvm::Type*>& params) {
  switch (t->kind) {
    case Kind::kArray: {
      params.push_back(llvm::PointerType::getUnqual(ctx));
      for (int k = 0; k < 2 * t->ndim; ++k) params.push_back(llvm::Type::getInt64Ty(ctx));
      return absl::OkStatus();
    }
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kNPDatetime:
    case Kind::kNPTimedelta: params.push_back(memoryType(ctx, t)); return absl::OkStatus();
    case Kind::kEnumMember: return appendParams(ctx, t->items[0], params);  // enums: its value
    case Kind::kComplex: {
      llvm::Type* part = t->bits == 64 ? llvm::Type::getFloatTy(ctx) : llvm::Type::getDoubleTy(ctx);
      params.push_back(part);
      params.push_back(part);
      return absl::OkStatus();
    }
    case Kind::kTuple:
      for (const typing::Type* item : t->items)
        if (absl::Status s = appendParams(ctx, item, params); !s.ok()) return s;
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError(absl::StrCat("a GPU kernel cannot take an argument of type '", t->str(),
                                                     "' (arrays, numbers, booleans and tuples of them can)"));
  }
}

// The value form of one argument of type t, built from the kernel parameters
// from `next` on.
llvm::Value* buildArg(llvm::IRBuilder<>& b, llvm::Function* kernel, const typing::Type* t, unsigned& next) {
  llvm::LLVMContext& ctx = b.getContext();
  llvm::Type* vt = valueType(ctx, t);
  switch (t->kind) {
    case Kind::kArray: {
      llvm::Value* v = llvm::UndefValue::get(vt);
      v = b.CreateInsertValue(v, llvm::ConstantPointerNull::get(b.getPtrTy()), {kMeminfo});  // borrowed
      v = b.CreateInsertValue(v, kernel->getArg(next++), {kData});
      for (unsigned k = 0; k < static_cast<unsigned>(t->ndim); ++k)
        v = b.CreateInsertValue(v, kernel->getArg(next++), {kShape, k});
      for (unsigned k = 0; k < static_cast<unsigned>(t->ndim); ++k)
        v = b.CreateInsertValue(v, kernel->getArg(next++), {kStrides, k});
      return v;
    }
    case Kind::kComplex: {
      llvm::Value* v = llvm::UndefValue::get(vt);
      v = b.CreateInsertValue(v, kernel->getArg(next++), {0});
      return b.CreateInsertValue(v, kernel->getArg(next++), {1});
    }
    case Kind::kTuple: {
      llvm::Value* v = llvm::UndefValue::get(vt);
      for (unsigned k = 0; k < t->items.size(); ++k) v = b.CreateInsertValue(v, buildArg(b, kernel, t->items[k], next), {k});
      return v;
    }
    default: return fromMemory(b, kernel->getArg(next++), t);
  }
}

// The libdevice function for a C library function `name`, or "".
std::string libdeviceName(std::string_view name) {
  static const std::map<std::string, std::string, std::less<>> table = [] {
    std::map<std::string, std::string, std::less<>> m;
#define KILN_LIBDEVICE(n)                 \
  m.emplace(#n, "__nv_" #n);              \
  m.emplace(#n "f", "__nv_" #n "f");
#include "compiler/lowering/libdevice_functions.def"
    return m;
  }();
  auto it = table.find(name);
  return it == table.end() ? "" : it->second;
}

// The C library name of an LLVM math intrinsic NVPTX cannot select itself
// (the others, sqrt fabs floor ceil trunc rint roundeven copysign fma
// minnum maxnum, are PTX instructions), or "".
const char* intrinsicLibmName(llvm::Intrinsic::ID id) {
  switch (id) {
    case llvm::Intrinsic::sin: return "sin";
    case llvm::Intrinsic::cos: return "cos";
    case llvm::Intrinsic::exp: return "exp";
    case llvm::Intrinsic::exp2: return "exp2";
    case llvm::Intrinsic::log: return "log";
    case llvm::Intrinsic::log2: return "log2";
    case llvm::Intrinsic::log10: return "log10";
    case llvm::Intrinsic::pow: return "pow";
    default: return nullptr;
  }
}

// With fastmath's `afn` a float32 function may take libdevice's fast
// approximation (Numba's fastmath=True does the same).
const char* fastVariant(std::string_view libdevice) {
  for (const char* f : {"__nv_sinf", "__nv_cosf", "__nv_tanf", "__nv_expf", "__nv_exp10f", "__nv_logf",
                        "__nv_log2f", "__nv_log10f", "__nv_powf"})
    if (libdevice == f) return f;
  return nullptr;
}

// Math calls to libdevice; any other call of a function with no body is
// something the GPU cannot run.
absl::Status useLibdevice(const typing::Program& program, llvm::Module& module) {
  std::vector<llvm::Function*> decls;
  for (llvm::Function& f : module)
    if (f.isDeclaration() && !f.use_empty()) decls.push_back(&f);
  for (llvm::Function* f : decls) {
    std::string host;
    if (f->isIntrinsic()) {
      const char* name = intrinsicLibmName(f->getIntrinsicID());
      if (name == nullptr) continue;  // selected by NVPTX itself
      llvm::Type* t = f->getReturnType();
      if (!t->isFloatTy() && !t->isDoubleTy())
        return unsupportedAt(program, f->user_back(),
                             absl::StrCat("math on this type is not supported in a GPU kernel (", f->getName().str(), ")"));
      host = absl::StrCat(name, t->isFloatTy() ? "f" : "");
    } else {
      host = f->getName().str();
    }
    const std::string nv = libdeviceName(host);
    if (nv.empty())
      return unsupportedAt(program, f->user_back(),
                           absl::StrCat("a GPU kernel cannot call the C library function '", host,
                                        "' (only libdevice's math functions exist on the GPU)"));
    llvm::FunctionCallee callee = module.getOrInsertFunction(nv, f->getFunctionType());
    llvm::FunctionCallee fast{};
    if (const char* precise = fastVariant(nv)) {
      std::string name(precise);
      name.insert(5, "fast_");  // __nv_sinf -> __nv_fast_sinf
      fast = module.getOrInsertFunction(name, f->getFunctionType());
    }
    std::vector<llvm::CallInst*> calls;
    for (llvm::User* u : f->users())
      if (auto* call = llvm::dyn_cast<llvm::CallInst>(u); call && call->getCalledFunction() == f) calls.push_back(call);
      else
        return unsupportedAt(program, u, absl::StrCat("a GPU kernel cannot take the address of '", host, "'"));
    for (llvm::CallInst* call : calls) {
      const bool approx = fast.getCallee() != nullptr && llvm::isa<llvm::FPMathOperator>(call) && call->hasApproxFunc();
      call->setCalledFunction(approx ? fast : callee);
    }
    if (f->use_empty()) f->eraseFromParent();
  }
  return absl::OkStatus();
}

// There are no owned blocks on the GPU (arrays are borrowed, allocation is
// refused): the reference counts do nothing.
void dropReferenceCounts(llvm::Module& module) {
  for (const char* name : {transforms::kIncrefFunction, transforms::kDecrefFunction}) {
    llvm::Function* f = module.getFunction(name);
    if (f == nullptr || f->isDeclaration()) continue;
    f->deleteBody();
    f->setLinkage(llvm::GlobalValue::InternalLinkage);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(module.getContext(), "entry", f));
    b.CreateRetVoid();
  }
}

// The kernel language's primitives on the NVPTX target (kernel_intrinsics.h):
// special registers, bar.sync and its reductions, membar, shared arrays as
// addrspace(3) globals (dynamic shared memory: one extern array), local
// arrays as allocas, LLVM atomics (NVPTX selects atom.*; what it cannot, a
// CAS loop from AtomicExpand), warp votes and shuffles (*_sync).
class PtxKernelIntrinsics final : public KernelIntrinsics {
 public:
  explicit PtxKernelIntrinsics(llvm::Module& m) : m_(m) {}

  llvm::Value* threadIdx(llvm::IRBuilder<>& b, int dim) override { return sreg(b, kTid, dim); }
  llvm::Value* blockIdx(llvm::IRBuilder<>& b, int dim) override { return sreg(b, kCtaid, dim); }
  llvm::Value* blockDim(llvm::IRBuilder<>& b, int dim) override { return sreg(b, kNtid, dim); }
  llvm::Value* gridDim(llvm::IRBuilder<>& b, int dim) override { return sreg(b, kNctaid, dim); }
  llvm::Value* laneId(llvm::IRBuilder<>& b) override { return call(b, llvm::Intrinsic::nvvm_read_ptx_sreg_laneid, {}); }
  llvm::Value* warpSize(llvm::IRBuilder<>& b) override { return b.getInt32(32); }

  llvm::Value* barrier(llvm::IRBuilder<>& b, BarrierKind kind, llvm::Value* predicate) override {
    switch (kind) {
      case BarrierKind::kSync:
        call(b, llvm::Intrinsic::nvvm_barrier0, {});
        return b.getInt32(0);
      case BarrierKind::kCount: return call(b, llvm::Intrinsic::nvvm_barrier0_popc, {i32(b, predicate)});
      case BarrierKind::kAnd: return call(b, llvm::Intrinsic::nvvm_barrier0_and, {i32(b, predicate)});
      case BarrierKind::kOr: return call(b, llvm::Intrinsic::nvvm_barrier0_or, {i32(b, predicate)});
    }
    return b.getInt32(0);
  }

  void fence(llvm::IRBuilder<>& b, FenceScope scope) override {
    switch (scope) {
      case FenceScope::kBlock: call(b, llvm::Intrinsic::nvvm_membar_cta, {}); return;
      case FenceScope::kDevice: call(b, llvm::Intrinsic::nvvm_membar_gl, {}); return;
      case FenceScope::kSystem: call(b, llvm::Intrinsic::nvvm_membar_sys, {}); return;
    }
  }

  llvm::Value* sharedArray(llvm::IRBuilder<>& b, llvm::Type* elem, uint64_t count, const std::string& site,
                           llvm::Value** fail) override {
    if (fail) *fail = nullptr;  // shared memory is there, or the launch failed
    llvm::GlobalVariable* g = nullptr;
    if (count == 0) {  // the launch's dynamic shared memory: CUDA's `extern __shared__` array
      g = m_.getGlobalVariable(kDynamicShared, true);
      if (g == nullptr) {
        auto* t = llvm::ArrayType::get(b.getInt8Ty(), 0);
        g = new llvm::GlobalVariable(m_, t, false, llvm::GlobalValue::ExternalLinkage, nullptr, kDynamicShared,
                                     nullptr, llvm::GlobalValue::NotThreadLocal, kSharedAddressSpace);
        g->setAlignment(llvm::Align(16));
      }
    } else {
      auto* t = llvm::ArrayType::get(elem, count);
      // Static shared memory is 48 KiB a block; more would be refused by
      // ptxas, so the kernel reports a MemoryError (kiln_kernel_error) instead.
      const uint64_t bytes = m_.getDataLayout().getTypeAllocSize(t) + staticSharedBytes();
      if (bytes > kMaxStaticShared) {
        if (fail) *fail = b.getTrue();
        return llvm::ConstantPointerNull::get(b.getPtrTy());
      }
      g = new llvm::GlobalVariable(m_, t, false, llvm::GlobalValue::InternalLinkage, llvm::UndefValue::get(t), site,
                                   nullptr, llvm::GlobalValue::NotThreadLocal, kSharedAddressSpace);
      g->setAlignment(llvm::Align(16));
    }
    return b.CreateAddrSpaceCast(g, b.getPtrTy());  // arrays hold generic pointers
  }

  llvm::Value* dynamicSharedCount(llvm::IRBuilder<>& b, llvm::Type* elem) override {
    // %dynamic_smem_size (PTX 4.1+; LLVM 19 has no intrinsic for it).
    auto* asm_ = llvm::InlineAsm::get(llvm::FunctionType::get(b.getInt32Ty(), false),
                                      "mov.u32 $0, %dynamic_smem_size;", "=r", false);
    llvm::Value* bytes = b.CreateZExt(b.CreateCall(asm_), b.getInt64Ty());
    const uint64_t size = m_.getDataLayout().getTypeAllocSize(elem);
    return b.CreateUDiv(bytes, b.getInt64(size == 0 ? 1 : size));
  }

  llvm::Value* localArray(llvm::IRBuilder<>&, llvm::Type*, uint64_t, llvm::AllocaInst* slot) override {
    return slot;  // per-thread local memory: the entry-block alloca (NVPTX puts it in .local)
  }

  llvm::Value* atomicRMW(llvm::IRBuilder<>& b, llvm::AtomicRMWInst::BinOp op, llvm::Value* ptr,
                         llvm::Value* value) override {
    return b.CreateAtomicRMW(op, ptr, value, llvm::MaybeAlign(), llvm::AtomicOrdering::Monotonic);
  }

  llvm::Value* atomicCAS(llvm::IRBuilder<>& b, llvm::Value* ptr, llvm::Value* expected, llvm::Value* value) override {
    llvm::Type* t = value->getType();
    const bool fp = t->isFloatingPointTy();
    llvm::Type* it = fp ? b.getIntNTy(t->getPrimitiveSizeInBits()) : t;
    llvm::Value* e = fp ? b.CreateBitCast(expected, it) : expected;
    llvm::Value* v = fp ? b.CreateBitCast(value, it) : value;
    llvm::Value* old = b.CreateExtractValue(
        b.CreateAtomicCmpXchg(ptr, e, v, llvm::MaybeAlign(), llvm::AtomicOrdering::Monotonic,
                              llvm::AtomicOrdering::Monotonic),
        {0});
    return fp ? b.CreateBitCast(old, t) : old;
  }

  llvm::Value* vote(llvm::IRBuilder<>& b, VoteKind kind, llvm::Value* mask, llvm::Value* predicate) override {
    llvm::Value* p = predicate->getType()->isIntegerTy(1) ? predicate : b.CreateIsNotNull(predicate);
    switch (kind) {
      case VoteKind::kAll: return call(b, llvm::Intrinsic::nvvm_vote_all_sync, {mask, p});
      case VoteKind::kAny: return call(b, llvm::Intrinsic::nvvm_vote_any_sync, {mask, p});
      case VoteKind::kEq: return call(b, llvm::Intrinsic::nvvm_vote_uni_sync, {mask, p});
      case VoteKind::kBallot: return call(b, llvm::Intrinsic::nvvm_vote_ballot_sync, {mask, p});
    }
    return b.getFalse();
  }

  llvm::Value* shuffle(llvm::IRBuilder<>& b, ShuffleKind kind, llvm::Value* mask, llvm::Value* value,
                       llvm::Value* arg) override {
    llvm::Type* t = value->getType();
    if (t->getPrimitiveSizeInBits() == 64) {  // two 32-bit shuffles of the halves
      llvm::Value* bits = t->isIntegerTy() ? value : b.CreateBitCast(value, b.getInt64Ty());
      llvm::Value* lo = shuffle(b, kind, mask, b.CreateTrunc(bits, b.getInt32Ty()), arg);
      llvm::Value* hi = shuffle(b, kind, mask, b.CreateTrunc(b.CreateLShr(bits, 32), b.getInt32Ty()), arg);
      llvm::Value* joined =
          b.CreateOr(b.CreateZExt(lo, b.getInt64Ty()), b.CreateShl(b.CreateZExt(hi, b.getInt64Ty()), 32));
      return t->isIntegerTy() ? joined : b.CreateBitCast(joined, t);
    }
    const bool f32 = t->isFloatTy();
    llvm::Value* v = f32 || t->isIntegerTy(32) ? value : b.CreateZExtOrTrunc(value, b.getInt32Ty());
    // c: (32 - width) << 8 | clamp, for a whole warp: clamp 31, except up's 0.
    llvm::Intrinsic::ID id = llvm::Intrinsic::not_intrinsic;
    int c = 0x1f;
    switch (kind) {
      case ShuffleKind::kIdx: id = f32 ? llvm::Intrinsic::nvvm_shfl_sync_idx_f32 : llvm::Intrinsic::nvvm_shfl_sync_idx_i32; break;
      case ShuffleKind::kUp:
        id = f32 ? llvm::Intrinsic::nvvm_shfl_sync_up_f32 : llvm::Intrinsic::nvvm_shfl_sync_up_i32;
        c = 0;
        break;
      case ShuffleKind::kDown: id = f32 ? llvm::Intrinsic::nvvm_shfl_sync_down_f32 : llvm::Intrinsic::nvvm_shfl_sync_down_i32; break;
      case ShuffleKind::kXor: id = f32 ? llvm::Intrinsic::nvvm_shfl_sync_bfly_f32 : llvm::Intrinsic::nvvm_shfl_sync_bfly_i32; break;
    }
    llvm::Value* r = call(b, id, {mask, v, i32(b, arg), b.getInt32(c)});
    return f32 || t->isIntegerTy(32) ? r : b.CreateZExtOrTrunc(r, t);
  }

  llvm::Value* match(llvm::IRBuilder<>& b, bool all, llvm::Value* mask, llvm::Value* value) override {  // fp16: sm_70+
    const bool wide = value->getType()->isIntegerTy(64);
    if (!all)
      return call(b, wide ? llvm::Intrinsic::nvvm_match_any_sync_i64 : llvm::Intrinsic::nvvm_match_any_sync_i32, {mask, value});
    llvm::Value* pair =
        call(b, wide ? llvm::Intrinsic::nvvm_match_all_sync_i64p : llvm::Intrinsic::nvvm_match_all_sync_i32p, {mask, value});
    return b.CreateExtractValue(pair, 0);
  }

  void syncWarp(llvm::IRBuilder<>& b, llvm::Value* mask) override {
    call(b, llvm::Intrinsic::nvvm_bar_warp_sync, {mask});
  }
  llvm::Value* activeMask(llvm::IRBuilder<>& b) override { return call(b, llvm::Intrinsic::nvvm_activemask, {}); }
  void nanosleep(llvm::IRBuilder<>& b, llvm::Value* ns) override {
    // nanosleep.u32 (sm_70+, PTX 6.3; LLVM 19 has no intrinsic for it).
    auto* asm_ = llvm::InlineAsm::get(llvm::FunctionType::get(b.getVoidTy(), {b.getInt32Ty()}, false),
                                      "nanosleep.u32 $0;", "r", true);
    b.CreateCall(asm_, {ns});
  }

 private:
  enum Sreg { kTid, kCtaid, kNtid, kNctaid };
  static constexpr unsigned kSharedAddressSpace = 3;
  static constexpr char kDynamicShared[] = "kiln_dynamic_shared";
  static constexpr uint64_t kMaxStaticShared = 48 * 1024;

  uint64_t staticSharedBytes() const {
    uint64_t total = 0;
    for (const llvm::GlobalVariable& g : m_.globals())
      if (g.getAddressSpace() == kSharedAddressSpace && g.hasInitializer())
        total += m_.getDataLayout().getTypeAllocSize(g.getValueType());
    return total;
  }

  llvm::Value* call(llvm::IRBuilder<>& b, llvm::Intrinsic::ID id, std::vector<llvm::Value*> args) {
    return b.CreateCall(llvm::Intrinsic::getDeclaration(&m_, id), args);
  }
  static llvm::Value* i32(llvm::IRBuilder<>& b, llvm::Value* v) {
    if (v->getType()->isIntegerTy(1)) return b.CreateZExt(v, b.getInt32Ty());
    return b.CreateZExtOrTrunc(v, b.getInt32Ty());
  }
  llvm::Value* sreg(llvm::IRBuilder<>& b, Sreg which, int dim) {
    static constexpr llvm::Intrinsic::ID ids[4][3] = {
        {llvm::Intrinsic::nvvm_read_ptx_sreg_tid_x, llvm::Intrinsic::nvvm_read_ptx_sreg_tid_y,
         llvm::Intrinsic::nvvm_read_ptx_sreg_tid_z},
        {llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_x, llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_y,
         llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_z},
        {llvm::Intrinsic::nvvm_read_ptx_sreg_ntid_x, llvm::Intrinsic::nvvm_read_ptx_sreg_ntid_y,
         llvm::Intrinsic::nvvm_read_ptx_sreg_ntid_z},
        {llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_x, llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_y,
         llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_z},
    };
    return call(b, ids[which][dim < 0 || dim > 2 ? 0 : dim], {});
  }

  llvm::Module& m_;
};

}  // namespace

std::unique_ptr<KernelIntrinsics> makePtxKernelIntrinsics(llvm::Module& module) {
  return std::make_unique<PtxKernelIntrinsics>(module);
}

absl::Status makePtxKernel(const typing::Program& program, llvm::Module& module, const std::string& host_entry,
                           const std::string& kernel_name) {
  llvm::LLVMContext& ctx = module.getContext();
  const typing::Instance& entry = *program.instances[0];
  const ir::Function& entry_fn = *entry.ir;
  for (const std::unique_ptr<typing::Instance>& inst : program.instances)
    if (inst->reachable)
      if (absl::Status s = checkInstance(*inst); !s.ok()) return s;
  const typing::Type* ret = program.declared_ret ? program.declared_ret : entry.ret;
  if (ret->kind != Kind::kNone)
    return unsupported(entry_fn, entry_fn.firstlineno,
                       absl::StrCat("a GPU kernel must return None, not '", ret->str(), "'"));

  std::vector<llvm::Type*> params;
  for (const typing::Type* t : entry.arg_types)
    if (absl::Status s = appendParams(ctx, t, params); !s.ok())
      return unsupported(entry_fn, entry_fn.firstlineno, std::string(s.message()));
  llvm::Function* body = module.getFunction(entry.symbol);
  if (body == nullptr) return absl::InternalError(absl::StrCat("no body '", entry.symbol, "' for the kernel"));
  if (llvm::Function* host = module.getFunction(host_entry)) host->eraseFromParent();

  // kiln_kernel_error: {kind, line, threadIdx.xyz, blockIdx.xyz} of the
  // first error a thread reported (kind first, so a reader of the first two
  // words sees what it did before the coordinates were added).
  auto* error_type = llvm::ArrayType::get(llvm::Type::getInt32Ty(ctx), kKernelErrorWords);
  auto* error_global = new llvm::GlobalVariable(module, error_type, false, llvm::GlobalValue::ExternalLinkage,
                                                llvm::ConstantAggregateZero::get(error_type), kKernelErrorGlobal,
                                                nullptr, llvm::GlobalValue::NotThreadLocal, kGlobalAddressSpace);
  error_global->setAlignment(llvm::Align(4));

  auto* kernel = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), params, false),
                                        llvm::Function::ExternalLinkage, kernel_name, module);
  kernel->addFnAttr(llvm::Attribute::NoUnwind);
  for (llvm::Attribute a : body->getAttributes().getFnAttrs())
    if (a.isStringAttribute()) kernel->addFnAttr(a);  // the fast-math attributes
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", kernel));
  llvm::AllocaInst* ret_slot = b.CreateAlloca(valueType(ctx, entry.ret), nullptr, "ret");
  llvm::AllocaInst* err = b.CreateAlloca(llvm::ArrayType::get(b.getInt8Ty(), sizeof(KilnError)), nullptr, "err");
  err->setAlignment(llvm::Align(8));
  b.CreateMemSet(err, b.getInt8(0), sizeof(KilnError), llvm::MaybeAlign(8));
  std::vector<llvm::Value*> args = {ret_slot, err};
  unsigned next = 0;
  for (const typing::Type* t : entry.arg_types) args.push_back(buildArg(b, kernel, t, next));
  llvm::Value* status = b.CreateCall(body, args);
  llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx, "fail", kernel);
  llvm::BasicBlock* first = llvm::BasicBlock::Create(ctx, "first", kernel);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx, "done", kernel);
  b.CreateCondBr(b.CreateICmpEQ(status, b.getInt32(0)), done, fail);
  b.SetInsertPoint(fail);
  llvm::Value* kind_slot = b.CreateConstInBoundsGEP2_32(error_type, error_global, 0, 0);
  llvm::Value* won = b.CreateExtractValue(
      b.CreateAtomicCmpXchg(kind_slot, b.getInt32(0), status, llvm::MaybeAlign(4), llvm::AtomicOrdering::Monotonic,
                            llvm::AtomicOrdering::Monotonic),
      {1});
  b.CreateCondBr(won, first, done);
  b.SetInsertPoint(first);
  static_assert(offsetof(KilnError, line) == 4, "KilnError.line follows the kind");
  llvm::Value* line = b.CreateLoad(b.getInt32Ty(), b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), err, 4));
  b.CreateStore(line, b.CreateConstInBoundsGEP2_32(error_type, error_global, 0, 1));
  {  // cudalang: where it happened, as Numba's debug=True reports it
    PtxKernelIntrinsics where(module);
    for (int d = 0; d < 3; ++d) {
      b.CreateStore(where.threadIdx(b, d), b.CreateConstInBoundsGEP2_32(error_type, error_global, 0, 2 + d));
      b.CreateStore(where.blockIdx(b, d), b.CreateConstInBoundsGEP2_32(error_type, error_global, 0, 5 + d));
    }
  }
  b.CreateBr(done);
  b.SetInsertPoint(done);
  b.CreateRetVoid();

  llvm::NamedMDNode* annotations = module.getOrInsertNamedMetadata("nvvm.annotations");
  annotations->addOperand(llvm::MDNode::get(
      ctx, {llvm::ValueAsMetadata::get(kernel), llvm::MDString::get(ctx, "kernel"),
            llvm::ValueAsMetadata::get(llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), 1))}));

  dropReferenceCounts(module);
  if (absl::Status s = useLibdevice(program, module); !s.ok()) return s;
  if (llvm::GlobalVariable* hook = module.getGlobalVariable(KILN_RT_HOOK_SYMBOL)) {
    if (!hook->use_empty())
      return unsupportedAt(program, hook->user_back(),
                           "a GPU kernel cannot allocate memory (a new array, list, string or dict) or call the "
                           "Kiln runtime; allocate arrays on the host or use cuda.local.array/cuda.shared.array");
    hook->eraseFromParent();
  }
  return absl::OkStatus();
}

}  // namespace kiln::lowering
