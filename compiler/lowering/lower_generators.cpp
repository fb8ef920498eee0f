// Generators: a generator function's body is lowered as an LLVM
// switched-resume coroutine (llvm.coro.*); CoroSplit, in every pipeline of
// cpu_target.cpp, cuts it into the ramp, resume and destroy functions and
// keeps what lives across a yield in the coroutine frame.
//
//  - The ramp is the body's own entry point, called as any body is: it
//    allocates the frame as the data of a reference-counted block
//    (mi_alloc_data_dtor), takes references to the arguments, stores the
//    block's meminfo in *ret (the Generator(...) value: a pointer, as every
//    iterator) and suspends before the first statement.
//  - The promise, in the frame, is {status, KilnError, item}. A yield stores
//    its item and status kYielded, then suspends; a return or an error that
//    leaves the body stores KILN_OK or the error kind (err_ptr_ points at the
//    promise's KilnError) and suspends at the final point.
//  - "<symbol>.next"(meminfo, err, out) resumes it: 0 with the item in *out;
//    kExhausted once it has ended (and on every call after); or an error kind
//    with *err filled in (the generator has then ended, as in Python).
//  - The block's destructor ("<symbol>.dtor") destroys the coroutine where it
//    is suspended: a yield's destroy edge releases what the body holds there,
//    and the common cleanup path releases the arguments.
// Items that hold references (arrays, strings, tuples of them): a yield
// retains the item into the promise, which holds it until the body goes on
// (or is destroyed there); so an item that next hands out is borrowed from
// the generator until its next step. A for loop directly over a generator and
// next() keep a reference of their own (ownership.cpp), and "<symbol>.take"
// (the exported step's) gives the caller one.
#include <cstddef>

#include "absl/strings/str_cat.h"
#include "compiler/library_code.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/MDBuilder.h"
#include "kiln_rt.h"

namespace kiln::lowering {

using typing::Kind;

namespace {

constexpr int32_t kYielded = -1;    // the promise's status after a yield
constexpr int32_t kExhausted = KILN_GENERATOR_EXHAUSTED;  // what <symbol>.next returns once the generator has ended
constexpr unsigned kPromiseAlign = 16;
constexpr int64_t kFrameAlign = 16;  // the data of a block (lower_memory.cpp's kDataAlign)

llvm::FunctionType* nextType(llvm::LLVMContext& ctx) {
  llvm::Type* ptr = llvm::PointerType::getUnqual(ctx);
  return llvm::FunctionType::get(llvm::Type::getInt32Ty(ctx), {ptr, ptr, ptr}, false);
}

// "<symbol>.next" of the generator type `gen` (declared on first use, defined
// when its body is lowered).
llvm::Function* nextFunction(llvm::Module& mod, const typing::Type* gen) {
  std::string name = absl::StrCat(gen->name, ".next");
  if (llvm::Function* f = mod.getFunction(name)) return f;
  llvm::Function* f = llvm::Function::Create(nextType(mod.getContext()), llvm::Function::InternalLinkage, name, &mod);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  return f;
}

// genpy: "<symbol>.take", next with the item's references owned by the caller.
llvm::Function* takeFunction(llvm::Module& mod, const typing::Type* gen) {
  std::string name = absl::StrCat(gen->name, ".take");
  if (llvm::Function* f = mod.getFunction(name)) return f;
  llvm::Function* f = llvm::Function::Create(nextType(mod.getContext()), llvm::Function::InternalLinkage, name, &mod);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  return f;
}

}  // namespace

bool FunctionLowering::isGeneratorBody() const {
  return inst_.ret != nullptr && inst_.ret->kind == Kind::kGenerator && inst_.ret->name == inst_.symbol;
}

llvm::Value* FunctionLowering::coroSuspend(bool final, llvm::BasicBlock* resume, llvm::BasicBlock* destroy) {
  llvm::Value* s = b_.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::coro_suspend),
                                 {llvm::ConstantTokenNone::get(ctx_), b_.getInt1(final)});
  llvm::SwitchInst* sw = b_.CreateSwitch(s, gen_.suspend, 2);
  sw->addCase(b_.getInt8(0), resume);
  sw->addCase(b_.getInt8(1), destroy);
  return s;
}

void FunctionLowering::beginGenerator() {
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Type* i64 = b_.getInt64Ty();
  const typing::Type* yt = inst_.ret->items[0];
  gen_.promise_type = llvm::StructType::get(ctx_, {b_.getInt32Ty(), errorType(), valueType(ctx_, yt)});
  llvm::AllocaInst* promise = entryAlloca(gen_.promise_type, "promise");
  promise->setAlignment(llvm::Align(kPromiseAlign));
  gen_.promise = promise;
  llvm::Value* null = llvm::ConstantPointerNull::get(b_.getPtrTy());
  gen_.id = b_.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::coro_id),
                          {b_.getInt32(kFrameAlign), promise, null, null}, "coro.id");
  llvm::Value* size = b_.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::coro_size, {i64}), {});
  // The frame is the data of a block whose destructor destroys the coroutine.
  llvm::Function* dtor = llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), {ptr}, false),
                                                llvm::Function::InternalLinkage,
                                                absl::StrCat(inst_.symbol, ".dtor"), mod_);
  dtor->addFnAttr(llvm::Attribute::NoUnwind);
  {
    llvm::IRBuilder<> db(llvm::BasicBlock::Create(ctx_, "entry", dtor));
    db.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::coro_destroy), {dtor->getArg(0)});
    db.CreateRetVoid();
  }
  llvm::Value* alloc = runtimeField(offsetof(KilnRuntime, mi_alloc_data_dtor));
  llvm::FunctionType* fty = llvm::FunctionType::get(ptr, {i64, i64, ptr, ptr}, false);
  llvm::AllocaInst* slot = entryAlloca(ptr, "meminfo");
  llvm::Value* mem = b_.CreateCall(fty, alloc, {size, b_.getInt64(kFrameAlign), dtor, slot}, "frame");
  gen_.handle = b_.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::coro_begin), {gen_.id, mem},
                              "coro.handle");
  llvm::Value* mi = b_.CreateLoad(ptr, slot, "meminfo");
  // The frame is reached later through mi->data (by <symbol>.next), which
  // the optimiser cannot relate to this pointer: storing it there again
  // shows that the frame escapes, so its stores are not dead.
  b_.CreateStore(gen_.handle, b_.CreateConstGEP1_64(b_.getInt8Ty(), mi, offsetof(KilnMemInfo, data)));
  b_.CreateStore(mi, ret_ptr_);  // the generator, to the caller
  err_ptr_ = b_.CreateStructGEP(gen_.promise_type, promise, 1, "err");
  b_.CreateStore(llvm::Constant::getNullValue(errorType()), err_ptr_);
  // The generator holds its arguments for as long as it lives.
  const ir::Block* entry = inst_.ir->blocks[0].get();
  for (size_t k = 0; k < entry->params.size(); ++k) retain(fn_->getArg(2 + k), entry->params[k]->type);
  gen_.final_bb = llvm::BasicBlock::Create(ctx_, "gen.final", fn_);
  gen_.cleanup = llvm::BasicBlock::Create(ctx_, "gen.cleanup", fn_);
  gen_.suspend = llvm::BasicBlock::Create(ctx_, "gen.suspend", fn_);
  llvm::BasicBlock* start = llvm::BasicBlock::Create(ctx_, "gen.start", fn_);
  coroSuspend(false, start, gen_.cleanup);  // nothing runs before the first next()
  b_.SetInsertPoint(start);
}

llvm::Value* FunctionLowering::yieldValue(const ir::Instr& i) {
  const typing::Type* yt = inst_.ret->items[0];
  llvm::Value* item_ptr = b_.CreateStructGEP(gen_.promise_type, gen_.promise, 2);
  llvm::Value* item = converted(i.operands[0], yt);
  retain(item, yt);  // genpy: the promise holds the item until the generator goes on
  b_.CreateStore(item, item_ptr);
  b_.CreateStore(b_.getInt32(kYielded), b_.CreateStructGEP(gen_.promise_type, gen_.promise, 0));
  llvm::BasicBlock* resumed = llvm::BasicBlock::Create(ctx_, "gen.resumed", fn_);
  llvm::BasicBlock* destroyed = llvm::BasicBlock::Create(ctx_, "gen.destroyed", fn_);
  coroSuspend(false, resumed, destroyed);
  b_.SetInsertPoint(destroyed);  // dropped while suspended here: let go of what the body holds
  release(b_.CreateLoad(item->getType(), item_ptr), yt);
  releaseHeld();
  b_.CreateBr(gen_.cleanup);
  b_.SetInsertPoint(resumed);
  release(b_.CreateLoad(item->getType(), item_ptr), yt);
  return b_.getInt8(0);  // the value of the yield expression: None (send() is refused)
}

void FunctionLowering::finishGenerator() {
  // Every return of the body (a return statement, an error leaving it) ends
  // the generator: its status in the promise, then the final suspension.
  std::vector<llvm::ReturnInst*> rets;
  for (llvm::BasicBlock& bb : *fn_)
    if (auto* r = llvm::dyn_cast_or_null<llvm::ReturnInst>(bb.getTerminator())) rets.push_back(r);
  for (llvm::ReturnInst* r : rets) {
    llvm::IRBuilder<> rb(r);
    rb.CreateStore(r->getReturnValue(), rb.CreateStructGEP(gen_.promise_type, gen_.promise, 0));
    rb.CreateBr(gen_.final_bb);
    r->eraseFromParent();
  }
  llvm::Type* ptr = b_.getPtrTy();
  b_.SetInsertPoint(gen_.final_bb);
  llvm::BasicBlock* never = llvm::BasicBlock::Create(ctx_, "gen.resumed_after_end", fn_);
  coroSuspend(true, never, gen_.cleanup);
  b_.SetInsertPoint(never);
  b_.CreateUnreachable();
  b_.SetInsertPoint(gen_.cleanup);
  clearError(err_ptr_);  // exceptions: the heap arguments of an error the body handled
  const ir::Block* entry = inst_.ir->blocks[0].get();
  for (size_t k = 0; k < entry->params.size(); ++k) release(fn_->getArg(2 + k), entry->params[k]->type);
  b_.CreateBr(gen_.suspend);
  b_.SetInsertPoint(gen_.suspend);
  b_.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::coro_end),
                {gen_.handle, b_.getFalse(), llvm::ConstantTokenNone::get(ctx_)});
  b_.CreateRet(b_.getInt32(KILN_OK));
  fn_->addFnAttr(llvm::Attribute::PresplitCoroutine);

  // <symbol>.next(meminfo, err, out).
  llvm::Function* next = nextFunction(mod_, inst_.ret);
  llvm::IRBuilder<> nb(llvm::BasicBlock::Create(ctx_, "entry", next));
  llvm::BasicBlock* go = llvm::BasicBlock::Create(ctx_, "resume", next);
  llvm::BasicBlock* yielded = llvm::BasicBlock::Create(ctx_, "yielded", next);
  llvm::BasicBlock* ended = llvm::BasicBlock::Create(ctx_, "ended", next);
  llvm::BasicBlock* failed = llvm::BasicBlock::Create(ctx_, "failed", next);
  llvm::Value* hdl = nb.CreateLoad(ptr, nb.CreateConstGEP1_64(nb.getInt8Ty(), next->getArg(0), offsetof(KilnMemInfo, data)),
                                   "frame");
  llvm::Value* done = nb.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::coro_done), {hdl});
  nb.CreateCondBr(done, ended, go);
  nb.SetInsertPoint(go);
  nb.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::coro_resume), {hdl});
  llvm::Value* p = nb.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::coro_promise),
                                 {hdl, nb.getInt32(kPromiseAlign), nb.getFalse()}, "promise");
  llvm::Value* status = nb.CreateLoad(nb.getInt32Ty(), nb.CreateStructGEP(gen_.promise_type, p, 0), "status");
  llvm::SwitchInst* sw = nb.CreateSwitch(status, failed, 2);
  sw->addCase(nb.getInt32(kYielded), yielded);
  sw->addCase(nb.getInt32(KILN_OK), ended);
  nb.SetInsertPoint(yielded);
  llvm::Type* item = gen_.promise_type->getElementType(2);
  nb.CreateStore(nb.CreateLoad(item, nb.CreateStructGEP(gen_.promise_type, p, 2)), next->getArg(2));
  nb.CreateRet(nb.getInt32(KILN_OK));
  nb.SetInsertPoint(ended);
  nb.CreateRet(nb.getInt32(kExhausted));
  nb.SetInsertPoint(failed);  // the error, moved to the caller's KilnError (its heap arguments too)
  llvm::StructType* et = errorType();
  nb.CreateStore(nb.CreateLoad(et, nb.CreateStructGEP(gen_.promise_type, p, 1)), next->getArg(1));
  nb.CreateStore(nb.getInt32(0), nb.CreateStructGEP(et, nb.CreateStructGEP(gen_.promise_type, p, 1), 5));
  // PEP 479: a StopIteration leaving the body is a RuntimeError (else the
  // caller's loop would take it for the end).
  llvm::BasicBlock* pep479 = llvm::BasicBlock::Create(ctx_, "stop_iteration_in_body", next);
  llvm::BasicBlock* pass = llvm::BasicBlock::Create(ctx_, "propagate", next);
  nb.CreateCondBr(nb.CreateICmpEQ(status, nb.getInt32(KILN_STOP_ITERATION)), pep479, pass);
  nb.SetInsertPoint(pep479);
  llvm::Value* err = next->getArg(1);
  nb.CreateStore(nb.getInt32(KILN_RUNTIME_ERROR), nb.CreateStructGEP(et, err, 0));
  nb.CreateStore(nb.CreateGlobalStringPtr("generator raised StopIteration", "kiln.msg"), nb.CreateStructGEP(et, err, 2));
  nb.CreateStore(llvm::ConstantPointerNull::get(nb.getPtrTy()), nb.CreateStructGEP(et, err, 3));
  nb.CreateStore(nb.getInt32(0), nb.CreateStructGEP(et, err, 4));  // its args stay for the caller to drop
  nb.CreateRet(nb.getInt32(KILN_RUNTIME_ERROR));
  nb.SetInsertPoint(pass);
  nb.CreateRet(status);

  // genpy: "<symbol>.take"(meminfo, err, out): next, with a reference of its
  // own to the item (the exported step's, for a caller that keeps it).
  llvm::Function* take = takeFunction(mod_, inst_.ret);
  llvm::BasicBlock* saved = b_.GetInsertBlock();
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", take));
  llvm::Value* took = b_.CreateCall(next, {take->getArg(0), take->getArg(1), take->getArg(2)}, "status");
  llvm::BasicBlock* keep = llvm::BasicBlock::Create(ctx_, "keep", take);
  llvm::BasicBlock* out = llvm::BasicBlock::Create(ctx_, "out", take);
  b_.CreateCondBr(b_.CreateICmpEQ(took, b_.getInt32(KILN_OK)), keep, out);
  b_.SetInsertPoint(keep);
  retain(b_.CreateLoad(item, take->getArg(2)), inst_.ret->items[0]);
  b_.CreateBr(out);
  b_.SetInsertPoint(out);
  b_.CreateRet(took);
  b_.SetInsertPoint(saved);
}

llvm::Value* FunctionLowering::generatorNext(llvm::Value* gen, const typing::Type* it, const typing::Type* item_type,
                                             llvm::Value** item) {
  llvm::Function* next = nextFunction(mod_, it);
  llvm::AllocaInst* out = entryAlloca(valueType(ctx_, it->items[0]), "gen.item");
  // genpy: no item (the end, an error) reads as null references, which an
  // owner of the item may release.
  b_.CreateStore(llvm::Constant::getNullValue(out->getAllocatedType()), out);
  llvm::Value* status = b_.CreateCall(next, {gen, err_ptr_, out}, "gen.status");
  llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "gen.propagate", fn_);
  llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "gen.stepped", fn_);
  b_.CreateCondBr(b_.CreateICmpSGT(status, b_.getInt32(KILN_OK)), fail, ok,
                  llvm::MDBuilder(ctx_).createUnlikelyBranchWeights());
  b_.SetInsertPoint(fail);
  for (const std::unique_ptr<typing::Instance>& body : prog_.instances) {
    // pyrest: a library generator (map, zip, ...) stepped by the user's
    // loop: an exception from its body is shown at the user's line.
    if (body->symbol == it->name &&
        compiler::leavesLibraryCode(*prog_.bundle, body->function_index, inst_.function_index))
      storeErrorFrame();
  }
  leaveWithError(status);
  b_.SetInsertPoint(ok);
  *item = convert(b_, b_.CreateLoad(valueType(ctx_, it->items[0]), out), it->items[0], item_type);
  return b_.CreateICmpEQ(status, b_.getInt32(KILN_OK));
}

// genpy: int32_t step(void* generator, KilnError* err, void* out): the
// internal next of the generator's type, with the item stored in its memory
// form (the entry's form of a result) for the caller to box.
void lowerGeneratorStep(llvm::Module& mod, const std::string& symbol, const typing::Type* gen) {
  llvm::LLVMContext& ctx = mod.getContext();
  llvm::Function* step = llvm::Function::Create(nextType(ctx), llvm::Function::ExternalLinkage, symbol, &mod);
  step->addFnAttr(llvm::Attribute::NoUnwind);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", step));
  const typing::Type* yt = gen->items[0];
  llvm::AllocaInst* item = b.CreateAlloca(valueType(ctx, yt), nullptr, "item");
  llvm::Value* status = b.CreateCall(takeFunction(mod, gen), {step->getArg(0), step->getArg(1), item}, "status");
  llvm::BasicBlock* yielded = llvm::BasicBlock::Create(ctx, "yielded", step);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx, "done", step);
  b.CreateCondBr(b.CreateICmpEQ(status, b.getInt32(KILN_OK)), yielded, done);
  b.SetInsertPoint(yielded);
  if (yt->kind != Kind::kNone) b.CreateStore(toMemory(b, b.CreateLoad(valueType(ctx, yt), item), yt), step->getArg(2));
  b.CreateBr(done);
  b.SetInsertPoint(done);
  b.CreateRet(status);
}

}  // namespace kiln::lowering
