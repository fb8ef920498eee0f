// Strings (unicode_type, docs/strings.md): PEP 393 values {meminfo, data,
// length, kind}. What is short and hot is inlined (length, indexing,
// iteration, equality with a constant: a length check and a memcmp); the
// rest calls the helpers of runtime/cpu/kiln_unicode.c through the runtime
// table (KilnRuntime.unicode). A helper that makes a string returns a fresh
// block, registered as a temporary of the instruction (lower_memory.cpp):
// the result takes it over, and every error path releases it.
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/lowering/ownership.h"  // dictstr: holdsRefs
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_buffers.h"  // bytes2:
#include "kiln_unicode.h"
#include "llvm/IR/MDBuilder.h"

namespace kiln::lowering {

using ir::BinaryOp;
using ir::CompareOp;
using typing::BuiltinId;
using typing::Kind;

namespace {

// KilnUnicodeApi's fields (kiln_unicode.h), as struct GEP indices.
enum ApiField : unsigned {
  kEq = 1, kCmp, kFind, kCount, kConcat, kRepeat, kSlice, kChr, kHash, kUpper, kLower, kIs, kStrip, kReplace,
  kFromInt, kFromFloat, kToInt, kToFloat, kAt, kFromData, kEqFields, kRecase, kApiFields
};

llvm::StructType* apiType(llvm::LLVMContext& ctx) {
  std::vector<llvm::Type*> fields(kApiFields, llvm::PointerType::getUnqual(ctx));
  fields[0] = llvm::Type::getInt32Ty(ctx);
  return llvm::StructType::get(ctx, fields);
}

// UTF-8 (as the bundle carries str constants) to code points.
std::vector<uint32_t> codePoints(const std::string& utf8) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = c;
    int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    if (extra) cp = c & (0x3F >> extra);
    for (int k = 1; k <= extra && i + k < utf8.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    out.push_back(cp);
    i += 1 + extra;
  }
  return out;
}

int64_t kindOf(const std::vector<uint32_t>& cps) {
  uint32_t m = 0;
  for (uint32_t c : cps) m = std::max(m, c);
  return m < 0x100 ? 1 : m < 0x10000 ? 2 : 4;
}

const char* kUnicodeDbMessage =
    "this string operation needs the Unicode database for a code point above U+00FF, which only the Python "
    "client installs";

}  // namespace

llvm::Value* FunctionLowering::strConstant(const std::string& utf8) {
  std::vector<uint32_t> cps = codePoints(utf8);
  int64_t kind = kindOf(cps);
  llvm::Constant* init = nullptr;
  if (cps.empty()) {
    init = llvm::ConstantDataArray::get(ctx_, llvm::ArrayRef<uint8_t>(std::vector<uint8_t>{0}));
  } else if (kind == 1) {
    std::vector<uint8_t> v(cps.begin(), cps.end());
    init = llvm::ConstantDataArray::get(ctx_, llvm::ArrayRef<uint8_t>(v));
  } else if (kind == 2) {
    std::vector<uint16_t> v(cps.begin(), cps.end());
    init = llvm::ConstantDataArray::get(ctx_, llvm::ArrayRef<uint16_t>(v));
  } else {
    init = llvm::ConstantDataArray::get(ctx_, llvm::ArrayRef<uint32_t>(cps));
  }
  auto* g = new llvm::GlobalVariable(mod_, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init, "kiln.str");
  g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  g->setAlignment(llvm::Align(4));
  return llvm::ConstantStruct::get(strStruct(ctx_), {llvm::ConstantPointerNull::get(b_.getPtrTy()), g,
                                                   b_.getInt64(static_cast<int64_t>(cps.size())), b_.getInt64(kind)});
}

namespace {

// One string helper call: the function pointer from the table, then the call.
llvm::Value* callApi(FunctionLowering& fl, ApiField field, llvm::Type* ret, const std::vector<llvm::Value*>& args) {
  llvm::IRBuilder<>& b = fl.builder();
  llvm::Value* fn = b.CreateLoad(b.getPtrTy(), b.CreateStructGEP(apiType(fl.ctx()), fl.unicodeApi(), field));
  std::vector<llvm::Type*> params;
  for (llvm::Value* a : args) params.push_back(a->getType());
  return b.CreateCall(llvm::FunctionType::get(ret, params, false), fn, args);
}

// A pointer to a copy of the string value v (the helpers take KilnStr*).
llvm::Value* spill(FunctionLowering& fl, llvm::Value* v) {
  llvm::AllocaInst* slot = fl.entryAlloca(strStruct(fl.ctx()), "str");
  fl.builder().CreateStore(v, slot);
  return slot;
}

}  // namespace

llvm::Value* FunctionLowering::strCharView(llvm::Value* s, llvm::Value* i) {
  llvm::Value* kind = b_.CreateExtractValue(s, kStrKind);
  llvm::Value* data = b_.CreateGEP(b_.getInt8Ty(), b_.CreateExtractValue(s, kStrData), b_.CreateMul(i, kind));
  llvm::Value* out = llvm::PoisonValue::get(strStruct(ctx_));
  out = b_.CreateInsertValue(out, b_.CreateExtractValue(s, kStrMeminfo), kStrMeminfo);
  out = b_.CreateInsertValue(out, data, kStrData);
  out = b_.CreateInsertValue(out, b_.getInt64(1), kStrLength);
  return b_.CreateInsertValue(out, kind, kStrKind);
}

llvm::Value* FunctionLowering::ownedForContainer(llvm::Value* v, const typing::Type* t) {
  if (t->kind == Kind::kTuple) {
    llvm::Value* out = v;
    for (unsigned k = 0; k < t->items.size(); ++k)
      if (holdsRefs(t->items[k]))
        out = b_.CreateInsertValue(out, ownedForContainer(b_.CreateExtractValue(v, k), t->items[k]), k);
    return out;
  }
  retain(v, t);  // a null meminfo (borrowed) takes no reference
  if (t->kind != Kind::kStr) return v;
  llvm::Value* mi = b_.CreateExtractValue(v, kStrMeminfo);
  llvm::AllocaInst* slot = entryAlloca(strStruct(ctx_), "owned.str");
  b_.CreateStore(v, slot);
  ifThen(b_.CreateIsNull(mi), [&]() {
    llvm::Value* st = callApi(*this, kFromData, b_.getInt32Ty(),
                              {slot, b_.CreateExtractValue(v, kStrData), b_.CreateExtractValue(v, kStrLength),
                               b_.CreateExtractValue(v, kStrKind)});
    raiseIf(b_.CreateICmpNE(st, b_.getInt32(0)), KILN_MEMORY_ERROR,
            "Allocation failed (out of memory copying a string)");
  });
  return b_.CreateLoad(strStruct(ctx_), slot);
}

llvm::Value* FunctionLowering::bytesHash(llvm::Value* bytes) {
  // CPython hashes bytes and a str of kind 1 alike: SipHash-1-3 of the same
  // bytes (0 when empty, never -1), so the helper hashes a borrowed kind-1
  // view of them. A Bytes value is contiguous (Bytes(uint8, 1d, C)).
  llvm::Value* s = llvm::PoisonValue::get(strStruct(ctx_));
  s = b_.CreateInsertValue(s, llvm::ConstantPointerNull::get(b_.getPtrTy()), kStrMeminfo);
  s = b_.CreateInsertValue(s, b_.CreateExtractValue(bytes, kData), kStrData);
  s = b_.CreateInsertValue(s, b_.CreateExtractValue(bytes, {kShape, 0}), kStrLength);
  s = b_.CreateInsertValue(s, b_.getInt64(1), kStrKind);
  return callApi(*this, kHash, b_.getInt64Ty(), {spill(*this, s)});
}

llvm::Value* FunctionLowering::bytesBinary(BinaryOp op, const ir::Value* lhs, const ir::Value* rhs,
                                           const typing::Type* result) {
  llvm::Type* i8 = b_.getInt8Ty();
  if (op == BinaryOp::kAdd) {
    llvm::Value* x = value(lhs);
    llvm::Value* y = value(rhs);
    llvm::Value* nx = b_.CreateExtractValue(x, {kShape, 0});
    llvm::Value* ny = b_.CreateExtractValue(y, {kShape, 0});
    llvm::Value* out = newArray(result, {b_.CreateAdd(nx, ny)});
    llvm::Value* data = b_.CreateExtractValue(out, kData);
    b_.CreateMemCpy(data, llvm::MaybeAlign(1), b_.CreateExtractValue(x, kData), llvm::MaybeAlign(1), nx);
    b_.CreateMemCpy(b_.CreateGEP(i8, data, nx), llvm::MaybeAlign(1), b_.CreateExtractValue(y, kData),
                    llvm::MaybeAlign(1), ny);
    return out;
  }
  // b * n or n * b: n copies, none for n <= 0; CPython's OverflowError when
  // the length would pass the largest size.
  const bool bytes_first = typing::isBytes(lhs->type);
  llvm::Value* src = value(bytes_first ? lhs : rhs);
  const ir::Value* count = bytes_first ? rhs : lhs;
  llvm::Value* n = converted(count, types().integer(64, true));
  if (count->type->kind == Kind::kInt && !count->type->is_signed && count->type->bits == 64)  // past int64: NumPy's error
    raiseIf(b_.CreateICmpSLT(n, b_.getInt64(0)), KILN_OVERFLOW_ERROR,
            "cannot fit 'numpy.uint64' into an index-sized integer");
  n = b_.CreateSelect(b_.CreateICmpSLT(n, b_.getInt64(0)), b_.getInt64(0), n);
  llvm::Value* len = b_.CreateExtractValue(src, {kShape, 0});
  llvm::Value* safe_n = b_.CreateSelect(b_.CreateICmpEQ(n, b_.getInt64(0)), b_.getInt64(1), n);
  raiseIf(b_.CreateICmpSGT(len, b_.CreateSDiv(b_.getInt64(INT64_MAX), safe_n)), KILN_OVERFLOW_ERROR,
          "repeated bytes are too long");
  llvm::Value* out = newArray(result, {b_.CreateMul(len, n)});
  llvm::Value* data = b_.CreateExtractValue(out, kData);
  llvm::Value* from = b_.CreateExtractValue(src, kData);
  loop(n, [&](llvm::Value* k) {
    b_.CreateMemCpy(b_.CreateGEP(i8, data, b_.CreateMul(k, len)), llvm::MaybeAlign(1), from, llvm::MaybeAlign(1), len);
  });
  return out;
}

namespace {

// a == b through the helper, on the fields: a read-only call (no stores to
// spill slots), so LLVM may hoist it out of a loop with the comparison.
llvm::Value* eqCall(FunctionLowering& fl, llvm::Value* a, llvm::Value* c) {
  llvm::IRBuilder<>& b = fl.builder();
  std::vector<llvm::Value*> args;
  for (llvm::Value* s : {a, c})
    for (unsigned f : {kStrData, kStrLength, kStrKind}) args.push_back(b.CreateExtractValue(s, f));
  llvm::Value* r = callApi(fl, kEqFields, b.getInt32Ty(), args);
  auto* call = llvm::cast<llvm::CallInst>(r);
  call->setOnlyReadsMemory();
  call->setDoesNotThrow();
  call->addFnAttr(llvm::Attribute::WillReturn);
  return b.CreateICmpNE(r, b.getInt32(0));
}

// The fresh string a helper left in *out after returning `status`: raises
// MemoryError (or ValueError with `value_message`) when it failed; else the
// value, its block a temporary of the instruction.
struct Fresh {
  FunctionLowering& fl;
  std::vector<llvm::Value*>& temps;
  llvm::Value* take(llvm::Value* status, llvm::Value* out, const char* value_message = nullptr) {
    llvm::IRBuilder<>& b = fl.builder();
    fl.raiseIf(b.CreateICmpEQ(status, b.getInt32(KILN_MEMORY_ERROR)), KILN_MEMORY_ERROR,
               "Allocation failed (out of memory making a string)");
    if (value_message)
      fl.raiseIf(b.CreateICmpEQ(status, b.getInt32(KILN_VALUE_ERROR)), KILN_VALUE_ERROR, value_message);
    llvm::StructType* st = strStruct(fl.ctx());
    llvm::Value* v = llvm::PoisonValue::get(st);
    llvm::Value* mi = nullptr;
    for (unsigned k = 0; k < 4; ++k) {
      llvm::Value* field = b.CreateLoad(st->getElementType(k), b.CreateStructGEP(st, out, k));
      if (k == kStrMeminfo) mi = field;
      v = b.CreateInsertValue(v, field, k);
    }
    temps.push_back(mi);
    return v;
  }
};

}  // namespace

llvm::Value* FunctionLowering::strOfCodes(llvm::Value* arr, int64_t kind) {
  llvm::Value* out = entryAlloca(strStruct(ctx_), "str.out");
  Fresh fresh{*this, temps_};
  llvm::Value* st = callApi(*this, kFromData, b_.getInt32Ty(),
                            {out, b_.CreateExtractValue(arr, kData), b_.CreateExtractValue(arr, {kShape, 0}),
                             b_.getInt64(kind)});
  return fresh.take(st, out);
}

// records: a NumPy U field of `chars` UCS4 characters as a new str; its
// trailing NULs are padding, as NumPy reads it.
llvm::Value* FunctionLowering::strFromUcs4Field(llvm::Value* data, int64_t chars) {
  llvm::AllocaInst* len = entryAlloca(b_.getInt64Ty(), "u.len");
  b_.CreateStore(b_.getInt64(0), len);
  loop(b_.getInt64(chars), [&](llvm::Value* k) {
    llvm::Value* c = b_.CreateAlignedLoad(b_.getInt32Ty(), b_.CreateGEP(b_.getInt8Ty(), data, b_.CreateMul(k, b_.getInt64(4))),
                                          llvm::Align(1));
    llvm::Value* was = b_.CreateLoad(b_.getInt64Ty(), len);
    b_.CreateStore(b_.CreateSelect(b_.CreateICmpNE(c, b_.getInt32(0)), b_.CreateAdd(k, b_.getInt64(1)), was), len);
  });
  llvm::Value* out = entryAlloca(strStruct(ctx_), "str.out");
  Fresh fresh{*this, temps_};
  llvm::Value* st =
      callApi(*this, kFromData, b_.getInt32Ty(), {out, data, b_.CreateLoad(b_.getInt64Ty(), len), b_.getInt64(4)});
  return fresh.take(st, out);
}

llvm::Value* FunctionLowering::strBinary(BinaryOp op, const ir::Value* lhs, const ir::Value* rhs) {
  llvm::Value* out = entryAlloca(strStruct(ctx_), "str.out");
  Fresh fresh{*this, temps_};
  if (op == BinaryOp::kAdd) {
    llvm::Value* st = callApi(*this, kConcat, b_.getInt32Ty(), {out, spill(*this, value(lhs)), spill(*this, value(rhs))});
    return fresh.take(st, out);
  }
  // str * n or n * str
  bool str_first = lhs->type->kind == Kind::kStr;
  const ir::Value* s = str_first ? lhs : rhs;
  const ir::Value* n = str_first ? rhs : lhs;
  llvm::Value* st = callApi(*this, kRepeat, b_.getInt32Ty(),
                            {out, spill(*this, value(s)), converted(n, types().integer(64, true))});
  return fresh.take(st, out);
}

llvm::Value* FunctionLowering::strCompareValues(CompareOp op, llvm::Value* a, llvm::Value* c, const std::string* a_text,
                                                const std::string* c_text) {
  llvm::Type* i32 = b_.getInt32Ty();
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kNe: {
      // Equal lengths first; then, against a constant of the same kind, a
      // memcmp of known size (LLVM expands it inline); else the helper.
      const std::string* text = c_text ? c_text : a_text;
      llvm::Value* var = c_text ? a : c;
      llvm::Value* other = c_text ? c : a;
      llvm::Value* len = b_.CreateExtractValue(var, kStrLength);
      llvm::Value* other_len = b_.CreateExtractValue(other, kStrLength);
      llvm::BasicBlock* from = b_.GetInsertBlock();
      llvm::BasicBlock* same_len = llvm::BasicBlock::Create(ctx_, "str.same_len", fn_);
      llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "str.eq_done", fn_);
      b_.CreateCondBr(b_.CreateICmpEQ(len, other_len), same_len, done);
      b_.SetInsertPoint(same_len);
      llvm::Value* eq = nullptr;
      llvm::BasicBlock* eq_block = nullptr;
      if (text) {
        std::vector<uint32_t> cps = codePoints(*text);
        int64_t kind = kindOf(cps);
        llvm::BasicBlock* same_kind = llvm::BasicBlock::Create(ctx_, "str.same_kind", fn_);
        llvm::BasicBlock* other_kind = llvm::BasicBlock::Create(ctx_, "str.other_kind", fn_);
        llvm::BasicBlock* join = llvm::BasicBlock::Create(ctx_, "str.eq_join", fn_);
        b_.CreateCondBr(b_.CreateICmpEQ(b_.CreateExtractValue(var, kStrKind), b_.getInt64(kind)), same_kind,
                        other_kind, llvm::MDBuilder(ctx_).createLikelyBranchWeights());
        b_.SetInsertPoint(same_kind);
        llvm::Value* fast = b_.getInt1(true);
        if (!cps.empty()) {
          llvm::FunctionCallee memcmp = mod_.getOrInsertFunction(
              "memcmp", llvm::FunctionType::get(i32, {b_.getPtrTy(), b_.getPtrTy(), b_.getInt64Ty()}, false));
          llvm::Value* r = b_.CreateCall(memcmp, {b_.CreateExtractValue(var, kStrData),
                                                  b_.CreateExtractValue(other, kStrData),
                                                  b_.getInt64(static_cast<int64_t>(cps.size()) * kind)});
          fast = b_.CreateICmpEQ(r, b_.getInt32(0));
        }
        llvm::BasicBlock* fast_end = b_.GetInsertBlock();
        b_.CreateBr(join);
        b_.SetInsertPoint(other_kind);
        llvm::Value* slow = eqCall(*this, a, c);
        llvm::BasicBlock* slow_end = b_.GetInsertBlock();
        b_.CreateBr(join);
        b_.SetInsertPoint(join);
        llvm::PHINode* phi = b_.CreatePHI(b_.getInt1Ty(), 2);
        phi->addIncoming(fast, fast_end);
        phi->addIncoming(slow, slow_end);
        eq = phi;
      } else {
        eq = eqCall(*this, a, c);
      }
      eq_block = b_.GetInsertBlock();
      b_.CreateBr(done);
      b_.SetInsertPoint(done);
      llvm::PHINode* res = b_.CreatePHI(b_.getInt1Ty(), 2);
      res->addIncoming(b_.getInt1(false), from);
      res->addIncoming(eq, eq_block);
      return op == CompareOp::kEq ? static_cast<llvm::Value*>(res) : b_.CreateNot(res);
    }
    case CompareOp::kLt:
    case CompareOp::kLe:
    case CompareOp::kGt:
    case CompareOp::kGe: {
      llvm::Value* r = callApi(*this, kCmp, i32, {spill(*this, a), spill(*this, c)});
      llvm::Value* zero = b_.getInt32(0);
      if (op == CompareOp::kLt) return b_.CreateICmpSLT(r, zero);
      if (op == CompareOp::kLe) return b_.CreateICmpSLE(r, zero);
      if (op == CompareOp::kGt) return b_.CreateICmpSGT(r, zero);
      return b_.CreateICmpSGE(r, zero);
    }
    case CompareOp::kIn:
    case CompareOp::kNotIn: {  // a in c: a substring of c
      llvm::Value* at = callApi(*this, kFind, b_.getInt64Ty(),
                                {spill(*this, c), spill(*this, a), b_.getInt64(0),
                                 b_.CreateExtractValue(c, kStrLength), b_.getInt32(0)});
      llvm::Value* found = b_.CreateICmpSGE(at, b_.getInt64(0));
      return op == CompareOp::kIn ? found : b_.CreateNot(found);
    }
    case CompareOp::kIs:
    case CompareOp::kIsNot:
      break;  // refused by typing
  }
  return b_.getInt1(false);
}

llvm::Value* FunctionLowering::strCompare(CompareOp op, const ir::Value* lhs, const ir::Value* rhs) {
  if (lhs->type->kind != Kind::kStr || rhs->type->kind != Kind::kStr)  // a str is never a number or None
    return b_.getInt1(op == CompareOp::kNe || op == CompareOp::kIsNot);
  return strCompareValues(op, value(lhs), value(rhs), typing::constantStr(lhs), typing::constantStr(rhs));
}

llvm::Value* FunctionLowering::strGetItem(const ir::Value* obj, const ir::Value* index) {
  llvm::Value* s = value(obj);
  llvm::Value* n = b_.CreateExtractValue(s, kStrLength);
  if (index->type->kind != Kind::kSlice) {
    llvm::Value* i = converted(index, types().integer(64, true));
    i = b_.CreateSelect(b_.CreateICmpSLT(i, b_.getInt64(0)), b_.CreateAdd(i, n), i);
    raiseIf(b_.CreateICmpUGE(i, n), KILN_INDEX_ERROR, "string index out of range");
    return strCharView(s, i);
  }
  // Python's slice.indices(n), then the positions counted.
  llvm::Value* sl = value(index);
  llvm::Value* step = b_.CreateExtractValue(sl, 2);
  raiseIf(b_.CreateICmpEQ(step, b_.getInt64(0)), KILN_VALUE_ERROR, "slice step cannot be zero");
  llvm::Value* neg = b_.CreateICmpSLT(step, b_.getInt64(0));
  llvm::Value* missing = b_.getInt64(INT64_MIN);
  llvm::Value* minus1 = b_.getInt64(-1);
  llvm::Value* zero = b_.getInt64(0);
  llvm::Value* last = b_.CreateSub(n, b_.getInt64(1));
  auto adjust = [&](llvm::Value* x, llvm::Value* if_missing) {
    llvm::Value* wrapped = b_.CreateAdd(x, n);
    llvm::Value* low = b_.CreateSelect(b_.CreateICmpSLT(wrapped, zero), b_.CreateSelect(neg, minus1, zero), wrapped);
    llvm::Value* high = b_.CreateSelect(neg, last, n);
    llvm::Value* v = b_.CreateSelect(b_.CreateICmpSLT(x, zero), low, b_.CreateSelect(b_.CreateICmpSGE(x, n), high, x));
    return b_.CreateSelect(b_.CreateICmpEQ(x, missing), if_missing, v);
  };
  llvm::Value* start = adjust(b_.CreateExtractValue(sl, 0), b_.CreateSelect(neg, last, zero));
  llvm::Value* stop = adjust(b_.CreateExtractValue(sl, 1), b_.CreateSelect(neg, minus1, n));
  llvm::Value* one = b_.getInt64(1);
  llvm::Value* up_count = b_.CreateSelect(
      b_.CreateICmpSLT(start, stop), b_.CreateAdd(b_.CreateSDiv(b_.CreateSub(b_.CreateSub(stop, start), one), step), one),
      zero);
  llvm::Value* down_count = b_.CreateSelect(
      b_.CreateICmpSLT(stop, start),
      b_.CreateAdd(b_.CreateSDiv(b_.CreateSub(b_.CreateSub(start, stop), one), b_.CreateNeg(step)), one), zero);
  llvm::Value* count = b_.CreateSelect(neg, down_count, up_count);
  llvm::Value* out = entryAlloca(strStruct(ctx_), "str.out");
  // strings2: a step-1 slice is a view into s's block (one more reference
  // to it, no copy: split's parts cost no allocation), as s[i] is.
  llvm::BasicBlock* view_bb = llvm::BasicBlock::Create(ctx_, "str.slice.view", fn_);
  llvm::BasicBlock* copy_bb = llvm::BasicBlock::Create(ctx_, "str.slice.copy", fn_);
  llvm::BasicBlock* done_bb = llvm::BasicBlock::Create(ctx_, "str.slice.done", fn_);
  b_.CreateCondBr(b_.CreateICmpEQ(step, one), view_bb, copy_bb);
  b_.SetInsertPoint(view_bb);
  llvm::Value* kind = b_.CreateExtractValue(s, kStrKind);
  llvm::Value* view = b_.CreateInsertValue(s, b_.CreateGEP(b_.getInt8Ty(), b_.CreateExtractValue(s, kStrData),
                                                           b_.CreateMul(start, kind)),
                                           kStrData);
  view = b_.CreateInsertValue(view, count, kStrLength);
  retain(s, obj->type);
  b_.CreateStore(view, out);
  llvm::BasicBlock* view_end = b_.GetInsertBlock();
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(copy_bb);
  llvm::Value* st = callApi(*this, kSlice, b_.getInt32Ty(), {out, spill(*this, s), start, step, count});
  llvm::BasicBlock* copy_end = b_.GetInsertBlock();
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(done_bb);
  llvm::PHINode* status = b_.CreatePHI(b_.getInt32Ty(), 2);
  status->addIncoming(b_.getInt32(KILN_OK), view_end);
  status->addIncoming(st, copy_end);
  return Fresh{*this, temps_}.take(status, out);
}

absl::StatusOr<llvm::Value*> FunctionLowering::strBuiltin(BuiltinId id, const std::vector<const ir::Value*>& args,
                                                          const typing::Type* result) {
  (void)result;
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* i64 = b_.getInt64Ty();
  Fresh fresh{*this, temps_};
  switch (id) {
    case BuiltinId::kLen:
      return b_.CreateExtractValue(value(args[0]), kStrLength);
    case BuiltinId::kBool:
      return b_.CreateICmpNE(b_.CreateExtractValue(value(args[0]), kStrLength), b_.getInt64(0));
    case BuiltinId::kOrd: {
      llvm::Value* s = value(args[0]);
      raiseIf(b_.CreateICmpNE(b_.CreateExtractValue(s, kStrLength), b_.getInt64(1)), KILN_TYPE_ERROR,
              "ord() expected a character, but a string of another length was found");
      // The code point, loaded at the string's width.
      llvm::Value* kind = b_.CreateExtractValue(s, kStrKind);
      llvm::Value* data = b_.CreateExtractValue(s, kStrData);
      llvm::BasicBlock* k1 = llvm::BasicBlock::Create(ctx_, "ord.k1", fn_);
      llvm::BasicBlock* k2 = llvm::BasicBlock::Create(ctx_, "ord.k2", fn_);
      llvm::BasicBlock* k4 = llvm::BasicBlock::Create(ctx_, "ord.k4", fn_);
      llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "ord.done", fn_);
      llvm::SwitchInst* sw = b_.CreateSwitch(kind, k4, 2);
      sw->addCase(b_.getInt64(1), k1);
      sw->addCase(b_.getInt64(2), k2);
      b_.SetInsertPoint(done);
      llvm::PHINode* phi = b_.CreatePHI(i64, 3);
      for (auto [bb, ty] : {std::pair{k1, b_.getInt8Ty()}, std::pair{k2, b_.getInt16Ty()}, std::pair{k4, b_.getInt32Ty()}}) {
        b_.SetInsertPoint(bb);
        phi->addIncoming(b_.CreateZExt(b_.CreateLoad(ty, data), i64), bb);
        b_.CreateBr(done);
      }
      b_.SetInsertPoint(done);
      return phi;
    }
    case BuiltinId::kChr: {
      llvm::Value* c = converted(args[0], types().integer(64, true));
      raiseIf(b_.CreateICmpUGE(c, b_.getInt64(0x110000)), KILN_VALUE_ERROR, "chr() arg not in range(0x110000)");
      llvm::Value* out = entryAlloca(strStruct(ctx_), "str.out");
      return fresh.take(callApi(*this, kChr, i32, {out, c}), out);
    }
    case BuiltinId::kHash:
      return callApi(*this, kHash, i64, {spill(*this, value(args[0]))});
    case BuiltinId::kStrOf: {
      if (args.empty()) return strConstant("");
      const typing::Type* t = args[0]->type;
      if (t->kind == Kind::kStr) return value(args[0]);
      if (t->kind == Kind::kBool) return b_.CreateSelect(value(args[0]), strConstant("True"), strConstant("False"));
      if (t->kind == Kind::kInt && !t->is_signed && t->bits == 64)  // format: past int64
        return formatValue(value(args[0]), t, 0, "");
      llvm::Value* out = entryAlloca(strStruct(ctx_), "str.out");
      if (t->kind == Kind::kFloat)
        return fresh.take(callApi(*this, kFromFloat, i32, {out, converted(args[0], types().floating(64))}), out);
      return fresh.take(callApi(*this, kFromInt, i32, {out, converted(args[0], types().integer(64, true))}), out);
    }
    case BuiltinId::kInt: {
      llvm::Value* slot = entryAlloca(i64, "int");
      llvm::Value* st = callApi(*this, kToInt, i32, {spill(*this, value(args[0])), slot});
      {  // Python's message names the string: invalid literal for int() with base 10: 'x'
        llvm::BasicBlock* bad = llvm::BasicBlock::Create(ctx_, "int.bad", fn_);
        llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "int.ok", fn_);
        b_.CreateCondBr(b_.CreateICmpEQ(st, b_.getInt32(KILN_VALUE_ERROR)), bad, ok,
                        llvm::MDBuilder(ctx_).createUnlikelyBranchWeights());
        b_.SetInsertPoint(bad);
        raiseNamingStr(KILN_VALUE_ERROR, "invalid literal for int() with base 10", value(args[0]));
        b_.SetInsertPoint(ok);
      }
      raiseIf(b_.CreateICmpEQ(st, b_.getInt32(KILN_OVERFLOW_ERROR)), KILN_OVERFLOW_ERROR,
              "int() of a string whose value does not fit in int64");
      return b_.CreateLoad(i64, slot);
    }
    case BuiltinId::kFloat: {
      llvm::Value* slot = entryAlloca(b_.getDoubleTy(), "float");
      llvm::Value* st = callApi(*this, kToFloat, i32, {spill(*this, value(args[0])), slot});
      llvm::BasicBlock* bad = llvm::BasicBlock::Create(ctx_, "float.bad", fn_);
      llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "float.ok", fn_);
      b_.CreateCondBr(b_.CreateICmpNE(st, b_.getInt32(0)), bad, ok, llvm::MDBuilder(ctx_).createUnlikelyBranchWeights());
      b_.SetInsertPoint(bad);
      raiseNamingStr(KILN_VALUE_ERROR, "could not convert string to float", value(args[0]));
      b_.SetInsertPoint(ok);
      return b_.CreateLoad(b_.getDoubleTy(), slot);
    }
    default:
      break;
  }
  return absl::InternalError(absl::StrCat("no string lowering for builtin ", typing::builtinName(id)));
}

llvm::Value* FunctionLowering::strMethod(BuiltinId id, llvm::Value* recv, const std::vector<const ir::Value*>& args,
                                         const typing::Type* result) {
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* i64 = b_.getInt64Ty();
  Fresh fresh{*this, temps_};
  llvm::Value* n = b_.CreateExtractValue(recv, kStrLength);
  auto present = [&](size_t k) { return k < args.size() && args[k]->type->kind != Kind::kNone; };
  // CPython's ADJUST_INDICES: end clamped to the length, negative values
  // counted from the end (and clamped at 0); start may stay past the end.
  auto bounds = [&](llvm::Value** start, llvm::Value** end) {
    llvm::Value* zero = b_.getInt64(0);
    llvm::Value* s = present(1) ? converted(args[1], types().integer(64, true)) : zero;
    llvm::Value* e = present(2) ? converted(args[2], types().integer(64, true)) : n;
    llvm::Value* e_neg = b_.CreateAdd(e, n);
    e = b_.CreateSelect(b_.CreateICmpSGT(e, n), n,
                        b_.CreateSelect(b_.CreateICmpSLT(e, zero),
                                        b_.CreateSelect(b_.CreateICmpSLT(e_neg, zero), zero, e_neg), e));
    llvm::Value* s_neg = b_.CreateAdd(s, n);
    s = b_.CreateSelect(b_.CreateICmpSLT(s, zero), b_.CreateSelect(b_.CreateICmpSLT(s_neg, zero), zero, s_neg), s);
    *start = s;
    *end = e;
  };
  auto predicate = [&](int32_t which) {
    llvm::Value* r = callApi(*this, kIs, i32, {spill(*this, recv), b_.getInt32(which)});
    raiseIf(b_.CreateICmpSLT(r, b_.getInt32(0)), KILN_VALUE_ERROR, kUnicodeDbMessage);
    return b_.CreateICmpSGT(r, b_.getInt32(0));
  };
  llvm::Value* out = nullptr;
  auto newOut = [&]() { return out = entryAlloca(strStruct(ctx_), "str.out"); };
  switch (id) {
    case BuiltinId::kStrUpper:
    case BuiltinId::kStrLower:
      newOut();
      return fresh.take(callApi(*this, id == BuiltinId::kStrUpper ? kUpper : kLower, i32, {out, spill(*this, recv)}),
                        out, kUnicodeDbMessage);
    case BuiltinId::kStrTitle:
    case BuiltinId::kStrCapitalize:
    case BuiltinId::kStrSwapcase:
    case BuiltinId::kStrCasefold: {
      newOut();
      int32_t which = id == BuiltinId::kStrTitle ? 0 : id == BuiltinId::kStrCapitalize ? 1 : id == BuiltinId::kStrSwapcase ? 2 : 3;
      return fresh.take(callApi(*this, kRecase, i32, {out, spill(*this, recv), b_.getInt32(which)}), out,
                        kUnicodeDbMessage);
    }
    case BuiltinId::kStrStrip:
    case BuiltinId::kStrLstrip:
    case BuiltinId::kStrRstrip: {
      newOut();
      llvm::Value* chars = present(0) ? spill(*this, value(args[0]))
                                      : static_cast<llvm::Value*>(llvm::ConstantPointerNull::get(b_.getPtrTy()));
      int32_t which = id == BuiltinId::kStrStrip ? 3 : id == BuiltinId::kStrLstrip ? 1 : 2;
      return fresh.take(callApi(*this, kStrip, i32, {out, spill(*this, recv), chars, b_.getInt32(which)}), out,
                        kUnicodeDbMessage);
    }
    case BuiltinId::kStrFind:
    case BuiltinId::kStrRfind:
    case BuiltinId::kStrIndex:
    case BuiltinId::kStrRindex: {
      llvm::Value *s, *e;
      bounds(&s, &e);
      bool reverse = id == BuiltinId::kStrRfind || id == BuiltinId::kStrRindex;
      llvm::Value* at = callApi(*this, kFind, i64,
                                {spill(*this, recv), spill(*this, value(args[0])), s, e, b_.getInt32(reverse ? 1 : 0)});
      if (id == BuiltinId::kStrIndex || id == BuiltinId::kStrRindex)
        raiseIf(b_.CreateICmpSLT(at, b_.getInt64(0)), KILN_VALUE_ERROR, "substring not found");
      return at;
    }
    case BuiltinId::kStrCount: {
      llvm::Value *s, *e;
      bounds(&s, &e);
      return callApi(*this, kCount, i64, {spill(*this, recv), spill(*this, value(args[0])), s, e});
    }
    case BuiltinId::kStrStartswith:
    case BuiltinId::kStrEndswith: {
      llvm::Value *s, *e;
      bounds(&s, &e);
      auto matches = [&](llvm::Value* sub) {
        llvm::Value* m = b_.CreateExtractValue(sub, kStrLength);
        llvm::Value* fits = b_.CreateICmpSGE(b_.CreateSub(e, m), s);
        llvm::Value* pos = id == BuiltinId::kStrStartswith ? s : b_.CreateSub(e, m);
        llvm::Value* from = b_.CreateSelect(fits, pos, b_.getInt64(0));
        llvm::Value* to = b_.CreateSelect(fits, b_.CreateAdd(pos, m), b_.getInt64(-1));
        llvm::Value* at =
            callApi(*this, kFind, i64, {spill(*this, recv), spill(*this, sub), from, to, b_.getInt32(0)});
        return b_.CreateAnd(fits, b_.CreateICmpEQ(at, pos));
      };
      if (args[0]->type->kind == Kind::kTuple) {  // format: a tuple of prefixes, any of them
        llvm::Value* any = b_.getFalse();
        for (unsigned k = 0; k < args[0]->type->items.size(); ++k)
          any = b_.CreateOr(any, matches(b_.CreateExtractValue(value(args[0]), k)));
        return any;
      }
      return matches(value(args[0]));
    }
    case BuiltinId::kStrReplace: {
      newOut();
      llvm::Value* count = args.size() > 2 ? converted(args[2], types().integer(64, true)) : b_.getInt64(-1);
      return fresh.take(callApi(*this, kReplace, i32,
                                {out, spill(*this, recv), spill(*this, value(args[0])), spill(*this, value(args[1])),
                                 count}),
                        out);
    }
    case BuiltinId::kStrIsdigit: return predicate(KILN_STR_ISDIGIT);
    case BuiltinId::kStrIsalpha: return predicate(KILN_STR_ISALPHA);
    case BuiltinId::kStrIsspace: return predicate(KILN_STR_ISSPACE);
    case BuiltinId::kStrIsalnum: return predicate(KILN_STR_ISALNUM);
    case BuiltinId::kStrIsupper: return predicate(KILN_STR_ISUPPER);
    case BuiltinId::kStrIslower: return predicate(KILN_STR_ISLOWER);
    case BuiltinId::kStrIsdecimal: return predicate(KILN_STR_ISDECIMAL);
    case BuiltinId::kStrIsnumeric: return predicate(KILN_STR_ISNUMERIC);
    case BuiltinId::kStrIsascii: return predicate(KILN_STR_ISASCII);
    case BuiltinId::kStrIstitle: return predicate(KILN_STR_ISTITLE);
    case BuiltinId::kStrIsprintable: return predicate(KILN_STR_ISPRINTABLE);
    case BuiltinId::kStrIsidentifier: return predicate(KILN_STR_ISIDENTIFIER);
    default:
      break;
  }
  return llvm::PoisonValue::get(valueType(ctx_, result));
}

}  // namespace kiln::lowering
