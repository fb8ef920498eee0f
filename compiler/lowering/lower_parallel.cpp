// prange: parallel loops (typing/parallel_loops.h decides which).
//
// A parallel loop is lowered as any range loop, with two differences that
// make it easy to move out whole: its iteration step (the range iterator's
// next) starts the region's single entry block (the header's, empty but for
// the step, which the latches branch to); and its body's
// errors leave through one exit block outside the loop, which releases the
// references the function held before the loop and returns err->kind, so the
// body releases only what it made. Once the function is lowered, LLVM's
// CodeExtractor outlines the step and the body (the region whose exits are
// the exhausted edge and the error exit) into a function of its inputs; a
// wrapper `int32 (ctx, lo, hi, err)` calls it for the iterations [lo, hi)
// with the inputs read from a context struct, and the loop becomes a call of
// the runtime's pool (kiln_parallel.h), which runs the wrapper on chunks.
// In the wrapper, each chunk gets its own copy of what the body could write
// that is not an array element: the range iterator's state (set to the
// chunk), every other stack slot of the caller the body uses (copied in),
// and the KilnError. A loop the extractor refuses stays the serial loop it
// was lowered as (its error exit is correct for one thread too).
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/parallel_loops.h"
#include "kiln_parallel.h"
#include "kiln_rt.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/IR/CFG.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/CodeExtractor.h"

namespace kiln::lowering {

void FunctionLowering::beginParallelLoop(const ir::Instr& i) {
  // The header's block holds only the for_iter (parallel_loops.h), so it is
  // empty here and the region's entry; the latches branch to it.
  llvm::BasicBlock* step = b_.GetInsertBlock();
  if (!step->empty()) {
    step = llvm::BasicBlock::Create(ctx_, "prange.step", fn_);
    b_.CreateBr(step);
    b_.SetInsertPoint(step);
  }
  ParallelLoop loop;
  loop.header = step;
  loop.state = value(i.operands[0]);
  parallel_loops_.push_back(loop);
  for (const ir::Block* body : typing::loopBody(i)) parallel_body_[body] = parallel_loops_.size() - 1;
}

void FunctionLowering::endParallelLoop(llvm::BasicBlock* done) {
  ParallelLoop& loop = parallel_loops_.back();
  loop.done = done;
  llvm::IRBuilderBase::InsertPointGuard keep(b_);
  loop.error = llvm::BasicBlock::Create(ctx_, "prange.error", fn_);
  b_.SetInsertPoint(loop.error);
  releaseHeld();  // what the function holds at the loop's header: the body never releases it
  b_.CreateRet(b_.CreateLoad(b_.getInt32Ty(), b_.CreateStructGEP(errorType(), err_ptr_, 0)));
}

bool FunctionLowering::keptForParallelExit(int r) const {
  if (parallel_error_ == nullptr) return false;
  const ir::Value* root = own_.roots[r];
  const ir::Block* at = root->def != nullptr ? root->def->parent : root->param_of;
  return !parallel_defined_.count(at);
}

void FunctionLowering::leaveParallelBody(llvm::Value* status) {
  releaseTemps();
  for (int r : held_) {
    if (keptForParallelExit(r)) continue;  // the caller's: the error exit releases it, once
    const ir::Value* root = own_.roots[r];
    auto it = values_.find(root);
    if (it != values_.end()) release(it->second, root->type);
  }
  b_.CreateStore(status, b_.CreateStructGEP(errorType(), err_ptr_, 0));
  b_.CreateBr(parallel_error_);
}

llvm::Value* FunctionLowering::parallelQuery(typing::BuiltinId id) {
  llvm::Value* api = runtimeField(offsetof(KilnRuntime, parallel), "kiln.parallel");
  size_t at = id == typing::BuiltinId::kParallelNumThreads ? offsetof(KilnParallelApi, num_threads)
                                                           : offsetof(KilnParallelApi, thread_id);
  llvm::Value* fn = b_.CreateLoad(b_.getPtrTy(), b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), api, at));
  return b_.CreateSExt(b_.CreateCall(llvm::FunctionType::get(b_.getInt32Ty(), {}, false), fn), b_.getInt64Ty());
}

namespace {

// The loop's region: its step block, then every block reached from it
// before the step again, the exhausted edge or the error exit; empty when a
// block leaves otherwise (a return: never, by construction, but then the
// loop stays serial).
std::vector<llvm::BasicBlock*> loopRegion(llvm::BasicBlock* header, llvm::BasicBlock* done, llvm::BasicBlock* error) {
  std::vector<llvm::BasicBlock*> region{header};
  std::set<llvm::BasicBlock*> seen{header};
  for (size_t k = 0; k < region.size(); ++k) {
    llvm::Instruction* t = region[k]->getTerminator();
    if (t == nullptr || t->getNumSuccessors() == 0) return {};
    for (llvm::BasicBlock* s : llvm::successors(region[k])) {
      if (s == done || s == error || !seen.insert(s).second) continue;
      region.push_back(s);
    }
  }
  return region;
}

}  // namespace

void FunctionLowering::outlineParallelLoops() {
  const llvm::DataLayout& dl = mod_.getDataLayout();
  for (size_t n = 0; n < parallel_loops_.size(); ++n) {
    const ParallelLoop& loop = parallel_loops_[n];
    std::vector<llvm::BasicBlock*> region = loopRegion(loop.header, loop.done, loop.error);
    if (region.empty()) continue;
    llvm::CodeExtractorAnalysisCache cache(*fn_);
    llvm::CodeExtractor ce(region, /*DT=*/nullptr, /*AggregateArgs=*/false, nullptr, nullptr, nullptr,
                           /*AllowVarArgs=*/false, /*AllowAlloca=*/true, /*AllocationBlock=*/nullptr, "prange");
    if (!ce.isEligible()) continue;
    llvm::SetVector<llvm::Value*> inputs, outputs, allocas;
    ce.findInputsOutputs(inputs, outputs, allocas);
    if (!outputs.empty()) continue;  // a value of the loop used after it: typing rules that out
    // The chunks are cut by rewriting the range state the region reads;
    // one it does not take as an input (never: makeIter fills it before the
    // loop) could not be cut, so such a loop stays serial.
    if (!inputs.contains(loop.state)) continue;
    llvm::Function* body = ce.extractCodeRegion(cache);
    if (body == nullptr) continue;
    llvm::CallInst* call = nullptr;
    for (llvm::User* u : body->users())
      if (auto* c = llvm::dyn_cast<llvm::CallInst>(u)) call = c;
    if (call == nullptr) continue;
    body->addFnAttr(llvm::Attribute::NoUnwind);

    // The chunk: wrapper(ctx, lo, hi, err) -> 0 or err->kind.
    std::vector<llvm::Type*> fields;
    for (llvm::Value* a : call->args()) fields.push_back(a->getType());
    llvm::StructType* ctx_ty = llvm::StructType::get(ctx_, fields);
    llvm::Type* ptr = b_.getPtrTy();
    llvm::Type* i64 = b_.getInt64Ty();
    llvm::Function* chunk = llvm::Function::Create(
        llvm::FunctionType::get(b_.getInt32Ty(), {ptr, i64, i64, ptr}, false), llvm::GlobalValue::InternalLinkage,
        fn_->getName() + ".prange" + std::to_string(n), mod_);
    chunk->addFnAttr(llvm::Attribute::NoUnwind);
    llvm::BasicBlock* entry = llvm::BasicBlock::Create(ctx_, "entry", chunk);
    llvm::IRBuilder<> cb(entry);
    llvm::Value* cctx = chunk->getArg(0);
    llvm::Value* lo = chunk->getArg(1);
    llvm::Value* hi = chunk->getArg(2);
    llvm::Value* cerr = chunk->getArg(3);
    std::vector<llvm::Value*> args;
    llvm::StructType* range_st = llvm::StructType::get(ctx_, {i64, i64, i64});  // lower_iter.cpp's range_iter
    for (unsigned k = 0; k < call->arg_size(); ++k) {
      llvm::Value* a = call->getArgOperand(k);
      llvm::Value* shared = cb.CreateLoad(fields[k], cb.CreateStructGEP(ctx_ty, cctx, k));
      if (a == err_ptr_) {
        args.push_back(cerr);  // the chunk's own error
      } else if (a == loop.state) {  // the chunk's iterations: {hi - lo left, start + lo * step}
        llvm::Value* mine = cb.CreateAlloca(range_st, nullptr, "prange.state");
        llvm::Value* start = cb.CreateLoad(i64, cb.CreateStructGEP(range_st, shared, 1));
        llvm::Value* step = cb.CreateLoad(i64, cb.CreateStructGEP(range_st, shared, 2));
        cb.CreateStore(cb.CreateSub(hi, lo), cb.CreateStructGEP(range_st, mine, 0));
        cb.CreateStore(cb.CreateAdd(start, cb.CreateMul(lo, step)), cb.CreateStructGEP(range_st, mine, 1));
        cb.CreateStore(step, cb.CreateStructGEP(range_st, mine, 2));
        args.push_back(mine);
      } else if (auto* slot = llvm::dyn_cast<llvm::AllocaInst>(a)) {  // the caller's slot: a copy of its own
        llvm::AllocaInst* mine = cb.CreateAlloca(slot->getAllocatedType(), nullptr, "prange.slot");
        mine->setAlignment(slot->getAlign());
        cb.CreateMemCpy(mine, mine->getAlign(), shared, slot->getAlign(),
                        dl.getTypeAllocSize(slot->getAllocatedType()));
        args.push_back(mine);
      } else {
        args.push_back(shared);
      }
    }
    llvm::CallInst* r = cb.CreateCall(body, args);
    // What the caller did with the body's exit code, done -> 0, error -> err->kind.
    llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "ok", chunk);
    llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "fail", chunk);
    llvm::IRBuilder<>(ok).CreateRet(cb.getInt32(0));
    {
      llvm::IRBuilder<> fb(fail);
      fb.CreateRet(fb.CreateLoad(fb.getInt32Ty(), fb.CreateStructGEP(errorType(), cerr, 0)));
    }
    llvm::ValueToValueMapTy vmap;
    vmap[call] = r;
    vmap[loop.done] = ok;
    vmap[loop.error] = fail;
    bool tail_ok = true;
    for (llvm::Instruction* it = call->getNextNode(); it != nullptr; it = it->getNextNode()) {
      llvm::Instruction* copy = it->clone();
      for (unsigned s = 0; copy->isTerminator() && s < copy->getNumSuccessors(); ++s) {
        llvm::BasicBlock* to = copy->getSuccessor(s);
        if (to != loop.done && to != loop.error) tail_ok = false;
      }
      cb.Insert(copy);
      llvm::RemapInstruction(copy, vmap, llvm::RF_IgnoreMissingLocals | llvm::RF_NoModuleLevelChanges);
      vmap[it] = copy;
    }
    if (!tail_ok) {  // never made by the extractor; the body runs serially, on the caller's thread
      chunk->eraseFromParent();
      continue;
    }

    // The caller: the inputs into a context, then the pool over the trip count.
    b_.SetInsertPoint(call);
    llvm::AllocaInst* ctx_slot = entryAlloca(ctx_ty, "prange.ctx");
    for (unsigned k = 0; k < call->arg_size(); ++k)
      b_.CreateStore(call->getArgOperand(k), b_.CreateStructGEP(ctx_ty, ctx_slot, k));
    llvm::Value* trips = b_.CreateLoad(i64, b_.CreateStructGEP(range_st, loop.state, 0), "prange.trips");
    llvm::Value* api = runtimeField(offsetof(KilnRuntime, parallel), "kiln.parallel");
    llvm::Value* run = b_.CreateLoad(ptr, b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), api, offsetof(KilnParallelApi, run)));
    llvm::Value* status = b_.CreateCall(llvm::FunctionType::get(b_.getInt32Ty(), {ptr, ptr, i64, ptr}, false), run,
                                        {chunk, ctx_slot, trips, err_ptr_});
    b_.CreateCondBr(b_.CreateICmpNE(status, b_.getInt32(0)), loop.error, loop.done);
    std::vector<llvm::Instruction*> dead;  // the extractor's call and its dispatch on the exit code
    for (llvm::Instruction* it = call; it != nullptr; it = it->getNextNode()) dead.push_back(it);
    for (auto it = dead.rbegin(); it != dead.rend(); ++it) (*it)->eraseFromParent();
  }
}

}  // namespace kiln::lowering
