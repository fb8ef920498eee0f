// Exceptions: what a raise leaves in the caller's KilnError (kiln_abi.h) and
// how an error leaves the function.
//
// Every error path fills *err (kind, line, message, class_name, args) and
// returns the kind. `raise Class(args...)` records its arguments (numbers,
// booleans, None, constant strings in place; computed strings and tuples in
// heap blocks *err owns, kiln_error.h) so the caller rebuilds the exception
// as Class(*args); before it overwrites *err, compiled code drops the heap
// arguments of the error it held (a handled one); classes without a KilnErrorKind of their own (user subclasses
// of Exception, builtins such as NotImplementedError) travel by name,
// "module:qualname", as KILN_CLASS_ERROR.
#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_buffers.h"  // codec: isBytes
#include "kiln_error.h"
#include "kiln_format.h"
#include "kiln_unicode.h"
#include "kiln_rt.h"

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
  if (name == "UnboundLocalError") return {"NameError"};
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

llvm::Value* FunctionLowering::errorApi(size_t offset) {
  llvm::Value* api = runtimeField(offsetof(KilnRuntime, error), "kiln.error");
  return b_.CreateLoad(b_.getPtrTy(), b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), api, offset));
}

void FunctionLowering::clearError(llvm::Value* err) {
  if (prog_.cuda_ptx) {  // a kernel raises nothing with arguments (lower_cuda_ptx.cpp) and has no runtime
    b_.CreateStore(b_.getInt32(0), b_.CreateStructGEP(errorType(), err, 4));
    b_.CreateStore(b_.getInt32(0), b_.CreateStructGEP(errorType(), err, 5));
    return;
  }
  b_.CreateCall(llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy()}, false),
                errorApi(offsetof(KilnErrorApi, clear)), {err});
}

void FunctionLowering::retainError(llvm::Value* err) {
  if (prog_.cuda_ptx) return;
  b_.CreateCall(llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy()}, false),
                errorApi(offsetof(KilnErrorApi, retain)), {err});
}

void FunctionLowering::storeError(KilnErrorKind kind, const std::string& message, const std::string& class_name,
                                  bool has_args) {
  llvm::StructType* t = errorType();
  // The arguments of an error handled before (heap ones are dropped); a
  // raise with arguments has stored its own already.
  if (!has_args) clearError(err_ptr_);
  b_.CreateStore(b_.getInt32(kind), b_.CreateStructGEP(t, err_ptr_, 0));
  b_.CreateStore(b_.CreateGlobalStringPtr(message, "kiln.msg"), b_.CreateStructGEP(t, err_ptr_, 2));
  b_.CreateStore(class_name.empty() ? llvm::ConstantPointerNull::get(llvm::PointerType::getUnqual(ctx_))
                                    : b_.CreateGlobalStringPtr(class_name, "kiln.exc_class"),
                 b_.CreateStructGEP(t, err_ptr_, 3));
  b_.CreateStore(b_.getInt32(has_args ? 1 : 0), b_.CreateStructGEP(t, err_ptr_, 4));
  storeErrorFrame();
}

void FunctionLowering::storeErrorFrame() {
  llvm::StructType* t = errorType();
  b_.CreateStore(b_.getInt32(line_), b_.CreateStructGEP(t, err_ptr_, 1));
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
  if (parallel_error_) return leaveParallelBody(status);  // prange: lower_parallel.cpp
  releaseHeld();  // every reference this path holds (lower_memory.cpp)
  b_.CreateRet(status);
}

llvm::Value* FunctionLowering::errorArg(llvm::Value* v, const typing::Type* t, const ir::Value* source,
                                        llvm::Value* slot) {
  llvm::Type* arg_ty = llvm::StructType::get(ctx_, {b_.getInt32Ty(), b_.getInt32Ty(), b_.getInt64Ty()});
  auto store = [&](KilnErrorArgTag tag, llvm::Value* bits) {
    b_.CreateStore(b_.getInt32(tag), b_.CreateStructGEP(arg_ty, slot, 0));
    b_.CreateStore(bits, b_.CreateStructGEP(arg_ty, slot, 2));
  };
  const std::string* constant = source != nullptr ? typing::constantStr(source) : nullptr;
  if (t->kind == Kind::kBool) {
    store(KILN_ARG_BOOL, b_.CreateZExt(v, b_.getInt64Ty()));
  } else if (t->kind == Kind::kInt) {
    store(t->is_signed || t->bits < 64 ? KILN_ARG_INT : KILN_ARG_UINT,
          t->is_signed ? b_.CreateSExtOrTrunc(v, b_.getInt64Ty()) : b_.CreateZExtOrTrunc(v, b_.getInt64Ty()));
  } else if (t->kind == Kind::kFloat) {
    store(KILN_ARG_FLOAT, b_.CreateBitCast(b_.CreateFPCast(v, b_.getDoubleTy()), b_.getInt64Ty()));
  } else if (constant != nullptr) {
    store(KILN_ARG_STR, b_.CreatePtrToInt(b_.CreateGlobalStringPtr(*constant, "kiln.exc_arg"), b_.getInt64Ty()));
  } else if (t->kind == Kind::kStr) {  // computed: copied into a block *err owns
    llvm::AllocaInst* str = entryAlloca(v->getType(), "exc_str");
    b_.CreateStore(v, str);
    return b_.CreateCall(
        llvm::FunctionType::get(b_.getInt32Ty(), {b_.getPtrTy(), b_.getPtrTy()}, false),
        errorApi(offsetof(KilnErrorApi, str_arg)), {slot, str});
  } else if (typing::isBytes(t)) {  // codec: computed bytes, copied into a block *err owns
    return b_.CreateCall(
        llvm::FunctionType::get(b_.getInt32Ty(), {b_.getPtrTy(), b_.getPtrTy(), b_.getInt64Ty()}, false),
        errorApi(offsetof(KilnErrorApi, bytes_arg)),
        {slot, b_.CreateExtractValue(v, kData), b_.CreateExtractValue(v, {kShape, 0})});
  } else if (t->kind == Kind::kTuple) {  // its items first, then a block that owns them
    const size_t n = t->items.size();
    llvm::AllocaInst* items = entryAlloca(llvm::ArrayType::get(arg_ty, std::max<size_t>(n, 1)), "exc_tuple");
    llvm::Value* failed = b_.getInt32(0);
    for (size_t k = 0; k < n; ++k) {
      llvm::Value* item_slot = b_.CreateConstInBoundsGEP2_32(items->getAllocatedType(), items, 0, k);
      b_.CreateStore(b_.getInt32(KILN_ARG_NONE), b_.CreateStructGEP(arg_ty, item_slot, 0));
    }
    for (size_t k = 0; k < n; ++k) {
      llvm::Value* item_slot = b_.CreateConstInBoundsGEP2_32(items->getAllocatedType(), items, 0, k);
      llvm::Value* item = b_.CreateExtractValue(v, {static_cast<unsigned>(k)});
      if (llvm::Value* rc = errorArg(item, t->items[k], nullptr, item_slot)) failed = b_.CreateOr(failed, rc);
    }
    llvm::Value* rc = b_.CreateCall(
        llvm::FunctionType::get(b_.getInt32Ty(), {b_.getPtrTy(), b_.getPtrTy(), b_.getInt64Ty()}, false),
        errorApi(offsetof(KilnErrorApi, tuple_arg)), {slot, items, b_.getInt64(n)});
    return b_.CreateOr(failed, rc);
  } else {  // None (typing refused the rest)
    store(KILN_ARG_NONE, b_.getInt64(0));
  }
  return nullptr;
}

void FunctionLowering::raiseNamingStr(KilnErrorKind kind, const std::string& prefix, llvm::Value* s) {
  // Made here by hand, not as temporaries of the instruction: this block
  // does not dominate the instruction's end, where temporaries are dropped.
  llvm::StructType* st = strStruct(ctx_);
  auto fallBack = [&](llvm::Value* failed) {
    llvm::BasicBlock* bad = llvm::BasicBlock::Create(ctx_, "raise.plain", fn_);
    llvm::BasicBlock* go = llvm::BasicBlock::Create(ctx_, "raise.named", fn_);
    b_.CreateCondBr(b_.CreateICmpNE(failed, b_.getInt32(0)), bad, go);
    b_.SetInsertPoint(bad);
    raiseNow(kind, prefix);
    b_.SetInsertPoint(go);
  };
  llvm::AllocaInst* text = entryAlloca(st, "raise.str");
  b_.CreateStore(s, text);
  llvm::AllocaInst* repr = entryAlloca(st, "raise.repr");
  fallBack(formatCall(offsetof(KilnFormatApi, repr_str), {repr, text, b_.getInt32(0)}));
  llvm::AllocaInst* head = entryAlloca(st, "raise.prefix");
  b_.CreateStore(strConstant(prefix + ": "), head);
  llvm::AllocaInst* message = entryAlloca(st, "raise.message");
  llvm::Value* joined = formatCall(offsetof(KilnUnicodeApi, concat), {message, head, repr}, /*unicode_api=*/true);
  release(b_.CreateLoad(st, repr), types().str());
  fallBack(joined);
  // One argument, the message, as `raise kind(message)` stores it.
  clearError(err_ptr_);
  llvm::StructType* t = errorType();
  llvm::Type* arg_ty = llvm::StructType::get(ctx_, {b_.getInt32Ty(), b_.getInt32Ty(), b_.getInt64Ty()});
  b_.CreateStore(b_.getInt32(1), b_.CreateStructGEP(t, err_ptr_, 5));
  llvm::Value* slot = b_.CreateInBoundsGEP(t, err_ptr_, {b_.getInt32(0), b_.getInt32(6), b_.getInt32(0)});
  b_.CreateStore(b_.getInt32(KILN_ARG_NONE), b_.CreateStructGEP(arg_ty, slot, 0));
  llvm::Value* made = b_.CreateLoad(st, message);
  llvm::Value* copied = errorArg(made, types().str(), nullptr, slot);
  release(made, types().str());
  fallBack(copied);
  storeError(kind, prefix, "", true);
  leaveWithError(b_.getInt32(kind));
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
  for (const ir::Value* a : args) {
    const Kind k = a->type->kind;
    if (k != Kind::kBool && k != Kind::kInt && k != Kind::kFloat && k != Kind::kNone && k != Kind::kStr &&
        k != Kind::kTuple && k != Kind::kUnknown && !typing::isBytes(a->type))
      return absl::InternalError(absl::StrCat("exception argument of type ", a->type->str(), " reached lowering"));
    if (prog_.cuda_ptx && (k == Kind::kStr || k == Kind::kTuple || k == Kind::kArray) && typing::constantStr(a) == nullptr)
      return absl::InternalError("an exception argument on the heap reached a GPU kernel's lowering");
  }
  std::string message;
  if (args.size() == 1)
    if (const std::string* str = typing::constantStr(args[0])) message = *str;
  const KilnErrorKind kind = errorKindOf(cls);
  // The error handled before goes first (its heap arguments are dropped);
  // then every slot is valid (None) before any is built, so a failure
  // midway drops exactly what was made.
  clearError(err_ptr_);
  llvm::StructType* t = errorType();
  llvm::Type* arg_ty = llvm::StructType::get(ctx_, {b_.getInt32Ty(), b_.getInt32Ty(), b_.getInt64Ty()});
  b_.CreateStore(b_.getInt32(static_cast<int32_t>(args.size())), b_.CreateStructGEP(t, err_ptr_, 5));
  std::vector<llvm::Value*> slots;
  for (size_t k = 0; k < args.size(); ++k) {
    slots.push_back(b_.CreateInBoundsGEP(t, err_ptr_, {b_.getInt32(0), b_.getInt32(6), b_.getInt32(k)}));
    b_.CreateStore(b_.getInt32(KILN_ARG_NONE), b_.CreateStructGEP(arg_ty, slots.back(), 0));
  }
  llvm::Value* failed = nullptr;
  for (size_t k = 0; k < args.size(); ++k) {
    llvm::Value* v = args[k]->type->kind == Kind::kNone || args[k]->type->kind == Kind::kUnknown
                         ? nullptr
                         : value(args[k]);
    if (v == nullptr) continue;  // None: the slot says so already
    if (llvm::Value* rc = errorArg(v, args[k]->type, args[k], slots[k]))
      failed = failed != nullptr ? b_.CreateOr(failed, rc) : rc;
  }
  if (failed != nullptr)
    raiseIf(b_.CreateICmpNE(failed, b_.getInt32(0)), KILN_MEMORY_ERROR,
            "Allocation failed (out of memory allocating an exception's arguments)");
  storeError(kind, message, kind == KILN_CLASS_ERROR ? errorClassPath(cls) : "", true);
  leaveWithError(b_.getInt32(kind));
  return absl::OkStatus();
}

}  // namespace kiln::lowering
