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

namespace {

// The builtin ancestors of the builtin classes typing knows by name, nearest
// first, below Exception.
std::vector<std::string> builtinAncestors(const std::string& name) {
  if (name == "ZeroDivisionError" || name == "OverflowError") return {"ArithmeticError"};
  if (name == "IndexError" || name == "KeyError") return {"LookupError"};
  if (name == "NotImplementedError") return {"RuntimeError"};
  return {};
}

// ",module:qualname,base path,...,builtins:Exception,builtins:BaseException,"
// of an exception class type: user classes are typed by their bundle path
// (the class and its bases, comma-separated), builtins by name.
std::string errorClassPath(const std::string& cls) {
  if (cls.find(':') != std::string::npos) return absl::StrCat(",", cls, ",");
  std::string out = absl::StrCat(",builtins:", cls, ",");
  for (const std::string& a : builtinAncestors(cls)) absl::StrAppend(&out, "builtins:", a, ",");
  if (cls != "Exception") absl::StrAppend(&out, "builtins:Exception,");
  absl::StrAppend(&out, "builtins:BaseException,");
  return out;
}

// "builtins:ValueError" or "module:qualname": the class an except clause names.
std::string handlerPath(const std::string& cls) {
  if (cls.find(':') == std::string::npos) return absl::StrCat("builtins:", cls);
  return cls.substr(0, cls.find(','));
}

constexpr std::pair<KilnErrorKind, const char*> kKindClasses[] = {
    {KILN_ZERO_DIVISION_ERROR, "ZeroDivisionError"}, {KILN_INDEX_ERROR, "IndexError"},
    {KILN_VALUE_ERROR, "ValueError"},                {KILN_OVERFLOW_ERROR, "OverflowError"},
    {KILN_ASSERTION_ERROR, "AssertionError"},        {KILN_RUNTIME_ERROR, "RuntimeError"},
    {KILN_NAME_ERROR, "NameError"},                  {KILN_TYPE_ERROR, "TypeError"},
    {KILN_MEMORY_ERROR, "MemoryError"},              {KILN_KEY_ERROR, "KeyError"},
    {KILN_STOP_ITERATION, "StopIteration"},
};

}  // namespace

llvm::Value* FunctionLowering::excMatch(const typing::Type* cls) {
  if (cls->kind == Kind::kTuple) {
    llvm::Value* any = b_.getFalse();
    for (const typing::Type* item : cls->items) any = b_.CreateOr(any, excMatch(item));
    return any;
  }
  const std::string path = handlerPath(cls->name);
  if (path == "builtins:Exception" || path == "builtins:BaseException") return b_.getTrue();
  llvm::StructType* et = errorType();
  llvm::Value* kind = b_.CreateLoad(b_.getInt32Ty(), b_.CreateStructGEP(et, err_ptr_, 0));
  llvm::Value* match = b_.getFalse();
  for (const auto& [k, name] : kKindClasses) {
    const std::string own = errorClassPath(name);
    if (own.find(absl::StrCat(",", path, ",")) != std::string::npos)
      match = b_.CreateOr(match, b_.CreateICmpEQ(kind, b_.getInt32(k)));
  }
  // A class without a kind of its own: its path lists its bases.
  llvm::Value* class_name = b_.CreateLoad(b_.getPtrTy(), b_.CreateStructGEP(et, err_ptr_, 3));
  llvm::FunctionCallee strstr = mod_.getOrInsertFunction(
      "strstr", llvm::FunctionType::get(b_.getPtrTy(), {b_.getPtrTy(), b_.getPtrTy()}, false));
  llvm::BasicBlock* by_name = llvm::BasicBlock::Create(ctx_, "exc_match_name", fn_);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "exc_match_done", fn_);
  llvm::BasicBlock* from = b_.GetInsertBlock();
  b_.CreateCondBr(b_.CreateAnd(b_.CreateICmpEQ(kind, b_.getInt32(KILN_CLASS_ERROR)), b_.CreateIsNotNull(class_name)),
                  by_name, done);
  b_.SetInsertPoint(by_name);
  llvm::Value* found = b_.CreateIsNotNull(
      b_.CreateCall(strstr, {class_name, b_.CreateGlobalStringPtr(absl::StrCat(",", path, ","), "kiln.exc_path")}));
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  llvm::PHINode* phi = b_.CreatePHI(b_.getInt1Ty(), 2);
  phi->addIncoming(match, from);
  phi->addIncoming(found, by_name);
  return phi;
}

llvm::StructType* FunctionLowering::errorType() {
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* arg = llvm::StructType::get(ctx_, {i32, i32, b_.getInt64Ty()});
  return llvm::StructType::get(ctx_, {i32, i32, b_.getPtrTy(), b_.getPtrTy(), i32, i32,
                                      llvm::ArrayType::get(arg, KILN_ERROR_MAX_ARGS), b_.getPtrTy(), b_.getPtrTy()});
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
  b_.CreateStore(b_.CreateGlobalStringPtr(inst_.ir->filename, "kiln.file"), b_.CreateStructGEP(t, err_ptr_, 7));
  b_.CreateStore(b_.CreateGlobalStringPtr(inst_.ir->name, "kiln.func"), b_.CreateStructGEP(t, err_ptr_, 8));
}

void FunctionLowering::leaveWithError(llvm::Value* status) {
  if (handler_) {
    // Inside try: on to the except handler, with the locals of the block's
    // entry (the frontend ends a protected block at every store to a local).
    releaseTemps();
    llvm::BasicBlock* dest;
    lowerEdge(*handler_, b_.GetInsertBlock(), &dest);
    b_.CreateBr(dest);
    return;
  }
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
  else if (exc->type->kind != Kind::kExceptionClass || (def && def->op != Op::kLoadGlobal && def->op != Op::kCall &&
                                                            def->op != Op::kGetAttr))  // exceptions: np.linalg.LinAlgError
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
