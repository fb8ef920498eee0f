// Sets (typing/rules_sets.cpp): a set is a dict without values, so it is
// the dict's table (runtime/cpu/kiln_dict.h, through kiln_rt_hook's `dict`
// table) with the dict's hashing and key equality (lower_dicts.cpp); len,
// `in`, truth, iteration and memory are the dict's own code. Here: set(),
// the set's methods and its operators.
//
// Every operation between a set and another iterable walks the other one
// and looks its items up in (or stores them into) a set, converted to that
// set's item type (typing accepts only conversions that lose nothing), so
// no item is ever converted the lossy way. The table's data moves when it
// grows: items are read out of an entry before anything is inserted.
#include <cstddef>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/lowering/ownership.h"
#include "compiler/typing/rules.h"
#include "kiln_dict.h"
#include "kiln_rt.h"
#include "kiln_unicode.h"

namespace kiln::lowering {

using ir::Op;
using typing::Kind;

namespace {
// A function of KilnDictOps, as dictCall numbers them: its slot.
constexpr unsigned op(size_t offset) { return static_cast<unsigned>(offset / sizeof(void*)); }
constexpr unsigned kNew = op(offsetof(KilnDictOps, dict_new));
constexpr unsigned kLookup = op(offsetof(KilnDictOps, lookup));
constexpr unsigned kInsert = op(offsetof(KilnDictOps, insert));
constexpr unsigned kRemove = op(offsetof(KilnDictOps, remove));
constexpr unsigned kPopitem = op(offsetof(KilnDictOps, popitem));
constexpr unsigned kNext = op(offsetof(KilnDictOps, next));
constexpr unsigned kKeyAt = op(offsetof(KilnDictOps, key_at));
constexpr unsigned kClear = op(offsetof(KilnDictOps, clear));
constexpr unsigned kCopy = op(offsetof(KilnDictOps, copy));
constexpr unsigned kHdrUsed = offsetof(KilnDictHeader, used) / 8;
}  // namespace

// Items that hold references (strings): the table holds one per live item,
// taken when an item is stored and dropped when it is removed; the block's
// destructor drops those left.
llvm::Function* FunctionLowering::setDtor(const typing::Type* st) {
  const typing::Type* kt = st->items[0];
  if (!holdsRefs(kt)) return nullptr;
  std::string name = absl::StrCat("kiln.set.dtor.", kt->str());
  if (llvm::Function* f = mod_.getFunction(name)) return f;
  auto* f = llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy()}, false),
                                   llvm::Function::InternalLinkage, name, &mod_);
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  llvm::Function* saved_fn = fn_;
  fn_ = f;
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", f));
  llvm::Value* data = f->getArg(0);
  llvm::Value* n = dictHeader(data, offsetof(KilnDictHeader, nentries) / 8);
  llvm::Value* entries = b_.CreateGEP(
      b_.getInt8Ty(), data,
      b_.CreateAdd(b_.getInt64(sizeof(KilnDictHeader)),
                   b_.CreateMul(dictHeader(data, offsetof(KilnDictHeader, index_size) / 8), b_.getInt64(8))));
  llvm::Value* esize = dictHeader(data, offsetof(KilnDictHeader, entry_size) / 8);
  loop(n, [&](llvm::Value* ix) {
    llvm::Value* e = b_.CreateGEP(b_.getInt8Ty(), entries, b_.CreateMul(ix, esize));
    llvm::Value* live = b_.CreateLoad(b_.getInt64Ty(), b_.CreateConstGEP1_64(b_.getInt8Ty(), e, 8));
    ifThen(b_.CreateICmpNE(live, b_.getInt64(0)), [&]() {
      release(fromMemory(b_, b_.CreateLoad(memoryType(ctx_, kt), b_.CreateConstGEP1_64(b_.getInt8Ty(), e, 16)), kt), kt);
    });
  });
  b_.CreateRetVoid();
  fn_ = saved_fn;
  return f;
}

llvm::Value* FunctionLowering::setUnicodeCall(size_t offset, llvm::Type* ret, const std::vector<llvm::Value*>& args) {
  llvm::Value* fp = b_.CreateLoad(b_.getPtrTy(), b_.CreateConstGEP1_64(b_.getInt8Ty(), unicodeApi(), offset));
  std::vector<llvm::Type*> params;
  for (llvm::Value* a : args) params.push_back(a->getType());
  return b_.CreateCall(llvm::FunctionType::get(ret, params, false), fp, args);
}

llvm::Function* FunctionLowering::setEq(const typing::Type* kt) {
  if (kt->kind != Kind::kStr) return keyEq(kt);
  // Strings: the same code points (kiln_unicode.h eq on the items in place).
  const char* name = "kiln.set.eq.unicode_type";
  if (llvm::Function* f = mod_.getFunction(name)) return f;
  llvm::Type* ptr = b_.getPtrTy();
  auto* f = llvm::Function::Create(llvm::FunctionType::get(b_.getInt32Ty(), {ptr, ptr}, false),
                                   llvm::Function::InternalLinkage, name, &mod_);
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  llvm::Function* saved_fn = fn_;
  fn_ = f;
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", f));
  b_.CreateRet(setUnicodeCall(offsetof(KilnUnicodeApi, eq), b_.getInt32Ty(), {f->getArg(0), f->getArg(1)}));
  fn_ = saved_fn;
  return f;
}

llvm::Value* FunctionLowering::setNew(const typing::Type* st) {
  // No values: a set's entries are {hash, live, item}.
  llvm::PointerType* ptr = b_.getPtrTy();
  llvm::Function* dtor = setDtor(st);
  llvm::Value* mi = dictCall(kNew, ptr, {sizeOf(memoryType(ctx_, st->items[0])), b_.getInt64(0), b_.getInt64(8),
                                         dtor ? static_cast<llvm::Value*>(dtor) : llvm::ConstantPointerNull::get(ptr)});
  raiseIf(b_.CreateIsNull(mi), KILN_MEMORY_ERROR, "Allocation failed (out of memory allocating a set)");
  temps_.push_back(mi);  // the result takes it over (finishInstr), else it dies with the instruction
  return b_.CreateInsertValue(llvm::PoisonValue::get(valueType(ctx_, st)), mi, 0);
}

FunctionLowering::DictKey FunctionLowering::setItem(llvm::Value* x, const typing::Type* kt) {
  llvm::AllocaInst* slot = entryAlloca(memoryType(ctx_, kt), "set.item");
  b_.CreateStore(toMemory(b_, x, kt), slot);
  // Strings: CPython's hash (kiln_unicode.h), as the client hashes them.
  llvm::Value* hash = kt->kind == Kind::kStr ? setUnicodeCall(offsetof(KilnUnicodeApi, hash), b_.getInt64Ty(), {slot})
                                             : hashValue(x, kt);
  return DictKey{slot, hash, kt};
}

void FunctionLowering::setAdd(llvm::Value* mi, llvm::Value* x, const typing::Type* kt) {
  DictKey k = setItem(x, kt);
  llvm::AllocaInst* found = entryAlloca(b_.getInt64Ty(), "found");
  llvm::Value* ix = dictCall(kInsert, b_.getInt64Ty(), {mi, k.slot, k.hash, setEq(kt), found});
  raiseIf(b_.CreateICmpEQ(ix, b_.getInt64(-2)), KILN_MEMORY_ERROR, "Allocation failed (out of memory growing a set)");
  if (holdsRefs(kt))  // the table's reference to a new item
    ifThen(b_.CreateICmpEQ(b_.CreateLoad(b_.getInt64Ty(), found), b_.getInt64(0)), [&]() { retain(x, kt); });
}

llvm::Value* FunctionLowering::setFind(llvm::Value* mi, llvm::Value* x, const typing::Type* kt) {
  DictKey k = setItem(x, kt);
  return dictCall(kLookup, b_.getInt64Ty(), {mi, k.slot, k.hash, setEq(kt)});
}

llvm::Value* FunctionLowering::setRemove(llvm::Value* mi, llvm::Value* x, const typing::Type* kt) {
  DictKey k = setItem(x, kt);
  llvm::Value* ix = dictCall(kRemove, b_.getInt64Ty(), {mi, k.slot, k.hash, setEq(kt)});
  if (holdsRefs(kt))  // the table's reference to the item removed (its entry is still readable)
    ifThen(b_.CreateICmpSGE(ix, b_.getInt64(0)), [&]() { release(setItemAt(mi, ix, kt), kt); });
  return ix;
}

llvm::Value* FunctionLowering::setItemAt(llvm::Value* mi, llvm::Value* ix, const typing::Type* kt) {
  return fromMemory(b_, b_.CreateLoad(memoryType(ctx_, kt), dictCall(kKeyAt, b_.getPtrTy(), {mi, ix})), kt);
}

llvm::Value* FunctionLowering::setSize(llvm::Value* mi) { return dictHeader(dictData(mi), kHdrUsed); }

void FunctionLowering::setEach(llvm::Value* mi, const typing::Type* kt, const std::function<void(llvm::Value*)>& body) {
  llvm::AllocaInst* pos = entryAlloca(b_.getInt64Ty(), "set.pos");
  b_.CreateStore(b_.getInt64(0), pos);
  llvm::BasicBlock* head = llvm::BasicBlock::Create(ctx_, "set.each", fn_);
  llvm::BasicBlock* item = llvm::BasicBlock::Create(ctx_, "set.item", fn_);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "set.end", fn_);
  b_.CreateBr(head);
  b_.SetInsertPoint(head);
  llvm::Value* ix = dictCall(kNext, b_.getInt64Ty(), {mi, b_.CreateLoad(b_.getInt64Ty(), pos)});
  b_.CreateCondBr(b_.CreateICmpSGE(ix, b_.getInt64(0)), item, done);
  b_.SetInsertPoint(item);
  b_.CreateStore(b_.CreateAdd(ix, b_.getInt64(1)), pos);
  // Read before the body runs: an insert may move the entries.
  llvm::Value* x = fromMemory(b_, b_.CreateLoad(memoryType(ctx_, kt), dictCall(kKeyAt, b_.getPtrTy(), {mi, ix})), kt);
  body(x);
  b_.CreateBr(head);
  b_.SetInsertPoint(done);
}

void FunctionLowering::iterEach(llvm::Value* v, const typing::Type* t,
                                const std::function<void(llvm::Value*, const typing::Type*)>& body) {
  if (typing::isSet(t)) {
    setEach(b_.CreateExtractValue(v, 0), t->items[0], [&](llvm::Value* x) { body(x, t->items[0]); });
    return;
  }
  if (t->kind == Kind::kTuple) {  // each item with its own type ({1, 2.0})
    for (unsigned k = 0; k < t->items.size(); ++k) body(b_.CreateExtractValue(v, k), t->items[k]);
    return;
  }
  std::string why;
  const typing::Type* it = typing::iteratorOf(types(), t, &why);
  const typing::Type* from = typing::iterItem(types(), it);
  llvm::Value* state = makeIter(v, t, it);
  llvm::BasicBlock* head = llvm::BasicBlock::Create(ctx_, "iter.each", fn_);
  llvm::BasicBlock* item = llvm::BasicBlock::Create(ctx_, "iter.item", fn_);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "iter.end", fn_);
  b_.CreateBr(head);
  b_.SetInsertPoint(head);
  llvm::Value* x = nullptr;
  llvm::Value* more = iterNext(state, it, from, &x);
  b_.CreateCondBr(more, item, done);
  b_.SetInsertPoint(item);
  body(x, from);
  b_.CreateBr(head);
  b_.SetInsertPoint(done);
}

llvm::Value* FunctionLowering::setOfIterable(llvm::Value* v, const typing::Type* t, const typing::Type* st) {
  llvm::Value* out = setNew(st);
  llvm::Value* mi = b_.CreateExtractValue(out, 0);
  const typing::Type* kt = st->items[0];
  iterEach(v, t, [&](llvm::Value* x, const typing::Type* xt) { setAdd(mi, convert(b_, x, xt, kt), kt); });
  return out;
}

llvm::Value* FunctionLowering::setSubset(llvm::Value* a, const typing::Type* at, llvm::Value* b,
                                         const typing::Type* bt) {
  // a <= b: every item of a in b. Items are converted only where typing
  // allows (one way or the other); the other way round, count b's items
  // found in a: |a & b| == |a|.
  llvm::Value* ma = b_.CreateExtractValue(a, 0);
  llvm::Value* mb = b_.CreateExtractValue(b, 0);
  const typing::Type* x = at->items[0];
  const typing::Type* y = bt->items[0];
  llvm::AllocaInst* count = entryAlloca(b_.getInt64Ty(), "subset.count");
  b_.CreateStore(b_.getInt64(0), count);
  auto tally = [&](llvm::Value* found) {
    b_.CreateStore(b_.CreateAdd(b_.CreateLoad(b_.getInt64Ty(), count), b_.CreateZExt(found, b_.getInt64Ty())), count);
  };
  if (x->kind == Kind::kUnknown || y->kind == Kind::kUnknown) {
    // An untyped set is empty.
    return x->kind == Kind::kUnknown ? b_.getInt1(true) : b_.CreateICmpEQ(setSize(ma), b_.getInt64(0));
  }
  if (typing::dictSlotFits(types(), y, x)) {
    setEach(ma, x, [&](llvm::Value* v) {
      tally(b_.CreateICmpSGE(setFind(mb, convert(b_, v, x, y), y), b_.getInt64(0)));
    });
  } else {
    setEach(mb, y, [&](llvm::Value* v) {
      tally(b_.CreateICmpSGE(setFind(ma, convert(b_, v, y, x), x), b_.getInt64(0)));
    });
  }
  return b_.CreateICmpEQ(b_.CreateLoad(b_.getInt64Ty(), count), setSize(ma));
}

llvm::Value* FunctionLowering::setOperation(const std::string& name, llvm::Value* recv, const typing::Type* st,
                                            llvm::Value* other, const typing::Type* ot, const typing::Type* rt) {
  llvm::Value* mi = b_.CreateExtractValue(recv, 0);
  const typing::Type* kt = st->items[0];
  llvm::Type* i64 = b_.getInt64Ty();
  auto conv = [&](llvm::Value* x, const typing::Type* xt, const typing::Type* to) { return convert(b_, x, xt, to); };
  if (name == "update") {
    iterEach(other, ot, [&](llvm::Value* x, const typing::Type* xt) { setAdd(mi, conv(x, xt, kt), kt); });
    return b_.getInt8(0);
  }
  if (kt->kind == Kind::kUnknown) {  // set() never stored into: empty
    if (name == "union" || name == "symmetric_difference") return setOfIterable(other, ot, rt);
    if (name == "intersection" || name == "difference") return setNew(rt);
    if (name == "issubset") return b_.getInt1(true);
    if (name == "isdisjoint") return b_.getInt1(true);
    if (name == "issuperset") {
      llvm::AllocaInst* none = entryAlloca(b_.getInt1Ty(), "superset");
      b_.CreateStore(b_.getInt1(true), none);
      iterEach(other, ot, [&](llvm::Value*, const typing::Type*) { b_.CreateStore(b_.getInt1(false), none); });
      return b_.CreateLoad(b_.getInt1Ty(), none);
    }
    return b_.getInt8(0);
  }
  if (name == "difference_update") {
    iterEach(other, ot, [&](llvm::Value* x, const typing::Type* xt) { setRemove(mi, conv(x, xt, kt), kt); });
    return b_.getInt8(0);
  }
  if (name == "intersection_update") {
    // The items of other found here, then those of this set not among them go.
    llvm::Value* keep = b_.CreateExtractValue(setNew(st), 0);
    iterEach(other, ot, [&](llvm::Value* x, const typing::Type* xt) {
      llvm::Value* c = conv(x, xt, kt);
      ifThen(b_.CreateICmpSGE(setFind(mi, c, kt), b_.getInt64(0)), [&]() { setAdd(keep, c, kt); });
    });
    setEach(mi, kt, [&](llvm::Value* x) {
      ifThen(b_.CreateICmpSLT(setFind(keep, x, kt), b_.getInt64(0)), [&]() { setRemove(mi, x, kt); });
    });
    return b_.getInt8(0);
  }
  if (name == "symmetric_difference_update") {
    // Other's distinct items (a set of them first: [1, 1] toggles 1 once).
    llvm::Value* tmp = b_.CreateExtractValue(setOfIterable(other, ot, st), 0);
    setEach(tmp, kt, [&](llvm::Value* x) {
      ifThen(b_.CreateICmpSLT(setRemove(mi, x, kt), b_.getInt64(0)), [&]() { setAdd(mi, x, kt); });
    });
    return b_.getInt8(0);
  }
  if (name == "union") {
    const typing::Type* u = rt->items[0];
    llvm::Value* out = setOfIterable(recv, st, rt);
    llvm::Value* mo = b_.CreateExtractValue(out, 0);
    iterEach(other, ot, [&](llvm::Value* x, const typing::Type* xt) { setAdd(mo, conv(x, xt, u), u); });
    return out;
  }
  if (name == "symmetric_difference") {
    const typing::Type* u = rt->items[0];
    llvm::Value* out = setOfIterable(recv, st, rt);
    llvm::Value* mo = b_.CreateExtractValue(out, 0);
    llvm::Value* tmp = b_.CreateExtractValue(setOfIterable(other, ot, rt), 0);
    setEach(tmp, u, [&](llvm::Value* x) {
      ifThen(b_.CreateICmpSLT(setRemove(mo, x, u), b_.getInt64(0)), [&]() { setAdd(mo, x, u); });
    });
    return out;
  }
  if (name == "intersection") {
    // Walks the smaller side when both are sets of one type, as CPython.
    llvm::Value* out = setNew(rt);
    llvm::Value* mo = b_.CreateExtractValue(out, 0);
    iterEach(other, ot, [&](llvm::Value* x, const typing::Type* xt) {
      llvm::Value* c = conv(x, xt, kt);
      ifThen(b_.CreateICmpSGE(setFind(mi, c, kt), b_.getInt64(0)), [&]() { setAdd(mo, c, kt); });
    });
    return out;
  }
  if (name == "difference") {
    llvm::Value* out = setOfIterable(recv, st, rt);
    llvm::Value* mo = b_.CreateExtractValue(out, 0);
    iterEach(other, ot, [&](llvm::Value* x, const typing::Type* xt) { setRemove(mo, conv(x, xt, kt), kt); });
    return out;
  }
  if (name == "issuperset" || name == "isdisjoint") {
    // issuperset: every item of other here; isdisjoint: none.
    llvm::AllocaInst* ok = entryAlloca(b_.getInt1Ty(), "set.all");
    b_.CreateStore(b_.getInt1(true), ok);
    iterEach(other, ot, [&](llvm::Value* x, const typing::Type* xt) {
      llvm::Value* found = b_.CreateICmpSGE(setFind(mi, conv(x, xt, kt), kt), b_.getInt64(0));
      llvm::Value* good = name == "issuperset" ? found : b_.CreateNot(found);
      b_.CreateStore(b_.CreateAnd(b_.CreateLoad(b_.getInt1Ty(), ok), good), ok);
    });
    return b_.CreateLoad(b_.getInt1Ty(), ok);
  }
  if (name == "issubset") {
    // Other as a set of this set's items, then every item here in it.
    llvm::Value* tmp = b_.CreateExtractValue(setOfIterable(other, ot, st), 0);
    llvm::AllocaInst* ok = entryAlloca(b_.getInt1Ty(), "set.all");
    b_.CreateStore(b_.getInt1(true), ok);
    setEach(mi, kt, [&](llvm::Value* x) {
      llvm::Value* found = b_.CreateICmpSGE(setFind(tmp, x, kt), b_.getInt64(0));
      b_.CreateStore(b_.CreateAnd(b_.CreateLoad(b_.getInt1Ty(), ok), found), ok);
    });
    return b_.CreateLoad(b_.getInt1Ty(), ok);
  }
  (void)i64;
  return llvm::PoisonValue::get(valueType(ctx_, rt));
}

llvm::Value* FunctionLowering::setMethod(const ir::Instr& i, const typing::Type* st, llvm::Value* recv,
                                         const std::string& name) {
  const typing::Type* rt = i.result ? i.result->type : nullptr;
  const typing::Type* kt = st->items[0];
  llvm::Value* mi = b_.CreateExtractValue(recv, 0);
  const ir::Value* a0 = i.operands.size() > 1 ? i.operands[1] : nullptr;
  if (name == "add") {
    const typing::Type* xt = a0->type;
    if (xt->isInteger() && kt->isInteger() && xt != kt) {  // typing: converted if it fits
      llvm::Value* x = value(a0);
      llvm::Value* y = convert(b_, x, xt, kt);
      llvm::Value* fits = b_.CreateICmpEQ(convert(b_, y, kt, xt), x);
      if (xt->is_signed != kt->is_signed)  // the sign survives too
        fits = b_.CreateAnd(fits, b_.CreateICmpSGE(xt->is_signed ? x : y,
                                                   llvm::ConstantInt::get(xt->is_signed ? x->getType() : y->getType(), 0)));
      raiseIf(b_.CreateNot(fits), KILN_OVERFLOW_ERROR,
              absl::StrCat("set.add(): the ", xt->str(), " value does not fit the set's ", kt->str(), " items"));
      setAdd(mi, y, kt);
      return b_.getInt8(0);
    }
    setAdd(mi, converted(a0, kt), kt);
    return b_.getInt8(0);
  }
  if (name == "discard" || name == "remove") {
    if (kt->kind == Kind::kUnknown) {  // an empty set
      if (name == "remove") keyErrorIf(b_.getInt1(true), a0, a0->type);
      return b_.getInt8(0);
    }
    llvm::Value* ix = setRemove(mi, converted(a0, kt), kt);
    if (name == "remove") keyErrorIf(b_.CreateICmpSLT(ix, b_.getInt64(0)), a0, kt);
    return b_.getInt8(0);
  }
  if (name == "pop") {
    llvm::Value* ix = dictCall(kPopitem, b_.getInt64Ty(), {mi});
    raiseIf(b_.CreateICmpSLT(ix, b_.getInt64(0)), KILN_KEY_ERROR, "'pop from an empty set'");
    call_result_owned_ = holdsRefs(kt);  // the table's reference passes to the result
    return setItemAt(mi, ix, kt);
  }
  if (name == "clear") {
    if (holdsRefs(kt)) setEach(mi, kt, [&](llvm::Value* x) { release(x, kt); });
    dictCall(kClear, b_.getVoidTy(), {mi});
    return b_.getInt8(0);
  }
  if (name == "copy") {
    llvm::Value* copy = dictCall(kCopy, b_.getPtrTy(), {mi});
    raiseIf(b_.CreateIsNull(copy), KILN_MEMORY_ERROR, "Allocation failed (out of memory copying a set)");
    temps_.push_back(copy);
    if (holdsRefs(kt)) setEach(copy, kt, [&](llvm::Value* x) { retain(x, kt); });  // the copy's references
    return b_.CreateInsertValue(llvm::PoisonValue::get(valueType(ctx_, rt)), copy, 0);
  }
  return setOperation(name, recv, st, value(a0), a0->type, rt);
}

absl::StatusOr<bool> FunctionLowering::lowerSet(const ir::Instr& i, llvm::Value** v) {
  const typing::Type* rt = i.result ? i.result->type : nullptr;
  auto operandType = [&](size_t k) { return k < i.operands.size() ? i.operands[k]->type : nullptr; };
  const typing::Type* t0 = operandType(0);
  const typing::Type* t1 = operandType(1);
  // The other ops on sets are the dict's (lower.cpp): no switch here.
  if (i.op == Op::kGetAttr) {
    if (!typing::isSet(t0) || rt->kind != Kind::kBoundMethod) return false;
    *v = value(i.operands[0]);  // a bound method is its receiver
    return true;
  }
  if (i.op == Op::kCall) {
    {
      if (t0->kind == Kind::kBoundMethod && typing::isSet(t0->items[0])) {
        *v = setMethod(i, t0->items[0], value(i.operands[0]), t0->name);
        return true;
      }
      if (t0->kind != Kind::kBuiltin || (t0->name != "set" && t0->name != "bool")) return false;
      std::vector<const typing::Type*> args;
      for (size_t k = 1; k < i.operands.size(); ++k) args.push_back(i.operands[k]->type);
      if (!typing::setBuiltinCall(types(), t0->name, args, i.kwnames)) return false;
      if (t0->name == "bool") {
        *v = b_.CreateICmpNE(setSize(b_.CreateExtractValue(value(i.operands[1]), 0)), b_.getInt64(0));
        return true;
      }
      *v = i.operands.size() == 1 ? setNew(rt) : setOfIterable(value(i.operands[1]), t1, rt);
      return true;
    }
  }
  if (i.op == Op::kBinOp) {
    {
      if (!typing::isSet(t0) && !typing::isSet(t1)) return false;
      static const struct {
        ir::BinaryOp op;
        const char* method;
        const char* inplace;
      } kOps[] = {{ir::BinaryOp::kOr, "union", "update"},
                  {ir::BinaryOp::kAnd, "intersection", "intersection_update"},
                  {ir::BinaryOp::kSub, "difference", "difference_update"},
                  {ir::BinaryOp::kXor, "symmetric_difference", "symmetric_difference_update"}};
      for (const auto& o : kOps) {
        if (o.op != i.binary_op) continue;
        llvm::Value* a = value(i.operands[0]);
        if (i.inplace) {
          setOperation(o.inplace, a, t0, value(i.operands[1]), t1, t0);
          *v = a;  // s |= t gives s back
        } else {
          *v = setOperation(o.method, a, t0, value(i.operands[1]), t1, rt);
        }
        return true;
      }
      return absl::InternalError("a set operator typing does not accept reached lowering");
    }
  }
  if (i.op == Op::kCompare && typing::isSet(t1) &&
      (i.compare_op == ir::CompareOp::kIn || i.compare_op == ir::CompareOp::kNotIn)) {
    const typing::Type* kt = t1->items[0];
    if (kt->kind == Kind::kUnknown) {  // set() never stored into: empty
      *v = b_.getInt1(i.compare_op == ir::CompareOp::kNotIn);
      return true;
    }
    llvm::Value* found =
        b_.CreateICmpSGE(setFind(b_.CreateExtractValue(value(i.operands[1]), 0), converted(i.operands[0], kt), kt),
                         b_.getInt64(0));
    *v = i.compare_op == ir::CompareOp::kIn ? found : b_.CreateNot(found);
    return true;
  }
  if (i.op == Op::kCompare && (typing::isSet(t0) || typing::isSet(t1)) &&
      (i.compare_op == ir::CompareOp::kIs || i.compare_op == ir::CompareOp::kIsNot) &&
      !(typing::isSet(t0) && typing::isSet(t1))) {
    *v = b_.getInt1(i.compare_op == ir::CompareOp::kIsNot);  // a set is no other value (s is None)
    return true;
  }
  if (i.op == Op::kCompare) {
    {
      if (!typing::isSet(t0) || !typing::isSet(t1) || i.compare_op == ir::CompareOp::kIn ||
          i.compare_op == ir::CompareOp::kNotIn)
        return false;
      llvm::Value* a = value(i.operands[0]);
      llvm::Value* b = value(i.operands[1]);
      llvm::Value* na = setSize(b_.CreateExtractValue(a, 0));
      llvm::Value* nb = setSize(b_.CreateExtractValue(b, 0));
      switch (i.compare_op) {
        case ir::CompareOp::kIs:
        case ir::CompareOp::kIsNot: {
          llvm::Value* same = b_.CreateICmpEQ(b_.CreateExtractValue(a, 0), b_.CreateExtractValue(b, 0));
          *v = i.compare_op == ir::CompareOp::kIs ? same : b_.CreateNot(same);
          return true;
        }
        case ir::CompareOp::kEq:
        case ir::CompareOp::kNe: {
          // Equal sizes first: the walk only when they match.
          llvm::AllocaInst* eq = entryAlloca(b_.getInt1Ty(), "set.eq");
          llvm::Value* same_size = b_.CreateICmpEQ(na, nb);
          b_.CreateStore(same_size, eq);
          ifThen(same_size, [&]() { b_.CreateStore(setSubset(a, t0, b, t1), eq); });
          llvm::Value* r = b_.CreateLoad(b_.getInt1Ty(), eq);
          *v = i.compare_op == ir::CompareOp::kEq ? r : b_.CreateNot(r);
          return true;
        }
        case ir::CompareOp::kLe:
          *v = setSubset(a, t0, b, t1);
          return true;
        case ir::CompareOp::kLt:
          *v = b_.CreateAnd(b_.CreateICmpSLT(na, nb), setSubset(a, t0, b, t1));
          return true;
        case ir::CompareOp::kGe:
          *v = setSubset(b, t1, a, t0);
          return true;
        case ir::CompareOp::kGt:
          *v = b_.CreateAnd(b_.CreateICmpSGT(na, nb), setSubset(b, t1, a, t0));
          return true;
        case ir::CompareOp::kIn:
        case ir::CompareOp::kNotIn:
          break;
      }
      return false;
    }
  }
  return false;
}

}  // namespace kiln::lowering
