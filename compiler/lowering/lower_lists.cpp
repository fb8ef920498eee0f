// Lists: Python's list as a reference-counted growable buffer.
//
// A list value is {ptr meminfo} (kiln_rt.h); the block's data is
//   { i64 size; i64 capacity; item[capacity] }
// with the items in memory form (data_model.h). The block's destructor
// (one per item type holding references, made here) drops the references
// its items hold. Growing moves the data (kiln_mi_resize), so the data
// pointer is loaded again after anything that may grow the list.
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

using ir::Op;
using typing::Kind;

namespace {

constexpr int64_t kHeader = 16;  // {size, capacity}
constexpr unsigned kMiData = 2;  // KilnMemInfo: {refcount, allocator, data, ...}

bool isList(const typing::Type* t) { return t != nullptr && t->kind == Kind::kList; }

llvm::Value* sizeOf(llvm::Type* t) {
  return llvm::ConstantExpr::getSizeOf(t);  // i64, folded once the data layout is known
}

}  // namespace

llvm::Value* FunctionLowering::listSize(llvm::Value* lst) {
  llvm::Value* mi = b_.CreateExtractValue(lst, 0);
  llvm::Type* mt = llvm::StructType::get(ctx_, {b_.getInt64Ty(), b_.getPtrTy(), b_.getPtrTy()});
  llvm::Value* data = b_.CreateLoad(b_.getPtrTy(), b_.CreateStructGEP(mt, mi, kMiData), "list.data");
  return b_.CreateLoad(b_.getInt64Ty(), data, "list.size");
}

namespace {
llvm::Value* dataOf(llvm::IRBuilder<>& b, llvm::Value* lst) {
  llvm::Value* mi = b.CreateExtractValue(lst, 0);
  llvm::Type* mt = llvm::StructType::get(b.getContext(), {b.getInt64Ty(), b.getPtrTy(), b.getPtrTy()});
  return b.CreateLoad(b.getPtrTy(), b.CreateStructGEP(mt, mi, kMiData), "list.data");
}
}  // namespace

llvm::Value* FunctionLowering::checkedBytes(llvm::Value* count, llvm::Type* item) {
  // header + count * size, MemoryError when it overflows (or count < 0).
  llvm::Function* mul = intrinsic(llvm::Intrinsic::umul_with_overflow, b_.getInt64Ty());
  llvm::Value* prod = b_.CreateCall(mul, {count, sizeOf(item)});
  llvm::Value* bytes = b_.CreateAdd(b_.CreateExtractValue(prod, 0), b_.getInt64(kHeader));
  llvm::Value* bad = b_.CreateOr(b_.CreateExtractValue(prod, 1),
                                 b_.CreateICmpSLT(bytes, b_.getInt64(kHeader)));
  raiseIf(bad, KILN_MEMORY_ERROR, "cannot allocate a list this large");
  return bytes;
}

void FunctionLowering::listSetSize(llvm::Value* lst, llvm::Value* n) { b_.CreateStore(n, dataOf(b_, lst)); }

llvm::Value* FunctionLowering::listItemPtr(llvm::Value* lst, const typing::Type* lt, llvm::Value* k) {
  llvm::Value* items = b_.CreateConstGEP1_64(b_.getInt8Ty(), dataOf(b_, lst), kHeader);
  return b_.CreateGEP(memoryType(ctx_, lt->items[0]), items, k);
}

llvm::Value* FunctionLowering::listGet(llvm::Value* lst, const typing::Type* lt, llvm::Value* k) {
  const typing::Type* item = lt->items[0];
  return fromMemory(b_, b_.CreateLoad(memoryType(ctx_, item), listItemPtr(lst, lt, k)), item);
}

void FunctionLowering::listPut(llvm::Value* lst, const typing::Type* lt, llvm::Value* k, llvm::Value* v) {
  const typing::Type* item = lt->items[0];
  retain(v, item);
  b_.CreateStore(toMemory(b_, v, item), listItemPtr(lst, lt, k));
}

llvm::Value* FunctionLowering::listNew(const typing::Type* lt, llvm::Value* cap, llvm::Value* size) {
  const typing::Type* item = lt->items[0];
  llvm::Type* mem = memoryType(ctx_, item);
  // The destructor drops the references the items hold (none for numbers).
  llvm::Function* dtor = nullptr;
  if (holdsRefs(item)) {
    std::string name = absl::StrCat("kiln.list.dtor.", item->str());
    dtor = mod_.getFunction(name);
    if (dtor == nullptr) {
      dtor = llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy()}, false),
                                    llvm::Function::InternalLinkage, name, &mod_);
      llvm::IRBuilderBase::InsertPointGuard guard(b_);
      llvm::Function* saved = fn_;
      fn_ = dtor;
      b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", dtor));
      llvm::Value* data = dtor->getArg(0);
      llvm::Value* n = b_.CreateLoad(b_.getInt64Ty(), data);
      llvm::Value* items = b_.CreateConstGEP1_64(b_.getInt8Ty(), data, kHeader);
      loop(n, [&](llvm::Value* k) {
        release(fromMemory(b_, b_.CreateLoad(mem, b_.CreateGEP(mem, items, k)), item), item);
      });
      b_.CreateRetVoid();
      fn_ = saved;
    }
  }
  llvm::Value* bytes = checkedBytes(cap, mem);
  llvm::Value* data = nullptr;
  llvm::Value* mi = allocObject(bytes, dtor, &data);
  temps_.push_back(mi);
  llvm::Value* lst = b_.CreateInsertValue(llvm::PoisonValue::get(valueType(ctx_, lt)), mi, 0);
  // Through the meminfo, as every later access: the returned data pointer
  // is noalias, so stores through it alone would look dead to LLVM.
  llvm::Value* at = dataOf(b_, lst);
  b_.CreateStore(size, at);
  b_.CreateStore(cap, b_.CreateConstGEP1_64(b_.getInt8Ty(), at, 8));
  return lst;
}

void FunctionLowering::listReserve(llvm::Value* lst, const typing::Type* lt, llvm::Value* need) {
  llvm::Value* data = dataOf(b_, lst);
  llvm::Value* cap = b_.CreateLoad(b_.getInt64Ty(), b_.CreateConstGEP1_64(b_.getInt8Ty(), data, 8));
  ifThen(b_.CreateICmpSGT(need, cap), [&]() {
    // Over-allocate as CPython does, so n appends cost O(n).
    llvm::Value* grown = b_.CreateAdd(need, b_.CreateAdd(b_.CreateLShr(need, 3), b_.getInt64(6)));
    llvm::Value* doubled = b_.CreateShl(cap, 1);
    llvm::Value* ncap = b_.CreateSelect(b_.CreateICmpSGT(doubled, grown), doubled, grown);
    llvm::Value* bytes = checkedBytes(ncap, memoryType(ctx_, lt->items[0]));
    llvm::Value* fresh = resizeObject(b_.CreateExtractValue(lst, 0), bytes);
    b_.CreateStore(ncap, b_.CreateConstGEP1_64(b_.getInt8Ty(), fresh, 8));
  });
}

void FunctionLowering::listExtend(llvm::Value* lst, const typing::Type* lt, llvm::Value* src,
                                  const typing::Type* st) {
  const typing::Type* item = lt->items[0];
  if (isList(st)) {
    llvm::Value* n = listSize(lst);
    llvm::Value* m = listSize(src);  // read once: lst.extend(lst) doubles it
    listReserve(lst, lt, b_.CreateAdd(n, m));
    loop(m, [&](llvm::Value* k) {
      llvm::Value* x = convert(b_, listGet(src, st, k), st->items[0], item);
      listPut(lst, lt, b_.CreateAdd(n, k), x);
    });
    listSetSize(lst, b_.CreateAdd(n, m));
    return;
  }
  if (st->kind == Kind::kTuple) {  // its items, each converted
    llvm::Value* n = listSize(lst);
    int64_t m = static_cast<int64_t>(st->items.size());
    listReserve(lst, lt, b_.CreateAdd(n, b_.getInt64(m)));
    for (unsigned k = 0; k < st->items.size(); ++k)
      listPut(lst, lt, b_.CreateAdd(n, b_.getInt64(k)), convert(b_, b_.CreateExtractValue(src, k), st->items[k], item));
    listSetSize(lst, b_.CreateAdd(n, b_.getInt64(m)));
    return;
  }
  iterEach(src, st, [&](llvm::Value* x, const typing::Type* from) {  // any other iterable, item by item
    llvm::Value* n = listSize(lst);
    listReserve(lst, lt, b_.CreateAdd(n, b_.getInt64(1)));
    listPut(lst, lt, n, convert(b_, x, from, item));
    listSetSize(lst, b_.CreateAdd(n, b_.getInt64(1)));
  });
}

llvm::Value* FunctionLowering::itemsEqual(llvm::Value* a, const typing::Type* ta, llvm::Value* b,
                                          const typing::Type* tb) {
  if (ta->isNumber() && tb->isNumber()) {
    const typing::Type* ct = typing::compareOperandType(types(), ta, tb);
    return compareValues(ir::CompareOp::kEq, convert(b_, a, ta, ct), convert(b_, b, tb, ct), ct);
  }
  if (ta->kind == Kind::kStr && tb->kind == Kind::kStr) return strCompareValues(ir::CompareOp::kEq, a, b);
  if (ta->kind == Kind::kTuple && tb->kind == Kind::kTuple) {
    if (ta->items.size() != tb->items.size()) return b_.getInt1(false);
    llvm::Value* eq = b_.getInt1(true);
    for (unsigned k = 0; k < ta->items.size(); ++k)
      eq = b_.CreateAnd(eq, itemsEqual(b_.CreateExtractValue(a, k), ta->items[k], b_.CreateExtractValue(b, k),
                                       tb->items[k]));
    return eq;
  }
  if (isList(ta) && isList(tb)) {
    llvm::Value* n = listSize(a);
    llvm::AllocaInst* eq = entryAlloca(b_.getInt1Ty(), "list.eq");
    b_.CreateStore(b_.CreateICmpEQ(n, listSize(b)), eq);
    ifThen(b_.CreateLoad(b_.getInt1Ty(), eq), [&]() {
      loop(n, [&](llvm::Value* k) {
        llvm::Value* same = itemsEqual(listGet(a, ta, k), ta->items[0], listGet(b, tb, k), tb->items[0]);
        b_.CreateStore(b_.CreateAnd(b_.CreateLoad(b_.getInt1Ty(), eq), same), eq);
      });
    });
    return b_.CreateLoad(b_.getInt1Ty(), eq);
  }
  return b_.getInt1(false);  // typing allows no other pair
}

llvm::Value* FunctionLowering::itemLess(llvm::Value* a, llvm::Value* b, const typing::Type* t) {
  if (t->isNumber()) return compareValues(ir::CompareOp::kLt, a, b, t);
  if (t->kind == Kind::kStr) return strCompareValues(ir::CompareOp::kLt, a, b);
  // Tuples: lexicographic, as Python (the first unequal pair decides).
  llvm::Value* less = b_.getInt1(false);
  llvm::Value* equal_so_far = b_.getInt1(true);
  for (unsigned k = 0; k < t->items.size(); ++k) {
    llvm::Value* x = b_.CreateExtractValue(a, k);
    llvm::Value* y = b_.CreateExtractValue(b, k);
    llvm::Value* lt = itemLess(x, y, t->items[k]);
    llvm::Value* eq = itemsEqual(x, t->items[k], y, t->items[k]);
    less = b_.CreateOr(less, b_.CreateAnd(equal_so_far, lt));
    equal_so_far = b_.CreateAnd(equal_so_far, eq);
  }
  return less;
}

void FunctionLowering::listSort(llvm::Value* lst, const typing::Type* lt, llvm::Value* reverse) {
  // libc's qsort with a comparator made per item type and direction.
  const typing::Type* item = lt->items[0];
  llvm::Type* mem = memoryType(ctx_, item);
  auto comparator = [&](bool descending) {
    std::string name = absl::StrCat("kiln.list.cmp.", descending ? "desc." : "asc.", item->str());
    if (llvm::Function* f = mod_.getFunction(name)) return f;
    llvm::Function* f =
        llvm::Function::Create(llvm::FunctionType::get(b_.getInt32Ty(), {b_.getPtrTy(), b_.getPtrTy()}, false),
                               llvm::Function::InternalLinkage, name, &mod_);
    llvm::IRBuilderBase::InsertPointGuard guard(b_);
    llvm::Function* saved = fn_;
    llvm::BasicBlock* saved_allocas = alloca_block_;  // strings2: comparing strings spills them
    fn_ = f;
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", f));
    alloca_block_ = b_.GetInsertBlock();
    llvm::Value* x = fromMemory(b_, b_.CreateLoad(mem, f->getArg(descending ? 1 : 0)), item);
    llvm::Value* y = fromMemory(b_, b_.CreateLoad(mem, f->getArg(descending ? 0 : 1)), item);
    llvm::Value* lt = itemLess(x, y, item);
    llvm::Value* gt = itemLess(y, x, item);
    b_.CreateRet(b_.CreateSelect(lt, b_.getInt32(-1), b_.CreateSelect(gt, b_.getInt32(1), b_.getInt32(0))));
    fn_ = saved;
    alloca_block_ = saved_allocas;
    return f;
  };
  llvm::Function* asc = comparator(false);
  llvm::Function* desc = comparator(true);
  llvm::FunctionCallee qsort = mod_.getOrInsertFunction(
      "qsort", llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy(), b_.getInt64Ty(), b_.getInt64Ty(), b_.getPtrTy()},
                                       false));
  llvm::Value* cmp = reverse ? b_.CreateSelect(reverse, desc, asc) : static_cast<llvm::Value*>(asc);
  b_.CreateCall(qsort, {listItemPtr(lst, lt, b_.getInt64(0)), listSize(lst), sizeOf(mem), cmp});
}

namespace {

// Python's slice.indices(n): start, step and the number of items selected.
struct SliceRange {
  llvm::Value *start, *step, *count;
};

}  // namespace

static SliceRange sliceRange(FunctionLowering& fl, llvm::Value* slice, llvm::Value* n) {
  llvm::IRBuilder<>& b = fl.builder();
  llvm::Value* start = b.CreateExtractValue(slice, 0);
  llvm::Value* stop = b.CreateExtractValue(slice, 1);
  llvm::Value* step = b.CreateExtractValue(slice, 2);
  fl.raiseIf(b.CreateICmpEQ(step, b.getInt64(0)), KILN_VALUE_ERROR, "slice step cannot be zero");
  llvm::Value* neg = b.CreateICmpSLT(step, b.getInt64(0));
  llvm::Value* omitted = b.getInt64(INT64_MIN);
  auto adjust = [&](llvm::Value* x, llvm::Value* dflt) {
    llvm::Value* lo = b.CreateSelect(neg, b.getInt64(-1), b.getInt64(0));
    llvm::Value* hi = b.CreateSelect(neg, b.CreateSub(n, b.getInt64(1)), n);
    llvm::Value* wrapped = b.CreateSelect(b.CreateICmpSLT(x, b.getInt64(0)), b.CreateAdd(x, n), x);
    llvm::Value* clamped = b.CreateSelect(b.CreateICmpSLT(wrapped, b.getInt64(0)), lo,
                                          b.CreateSelect(b.CreateICmpSGE(wrapped, n), hi, wrapped));
    return b.CreateSelect(b.CreateICmpEQ(x, omitted), dflt, clamped);
  };
  llvm::Value* s = adjust(start, b.CreateSelect(neg, b.CreateSub(n, b.getInt64(1)), b.getInt64(0)));
  llvm::Value* e = adjust(stop, b.CreateSelect(neg, b.getInt64(-1), n));
  // count = step > 0 ? (e > s ? (e - s - 1) / step + 1 : 0) : (s > e ? (s - e - 1) / -step + 1 : 0)
  llvm::Value* span = b.CreateSelect(neg, b.CreateSub(s, e), b.CreateSub(e, s));
  llvm::Value* astep = b.CreateSelect(neg, b.CreateNeg(step), step);
  llvm::Value* count = b.CreateSelect(b.CreateICmpSGT(span, b.getInt64(0)),
                                      b.CreateAdd(b.CreateSDiv(b.CreateSub(span, b.getInt64(1)), astep), b.getInt64(1)),
                                      b.getInt64(0));
  return {s, step, count};
}

// Moves items [from, n) of a list to start at `to` (memmove: overlapping).
static void shiftItems(FunctionLowering& fl, llvm::Value* lst, const typing::Type* lt, llvm::Value* from,
                       llvm::Value* to, llvm::Value* n) {
  llvm::IRBuilder<>& b = fl.builder();
  llvm::Value* bytes = b.CreateMul(b.CreateSub(n, from), sizeOf(memoryType(fl.ctx(), lt->items[0])));
  b.CreateMemMove(fl.listItemPtr(lst, lt, to), llvm::MaybeAlign(8), fl.listItemPtr(lst, lt, from),
                  llvm::MaybeAlign(8), bytes);
}

llvm::Value* FunctionLowering::listMethod(const ir::Instr& i, const typing::Type* lt, llvm::Value* lst,
                                          const std::string& name) {
  const typing::Type* item = lt->items[0];
  const size_t npos = i.operands.size() - 1 - i.kwnames.size();
  auto arg = [&](size_t k) { return i.operands[1 + k]; };
  llvm::Value* none = b_.getInt8(0);
  llvm::Type* i64 = b_.getInt64Ty();
  // The index of the first item equal to x in [lo, hi), or -1.
  auto find = [&](const ir::Value* x, llvm::Value* lo, llvm::Value* hi) {
    llvm::AllocaInst* at = entryAlloca(i64, "list.found");
    b_.CreateStore(b_.getInt64(-1), at);
    llvm::Value* xv = value(x);
    llvm::Value* count = b_.CreateSub(hi, lo);
    loop(b_.CreateSelect(b_.CreateICmpSGT(count, b_.getInt64(0)), count, b_.getInt64(0)), [&](llvm::Value* k) {
      llvm::Value* j = b_.CreateAdd(lo, k);
      llvm::Value* hit = b_.CreateAnd(b_.CreateICmpSLT(b_.CreateLoad(i64, at), b_.getInt64(0)),
                                      itemsEqual(listGet(lst, lt, j), item, xv, x->type));
      b_.CreateStore(b_.CreateSelect(hit, j, b_.CreateLoad(i64, at)), at);
    });
    return b_.CreateLoad(i64, at);
  };
  // Removes item k (its reference is the caller's now).
  auto removeAt = [&](llvm::Value* k) {
    llvm::Value* n = listSize(lst);
    shiftItems(*this, lst, lt, b_.CreateAdd(k, b_.getInt64(1)), k, n);
    listSetSize(lst, b_.CreateSub(n, b_.getInt64(1)));
  };
  auto clampIndex = [&](llvm::Value* k, llvm::Value* n) {  // as list.index's start/stop
    llvm::Value* w = b_.CreateSelect(b_.CreateICmpSLT(k, b_.getInt64(0)), b_.CreateAdd(k, n), k);
    w = b_.CreateSelect(b_.CreateICmpSLT(w, b_.getInt64(0)), b_.getInt64(0), w);
    return b_.CreateSelect(b_.CreateICmpSGT(w, n), n, w);
  };
  if (name == "append") {
    llvm::Value* n = listSize(lst);
    listReserve(lst, lt, b_.CreateAdd(n, b_.getInt64(1)));
    listPut(lst, lt, n, converted(arg(0), item));
    listSetSize(lst, b_.CreateAdd(n, b_.getInt64(1)));
    return none;
  }
  if (name == "extend") {
    listExtend(lst, lt, value(arg(0)), arg(0)->type);
    return none;
  }
  if (name == "insert") {
    llvm::Value* n = listSize(lst);
    llvm::Value* k = clampIndex(converted(arg(0), types().integer(64, true)), n);
    listReserve(lst, lt, b_.CreateAdd(n, b_.getInt64(1)));
    shiftItems(*this, lst, lt, k, b_.CreateAdd(k, b_.getInt64(1)), n);
    listPut(lst, lt, k, converted(arg(1), item));
    listSetSize(lst, b_.CreateAdd(n, b_.getInt64(1)));
    return none;
  }
  if (name == "pop") {
    llvm::Value* n = listSize(lst);
    raiseIf(b_.CreateICmpEQ(n, b_.getInt64(0)), KILN_INDEX_ERROR, "pop from empty list");
    llvm::Value* k = npos == 1 ? converted(arg(0), types().integer(64, true)) : b_.getInt64(-1);
    k = b_.CreateSelect(b_.CreateICmpSLT(k, b_.getInt64(0)), b_.CreateAdd(k, n), k);
    raiseIf(b_.CreateICmpUGE(k, n), KILN_INDEX_ERROR, "pop index out of range");
    llvm::Value* out = listGet(lst, lt, k);
    removeAt(k);
    // The list's reference goes to the result: released once the result
    // has taken its own (finishInstr), as a temporary of this instruction.
    std::function<void(llvm::Value*, const typing::Type*)> adopt = [&](llvm::Value* x, const typing::Type* t) {
      // Each of these has its meminfo first (data_model.h); recown: a record too.
      if (t->kind == Kind::kArray || t->kind == Kind::kList || t->kind == Kind::kStr || t->kind == Kind::kRecord ||
          t->kind == Kind::kDict) {
        temps_.push_back(b_.CreateExtractValue(x, 0));
      } else if (t->kind == Kind::kTuple) {
        for (unsigned k = 0; k < t->items.size(); ++k) adopt(b_.CreateExtractValue(x, k), t->items[k]);
      } else if (t->kind == Kind::kOptional) {  // {value, present}: None's meminfos are null
        adopt(b_.CreateExtractValue(x, 0), t->items[0]);
      }
    };
    adopt(out, item);
    return out;
  }
  if (name == "remove") {
    llvm::Value* k = find(arg(0), b_.getInt64(0), listSize(lst));
    raiseIf(b_.CreateICmpSLT(k, b_.getInt64(0)), KILN_VALUE_ERROR, "list.remove(x): x not in list");
    llvm::Value* gone = listGet(lst, lt, k);
    removeAt(k);
    release(gone, item);
    return none;
  }
  if (name == "index") {
    llvm::Value* n = listSize(lst);
    llvm::Value* lo = npos >= 2 ? clampIndex(converted(arg(1), types().integer(64, true)), n) : b_.getInt64(0);
    llvm::Value* hi = npos >= 3 ? clampIndex(converted(arg(2), types().integer(64, true)), n) : n;
    llvm::Value* k = find(arg(0), lo, hi);
    raiseIf(b_.CreateICmpSLT(k, b_.getInt64(0)), KILN_VALUE_ERROR, "value is not in list");
    return k;
  }
  if (name == "count") {
    llvm::AllocaInst* c = entryAlloca(i64, "list.count");
    b_.CreateStore(b_.getInt64(0), c);
    llvm::Value* xv = value(arg(0));
    loop(listSize(lst), [&](llvm::Value* k) {
      llvm::Value* hit = itemsEqual(listGet(lst, lt, k), item, xv, arg(0)->type);
      b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64, c), b_.CreateZExt(hit, i64)), c);
    });
    return b_.CreateLoad(i64, c);
  }
  if (name == "reverse") {
    llvm::Value* n = listSize(lst);
    llvm::Type* mem = memoryType(ctx_, item);
    loop(b_.CreateSDiv(n, b_.getInt64(2)), [&](llvm::Value* k) {
      llvm::Value* p = listItemPtr(lst, lt, k);
      llvm::Value* q = listItemPtr(lst, lt, b_.CreateSub(b_.CreateSub(n, b_.getInt64(1)), k));
      llvm::Value* x = b_.CreateLoad(mem, p);
      llvm::Value* y = b_.CreateLoad(mem, q);
      b_.CreateStore(y, p);
      b_.CreateStore(x, q);
    });
    return none;
  }
  if (name == "sort") {
    llvm::Value* reverse = nullptr;
    for (size_t k = 0; k < i.kwnames.size(); ++k)
      if (i.kwnames[k] == "reverse") reverse = converted(arg(npos + k), types().boolean());
    listSort(lst, lt, reverse);
    return none;
  }
  if (name == "copy") {
    llvm::Value* n = listSize(lst);
    llvm::Value* out = listNew(lt, n, b_.getInt64(0));
    listExtend(out, i.result->type, lst, lt);
    return out;
  }
  if (name == "clear") {
    llvm::Value* n = listSize(lst);
    if (holdsRefs(item)) loop(n, [&](llvm::Value* k) { release(listGet(lst, lt, k), item); });
    listSetSize(lst, b_.getInt64(0));
    return none;
  }
  if (name == "__delitem__") {
    llvm::Value* n = listSize(lst);
    if (arg(0)->type->kind != Kind::kSlice) {
      llvm::Value* k = converted(arg(0), types().integer(64, true));
      k = b_.CreateSelect(b_.CreateICmpSLT(k, b_.getInt64(0)), b_.CreateAdd(k, n), k);
      raiseIf(b_.CreateICmpUGE(k, n), KILN_INDEX_ERROR, "list assignment index out of range");
      llvm::Value* gone = listGet(lst, lt, k);
      removeAt(k);
      release(gone, item);
      return none;
    }
    // del lst[slice]: keep the items the slice does not select, in order.
    SliceRange r = sliceRange(*this, value(arg(0)), n);
    llvm::Value* neg = b_.CreateICmpSLT(r.step, b_.getInt64(0));
    // As a forward range: first selected index and positive step.
    llvm::Value* last = b_.CreateAdd(r.start, b_.CreateMul(b_.CreateSub(r.count, b_.getInt64(1)), r.step));
    llvm::Value* first = b_.CreateSelect(neg, last, r.start);
    llvm::Value* astep = b_.CreateSelect(neg, b_.CreateNeg(r.step), r.step);
    llvm::AllocaInst* w = entryAlloca(i64, "list.keep");
    b_.CreateStore(b_.getInt64(0), w);
    llvm::Type* mem = memoryType(ctx_, item);
    loop(n, [&](llvm::Value* k) {
      llvm::Value* off = b_.CreateSub(k, first);
      llvm::Value* selected =
          b_.CreateAnd(b_.CreateICmpSGT(r.count, b_.getInt64(0)),
                       b_.CreateAnd(b_.CreateICmpSGE(off, b_.getInt64(0)),
                                    b_.CreateAnd(b_.CreateICmpEQ(b_.CreateSRem(off, astep), b_.getInt64(0)),
                                                 b_.CreateICmpSLT(b_.CreateSDiv(off, astep), r.count))));
      llvm::BasicBlock* drop = llvm::BasicBlock::Create(ctx_, "del.drop", fn_);
      llvm::BasicBlock* keep = llvm::BasicBlock::Create(ctx_, "del.keep", fn_);
      llvm::BasicBlock* next = llvm::BasicBlock::Create(ctx_, "del.next", fn_);
      b_.CreateCondBr(selected, drop, keep);
      b_.SetInsertPoint(drop);
      release(listGet(lst, lt, k), item);
      b_.CreateBr(next);
      b_.SetInsertPoint(keep);
      llvm::Value* at = b_.CreateLoad(i64, w);
      b_.CreateStore(b_.CreateLoad(mem, listItemPtr(lst, lt, k)), listItemPtr(lst, lt, at));
      b_.CreateStore(b_.CreateAdd(at, b_.getInt64(1)), w);
      b_.CreateBr(next);
      b_.SetInsertPoint(next);
    });
    listSetSize(lst, b_.CreateLoad(i64, w));
    return none;
  }
  return none;
}

llvm::Value* FunctionLowering::listBuiltin(const ir::Instr& i, const std::string& name) {
  const typing::Type* rt = i.result->type;
  const size_t npos = i.operands.size() - 1 - i.kwnames.size();
  const ir::Value* a0 = npos >= 1 ? i.operands[1] : nullptr;
  if (name == "len") return listSize(value(a0));
  if (name == "bool") return b_.CreateICmpNE(listSize(value(a0)), b_.getInt64(0));
  // tlist: List(it), and List.empty_list(T) ("kiln.typed.List.empty_list",
  // typed by rules_lists.cpp), whose argument is the item type.
  const bool empty_list = name != typing::kTypedListBuiltin && name.rfind(typing::kTypedListBuiltin, 0) == 0;
  if (name == "list" || name == typing::kTypedListBuiltin || empty_list || name == "sorted") {
    llvm::Value* n = !empty_list && isList(a0 ? a0->type : nullptr) ? listSize(value(a0)) : b_.getInt64(0);
    llvm::Value* out = listNew(rt, n, b_.getInt64(0));
    if (a0 && !empty_list) listExtend(out, rt, value(a0), a0->type);
    if (name == "sorted") {
      llvm::Value* reverse = nullptr;
      for (size_t k = 0; k < i.kwnames.size(); ++k)
        if (i.kwnames[k] == "reverse") reverse = converted(i.operands[1 + npos + k], types().boolean());
      listSort(out, rt, reverse);
    }
    return out;
  }
  llvm::Value* lst = value(a0);
  const typing::Type* lt = a0->type;
  const typing::Type* item = lt->items[0];
  llvm::Value* n = listSize(lst);
  if (name == "sum") {
    llvm::AllocaInst* acc = entryAlloca(valueType(ctx_, rt), "sum");
    b_.CreateStore(npos == 2 ? converted(i.operands[2], rt) : convert(b_, b_.getInt64(0), types().integer(64, true), rt),
                   acc);
    loop(n, [&](llvm::Value* k) {
      llvm::Value* x = convert(b_, listGet(lst, lt, k), item, rt);
      llvm::Value* s = rt->kind == Kind::kComplex ? complexBinary(ir::BinaryOp::kAdd, b_.CreateLoad(valueType(ctx_, rt), acc), x)
                                                  : binaryValues(ir::BinaryOp::kAdd, b_.CreateLoad(valueType(ctx_, rt), acc), x, rt, false, false);
      b_.CreateStore(s, acc);
    });
    return b_.CreateLoad(valueType(ctx_, rt), acc);
  }
  // min / max: the first of the least (greatest) items, as Python.
  raiseIf(b_.CreateICmpEQ(n, b_.getInt64(0)), KILN_VALUE_ERROR,
          absl::StrCat(name, "() arg is an empty sequence"));
  llvm::AllocaInst* best = entryAlloca(valueType(ctx_, item), "best");
  b_.CreateStore(listGet(lst, lt, b_.getInt64(0)), best);
  loop(b_.CreateSub(n, b_.getInt64(1)), [&](llvm::Value* k) {
    llvm::Value* x = listGet(lst, lt, b_.CreateAdd(k, b_.getInt64(1)));
    llvm::Value* cur = b_.CreateLoad(valueType(ctx_, item), best);
    llvm::Value* better = name == "min" ? itemLess(x, cur, item) : itemLess(cur, x, item);
    b_.CreateStore(b_.CreateSelect(better, x, cur), best);
  });
  return b_.CreateLoad(valueType(ctx_, item), best);
}

absl::StatusOr<bool> FunctionLowering::lowerList(const ir::Instr& i, llvm::Value** v) {
  const typing::Type* rt = i.result ? i.result->type : nullptr;
  auto operandType = [&](size_t k) { return k < i.operands.size() ? i.operands[k]->type : nullptr; };
  const typing::Type* t0 = operandType(0);
  const typing::Type* t1 = operandType(1);
  llvm::Type* i64 = b_.getInt64Ty();
  switch (i.op) {
    case Op::kBuildList: {
      int64_t n = static_cast<int64_t>(i.operands.size());
      *v = listNew(rt, b_.getInt64(n), b_.getInt64(n));
      for (size_t k = 0; k < i.operands.size(); ++k)
        listPut(*v, rt, b_.getInt64(static_cast<int64_t>(k)), converted(i.operands[k], rt->items[0]));
      return true;
    }
    case Op::kGetAttr:
      if (!isList(t0)) return false;
      *v = value(i.operands[0]);  // a bound method is its receiver
      return true;
    case Op::kCall: {
      const typing::Type* callee = t0;
      if (inst_.calls.count(&i)) return false;  // pyfuncs: sort with key= is written in Python (a call)
      if (callee->kind == Kind::kBoundMethod && isList(callee->items[0])) {
        *v = listMethod(i, callee->items[0], value(i.operands[0]), callee->name);
        return true;
      }
      if (callee->kind != Kind::kBuiltin) return false;
      std::vector<const typing::Type*> args;
      for (size_t k = 1; k < i.operands.size(); ++k) args.push_back(i.operands[k]->type);
      if (!typing::listBuiltinCall(types(), callee->name, args, i.kwnames)) return false;
      *v = listBuiltin(i, callee->name);
      return true;
    }
    case Op::kGetItem: {
      if (!isList(t0)) return false;
      llvm::Value* lst = value(i.operands[0]);
      llvm::Value* n = listSize(lst);
      if (t1->kind == Kind::kSlice) {
        SliceRange r = sliceRange(*this, value(i.operands[1]), n);
        *v = listNew(rt, r.count, r.count);
        loop(r.count, [&](llvm::Value* k) {
          llvm::Value* from = b_.CreateAdd(r.start, b_.CreateMul(k, r.step));
          listPut(*v, rt, k, listGet(lst, t0, from));
        });
        return true;
      }
      llvm::Value* k = converted(i.operands[1], types().integer(64, true));
      k = b_.CreateSelect(b_.CreateICmpSLT(k, b_.getInt64(0)), b_.CreateAdd(k, n), k);
      raiseIf(b_.CreateICmpUGE(k, n), KILN_INDEX_ERROR, "list index out of range");
      *v = listGet(lst, t0, k);
      return true;
    }
    case Op::kSetItem: {
      if (!isList(t0)) return false;
      llvm::Value* lst = value(i.operands[0]);
      const typing::Type* item = t0->items[0];
      llvm::Value* n = listSize(lst);
      if (t1->kind != Kind::kSlice) {
        llvm::Value* k = converted(i.operands[1], types().integer(64, true));
        k = b_.CreateSelect(b_.CreateICmpSLT(k, b_.getInt64(0)), b_.CreateAdd(k, n), k);
        raiseIf(b_.CreateICmpUGE(k, n), KILN_INDEX_ERROR, "setitem out of range");  // Numba's wording
        llvm::Value* old = listGet(lst, t0, k);
        listPut(lst, t0, k, converted(i.operands[2], item));
        release(old, item);
        return true;
      }
      // lst[a:b] = other (a list): a step-1 slice is replaced (the list
      // may grow or shrink); an extended slice needs as many items.
      const typing::Type* st = operandType(2);
      llvm::Value* src = value(i.operands[2]);
      SliceRange r = sliceRange(*this, value(i.operands[1]), n);
      llvm::Value* m = listSize(src);
      // Copy the source first: lst[:] = lst must read the old items.
      llvm::Value* tmp = listNew(t0, m, b_.getInt64(0));
      listExtend(tmp, t0, src, st);
      llvm::BasicBlock* simple = llvm::BasicBlock::Create(ctx_, "slice.simple", fn_);
      llvm::BasicBlock* extended = llvm::BasicBlock::Create(ctx_, "slice.extended", fn_);
      llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "slice.done", fn_);
      b_.CreateCondBr(b_.CreateICmpEQ(r.step, b_.getInt64(1)), simple, extended);
      b_.SetInsertPoint(simple);
      {
        llvm::Value* lo = r.start;
        llvm::Value* hi = b_.CreateAdd(r.start, r.count);
        loop(r.count, [&](llvm::Value* k) { release(listGet(lst, t0, b_.CreateAdd(lo, k)), item); });
        llvm::Value* size = b_.CreateAdd(b_.CreateSub(n, r.count), m);
        listReserve(lst, t0, size);
        shiftItems(*this, lst, t0, hi, b_.CreateAdd(lo, m), n);
        loop(m, [&](llvm::Value* k) { listPut(lst, t0, b_.CreateAdd(lo, k), listGet(tmp, t0, k)); });
        listSetSize(lst, size);
      }
      b_.CreateBr(done);
      b_.SetInsertPoint(extended);
      raiseIf(b_.CreateICmpNE(m, r.count), KILN_VALUE_ERROR,
              "cannot resize extended list slice with step != 1");
      loop(r.count, [&](llvm::Value* k) {
        llvm::Value* at = b_.CreateAdd(r.start, b_.CreateMul(k, r.step));
        llvm::Value* old = listGet(lst, t0, at);
        listPut(lst, t0, at, listGet(tmp, t0, k));
        release(old, item);
      });
      b_.CreateBr(done);
      b_.SetInsertPoint(done);
      return true;
    }
    case Op::kBinOp: {
      if (!isList(t0) && !isList(t1)) return false;
      if (i.binary_op == ir::BinaryOp::kAdd) {
        llvm::Value* a = value(i.operands[0]);
        llvm::Value* b = value(i.operands[1]);
        if (i.inplace) {
          listExtend(a, t0, b, t1);
          *v = a;
          return true;
        }
        *v = listNew(rt, b_.CreateAdd(listSize(a), listSize(b)), b_.getInt64(0));
        listExtend(*v, rt, a, t0);
        listExtend(*v, rt, b, t1);
        return true;
      }
      // lst * n, n * lst: n copies (none when n <= 0).
      bool list_left = isList(t0);
      const typing::Type* lt = list_left ? t0 : t1;
      llvm::Value* lst = value(i.operands[list_left ? 0 : 1]);
      llvm::Value* times = converted(i.operands[list_left ? 1 : 0], types().integer(64, true));
      times = b_.CreateSelect(b_.CreateICmpSLT(times, b_.getInt64(0)), b_.getInt64(0), times);
      llvm::Value* n = listSize(lst);
      llvm::Value* prod = b_.CreateCall(intrinsic(llvm::Intrinsic::umul_with_overflow, i64), {n, times});
      raiseIf(b_.CreateExtractValue(prod, 1), KILN_MEMORY_ERROR, "cannot allocate a list this large");
      *v = listNew(rt, b_.CreateExtractValue(prod, 0), b_.getInt64(0));
      llvm::Value* out = *v;
      loop(times, [&](llvm::Value*) { listExtend(out, rt, lst, lt); });
      return true;
    }
    case Op::kCompare: {
      if (!isList(t0) && !isList(t1)) return false;
      llvm::Value* a = value(i.operands[0]);
      llvm::Value* b = value(i.operands[1]);
      switch (i.compare_op) {
        case ir::CompareOp::kIs:
        case ir::CompareOp::kIsNot: {
          llvm::Value* same = (isList(t0) && isList(t1))
                                  ? b_.CreateICmpEQ(b_.CreateExtractValue(a, 0), b_.CreateExtractValue(b, 0))
                                  : b_.getInt1(false);
          *v = i.compare_op == ir::CompareOp::kIs ? same : b_.CreateNot(same);
          return true;
        }
        case ir::CompareOp::kIn:
        case ir::CompareOp::kNotIn: {
          llvm::AllocaInst* found = entryAlloca(b_.getInt1Ty(), "list.in");
          b_.CreateStore(b_.getInt1(false), found);
          loop(listSize(b), [&](llvm::Value* k) {
            llvm::Value* hit = itemsEqual(listGet(b, t1, k), t1->items[0], a, t0);
            b_.CreateStore(b_.CreateOr(b_.CreateLoad(b_.getInt1Ty(), found), hit), found);
          });
          llvm::Value* in = b_.CreateLoad(b_.getInt1Ty(), found);
          *v = i.compare_op == ir::CompareOp::kIn ? in : b_.CreateNot(in);
          return true;
        }
        case ir::CompareOp::kEq:
        case ir::CompareOp::kNe: {
          llvm::Value* eq = itemsEqual(a, t0, b, t1);
          *v = i.compare_op == ir::CompareOp::kEq ? eq : b_.CreateNot(eq);
          return true;
        }
        case ir::CompareOp::kLt:
        case ir::CompareOp::kLe:
        case ir::CompareOp::kGt:
        case ir::CompareOp::kGe: {
          // Lexicographic: the first unequal pair decides, else the lengths.
          bool swap = i.compare_op == ir::CompareOp::kGt || i.compare_op == ir::CompareOp::kLe;
          llvm::Value* x = swap ? b : a;
          llvm::Value* y = swap ? a : b;
          const typing::Type* tx = swap ? t1 : t0;
          const typing::Type* ty = swap ? t0 : t1;
          const typing::Type* ct = typing::unify(types(), tx->items[0], ty->items[0]);
          llvm::Value* nx = listSize(x);
          llvm::Value* ny = listSize(y);
          llvm::Value* m = b_.CreateSelect(b_.CreateICmpSLT(nx, ny), nx, ny);
          llvm::AllocaInst* state = entryAlloca(i64, "list.cmp");  // 0 undecided, 1 less, 2 not less
          b_.CreateStore(b_.getInt64(0), state);
          loop(m, [&](llvm::Value* k) {
            llvm::Value* p = convert(b_, listGet(x, tx, k), tx->items[0], ct);
            llvm::Value* q = convert(b_, listGet(y, ty, k), ty->items[0], ct);
            llvm::Value* undecided = b_.CreateICmpEQ(b_.CreateLoad(i64, state), b_.getInt64(0));
            llvm::Value* eq = itemsEqual(p, ct, q, ct);
            llvm::Value* lt = itemLess(p, q, ct);
            llvm::Value* next = b_.CreateSelect(eq, b_.getInt64(0), b_.CreateSelect(lt, b_.getInt64(1), b_.getInt64(2)));
            b_.CreateStore(b_.CreateSelect(undecided, next, b_.CreateLoad(i64, state)), state);
          });
          llvm::Value* s = b_.CreateLoad(i64, state);
          llvm::Value* less = b_.CreateSelect(b_.CreateICmpEQ(s, b_.getInt64(0)), b_.CreateICmpSLT(nx, ny),
                                              b_.CreateICmpEQ(s, b_.getInt64(1)));
          // x < y for Lt and Gt (swapped); Le and Ge are not (y < x).
          bool negate = i.compare_op == ir::CompareOp::kLe || i.compare_op == ir::CompareOp::kGe;
          *v = negate ? b_.CreateNot(less) : less;
          return true;
        }
      }
      return false;
    }
    case Op::kTruth:
      if (!isList(t0)) return false;
      *v = b_.CreateICmpNE(listSize(value(i.operands[0])), b_.getInt64(0));
      return true;
    case Op::kConst:
    case Op::kUndef:
    case Op::kLoadGlobal:
    case Op::kUnaryOp:
    case Op::kBuildTuple:
    case Op::kUnpack:
    case Op::kGetIter:
    case Op::kBuildSlice:
    case Op::kCopy:
    case Op::kDeclare:  // locals:
    case Op::kJump:
    case Op::kBranch:
    case Op::kForIter:
    case Op::kReturn:
    case Op::kRaise:
    case Op::kUnreachable:
    case Op::kBuildMap:  // dicts
    case Op::kMakeFunction:  // closures
    case Op::kExcMatch:  // exceptions
    case Op::kCatch:
    case Op::kRestoreError:
    case Op::kDropCaught:
    case Op::kReraise:
    case Op::kFused:  // fusion
    case Op::kYield:  // generators:
    case Op::kDelItem:   // del obj[index]: lowerInstr dispatches on the container's kind
      return false;
  }
  return false;
}

}  // namespace kiln::lowering
