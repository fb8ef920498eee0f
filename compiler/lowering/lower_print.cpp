// print: print(*args, sep=' ', end='\n'). The values are stored as results
// (data_model.cpp's memory form) and lent, with their types' spellings, to
// the runtime's printer (runtime/cpu/kiln_print.h), which prints them as
// Python prints the objects they box to.
#include <cstddef>

#include "llvm/IR/MDBuilder.h"

#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "kiln_objmode.h"
#include "kiln_print.h"
#include "kiln_rt.h"

namespace kiln::lowering {

using typing::Kind;

absl::StatusOr<bool> FunctionLowering::lowerPrint(const ir::Instr& i, llvm::Value** v) {
  if (i.op != ir::Op::kCall || i.operands[0]->type->kind != Kind::kBuiltin || i.operands[0]->type->name != "print")
    return false;
  llvm::PointerType* ptr = b_.getPtrTy();
  const size_t npos = i.operands.size() - 1 - i.kwnames.size();
  llvm::Value* values = entryAlloca(llvm::ArrayType::get(ptr, std::max<size_t>(npos, 1)), "print.values");
  llvm::Value* types = entryAlloca(llvm::ArrayType::get(ptr, std::max<size_t>(npos, 1)), "print.types");
  for (size_t k = 0; k < npos; ++k) {
    const ir::Value* arg = i.operands[1 + k];
    const typing::Type* t = arg->type;
    llvm::Value* slot = entryAlloca(memoryType(ctx_, t), "print.value");
    if (t->kind != Kind::kNone) b_.CreateStore(toMemory(b_, value(arg), t), slot);
    b_.CreateStore(slot, b_.CreateConstGEP1_64(ptr, values, static_cast<uint64_t>(k)));
    b_.CreateStore(b_.CreateGlobalStringPtr(t->str(), "print.type"),
                   b_.CreateConstGEP1_64(ptr, types, static_cast<uint64_t>(k)));
  }
  llvm::Value* sep = llvm::ConstantPointerNull::get(ptr);
  llvm::Value* end = llvm::ConstantPointerNull::get(ptr);
  for (size_t k = 0; k < i.kwnames.size(); ++k) {
    const ir::Value* arg = i.operands[1 + npos + k];
    if (arg->type->kind != Kind::kStr) continue;  // None: the default
    llvm::Value* slot = entryAlloca(valueType(ctx_, arg->type), "print.str");
    b_.CreateStore(value(arg), slot);
    (i.kwnames[k] == "sep" ? sep : end) = slot;
  }
  llvm::Value* api = runtimeField(offsetof(KilnRuntime, print), "kiln.print");
  llvm::Value* fn = b_.CreateLoad(ptr, b_.CreateConstGEP1_64(b_.getInt8Ty(), api, offsetof(KilnPrintApi, print)));
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::FunctionType* fty = llvm::FunctionType::get(b_.getInt32Ty(), {i64, ptr, ptr, ptr, ptr}, false);
  llvm::Value* status = b_.CreateCall(fty, fn, {b_.getInt64(static_cast<int64_t>(npos)), values, types, sep, end});
  raiseIf(b_.CreateICmpEQ(status, b_.getInt32(KILN_TYPE_ERROR)), KILN_TYPE_ERROR,
          "print(): a value could not be handed to Python's print");
  raiseIf(b_.CreateICmpNE(status, b_.getInt32(KILN_OK)), KILN_RUNTIME_ERROR,
          "print(): writing to sys.stdout failed");
  *v = b_.getInt8(0);
  return true;
}

// objmode: kiln.objmode_call(key, outputs, *inputs), a `with objmode()`
// block the client took out of the function (kiln/_objmode.py). The inputs
// are lent as print() lends its values; each output comes back in a slot of
// its memory form, owning its references, and the call's value is the tuple
// of them (rules_print.cpp's objmodeBuiltinCall typed it).
absl::StatusOr<bool> FunctionLowering::lowerObjmode(const ir::Instr& i, llvm::Value** v) {
  if (i.op != ir::Op::kCall || i.operands[0]->type->kind != Kind::kBuiltin ||
      i.operands[0]->type->name != "kiln.objmode_call")
    return false;
  const ir::Instr* key_def = i.operands.size() > 2 ? i.operands[1]->def : nullptr;
  if (key_def == nullptr || key_def->op != ir::Op::kConst || key_def->const_value.kind != compiler::Constant::Kind::kStr)
    return absl::InternalError("objmode: the block's key is not a constant str");
  const typing::Type* rt = i.result->type;
  llvm::PointerType* ptr = b_.getPtrTy();
  const size_t nin = i.operands.size() - 3, nout = rt->items.size();
  llvm::Value* inputs = entryAlloca(llvm::ArrayType::get(ptr, std::max<size_t>(nin, 1)), "objmode.inputs");
  llvm::Value* in_types = entryAlloca(llvm::ArrayType::get(ptr, std::max<size_t>(nin, 1)), "objmode.in_types");
  for (size_t k = 0; k < nin; ++k) {
    const ir::Value* arg = i.operands[3 + k];
    const typing::Type* t = arg->type;
    llvm::Value* slot = entryAlloca(memoryType(ctx_, t), "objmode.input");
    if (t->kind != Kind::kNone) b_.CreateStore(toMemory(b_, value(arg), t), slot);
    b_.CreateStore(slot, b_.CreateConstGEP1_64(ptr, inputs, static_cast<uint64_t>(k)));
    b_.CreateStore(b_.CreateGlobalStringPtr(t->str(), "objmode.type"),
                   b_.CreateConstGEP1_64(ptr, in_types, static_cast<uint64_t>(k)));
  }
  llvm::Value* outputs = entryAlloca(llvm::ArrayType::get(ptr, std::max<size_t>(nout, 1)), "objmode.outputs");
  llvm::Value* out_types = entryAlloca(llvm::ArrayType::get(ptr, std::max<size_t>(nout, 1)), "objmode.out_types");
  std::vector<llvm::Value*> out_slots;
  for (size_t k = 0; k < nout; ++k) {
    const typing::Type* t = rt->items[k];
    llvm::Value* slot = entryAlloca(memoryType(ctx_, t), "objmode.output");
    out_slots.push_back(slot);
    b_.CreateStore(slot, b_.CreateConstGEP1_64(ptr, outputs, static_cast<uint64_t>(k)));
    b_.CreateStore(b_.CreateGlobalStringPtr(t->str(), "objmode.type"),
                   b_.CreateConstGEP1_64(ptr, out_types, static_cast<uint64_t>(k)));
  }
  llvm::Value* error_class = entryAlloca(ptr, "objmode.error_class");
  llvm::Value* api = runtimeField(offsetof(KilnRuntime, objmode), "kiln.objmode");
  llvm::Value* fn = b_.CreateLoad(ptr, b_.CreateConstGEP1_64(b_.getInt8Ty(), api, offsetof(KilnObjmodeApi, call)));
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::FunctionType* fty = llvm::FunctionType::get(b_.getInt32Ty(), {ptr, i64, ptr, ptr, i64, ptr, ptr, ptr}, false);
  llvm::Value* status =
      b_.CreateCall(fty, fn, {b_.CreateGlobalStringPtr(key_def->const_value.s, "objmode.key"),
                              b_.getInt64(static_cast<int64_t>(nin)), inputs, in_types,
                              b_.getInt64(static_cast<int64_t>(nout)), outputs, out_types, error_class});
  raiseIf(b_.CreateICmpEQ(status, b_.getInt32(KILN_RUNTIME_ERROR)), KILN_RUNTIME_ERROR,
          "a with objmode() block runs in the Python interpreter: only the Python client can run it");
  // The block's exception travels by its class path, as a class without a
  // kind of its own does, so an except clause around the block matches it;
  // the client raises the object itself (objmode_hook.cpp).
  llvm::BasicBlock* raised = llvm::BasicBlock::Create(ctx_, "objmode.raised", fn_);
  llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "objmode.ok", fn_);
  b_.CreateCondBr(b_.CreateICmpNE(status, b_.getInt32(KILN_OK)), raised, ok,
                  llvm::MDBuilder(ctx_).createUnlikelyBranchWeights());
  b_.SetInsertPoint(raised);
  storeError(KILN_CLASS_ERROR, "a with objmode() block raised", "", false);
  b_.CreateStore(b_.CreateLoad(ptr, error_class), b_.CreateStructGEP(errorType(), err_ptr_, 3));  // class_name
  leaveWithError(b_.getInt32(KILN_CLASS_ERROR));
  b_.SetInsertPoint(ok);
  llvm::Value* tuple = llvm::PoisonValue::get(valueType(ctx_, rt));
  for (size_t k = 0; k < nout; ++k) {
    const typing::Type* t = rt->items[k];
    llvm::Value* item = fromMemory(b_, b_.CreateLoad(memoryType(ctx_, t), out_slots[k]), t);
    tuple = b_.CreateInsertValue(tuple, item, static_cast<unsigned>(k));
  }
  *v = tuple;
  call_result_owned_ = true;  // the hook handed over one reference per block the outputs hold
  return true;
}

}  // namespace kiln::lowering
