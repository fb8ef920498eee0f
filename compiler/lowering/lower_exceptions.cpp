// Exceptions: what a raise leaves in the caller's KilnError (kiln_abi.h) and
// how an error leaves the function.
//
// Every error path fills *err (kind, line, message, class_name, args) and
// returns the kind. `raise Class(args...)` records its arguments (numbers,
// booleans, None, constant strings) so the caller rebuilds the exception as
// Class(*args); classes without a KilnErrorKind of their own (user subclasses
// of Exception, builtins such as NotImplementedError) travel by name,
// "module:qualname", as KILN_CLASS_ERROR.
#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

using ir::Op;
using typing::Kind;

KilnErrorKind errorKindOf(const std::string& cls) {
  if (cls == "ZeroDivisionError") return KILN_ZERO_DIVISION_ERROR;
  if (cls == "IndexError") return KILN_INDEX_ERROR;
  if (cls == "ValueError") return KILN_VALUE_ERROR;
  if (cls == "OverflowError") return KILN_OVERFLOW_ERROR;
  if (cls == "AssertionError") return KILN_ASSERTION_ERROR;
  if (cls == "RuntimeError") return KILN_RUNTIME_ERROR;
  if (cls == "NameError") return KILN_NAME_ERROR;
  if (cls == "TypeError") return KILN_TYPE_ERROR;
  if (cls == "MemoryError") return KILN_MEMORY_ERROR;
  if (cls == "KeyError") return KILN_KEY_ERROR;
  if (cls == "StopIteration") return KILN_STOP_ITERATION;
  return KILN_CLASS_ERROR;
}

std::string errorClassPath(const std::string& cls) {
  // User classes are typed by "module:qualname" already; builtins by name.
  return cls.find(':') == std::string::npos ? absl::StrCat("builtins:", cls) : cls;
}

llvm::StructType* FunctionLowering::errorType() {
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* arg = llvm::StructType::get(ctx_, {i32, i32, b_.getInt64Ty()});
  return llvm::StructType::get(ctx_, {i32, i32, b_.getPtrTy(), b_.getPtrTy(), i32, i32,
                                      llvm::ArrayType::get(arg, KILN_ERROR_MAX_ARGS)});
}

void FunctionLowering::storeError(KilnErrorKind kind, const std::string& message, const std::string& class_name,
                                  bool has_args) {
  llvm::StructType* t = errorType();
  b_.CreateStore(b_.getInt32(kind), b_.CreateStructGEP(t, err_ptr_, 0));
  b_.CreateStore(b_.getInt32(line_), b_.CreateStructGEP(t, err_ptr_, 1));
  b_.CreateStore(b_.CreateGlobalStringPtr(message, "kiln.msg"), b_.CreateStructGEP(t, err_ptr_, 2));
  b_.CreateStore(class_name.empty() ? llvm::ConstantPointerNull::get(llvm::PointerType::getUnqual(ctx_))
                                    : b_.CreateGlobalStringPtr(class_name, "kiln.exc_class"),
                 b_.CreateStructGEP(t, err_ptr_, 3));
  b_.CreateStore(b_.getInt32(has_args ? 1 : 0), b_.CreateStructGEP(t, err_ptr_, 4));
  b_.CreateStore(b_.getInt32(0), b_.CreateStructGEP(t, err_ptr_, 5));
}

void FunctionLowering::leaveWithError(llvm::Value* status) {
  releaseHeld();  // every reference this path holds (lower_memory.cpp)
  b_.CreateRet(status);
}

absl::Status FunctionLowering::raise(const ir::Instr& i) {
  const ir::Value* exc = i.operands[0];
  const std::string& cls = exc->type->name;
  std::vector<const ir::Value*> args;
  if (const ir::Instr* def = exc->def; def && def->op == Op::kCall && !def->operands.empty() &&
                                       def->operands[0]->type->kind == Kind::kExceptionClass)
    args.assign(def->operands.begin() + 1, def->operands.end());
  else if (exc->type->kind != Kind::kExceptionClass || (def && def->op != Op::kLoadGlobal && def->op != Op::kCall))
    return absl::InternalError("raise of a value that is not an exception class or instance");
  if (args.size() > KILN_ERROR_MAX_ARGS) return absl::InternalError("too many exception arguments reached lowering");
  std::string message;
  if (args.size() == 1)
    if (const std::string* str = typing::constantStr(args[0])) message = *str;
  const KilnErrorKind kind = errorKindOf(cls);
  storeError(kind, message, kind == KILN_CLASS_ERROR ? errorClassPath(cls) : "", true);
  llvm::StructType* t = errorType();
  llvm::Type* arg_ty = llvm::StructType::get(ctx_, {b_.getInt32Ty(), b_.getInt32Ty(), b_.getInt64Ty()});
  b_.CreateStore(b_.getInt32(static_cast<int32_t>(args.size())), b_.CreateStructGEP(t, err_ptr_, 5));
  for (size_t k = 0; k < args.size(); ++k) {
    llvm::Value* slot = b_.CreateInBoundsGEP(t, err_ptr_, {b_.getInt32(0), b_.getInt32(6), b_.getInt32(k)});
    const typing::Type* at = args[k]->type;
    KilnErrorArgTag tag = KILN_ARG_NONE;
    llvm::Value* bits = b_.getInt64(0);
    if (at->kind == Kind::kBool) {
      tag = KILN_ARG_BOOL;
      bits = b_.CreateZExt(value(args[k]), b_.getInt64Ty());
    } else if (at->kind == Kind::kInt) {
      tag = at->is_signed || at->bits < 64 ? KILN_ARG_INT : KILN_ARG_UINT;
      bits = at->is_signed ? b_.CreateSExtOrTrunc(value(args[k]), b_.getInt64Ty())
                           : b_.CreateZExtOrTrunc(value(args[k]), b_.getInt64Ty());
    } else if (at->kind == Kind::kFloat) {
      tag = KILN_ARG_FLOAT;
      bits = b_.CreateBitCast(b_.CreateFPCast(value(args[k]), b_.getDoubleTy()), b_.getInt64Ty());
    } else if (const std::string* str = typing::constantStr(args[k])) {
      tag = KILN_ARG_STR;
      bits = b_.CreatePtrToInt(b_.CreateGlobalStringPtr(*str, "kiln.exc_arg"), b_.getInt64Ty());
    } else if (at->kind != Kind::kNone) {
      return absl::InternalError(absl::StrCat("exception argument of type ", at->str(), " reached lowering"));
    }
    b_.CreateStore(b_.getInt32(tag), b_.CreateStructGEP(arg_ty, slot, 0));
    b_.CreateStore(bits, b_.CreateStructGEP(arg_ty, slot, 2));
  }
  leaveWithError(b_.getInt32(kind));
  return absl::OkStatus();
}

}  // namespace kiln::lowering
