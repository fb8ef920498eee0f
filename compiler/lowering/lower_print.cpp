// print: print(*args, sep=' ', end='\n'). The values are stored as results
// (data_model.cpp's memory form) and lent, with their types' spellings, to
// the runtime's printer (runtime/cpu/kiln_print.h), which prints them as
// Python prints the objects they box to.
#include <cstddef>

#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
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

}  // namespace kiln::lowering
