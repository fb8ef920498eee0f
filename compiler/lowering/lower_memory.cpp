// Memory: reference counts emitted from the ownership plan (ownership.h).
//
// Compiled code reaches the runtime (runtime/cpu/kiln_rt.h) through the
// weak, exported global `kiln_rt_hook`, which the loader fills right after
// dlopen. Increments and decrements are the module-internal functions
// kiln.incref / kiln.decref (atomic, NULL-safe, always inlined), kept as
// calls until transforms::RefcountPrune has removed the pairs that cancel;
// only a decrement that reaches zero calls into the runtime (mi_destroy).
#include <cstddef>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/transforms/refcount_prune.h"
#include "kiln_rt.h"

namespace kiln::lowering {

using typing::Kind;

namespace {

// The fields of KilnRuntime are reached by their offsetof in kiln_rt.h, the
// one definition of the table's layout: appending a field there cannot
// shift another's index here.
// Array data alignment: NumPy's (16), so the default allocator is malloc
// and a result can reuse a NumPy array's freed block of the same size
// (posix_memalign(64), or a header in the data's block, tripled the page
// faults of a 16 MB result made per call; docs/architecture.md, Memory).
constexpr int64_t kDataAlign = 16;

// The pointer stored at `offset` bytes into the runtime table `rt`.
llvm::Value* loadRuntimeField(llvm::IRBuilder<>& b, llvm::Value* rt, size_t offset, const char* name = "") {
  return b.CreateLoad(b.getPtrTy(), b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), rt, offset), name);
}

llvm::GlobalVariable* hookGlobal(llvm::Module& m) {
  if (llvm::GlobalVariable* g = m.getGlobalVariable(KILN_RT_HOOK_SYMBOL)) return g;
  // Weak: objects linked together ahead of time share one hook.
  auto* ptr = llvm::PointerType::getUnqual(m.getContext());
  return new llvm::GlobalVariable(m, ptr, false, llvm::GlobalValue::WeakAnyLinkage,
                                  llvm::ConstantPointerNull::get(ptr), KILN_RT_HOOK_SYMBOL);
}

// kiln.incref(ptr mi) / kiln.decref(ptr mi), defined once per module.
llvm::Function* refFunction(llvm::Module& m, bool inc) {
  const char* name = inc ? transforms::kIncrefFunction : transforms::kDecrefFunction;
  if (llvm::Function* f = m.getFunction(name)) return f;
  llvm::LLVMContext& ctx = m.getContext();
  auto* ptr = llvm::PointerType::getUnqual(ctx);
  auto* f = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false),
                                   llvm::Function::InternalLinkage, name, &m);
  f->addFnAttr(llvm::Attribute::AlwaysInline);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  llvm::BasicBlock* entry = llvm::BasicBlock::Create(ctx, "entry", f);
  llvm::BasicBlock* some = llvm::BasicBlock::Create(ctx, "owned", f);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx, "done", f);
  llvm::IRBuilder<> b(entry);
  llvm::Value* mi = f->getArg(0);
  b.CreateCondBr(b.CreateIsNull(mi), done, some);  // NULL: borrowed memory
  b.SetInsertPoint(some);
  llvm::Type* i64 = b.getInt64Ty();
  if (inc) {
    b.CreateAtomicRMW(llvm::AtomicRMWInst::Add, mi, llvm::ConstantInt::get(i64, 1), llvm::MaybeAlign(8),
                      llvm::AtomicOrdering::Monotonic);
    b.CreateBr(done);
  } else {
    llvm::Value* old = b.CreateAtomicRMW(llvm::AtomicRMWInst::Sub, mi, llvm::ConstantInt::get(i64, 1),
                                         llvm::MaybeAlign(8), llvm::AtomicOrdering::Release);
    llvm::BasicBlock* last = llvm::BasicBlock::Create(ctx, "last", f);
    b.CreateCondBr(b.CreateICmpEQ(old, llvm::ConstantInt::get(i64, 1)), last, done);
    b.SetInsertPoint(last);
    b.CreateFence(llvm::AtomicOrdering::Acquire);
    llvm::Value* rt = b.CreateLoad(ptr, hookGlobal(m));
    llvm::Value* destroy = loadRuntimeField(b, rt, offsetof(KilnRuntime, mi_destroy));
    b.CreateCall(llvm::FunctionType::get(b.getVoidTy(), {ptr}, false), destroy, {mi});
    b.CreateBr(done);
  }
  b.SetInsertPoint(done);
  b.CreateRetVoid();
  return f;
}

// The pointer at `path` inside v, found by looking through the insertvalue
// and extractvalue that built v (so one block's meminfo is one SSA value
// wherever it travels, which RefcountPrune needs); null when not visible.
llvm::Value* findInserted(llvm::Value* v, std::vector<unsigned> path) {
  while (true) {
    if (auto* ins = llvm::dyn_cast<llvm::InsertValueInst>(v)) {
      llvm::ArrayRef<unsigned> idx = ins->getIndices();
      size_t common = 0;
      while (common < idx.size() && common < path.size() && idx[common] == path[common]) ++common;
      if (common == idx.size()) {  // inserted at path or above it
        v = ins->getInsertedValueOperand();
        path.erase(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(common));
        if (path.empty()) return v;
        continue;
      }
      if (common == path.size()) return nullptr;  // inserted below path: path's value is not one SSA value
      v = ins->getAggregateOperand();
      continue;
    }
    if (auto* ext = llvm::dyn_cast<llvm::ExtractValueInst>(v)) {
      std::vector<unsigned> longer(ext->getIndices().begin(), ext->getIndices().end());
      longer.insert(longer.end(), path.begin(), path.end());
      path = std::move(longer);
      v = ext->getAggregateOperand();
      continue;
    }
    return nullptr;
  }
}

// The meminfo fields of the arrays directly inside a value of type t, as
// extractvalue paths (iterators hold theirs behind a pointer: not listed).
void meminfoPaths(const typing::Type* t, std::vector<unsigned>& prefix, std::vector<std::vector<unsigned>>& out) {
  if (t->kind == Kind::kArray || t->kind == Kind::kStr || t->kind == Kind::kRecord) {  // strings, records (recown): field 0 too
    prefix.push_back(kMeminfo);
    out.push_back(prefix);
    prefix.pop_back();
  } else if (t->kind == Kind::kTuple || t->kind == Kind::kFunction) {  // closures: {captures, defaults}
    for (unsigned k = 0; k < t->items.size(); ++k) {
      prefix.push_back(k);
      meminfoPaths(t->items[k], prefix, out);
      prefix.pop_back();
    }
  } else if (t->kind == Kind::kBoundMethod) {
    meminfoPaths(t->items[0], prefix, out);
  } else if (t->kind == Kind::kOptional) {  // optional: {value, present}; None's value has null meminfos
    prefix.push_back(0);
    meminfoPaths(t->items[0], prefix, out);
    prefix.pop_back();
  } else if (t->kind == Kind::kDict) {  // dicts: {meminfo}
    prefix.push_back(0);
    out.push_back(prefix);
    prefix.pop_back();
  } else if (t->kind == Kind::kList || t->kind == Kind::kStructRef) {  // lists, structref: {meminfo}
    prefix.push_back(0);
    out.push_back(prefix);
    prefix.pop_back();
  } else if (t->kind == Kind::kGenerator) {  // generators: the meminfo itself
    out.push_back(prefix);
  }
}

bool isIterator(const typing::Type* t) {
  return t->kind == Kind::kArrayIter || t->kind == Kind::kTupleIter || t->kind == Kind::kEnumerate ||
         t->kind == Kind::kZip || t->kind == Kind::kStrIter || t->kind == Kind::kDictIter ||
         t->kind == Kind::kListIter;  // lists
}

}  // namespace

void emitDecref(llvm::IRBuilder<>& b, llvm::Module& m, llvm::Value* mi) { b.CreateCall(refFunction(m, false), {mi}); }

llvm::Value* FunctionLowering::runtimeField(size_t offset, const char* name) {
  return loadRuntimeField(b_, runtimeHook(), offset, name);
}

llvm::Value* FunctionLowering::runtimeHook() { return b_.CreateLoad(b_.getPtrTy(), hookGlobal(mod_), "kiln.rt"); }

void FunctionLowering::refOp(llvm::Value* v, const typing::Type* t, bool inc) {
  if (!holdsRefs(t)) return;
  if (t->kind == Kind::kGenerator) {  // generators: the value is its meminfo
    if (!llvm::isa<llvm::Constant>(v)) b_.CreateCall(refFunction(mod_, inc), {v});
    return;
  }
  if (!isIterator(t)) {
    std::vector<unsigned> prefix;
    std::vector<std::vector<unsigned>> paths;
    meminfoPaths(t, prefix, paths);
    for (const std::vector<unsigned>& p : paths) {
      llvm::Value* mi = findInserted(v, p);
      if (mi == nullptr) mi = b_.CreateExtractValue(v, p);
      if (llvm::isa<llvm::ConstantPointerNull>(mi) || llvm::isa<llvm::UndefValue>(mi)) continue;
      b_.CreateCall(refFunction(mod_, inc), {mi});
    }
    return;
  }
  // An iterator: the arrays in its state (which an undefined iterator lacks).
  if (llvm::isa<llvm::Constant>(v)) return;
  ifThen(b_.CreateIsNotNull(v), [&]() {
    llvm::Type* ptr = b_.getPtrTy();
    if (t->kind == Kind::kArrayIter || t->kind == Kind::kTupleIter || t->kind == Kind::kStrIter ||
        t->kind == Kind::kDictIter || t->kind == Kind::kListIter) {  // {value, index}
      const typing::Type* held = t->kind == Kind::kTupleIter ? types().tuple(t->items) : t->items[0];
      llvm::Type* st = llvm::StructType::get(ctx_, {valueType(ctx_, held), b_.getInt64Ty()});
      refOp(b_.CreateLoad(valueType(ctx_, held), b_.CreateStructGEP(st, v, 0)), held, inc);
    } else if (t->kind == Kind::kEnumerate) {  // {count, inner}
      llvm::Type* st = llvm::StructType::get(ctx_, {b_.getInt64Ty(), ptr});
      refOp(b_.CreateLoad(ptr, b_.CreateStructGEP(st, v, 1)), t->items[0], inc);
    } else {  // zip: {inner...}
      llvm::Type* st = llvm::StructType::get(ctx_, std::vector<llvm::Type*>(t->items.size(), ptr));
      for (unsigned k = 0; k < t->items.size(); ++k)
        refOp(b_.CreateLoad(ptr, b_.CreateStructGEP(st, v, k)), t->items[k], inc);
    }
  });
}

void FunctionLowering::retain(llvm::Value* v, const typing::Type* t) { refOp(v, t, true); }
void FunctionLowering::release(llvm::Value* v, const typing::Type* t) { refOp(v, t, false); }

llvm::Value* FunctionLowering::allocMeminfo(llvm::Value* bytes, llvm::Value** data) {
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Value* alloc = runtimeField(offsetof(KilnRuntime, mi_alloc_data));
  llvm::FunctionType* fty = llvm::FunctionType::get(ptr, {b_.getInt64Ty(), b_.getInt64Ty(), ptr, ptr}, false);
  llvm::AllocaInst* slot = entryAlloca(ptr, "meminfo");
  llvm::CallInst* fresh = b_.CreateCall(
      fty, alloc, {bytes, b_.getInt64(kDataAlign), llvm::ConstantPointerNull::get(b_.getPtrTy()), slot}, "data");
  fresh->addRetAttr(llvm::Attribute::NoAlias);  // fresh memory, as malloc's result
  raiseIf(b_.CreateIsNull(fresh), KILN_MEMORY_ERROR, "Allocation failed (out of memory allocating an array)");
  llvm::Value* mi = b_.CreateLoad(ptr, slot, "meminfo");
  temps_.push_back(mi);
  *data = fresh;
  return mi;
}

llvm::Value* FunctionLowering::allocObject(llvm::Value* bytes, llvm::Function* dtor, llvm::Value** data) {
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Value* alloc = runtimeField(offsetof(KilnRuntime, mi_alloc_data_dtor));
  llvm::FunctionType* fty = llvm::FunctionType::get(ptr, {b_.getInt64Ty(), b_.getInt64Ty(), ptr, ptr}, false);
  llvm::AllocaInst* slot = entryAlloca(ptr, "meminfo");
  llvm::Value* d = dtor != nullptr ? static_cast<llvm::Value*>(dtor) : llvm::ConstantPointerNull::get(b_.getPtrTy());
  llvm::CallInst* fresh = b_.CreateCall(fty, alloc, {bytes, b_.getInt64(kDataAlign), d, slot}, "data");
  fresh->addRetAttr(llvm::Attribute::NoAlias);
  raiseIf(b_.CreateIsNull(fresh), KILN_MEMORY_ERROR, "Allocation failed (out of memory)");
  llvm::Value* mi = b_.CreateLoad(ptr, slot, "meminfo");
  *data = fresh;
  return mi;
}

llvm::Value* FunctionLowering::resizeObject(llvm::Value* meminfo, llvm::Value* new_bytes) {
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Value* resize = runtimeField(offsetof(KilnRuntime, mi_resize));
  llvm::FunctionType* fty = llvm::FunctionType::get(ptr, {ptr, b_.getInt64Ty()}, false);
  llvm::Value* data = b_.CreateCall(fty, resize, {meminfo, new_bytes}, "resized");
  raiseIf(b_.CreateIsNull(data), KILN_MEMORY_ERROR, "Allocation failed (out of memory)");
  return data;
}

llvm::Value* FunctionLowering::unicodeApi() {  // strings
  return runtimeField(offsetof(KilnRuntime, unicode), "kiln.unicode");
}

void FunctionLowering::releaseTemp(llvm::Value* array) {
  llvm::Value* meminfo = findInserted(array, {kMeminfo});
  if (meminfo == nullptr) meminfo = b_.CreateExtractValue(array, kMeminfo);
  for (size_t k = 0; k < temps_.size(); ++k)
    if (temps_[k] == meminfo) {
      temps_.erase(temps_.begin() + static_cast<std::ptrdiff_t>(k));
      break;
    }
  b_.CreateCall(refFunction(mod_, false), {meminfo});
}

void FunctionLowering::releaseTemps() {  // exceptions: also on the way to a handler
  for (llvm::Value* mi : temps_) b_.CreateCall(refFunction(mod_, false), {mi});
}

void FunctionLowering::releaseHeld() {
  releaseTemps();
  for (int r : held_) {
    const ir::Value* root = own_.roots[r];
    auto it = values_.find(root);
    if (it != values_.end()) release(it->second, root->type);
  }
}

std::vector<int> FunctionLowering::dyingOnEdge(const ir::Block* target) const {
  std::vector<int> out;
  auto li = own_.live_in.find(target);
  for (int r : held_)
    if ((li == own_.live_in.end() || !li->second[r]) && !keptForParallelExit(r)) out.push_back(r);
  return out;
}

void FunctionLowering::beginBlock(const ir::Block* blk) {
  const size_t n = own_.roots.size();
  held_.clear();
  temps_.clear();
  last_use_.assign(n, -1);
  live_at_term_.assign(n, false);
  if (n == 0) return;
  const std::vector<bool>& in = own_.live_in.at(blk);
  std::vector<bool> held(n, false);
  for (size_t r = 0; r < n; ++r) held[r] = in[r];
  for (const auto& p : blk->params)
    if (int r = own_.root_of[p->id]; r >= 0) held[r] = true;
  for (size_t r = 0; r < n; ++r)
    if (held[r]) held_.push_back(static_cast<int>(r));
  const std::vector<bool>& out = own_.live_out.at(blk);
  for (size_t r = 0; r < n; ++r) live_at_term_[r] = out[r];
  const size_t body = blk->instrs.size() - (blk->terminator() ? 1 : 0);
  for (size_t k = 0; k < blk->instrs.size(); ++k) {
    const ir::Instr& i = *blk->instrs[k];
    for (const ir::Value* op : i.operands)
      for (int r : own_.depsOf(op)) {
        if (k < body) last_use_[r] = static_cast<int>(k);
        else live_at_term_[r] = true;
      }
    if (k < body && i.result)
      if (int r = own_.root_of[i.result->id]; r >= 0 && last_use_[r] < 0) last_use_[r] = static_cast<int>(k);
  }
  // Parameters and live-ins this block neither uses nor passes on die here.
  std::vector<int> keep;
  for (int r : held_) {
    if (last_use_[r] < 0 && !live_at_term_[r]) {
      auto it = values_.find(own_.roots[r]);
      if (it != values_.end()) release(it->second, own_.roots[r]->type);
      continue;
    }
    keep.push_back(r);
  }
  held_ = std::move(keep);
}

void FunctionLowering::finishInstr(const ir::Instr& i, size_t index) {
  const ir::Value* res = i.result.get();
  int root = res ? own_.root_of[res->id] : -1;
  if (root >= 0) {
    llvm::Value* v = values_.at(res);
    if (call_result_owned_) {
      // The callee handed over its references.
    } else if (isIterator(res->type)) {
      retain(v, res->type);
    } else {
      // Each array the result holds takes over this instruction's fresh
      // block, or a new reference when it aliases something else.
      std::vector<unsigned> prefix;
      std::vector<std::vector<unsigned>> paths;
      meminfoPaths(res->type, prefix, paths);
      for (const std::vector<unsigned>& p : paths) {
        llvm::Value* mi = findInserted(v, p);
        bool fresh = false;
        for (size_t k = 0; mi != nullptr && k < temps_.size(); ++k)
          if (temps_[k] == mi) {
            temps_.erase(temps_.begin() + static_cast<std::ptrdiff_t>(k));
            fresh = true;
            break;
          }
        if (fresh) continue;
        if (mi == nullptr) mi = b_.CreateExtractValue(v, p);
        if (!llvm::isa<llvm::ConstantPointerNull>(mi) && !llvm::isa<llvm::UndefValue>(mi))
          b_.CreateCall(refFunction(mod_, true), {mi});
      }
    }
  }
  call_result_owned_ = false;
  for (llvm::Value* mi : temps_) b_.CreateCall(refFunction(mod_, false), {mi});
  temps_.clear();
  if (root >= 0) held_.insert(std::lower_bound(held_.begin(), held_.end(), root), root);
  // Roots whose last use was this instruction and that the terminator does
  // not need die here.
  std::vector<int> keep;
  for (int r : held_) {
    if (last_use_[r] == static_cast<int>(index) && !live_at_term_[r]) {
      if (!keptForParallelExit(r)) release(values_.at(own_.roots[r]), own_.roots[r]->type);
      continue;
    }
    keep.push_back(r);
  }
  held_ = std::move(keep);
}

}  // namespace kiln::lowering
