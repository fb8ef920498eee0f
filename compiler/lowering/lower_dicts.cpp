// Dicts, sets and hashing. hash() gives CPython's numbers (Objects/
// longobject.c, Python/pyhash.c, Objects/tupleobject.c), so a key hashes
// alike in compiled code and in Python.
//
// Numbers hash to their value modulo the Mersenne prime P = 2**61 - 1
// (with the sign of the value); -1 is reserved for errors and becomes -2.
// A finite float is m * 2**e with an integer mantissa m < 2**53 < P, and
// 2**61 == 1 (mod P), so its hash is m rotated left by e mod 61 within 61
// bits: the value CPython's digit loop arrives at, without the loop.
//
// A dict value is {meminfo*} (field 0, so reference counting treats it as
// an array's block); its block is the hash table of runtime/cpu/kiln_dict.h,
// reached through kiln_rt_hook's `dict` table. Compiled code gives the
// table each key's hash and an equality function of the key type, and
// stores values itself: it retains what it stores and releases what it
// overwrites; the block's destructor (made here per dict type) releases the
// values left when the dict dies.
#include <cstddef>

#include "absl/strings/str_cat.h"
#include "llvm/IR/MDBuilder.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/lowering/lower_buffers.h"  // codec: bytesCompare
#include "compiler/lowering/ownership.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_buffers.h"  // codec: isBytes
#include "kiln_rt.h"
#include "kiln_unicode.h"

namespace kiln::lowering {

using typing::BuiltinId;
using typing::Kind;

namespace {
// kiln_dict.h KilnDictOps, in order.
enum DictOp : unsigned { kOpNew, kOpLookup, kOpInsert, kOpRemove, kOpPopitem, kOpNext, kOpKeyAt, kOpClear, kOpCopy };
// KilnDictHeader fields (int64 each) and its size.
constexpr unsigned kHdrUsed = 0, kHdrNentries = 1, kHdrIndexSize = 3, kHdrEntrySize = 4, kHdrValueOffset = 6;
constexpr int64_t kHeaderBytes = 64;
constexpr int64_t kEntryHead = 16;  // hash, live
// KilnMemInfo: {refcount, allocator, data, ...}.
constexpr unsigned kMiData = 2;

}  // namespace

namespace {
constexpr uint64_t kHashModulus = (uint64_t{1} << 61) - 1;
constexpr int64_t kHashInf = 314159;
constexpr uint64_t kHashImag = 1000003;
// xxHash's primes, as CPython's tuple hash uses them (64-bit Py_uhash_t).
constexpr uint64_t kXXPrime1 = 11400714785074694791ULL;
constexpr uint64_t kXXPrime2 = 14029467366897019727ULL;
constexpr uint64_t kXXPrime5 = 2870177450012600261ULL;
}  // namespace

llvm::Value* FunctionLowering::hashValue(llvm::Value* v, const typing::Type* t) {
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::Value* modulus = b_.getInt64(kHashModulus);
  // -1 is CPython's error return: a hash that comes out as -1 is -2.
  auto not_minus_one = [&](llvm::Value* h) {
    return b_.CreateSelect(b_.CreateICmpEQ(h, b_.getInt64(-1)), b_.getInt64(-2), h);
  };
  switch (t->kind) {
    case Kind::kStr: {  // strings2: CPython's hash of the code points (kiln_unicode.h)
      llvm::AllocaInst* slot = entryAlloca(memoryType(ctx_, t), "str.key");
      b_.CreateStore(toMemory(b_, v, t), slot);
      return setUnicodeCall(offsetof(KilnUnicodeApi, hash), i64, {slot});
    }
    case Kind::kBool:
      return b_.CreateZExt(v, i64);
    case Kind::kInt: {
      llvm::Value* x = b_.CreateIntCast(v, i64, t->is_signed);
      if (!t->is_signed) return b_.CreateURem(x, modulus);  // below P: never -1
      // The magnitude as unsigned (INT64_MIN's too), reduced, signed again.
      llvm::Value* neg = b_.CreateICmpSLT(x, b_.getInt64(0));
      llvm::Value* mag = b_.CreateSelect(neg, b_.CreateNeg(x), x);
      llvm::Value* r = b_.CreateURem(mag, modulus);
      return not_minus_one(b_.CreateSelect(neg, b_.CreateNeg(r), r));
    }
    case Kind::kFloat: {
      // float32 hashes as the float64 of the same value (NumPy's scalars do).
      llvm::Value* d = t->bits == 64 ? v : b_.CreateFPExt(v, b_.getDoubleTy());
      llvm::Value* bits = b_.CreateBitCast(d, i64);
      llvm::Value* frac = b_.CreateAnd(bits, b_.getInt64((uint64_t{1} << 52) - 1));
      llvm::Value* bexp = b_.CreateAnd(b_.CreateLShr(bits, 52), b_.getInt64(0x7ff));
      llvm::Value* neg = b_.CreateICmpSLT(bits, b_.getInt64(0));
      // m * 2**e: normal numbers have the implicit bit, subnormals (and
      // zero) exponent 1 - 1075.
      llvm::Value* normal = b_.CreateICmpNE(bexp, b_.getInt64(0));
      llvm::Value* m = b_.CreateSelect(normal, b_.CreateOr(frac, b_.getInt64(uint64_t{1} << 52)), frac);
      llvm::Value* e = b_.CreateSub(b_.CreateSelect(normal, bexp, b_.getInt64(1)), b_.getInt64(1075));
      llvm::Value* s = b_.CreateSRem(e, b_.getInt64(61));
      s = b_.CreateSelect(b_.CreateICmpSLT(s, b_.getInt64(0)), b_.CreateAdd(s, b_.getInt64(61)), s);
      llvm::Value* x = b_.CreateOr(b_.CreateAnd(b_.CreateShl(m, s), modulus),
                                   b_.CreateLShr(m, b_.CreateSub(b_.getInt64(61), s)));
      llvm::Value* finite = not_minus_one(b_.CreateSelect(neg, b_.CreateNeg(x), x));
      // inf: +-314159. NaN (Python 3.10+): the hash of the object's
      // identity, which differs between NaN objects; a NaN computed here has
      // no object, so it takes a value that differs between calls too.
      llvm::Value* special = b_.CreateICmpEQ(bexp, b_.getInt64(0x7ff));
      llvm::Value* inf = b_.CreateSelect(neg, b_.getInt64(-kHashInf), b_.getInt64(kHashInf));
      llvm::Value* nan_hash = b_.CreateLShr(
          b_.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::readcyclecounter)), 4);
      llvm::Value* nonfinite = b_.CreateSelect(b_.CreateICmpEQ(frac, b_.getInt64(0)), inf, nan_hash);
      return b_.CreateSelect(special, nonfinite, finite);
    }
    case Kind::kComplex: {
      const typing::Type* part = types().floating(t->bits / 2);
      llvm::Value* re = hashValue(b_.CreateExtractValue(v, 0), part);
      llvm::Value* im = hashValue(b_.CreateExtractValue(v, 1), part);
      return not_minus_one(b_.CreateAdd(re, b_.CreateMul(im, b_.getInt64(kHashImag))));
    }
    case Kind::kTuple: {
      llvm::Value* acc = b_.getInt64(kXXPrime5);
      for (unsigned k = 0; k < t->items.size(); ++k) {
        llvm::Value* lane = hashValue(b_.CreateExtractValue(v, k), t->items[k]);
        acc = b_.CreateAdd(acc, b_.CreateMul(lane, b_.getInt64(kXXPrime2)));
        acc = b_.CreateCall(intrinsic(llvm::Intrinsic::fshl, i64), {acc, acc, b_.getInt64(31)});
        acc = b_.CreateMul(acc, b_.getInt64(kXXPrime1));
      }
      acc = b_.CreateAdd(acc, b_.getInt64(t->items.size() ^ (kXXPrime5 ^ 3527539ULL)));
      return b_.CreateSelect(b_.CreateICmpEQ(acc, b_.getInt64(-1)), b_.getInt64(1546275796), acc);
    }
    case Kind::kArray:  // codec: bytes hash as CPython's (lower_strings.cpp); other arrays are unhashable
      if (typing::isBytes(t)) return bytesHash(v);
      break;
    case Kind::kDict:
    case Kind::kList:  // lists: unhashable
    case Kind::kUnknown:
    case Kind::kNone:
    case Kind::kRange:
#define KILN_CASES_kIterator 1
#include "compiler/typing/kind_cases.def"
    case Kind::kModule:
    case Kind::kFunction:
    case Kind::kFunctionSet:  // pycells:
    case Kind::kBuiltin:
    case Kind::kTypeRef:  // typedempty:
    case Kind::kExceptionClass:
    case Kind::kBoundMethod:
    case Kind::kDType:
    case Kind::kSlice:
    case Kind::kEllipsis:
    case Kind::kNPDatetime:  // datetime
    case Kind::kNPTimedelta:
    case Kind::kRecord:  // records
    case Kind::kUnicodeCharSeq:  // records: a U field, only ever read as a str
    case Kind::kNestedArray:  // records2: a subarray field, only ever read as an array view
    case Kind::kNPGenerator:  // npgen: an object borrowed from the caller
    case Kind::kStructRef:  // structref: unhashable (typing refuses it)
      break;
    case Kind::kEnumMember:  // enums: an IntEnum member hashes as its int (typing refuses an Enum member)
      if (t->index == 1) return hashValue(v, t->items[0]);
      break;
    case Kind::kOptional:  // optional: typing unwraps it first
      break;
  }
  return nullptr;  // typing (unhashableReason) accepts none of these
}


llvm::Value* FunctionLowering::dictCall(unsigned op, llvm::Type* ret, const std::vector<llvm::Value*>& args) {
  llvm::Type* ptr = b_.getPtrTy();
  // The field's offset from kiln_rt.h itself, so other tables appended to
  // KilnRuntime never move it under this code.
  llvm::Value* field = b_.CreateConstGEP1_64(b_.getInt8Ty(), runtimeHook(), offsetof(KilnRuntime, dict));
  llvm::Value* table = b_.CreateLoad(ptr, field, "kiln.dict");
  llvm::Value* fp = b_.CreateLoad(ptr, b_.CreateConstGEP1_64(ptr, table, op));
  std::vector<llvm::Type*> params;
  for (llvm::Value* a : args) params.push_back(a->getType());
  return b_.CreateCall(llvm::FunctionType::get(ret, params, false), fp, args);
}

llvm::Value* FunctionLowering::sizeOf(llvm::Type* t) {
  // Folded to the target's size once the module has its data layout.
  return b_.CreatePtrToInt(b_.CreateConstGEP1_64(t, llvm::ConstantPointerNull::get(b_.getPtrTy()), 1), b_.getInt64Ty());
}

namespace {
// A dict key or value type that is still unknown ({} never stored into)
// takes no room.
llvm::Type* slotType(llvm::LLVMContext& ctx, const typing::Type* t) {
  if (t->kind == Kind::kUnknown) return llvm::StructType::get(ctx, {});
  return memoryType(ctx, t);
}

// Python's == on two keys of type t in memory form.
llvm::Value* keysEqual(llvm::IRBuilder<>& b, llvm::Value* x, llvm::Value* y, const typing::Type* t) {
  switch (t->kind) {
    case Kind::kFloat:
      return b.CreateFCmpOEQ(x, y);
    case Kind::kComplex:
      return b.CreateAnd(b.CreateFCmpOEQ(b.CreateExtractValue(x, 0), b.CreateExtractValue(y, 0)),
                         b.CreateFCmpOEQ(b.CreateExtractValue(x, 1), b.CreateExtractValue(y, 1)));
    case Kind::kTuple: {
      llvm::Value* all = b.getInt1(true);
      for (unsigned k = 0; k < t->items.size(); ++k)
        all = b.CreateAnd(all, keysEqual(b, b.CreateExtractValue(x, k), b.CreateExtractValue(y, k), t->items[k]));
      return all;
    }
    default:  // bool (as a byte), integers
      return b.CreateICmpEQ(x, y);
  }
}
}  // namespace

llvm::Function* FunctionLowering::keyEq(const typing::Type* kt) {
  if (kt->kind == Kind::kStr) return setEq(kt);  // strings2: the same code points
  std::string name = absl::StrCat("kiln.dict.eq.", kt->str());
  if (llvm::Function* f = mod_.getFunction(name)) return f;
  llvm::Type* ptr = b_.getPtrTy();
  auto* f = llvm::Function::Create(llvm::FunctionType::get(b_.getInt32Ty(), {ptr, ptr}, false),
                                   llvm::Function::InternalLinkage, name, &mod_);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx_, "entry", f));
  llvm::Type* mt = slotType(ctx_, kt);
  llvm::Value* eq = nullptr;
  if (kt->kind == Kind::kUnknown)
    eq = b.getInt1(true);
  else if (typing::isBytes(kt))  // codec: bytes keys, the same bytes
    eq = bytesCompare(b, static_cast<int>(ir::CompareOp::kEq), fromMemory(b, b.CreateLoad(mt, f->getArg(0)), kt),
                      fromMemory(b, b.CreateLoad(mt, f->getArg(1)), kt));
  else
    eq = keysEqual(b, b.CreateLoad(mt, f->getArg(0)), b.CreateLoad(mt, f->getArg(1)), kt);
  b.CreateRet(b.CreateZExt(eq, b.getInt32Ty()));
  return f;
}

// strings2: drops the table's reference to the key of entry ix (still
// readable after a removal), for key types that hold references.
void FunctionLowering::releaseKeyAt(llvm::Value* mi, llvm::Value* ix, const typing::Type* kt) {
  if (!holdsRefs(kt)) return;
  release(fromMemory(b_, b_.CreateLoad(memoryType(ctx_, kt), dictCall(kOpKeyAt, b_.getPtrTy(), {mi, ix})), kt), kt);
}

llvm::Value* FunctionLowering::dictData(llvm::Value* mi) {
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Type* mit = llvm::StructType::get(ctx_, {b_.getInt64Ty(), ptr, ptr});
  return b_.CreateLoad(ptr, b_.CreateStructGEP(mit, mi, kMiData), "dict.data");
}

llvm::Value* FunctionLowering::dictHeader(llvm::Value* data, unsigned field) {
  return b_.CreateLoad(b_.getInt64Ty(), b_.CreateConstGEP1_64(b_.getInt64Ty(), data, field));
}

llvm::Value* FunctionLowering::dictValuePtr(llvm::Value* mi, llvm::Value* ix) {
  llvm::Value* key = dictCall(kOpKeyAt, b_.getPtrTy(), {mi, ix});
  llvm::Value* off = b_.CreateSub(dictHeader(dictData(mi), kHdrValueOffset), b_.getInt64(kEntryHead));
  return b_.CreateGEP(b_.getInt8Ty(), key, off);
}

llvm::Function* FunctionLowering::dictDtor(const typing::Type* dt) {
  const typing::Type* kt = dt->items[0];
  const typing::Type* vt = dt->items[1];
  if (!holdsRefs(vt) && !holdsRefs(kt)) return nullptr;  // strings2: str keys hold references too
  std::string name = absl::StrCat("kiln.dict.dtor.", dt->str());
  if (llvm::Function* f = mod_.getFunction(name)) return f;
  auto* f = llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy()}, false),
                                   llvm::Function::InternalLinkage, name, &mod_);
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  llvm::Function* saved_fn = fn_;
  fn_ = f;
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", f));
  llvm::Value* data = f->getArg(0);
  llvm::Value* n = dictHeader(data, kHdrNentries);
  llvm::Value* entries = b_.CreateGEP(b_.getInt8Ty(), data,
                                      b_.CreateAdd(b_.getInt64(kHeaderBytes),
                                                   b_.CreateMul(dictHeader(data, kHdrIndexSize), b_.getInt64(8))));
  llvm::Value* esize = dictHeader(data, kHdrEntrySize);
  llvm::Value* voff = dictHeader(data, kHdrValueOffset);
  loop(n, [&](llvm::Value* ix) {
    llvm::Value* e = b_.CreateGEP(b_.getInt8Ty(), entries, b_.CreateMul(ix, esize));
    llvm::Value* live = b_.CreateLoad(b_.getInt64Ty(), b_.CreateConstGEP1_64(b_.getInt8Ty(), e, 8));
    ifThen(b_.CreateICmpNE(live, b_.getInt64(0)), [&]() {
      if (holdsRefs(kt))
        release(fromMemory(b_, b_.CreateLoad(memoryType(ctx_, kt), b_.CreateConstGEP1_64(b_.getInt8Ty(), e, kEntryHead)), kt),
                kt);
      if (!holdsRefs(vt)) return;
      llvm::Value* v = b_.CreateLoad(memoryType(ctx_, vt), b_.CreateGEP(b_.getInt8Ty(), e, voff));
      release(fromMemory(b_, v, vt), vt);
    });
  });
  b_.CreateRetVoid();
  fn_ = saved_fn;
  return f;
}

llvm::Value* FunctionLowering::newDict(const typing::Type* dt, int64_t min_entries) {
  llvm::PointerType* ptr = b_.getPtrTy();
  llvm::Function* dtor = dictDtor(dt);
  llvm::Value* mi = dictCall(kOpNew, ptr,
                             {sizeOf(slotType(ctx_, dt->items[0])), sizeOf(slotType(ctx_, dt->items[1])),
                              b_.getInt64(min_entries),
                              dtor ? static_cast<llvm::Value*>(dtor) : llvm::ConstantPointerNull::get(ptr)});
  raiseIf(b_.CreateIsNull(mi), KILN_MEMORY_ERROR, "Allocation failed (out of memory allocating a dict)");
  temps_.push_back(mi);  // the result takes it over (finishInstr)
  return b_.CreateInsertValue(llvm::PoisonValue::get(valueType(ctx_, dt)), mi, 0);
}

FunctionLowering::DictKey FunctionLowering::dictKey(const ir::Value* key, const typing::Type* kt) {
  llvm::Value* k = converted(key, kt);
  llvm::AllocaInst* slot = entryAlloca(slotType(ctx_, kt), "key");
  b_.CreateStore(toMemory(b_, k, kt), slot);
  return {slot, hashValue(k, kt)};
}

void FunctionLowering::keyErrorIf(llvm::Value* bad, const ir::Value* key, const typing::Type* kt) {
  // KeyError(key), the key as the user gave it, an argument of the error
  // (lower_exceptions.cpp's errorArg): str(e) and e.args are Python's.
  const typing::Type* from = key->type;
  const Kind k = from->kind;
  if (k != Kind::kBool && k != Kind::kInt && k != Kind::kFloat && k != Kind::kStr && k != Kind::kTuple &&
      !typing::isBytes(from)) {  // codec: KeyError(b'..') as Python's
    raiseIf(bad, KILN_KEY_ERROR, "key not found in the dict");
    return;
  }
  for (const typing::Type* item : k == Kind::kTuple ? from->items : std::vector<const typing::Type*>{})
    if (item->kind != Kind::kBool && item->kind != Kind::kInt && item->kind != Kind::kFloat &&
        item->kind != Kind::kStr && item->kind != Kind::kNone) {
      raiseIf(bad, KILN_KEY_ERROR, "key not found in the dict");
      return;
    }
  llvm::BasicBlock* raise_bb = llvm::BasicBlock::Create(ctx_, "key_error", fn_);
  llvm::BasicBlock* ok_bb = llvm::BasicBlock::Create(ctx_, "ok", fn_);
  b_.CreateCondBr(bad, raise_bb, ok_bb, llvm::MDBuilder(ctx_).createUnlikelyBranchWeights());
  b_.SetInsertPoint(raise_bb);
  clearError(err_ptr_);  // exceptions: a handled error's arguments are not this one's
  llvm::StructType* t = errorType();
  llvm::Type* arg_ty = llvm::StructType::get(ctx_, {b_.getInt32Ty(), b_.getInt32Ty(), b_.getInt64Ty()});
  b_.CreateStore(b_.getInt32(1), b_.CreateStructGEP(t, err_ptr_, 5));
  llvm::Value* slot = b_.CreateInBoundsGEP(t, err_ptr_, {b_.getInt32(0), b_.getInt32(6), b_.getInt32(0)});
  b_.CreateStore(b_.getInt32(KILN_ARG_NONE), b_.CreateStructGEP(arg_ty, slot, 0));
  if (llvm::Value* rc = errorArg(value(key), from, key, slot))
    raiseIf(b_.CreateICmpNE(rc, b_.getInt32(0)), KILN_MEMORY_ERROR,
            "Allocation failed (out of memory allocating an exception's arguments)");
  storeError(KILN_KEY_ERROR, "", "", true);
  leaveWithError(b_.getInt32(KILN_KEY_ERROR));
  b_.SetInsertPoint(ok_bb);
  (void)kt;
}

void FunctionLowering::dictStore(llvm::Value* mi, const DictKey& key, llvm::Value* v, const typing::Type* vt) {
  llvm::AllocaInst* found = entryAlloca(b_.getInt64Ty(), "found");
  llvm::Value* ix = dictCall(kOpInsert, b_.getInt64Ty(), {mi, key.slot, key.hash, keyEq(key.type), found});
  raiseIf(b_.CreateICmpEQ(ix, b_.getInt64(-2)), KILN_MEMORY_ERROR, "Allocation failed (out of memory growing a dict)");
  llvm::Value* slot = dictValuePtr(mi, ix);
  // The dict's references, with its own copy of a borrowed string
  // (dictstr: the table may outlive the call, as a typed Dict from Python).
  v = ownedForContainer(v, vt);
  if (holdsRefs(key.type)) {  // strings2: a new key's reference (an old key stays, as Python's)
    ifThen(b_.CreateICmpEQ(b_.CreateLoad(b_.getInt64Ty(), found), b_.getInt64(0)), [&]() {
      llvm::Value* k = fromMemory(b_, b_.CreateLoad(memoryType(ctx_, key.type), key.slot), key.type);
      b_.CreateStore(toMemory(b_, ownedForContainer(k, key.type), key.type),
                     dictCall(kOpKeyAt, b_.getPtrTy(), {mi, ix}));
    });
  }
  if (holdsRefs(vt)) {
    ifThen(b_.CreateICmpNE(b_.CreateLoad(b_.getInt64Ty(), found), b_.getInt64(0)), [&]() {
      release(fromMemory(b_, b_.CreateLoad(memoryType(ctx_, vt), slot), vt), vt);
    });
  }
  b_.CreateStore(toMemory(b_, v, vt), slot);
}

llvm::Value* FunctionLowering::buildMap(const ir::Instr& i, const typing::Type* dt) {
  llvm::Value* d = newDict(dt, static_cast<int64_t>(i.operands.size() / 2));
  llvm::Value* mi = b_.CreateExtractValue(d, 0);
  for (size_t k = 0; k + 1 < i.operands.size(); k += 2) {
    DictKey key = dictKey(i.operands[k], dt->items[0]);
    key.type = dt->items[0];
    dictStore(mi, key, converted(i.operands[k + 1], dt->items[1]), dt->items[1]);
  }
  return d;
}

llvm::Value* FunctionLowering::dictLookup(const ir::Value* obj, const ir::Value* key, DictKey* out) {
  const typing::Type* dt = obj->type;
  DictKey k = dictKey(key, dt->items[0]);
  k.type = dt->items[0];
  if (out) *out = k;
  llvm::Value* mi = b_.CreateExtractValue(value(obj), 0);
  return dictCall(kOpLookup, b_.getInt64Ty(), {mi, k.slot, k.hash, keyEq(k.type)});
}

llvm::Value* FunctionLowering::dictGetItem(const ir::Value* obj, const ir::Value* key) {
  const typing::Type* vt = obj->type->items[1];
  llvm::Value* ix = dictLookup(obj, key, nullptr);
  keyErrorIf(b_.CreateICmpSLT(ix, b_.getInt64(0)), key, obj->type->items[0]);
  llvm::Value* mi = b_.CreateExtractValue(value(obj), 0);
  return fromMemory(b_, b_.CreateLoad(memoryType(ctx_, vt), dictValuePtr(mi, ix)), vt);
}

void FunctionLowering::dictSetItem(const ir::Value* obj, const ir::Value* key, const ir::Value* v) {
  const typing::Type* dt = obj->type;
  DictKey k = dictKey(key, dt->items[0]);
  k.type = dt->items[0];
  dictStore(b_.CreateExtractValue(value(obj), 0), k, converted(v, dt->items[1]), dt->items[1]);
}

void FunctionLowering::dictDelItem(const ir::Value* obj, const ir::Value* key) {
  const typing::Type* dt = obj->type;
  DictKey k = dictKey(key, dt->items[0]);
  llvm::Value* mi = b_.CreateExtractValue(value(obj), 0);
  llvm::Value* ix = dictCall(kOpRemove, b_.getInt64Ty(), {mi, k.slot, k.hash, keyEq(dt->items[0])});
  keyErrorIf(b_.CreateICmpSLT(ix, b_.getInt64(0)), key, dt->items[0]);
  releaseKeyAt(mi, ix, dt->items[0]);  // strings2
  const typing::Type* vt = dt->items[1];
  if (holdsRefs(vt)) release(fromMemory(b_, b_.CreateLoad(memoryType(ctx_, vt), dictValuePtr(mi, ix)), vt), vt);
}

llvm::Value* FunctionLowering::dictContains(const ir::Value* obj, const ir::Value* key) {
  return b_.CreateICmpSGE(dictLookup(obj, key, nullptr), b_.getInt64(0));
}

llvm::Value* FunctionLowering::dictLen(llvm::Value* d) {
  return dictHeader(dictData(b_.CreateExtractValue(d, 0)), kHdrUsed);
}

llvm::Value* FunctionLowering::dictEquals(llvm::Value* a, llvm::Value* b, const typing::Type* dt) {
  llvm::Value* ma = b_.CreateExtractValue(a, 0);
  llvm::Value* mb = b_.CreateExtractValue(b, 0);
  llvm::AllocaInst* same = entryAlloca(b_.getInt1Ty(), "dict.eq");
  b_.CreateStore(b_.CreateICmpEQ(dictLen(a), dictLen(b)), same);
  if (!typing::dictComplete(dt)) return b_.CreateLoad(b_.getInt1Ty(), same);  // both empty, or not
  const typing::Type* kt = dt->items[0];
  const typing::Type* vt = dt->items[1];
  llvm::Type* vm = memoryType(ctx_, vt);
  ifThen(b_.CreateLoad(b_.getInt1Ty(), same), [&]() {
    loop(dictHeader(dictData(ma), kHdrNentries), [&](llvm::Value* ix) {
      ifThen(b_.CreateICmpEQ(dictCall(kOpNext, b_.getInt64Ty(), {ma, ix}), ix), [&]() {
        llvm::Value* kp = dictCall(kOpKeyAt, b_.getPtrTy(), {ma, ix});
        llvm::Value* hash = b_.CreateLoad(b_.getInt64Ty(), b_.CreateConstGEP1_64(b_.getInt8Ty(), kp, -kEntryHead));
        llvm::Value* jx = dictCall(kOpLookup, b_.getInt64Ty(), {mb, kp, hash, keyEq(kt)});
        llvm::Value* found = b_.CreateICmpSGE(jx, b_.getInt64(0));
        llvm::AllocaInst* ok = entryAlloca(b_.getInt1Ty(), "item.eq");
        b_.CreateStore(found, ok);
        ifThen(found, [&]() {
          llvm::Value* va = b_.CreateLoad(vm, dictValuePtr(ma, ix));
          llvm::Value* vb = b_.CreateLoad(vm, dictValuePtr(mb, jx));
          b_.CreateStore(vt->kind == Kind::kStr  // strings2
                             ? strCompareValues(ir::CompareOp::kEq, fromMemory(b_, va, vt), fromMemory(b_, vb, vt))
                             : keysEqual(b_, va, vb, vt),
                         ok);
        });
        b_.CreateStore(b_.CreateAnd(b_.CreateLoad(b_.getInt1Ty(), same), b_.CreateLoad(b_.getInt1Ty(), ok)), same);
      });
    });
  });
  return b_.CreateLoad(b_.getInt1Ty(), same);
}

llvm::Value* FunctionLowering::dictIterNext(llvm::Value* state, const typing::Type* it, const typing::Type* item_type,
                                            llvm::Value** item) {
  const typing::Type* dt = it->items[0];
  llvm::Type* st = llvm::StructType::get(ctx_, {valueType(ctx_, dt), b_.getInt64Ty(), b_.getInt64Ty()});
  llvm::Value* d = b_.CreateLoad(valueType(ctx_, dt), b_.CreateStructGEP(st, state, 0));
  llvm::Value* mi = b_.CreateExtractValue(d, 0);
  // As CPython: a store or a deletion that changes the size while the dict
  // is iterated is an error (the entries may have moved).
  raiseIf(b_.CreateICmpNE(dictLen(d), b_.CreateLoad(b_.getInt64Ty(), b_.CreateStructGEP(st, state, 2))),
          KILN_RUNTIME_ERROR, "dictionary changed size during iteration");
  llvm::Value* pos = b_.CreateLoad(b_.getInt64Ty(), b_.CreateStructGEP(st, state, 1));
  llvm::Value* ix = dictCall(kOpNext, b_.getInt64Ty(), {mi, pos});
  llvm::Value* more = b_.CreateICmpSGE(ix, b_.getInt64(0));
  b_.CreateStore(b_.CreateSelect(more, b_.CreateAdd(ix, b_.getInt64(1)), pos), b_.CreateStructGEP(st, state, 1));
  // Past the end, read dummy slots instead of an entry.
  const typing::Type* kt = dt->items[0];
  const typing::Type* vt = dt->items[1];
  llvm::Value* key = nullptr;
  llvm::Value* val = nullptr;
  llvm::AllocaInst* no_key = entryAlloca(slotType(ctx_, kt), "no_key");
  llvm::AllocaInst* no_value = entryAlloca(slotType(ctx_, vt), "no_value");
  b_.CreateStore(llvm::Constant::getNullValue(slotType(ctx_, kt)), no_key);
  b_.CreateStore(llvm::Constant::getNullValue(slotType(ctx_, vt)), no_value);
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  llvm::BasicBlock* has = llvm::BasicBlock::Create(ctx_, "dict.item", fn_);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "dict.next", fn_);
  b_.CreateCondBr(more, has, done);
  b_.SetInsertPoint(has);
  llvm::Value* kp = dictCall(kOpKeyAt, b_.getPtrTy(), {mi, ix});
  llvm::Value* vp = dictValuePtr(mi, ix);
  llvm::BasicBlock* has_end = b_.GetInsertBlock();
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  llvm::PHINode* kphi = b_.CreatePHI(b_.getPtrTy(), 2);
  kphi->addIncoming(no_key, pre);
  kphi->addIncoming(kp, has_end);
  llvm::PHINode* vphi = b_.CreatePHI(b_.getPtrTy(), 2);
  vphi->addIncoming(no_value, pre);
  vphi->addIncoming(vp, has_end);
  if (it->name != "values") key = fromMemory(b_, b_.CreateLoad(slotType(ctx_, kt), kphi), kt);
  if (it->name != "keys") val = fromMemory(b_, b_.CreateLoad(slotType(ctx_, vt), vphi), vt);
  if (it->name == "keys") *item = key;
  else if (it->name == "values") *item = val;
  else {
    llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, item_type));
    out = b_.CreateInsertValue(out, key, 0);
    *item = b_.CreateInsertValue(out, val, 1);
  }
  return more;
}

llvm::Value* FunctionLowering::dictMethod(BuiltinId id, const typing::Type* dt, llvm::Value* recv,
                                          const std::vector<const ir::Value*>& args, const typing::Type* result) {
  const typing::Type* kt = dt->items[0];
  const typing::Type* vt = dt->items[1];
  llvm::Value* mi = b_.CreateExtractValue(recv, 0);
  auto lookup = [&](const ir::Value* key, DictKey* out) {
    DictKey k = dictKey(key, kt);
    k.type = kt;
    *out = k;
    return dictCall(kOpLookup, b_.getInt64Ty(), {mi, k.slot, k.hash, keyEq(kt)});
  };
  auto load_value = [&](llvm::Value* ix) {
    return fromMemory(b_, b_.CreateLoad(memoryType(ctx_, vt), dictValuePtr(mi, ix)), vt);
  };
  // The value at ix (ix >= 0), else `dflt`; loads only a present entry.
  auto value_or = [&](llvm::Value* ix, llvm::Value* dflt) {
    llvm::AllocaInst* out = entryAlloca(valueType(ctx_, vt), "value");
    b_.CreateStore(dflt, out);
    ifThen(b_.CreateICmpSGE(ix, b_.getInt64(0)), [&]() { b_.CreateStore(load_value(ix), out); });
    return b_.CreateLoad(valueType(ctx_, vt), out);
  };
  switch (id) {
    case BuiltinId::kDictGet: {
      DictKey k;
      llvm::Value* ix = lookup(args[0], &k);
      if (args.size() == 2) return value_or(ix, converted(args[1], vt));
      // optional: {value, present}; None's value is all zeros (null meminfos),
      // and the value stays the dict's (borrowed, as with a default).
      llvm::Value* present = b_.CreateICmpSGE(ix, b_.getInt64(0));
      llvm::Value* v = value_or(ix, llvm::Constant::getNullValue(valueType(ctx_, vt)));
      llvm::Value* out = llvm::Constant::getNullValue(valueType(ctx_, result));
      return b_.CreateInsertValue(b_.CreateInsertValue(out, v, 0), present, 1);
    }
    case BuiltinId::kDictSetdefault: {
      DictKey k;
      llvm::Value* ix = lookup(args[0], &k);
      ifThen(b_.CreateICmpSLT(ix, b_.getInt64(0)), [&]() { dictStore(mi, k, converted(args[1], vt), vt); });
      llvm::Value* again = dictCall(kOpLookup, b_.getInt64Ty(), {mi, k.slot, k.hash, keyEq(kt)});
      return load_value(again);
    }
    case BuiltinId::kDictPop: {
      DictKey k;
      lookup(args[0], &k);
      llvm::Value* ix = dictCall(kOpRemove, b_.getInt64Ty(), {mi, k.slot, k.hash, keyEq(kt)});
      if (args.size() == 1) keyErrorIf(b_.CreateICmpSLT(ix, b_.getInt64(0)), args[0], kt);
      if (holdsRefs(kt)) ifThen(b_.CreateICmpSGE(ix, b_.getInt64(0)), [&]() { releaseKeyAt(mi, ix, kt); });
      // The dict's reference to the value passes to the result (a default
      // gets one of its own).
      if (args.size() == 1) {
        llvm::Value* v = load_value(ix);
        call_result_owned_ = holdsRefs(vt);
        return v;
      }
      llvm::Value* dflt = converted(args[1], vt);
      llvm::Value* v = value_or(ix, dflt);
      if (holdsRefs(vt)) {
        ifThen(b_.CreateICmpSLT(ix, b_.getInt64(0)), [&]() { retain(dflt, vt); });
        call_result_owned_ = true;
      }
      return v;
    }
    case BuiltinId::kDictPopitem: {
      llvm::Value* ix = dictCall(kOpPopitem, b_.getInt64Ty(), {mi});
      raiseIf(b_.CreateICmpSLT(ix, b_.getInt64(0)), KILN_KEY_ERROR, "popitem(): dictionary is empty");
      llvm::Value* key = fromMemory(b_, b_.CreateLoad(memoryType(ctx_, kt), dictCall(kOpKeyAt, b_.getPtrTy(), {mi, ix})), kt);
      llvm::Value* v = load_value(ix);
      call_result_owned_ = holdsRefs(vt) || holdsRefs(kt);  // the dict's references pass to the result
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
      out = b_.CreateInsertValue(out, key, 0);
      return b_.CreateInsertValue(out, v, 1);
    }
    case BuiltinId::kDictKeys:
    case BuiltinId::kDictValues:
    case BuiltinId::kDictItems:
      return makeIter(recv, dt, result);
    case BuiltinId::kDictUpdate: {
      const typing::Type* ot = args[0]->type;
      if (!typing::dictComplete(ot)) return b_.getInt8(0);
      llvm::Value* other = b_.CreateExtractValue(value(args[0]), 0);
      llvm::Type* st = llvm::StructType::get(ctx_, std::vector<llvm::Type*>{b_.getInt64Ty()});
      llvm::AllocaInst* pos = entryAlloca(st, "pos");
      b_.CreateStore(b_.getInt64(0), b_.CreateStructGEP(st, pos, 0));
      llvm::BasicBlock* head = llvm::BasicBlock::Create(ctx_, "update", fn_);
      llvm::BasicBlock* body = llvm::BasicBlock::Create(ctx_, "update.item", fn_);
      llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "update.end", fn_);
      b_.CreateBr(head);
      b_.SetInsertPoint(head);
      llvm::Value* ix = dictCall(kOpNext, b_.getInt64Ty(), {other, b_.CreateLoad(b_.getInt64Ty(), b_.CreateStructGEP(st, pos, 0))});
      b_.CreateCondBr(b_.CreateICmpSGE(ix, b_.getInt64(0)), body, done);
      b_.SetInsertPoint(body);
      b_.CreateStore(b_.CreateAdd(ix, b_.getInt64(1)), b_.CreateStructGEP(st, pos, 0));
      const typing::Type* okt = ot->items[0];
      const typing::Type* ovt = ot->items[1];
      llvm::Value* ok = fromMemory(b_, b_.CreateLoad(memoryType(ctx_, okt), dictCall(kOpKeyAt, b_.getPtrTy(), {other, ix})), okt);
      llvm::Value* ovp = b_.CreateGEP(b_.getInt8Ty(), dictCall(kOpKeyAt, b_.getPtrTy(), {other, ix}),
                                      b_.CreateSub(dictHeader(dictData(other), kHdrValueOffset), b_.getInt64(kEntryHead)));
      llvm::Value* ov = fromMemory(b_, b_.CreateLoad(memoryType(ctx_, ovt), ovp), ovt);
      llvm::Value* kc = convert(b_, ok, okt, kt);
      llvm::AllocaInst* kslot = entryAlloca(slotType(ctx_, kt), "key");
      b_.CreateStore(toMemory(b_, kc, kt), kslot);
      dictStore(mi, DictKey{kslot, hashValue(kc, kt), kt}, convert(b_, ov, ovt, vt), vt);
      b_.CreateBr(head);
      b_.SetInsertPoint(done);
      return b_.getInt8(0);
    }
    case BuiltinId::kDictCopy: {
      llvm::Value* copy = dictCall(kOpCopy, b_.getPtrTy(), {mi});
      raiseIf(b_.CreateIsNull(copy), KILN_MEMORY_ERROR, "Allocation failed (out of memory copying a dict)");
      temps_.push_back(copy);
      if (holdsRefs(vt) || holdsRefs(kt)) {  // the copy's references to the keys and values
        llvm::Value* data = dictData(copy);
        llvm::Value* n = dictHeader(data, kHdrNentries);
        loop(n, [&](llvm::Value* ix) {
          llvm::Value* next = dictCall(kOpNext, b_.getInt64Ty(), {copy, ix});
          ifThen(b_.CreateICmpEQ(next, ix), [&]() {
            if (holdsRefs(kt))
              retain(fromMemory(b_, b_.CreateLoad(memoryType(ctx_, kt), dictCall(kOpKeyAt, b_.getPtrTy(), {copy, ix})), kt),
                     kt);
            if (holdsRefs(vt)) retain(fromMemory(b_, b_.CreateLoad(memoryType(ctx_, vt), dictValuePtr(copy, ix)), vt), vt);
          });
        });
      }
      return b_.CreateInsertValue(llvm::PoisonValue::get(valueType(ctx_, dt)), copy, 0);
    }
    case BuiltinId::kDictClear: {
      if (holdsRefs(vt) || holdsRefs(kt)) {
        llvm::Value* n = dictHeader(dictData(mi), kHdrNentries);
        loop(n, [&](llvm::Value* ix) {
          llvm::Value* next = dictCall(kOpNext, b_.getInt64Ty(), {mi, ix});
          ifThen(b_.CreateICmpEQ(next, ix), [&]() {
            releaseKeyAt(mi, ix, kt);
            if (holdsRefs(vt)) release(load_value(ix), vt);
          });
        });
      }
      dictCall(kOpClear, b_.getVoidTy(), {mi});
      return b_.getInt8(0);
    }
    default:
      break;
  }
  return llvm::PoisonValue::get(valueType(ctx_, result));
}

}  // namespace kiln::lowering
