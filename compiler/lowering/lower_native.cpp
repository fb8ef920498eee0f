// native: a call of a C function by address (typing/rules_native.cpp). The
// object holds no address (kiln_native.h): each function named by a key has
// a slot in the object, null when it is loaded; a call loads the slot, and
// the first through an empty one asks the runtime for the key's address in
// this process and fills it (a race fills it twice with the same value).
// The arguments are converted to the parameters' types, as a call of a typed
// function converts them; bool travels as C's _Bool (a zero-extended byte)
// and small integers are extended as the C ABI asks. extfunc: a pointer
// parameter gets `a.ctypes`' data pointer, or an int's value as an address.
#include <cstddef>

#include "absl/strings/str_cat.h"
#include "llvm/IR/MDBuilder.h"

#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/array_ctypes.h"  // extfunc: a.ctypes as a pointer
#include "compiler/typing/rules.h"
#include "kiln_abi.h"
#include "kiln_native.h"
#include "kiln_rt.h"

namespace kiln::lowering {

using typing::Kind;

namespace {

// The C ABI's extension of a parameter or result of type t.
llvm::Attribute::AttrKind abiExtension(const typing::Type* t) {
  if (t->kind == Kind::kBool) return llvm::Attribute::ZExt;
  if (t->kind == Kind::kInt && t->bits < 32) return t->is_signed ? llvm::Attribute::SExt : llvm::Attribute::ZExt;
  return llvm::Attribute::None;
}

}  // namespace

absl::StatusOr<bool> FunctionLowering::lowerNative(const ir::Instr& i, llvm::Value** v) {
  if (i.op != ir::Op::kCall || i.operands[0]->type->kind != Kind::kBuiltin ||
      !typing::isNativeFunctionName(i.operands[0]->type->name))
    return false;
  absl::StatusOr<typing::NativeFunction> f = typing::parseNativeFunction(types(), i.operands[0]->type->name);
  if (!f.ok()) return absl::InternalError(absl::StrCat("native: ", f.status().message()));
  if (i.operands.size() - 1 != f->params.size())
    return absl::InternalError("native: the call's arguments do not match the signature typing checked");
  llvm::PointerType* ptr = b_.getPtrTy();
  // One slot per key in the object, private to it.
  const std::string slot_name = absl::StrCat("kiln.native.", f->key);
  llvm::GlobalVariable* slot = mod_.getNamedGlobal(slot_name);
  if (slot == nullptr)
    slot = new llvm::GlobalVariable(mod_, ptr, /*isConstant=*/false, llvm::GlobalValue::InternalLinkage,
                                    llvm::ConstantPointerNull::get(ptr), slot_name);
  llvm::LoadInst* cached = b_.CreateLoad(ptr, slot, "native.fn");
  cached->setAtomic(llvm::AtomicOrdering::Monotonic);
  cached->setAlignment(llvm::Align(8));
  llvm::BasicBlock* from = b_.GetInsertBlock();
  llvm::BasicBlock* resolve = llvm::BasicBlock::Create(ctx_, "native.resolve", fn_);
  llvm::BasicBlock* call = llvm::BasicBlock::Create(ctx_, "native.call", fn_);
  b_.CreateCondBr(b_.CreateIsNull(cached), resolve, call, llvm::MDBuilder(ctx_).createUnlikelyBranchWeights());
  b_.SetInsertPoint(resolve);
  llvm::Value* api = runtimeField(offsetof(KilnRuntime, native), "kiln.native");
  llvm::Value* resolve_fn =
      b_.CreateLoad(ptr, b_.CreateConstGEP1_64(b_.getInt8Ty(), api, offsetof(KilnNativeApi, resolve)));
  llvm::Value* found = b_.CreateCall(llvm::FunctionType::get(ptr, {ptr}, false), resolve_fn,
                                     {b_.CreateGlobalStringPtr(f->key, "native.key")}, "native.found");
  raiseIf(b_.CreateIsNull(found), KILN_RUNTIME_ERROR,
          absl::StrCat("native function '", f->name,
                       "' has no address in this process (its key was not registered: ", f->key, ")"));
  llvm::StoreInst* fill = b_.CreateStore(found, slot);
  fill->setAtomic(llvm::AtomicOrdering::Monotonic);
  fill->setAlignment(llvm::Align(8));
  llvm::BasicBlock* resolved = b_.GetInsertBlock();
  b_.CreateBr(call);
  b_.SetInsertPoint(call);
  llvm::PHINode* target = b_.CreatePHI(ptr, 2, "native.target");
  target->addIncoming(cached, from);
  target->addIncoming(found, resolved);

  const bool void_result = f->result->kind == Kind::kNone;
  llvm::Type* result_type = void_result ? b_.getVoidTy() : memoryType(ctx_, f->result);
  std::vector<llvm::Type*> param_types;
  std::vector<llvm::Value*> args;
  for (size_t k = 0; k < f->params.size(); ++k) {
    const typing::Type* p = f->params[k];
    const ir::Value* arg = i.operands[1 + k];
    if (f->pointees[k] != nullptr) {  // extfunc: a.ctypes passes the array's data pointer, an int its value
      param_types.push_back(ptr);
      if (const ir::Value* array = typing::arrayOfCTypes(arg))
        args.push_back(b_.CreateExtractValue(value(array), kData, "native.data"));
      else
        args.push_back(b_.CreateIntToPtr(converted(arg, p), ptr, "native.address"));
      continue;
    }
    param_types.push_back(memoryType(ctx_, p));
    args.push_back(toMemory(b_, converted(arg, p), p));
  }
  llvm::CallInst* c = b_.CreateCall(llvm::FunctionType::get(result_type, param_types, false), target, args);
  for (size_t k = 0; k < f->params.size(); ++k)
    if (llvm::Attribute::AttrKind ext = abiExtension(f->params[k]); ext != llvm::Attribute::None)
      c->addParamAttr(static_cast<unsigned>(k), ext);
  if (!void_result)
    if (llvm::Attribute::AttrKind ext = abiExtension(f->result); ext != llvm::Attribute::None)
      c->addRetAttr(ext);
  *v = void_result ? static_cast<llvm::Value*>(b_.getInt8(0)) : fromMemory(b_, c, f->result);
  return true;
}

}  // namespace kiln::lowering
