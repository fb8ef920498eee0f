// Iterators: a pointer to a state alloca in the entry block.
//   range_iter: {left, cur, step}     tuple_iter: {tuple, index}
//   iter(array): {array, index}       enumerate: {count, inner iterator}
//   zip: {inner iterators...}
// An item is produced on every step; when the iterator is exhausted it is a
// harmless value (never a load out of bounds) that no edge uses.
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "kiln_rt.h"

namespace kiln::lowering {

using typing::Kind;

namespace {
llvm::Type* stateType(llvm::LLVMContext& ctx, typing::TypeContext& tc, const typing::Type* it) {
  llvm::Type* i64 = llvm::Type::getInt64Ty(ctx);
  llvm::Type* ptr = llvm::PointerType::getUnqual(ctx);
  switch (it->kind) {
    case Kind::kRangeIter: return llvm::StructType::get(ctx, {i64, i64, i64});
    case Kind::kTupleIter: return llvm::StructType::get(ctx, {valueType(ctx, tc.tuple(it->items)), i64});
    case Kind::kArrayIter: return llvm::StructType::get(ctx, {valueType(ctx, it->items[0]), i64});
    case Kind::kStrIter: return llvm::StructType::get(ctx, {valueType(ctx, it->items[0]), i64});  // strings
    case Kind::kListIter: return llvm::StructType::get(ctx, {valueType(ctx, it->items[0]), i64});  // lists
    case Kind::kEnumerate: return llvm::StructType::get(ctx, {i64, ptr});
    case Kind::kZip: return llvm::StructType::get(ctx, std::vector<llvm::Type*>(it->items.size(), ptr));
    case Kind::kDictIter: return llvm::StructType::get(ctx, {valueType(ctx, it->items[0]), i64, i64});  // dicts: {dict, next entry, len}
    case Kind::kGenerator: return ptr;  // generators: the object is its own state (never made by makeIter)
    // Not iterators (the trait column of types.def).
#define KILN_CASES_kNumber 1
#define KILN_CASES_kOther 1
#include "compiler/typing/kind_cases.def"
      break;
  }
  return i64;  // not an iterator: typing never lets one through
}
}  // namespace

llvm::Value* FunctionLowering::makeIter(llvm::Value* v, const typing::Type* from, const typing::Type* iter) {
  if (from == iter) return v;  // an iterator is its own iterator
  llvm::Type* st = stateType(ctx_, types(), iter);
  llvm::AllocaInst* slot = entryAlloca(st, "iter");
  if (iter->kind == Kind::kRangeIter) {
    // The trip count, once, as CPython's range length (step is never 0:
    // range() raised ValueError): in unsigned arithmetic, so no
    // start/stop/step overflows, and each step then only counts down.
    llvm::Value* start = b_.CreateExtractValue(v, 0);
    llvm::Value* stop = b_.CreateExtractValue(v, 1);
    llvm::Value* step = b_.CreateExtractValue(v, 2);
    llvm::Value* up = b_.CreateICmpSGT(step, b_.getInt64(0));
    llvm::Value* lo = b_.CreateSelect(up, start, stop);
    llvm::Value* hi = b_.CreateSelect(up, stop, start);
    llvm::Value* stride = b_.CreateSelect(up, step, b_.CreateNeg(step));  // |step| as unsigned
    llvm::Value* count = b_.CreateAdd(b_.CreateUDiv(b_.CreateSub(b_.CreateSub(hi, lo), b_.getInt64(1)), stride),
                                      b_.getInt64(1));
    llvm::Value* left = b_.CreateSelect(b_.CreateICmpSLT(lo, hi), count, b_.getInt64(0), "trip_count");
    b_.CreateStore(left, b_.CreateStructGEP(st, slot, 0));
    b_.CreateStore(start, b_.CreateStructGEP(st, slot, 1));
    b_.CreateStore(step, b_.CreateStructGEP(st, slot, 2));
  } else {  // tuple, array or dict: the value and index 0
    b_.CreateStore(v, b_.CreateStructGEP(st, slot, 0));
    b_.CreateStore(b_.getInt64(0), b_.CreateStructGEP(st, slot, 1));
    if (iter->kind == Kind::kDictIter) b_.CreateStore(dictLen(v), b_.CreateStructGEP(st, slot, 2));  // dicts:
  }
  return slot;
}

llvm::Value* FunctionLowering::iterNext(llvm::Value* state, const typing::Type* it, const typing::Type* item_type,
                                        llvm::Value** item) {
  llvm::Type* st = stateType(ctx_, types(), it);
  llvm::Type* i64 = b_.getInt64Ty();
  switch (it->kind) {
    case Kind::kRangeIter: {
      llvm::Value* left = b_.CreateLoad(i64, b_.CreateStructGEP(st, state, 0));
      llvm::Value* cur = b_.CreateLoad(i64, b_.CreateStructGEP(st, state, 1));
      llvm::Value* step = b_.CreateLoad(i64, b_.CreateStructGEP(st, state, 2));
      llvm::Value* more = b_.CreateICmpNE(left, b_.getInt64(0));
      // After the last item cur + step may wrap; it is never used then.
      // An exhausted iterator stays exhausted (left stays 0).
      b_.CreateStore(b_.CreateSub(left, b_.CreateZExt(more, i64)), b_.CreateStructGEP(st, state, 0));
      b_.CreateStore(b_.CreateAdd(cur, step), b_.CreateStructGEP(st, state, 1));
      *item = cur;
      return more;
    }
    case Kind::kTupleIter: {
      int64_t n = static_cast<int64_t>(it->items.size());
      llvm::Type* elem = valueType(ctx_, item_type);
      llvm::Value* idx = b_.CreateLoad(i64, b_.CreateStructGEP(st, state, 1));
      llvm::Value* more = b_.CreateICmpSLT(idx, b_.getInt64(n));
      llvm::Value* safe = b_.CreateSelect(more, idx, b_.getInt64(0));
      llvm::Value* ptr = b_.CreateGEP(llvm::ArrayType::get(elem, n), b_.CreateStructGEP(st, state, 0), {b_.getInt64(0), safe});
      *item = n ? static_cast<llvm::Value*>(b_.CreateLoad(elem, ptr)) : llvm::PoisonValue::get(elem);
      b_.CreateStore(b_.CreateAdd(idx, b_.getInt64(1)), b_.CreateStructGEP(st, state, 1));
      return more;
    }
    case Kind::kArrayIter: {
      const typing::Type* at = it->items[0];
      llvm::Value* arr = b_.CreateLoad(valueType(ctx_, at), b_.CreateStructGEP(st, state, 0));
      llvm::Value* idx = b_.CreateLoad(i64, b_.CreateStructGEP(st, state, 1));
      if (it->isFlatIter()) {  // flatimag: element idx in C order; past the end a dummy slot
        llvm::Value* more = b_.CreateICmpSLT(idx, arraySize(arr, at));
        llvm::AllocaInst* dummy = entryAlloca(memoryType(ctx_, at->dtype()), "no_item");
        b_.CreateStore(llvm::Constant::getNullValue(memoryType(ctx_, at->dtype())), dummy);
        // Unravelled over dimensions of at least 1, so an empty array
        // (never read) divides by no zero.
        llvm::Value* offset = b_.getInt64(0);
        llvm::Value* rest = b_.CreateSelect(more, idx, b_.getInt64(0));
        for (unsigned d = static_cast<unsigned>(at->ndim); d-- > 0;) {
          llvm::Value* dim = b_.CreateExtractValue(arr, {kShape, d});
          dim = b_.CreateSelect(b_.CreateICmpSLT(dim, b_.getInt64(1)), b_.getInt64(1), dim);
          llvm::Value* k = d == 0 ? rest : b_.CreateURem(rest, dim);
          if (d > 0) rest = b_.CreateUDiv(rest, dim);
          offset = b_.CreateAdd(offset, b_.CreateMul(k, b_.CreateExtractValue(arr, {kStrides, d})));
        }
        llvm::Value* addr = b_.CreateGEP(b_.getInt8Ty(), b_.CreateExtractValue(arr, kData), offset);
        *item = loadElement(b_.CreateSelect(more, addr, dummy), at->dtype(), b_.CreateExtractValue(arr, kMeminfo));
        b_.CreateStore(b_.CreateAdd(idx, b_.getInt64(1)), b_.CreateStructGEP(st, state, 1));
        return more;
      }
      llvm::Value* more = b_.CreateICmpSLT(idx, b_.CreateExtractValue(arr, {2, 0}));
      if (at->ndim > 1) {  // npfun3: the view of row idx (its parent's meminfo: borrowed, as a[i])
        Place row;
        row.meminfo = b_.CreateExtractValue(arr, kMeminfo);
        llvm::Value* safe = b_.CreateSelect(more, idx, b_.getInt64(0));
        row.ptr = b_.CreateGEP(b_.getInt8Ty(), b_.CreateExtractValue(arr, kData),
                               b_.CreateMul(safe, b_.CreateExtractValue(arr, {kStrides, 0})));
        for (unsigned k = 1; k < static_cast<unsigned>(at->ndim); ++k) {
          row.shape.push_back(b_.CreateExtractValue(arr, {kShape, k}));
          row.strides.push_back(b_.CreateExtractValue(arr, {kStrides, k}));
        }
        *item = viewOf(row, item_type);
        b_.CreateStore(b_.CreateAdd(idx, b_.getInt64(1)), b_.CreateStructGEP(st, state, 1));
        return more;
      }
      // Past the end, read a dummy slot instead of the array.
      llvm::AllocaInst* dummy = entryAlloca(memoryType(ctx_, at->dtype()), "no_item");
      llvm::Value* addr = b_.CreateGEP(b_.getInt8Ty(), b_.CreateExtractValue(arr, 1),
                                       b_.CreateMul(idx, b_.CreateExtractValue(arr, {3, 0})));
      *item = loadElement(b_.CreateSelect(more, addr, dummy), at->dtype(), b_.CreateExtractValue(arr, kMeminfo));
      b_.CreateStore(b_.CreateAdd(idx, b_.getInt64(1)), b_.CreateStructGEP(st, state, 1));
      return more;
    }
    case Kind::kStrIter: {  // strings: one-character views of the string (lower_strings.cpp)
      llvm::Value* s = b_.CreateLoad(valueType(ctx_, it->items[0]), b_.CreateStructGEP(st, state, 0));
      llvm::Value* idx = b_.CreateLoad(i64, b_.CreateStructGEP(st, state, 1));
      llvm::Value* more = b_.CreateICmpSLT(idx, b_.CreateExtractValue(s, kStrLength));
      *item = strCharView(s, b_.CreateSelect(more, idx, b_.getInt64(0)));
      b_.CreateStore(b_.CreateAdd(idx, b_.getInt64(1)), b_.CreateStructGEP(st, state, 1));
      return more;
    }
    case Kind::kListIter: {  // lists: the size is read on every step, as Python
      const typing::Type* lt = it->items[0];
      llvm::Value* lst = b_.CreateLoad(valueType(ctx_, lt), b_.CreateStructGEP(st, state, 0));
      llvm::Value* idx = b_.CreateLoad(i64, b_.CreateStructGEP(st, state, 1));
      llvm::Value* more = b_.CreateICmpSLT(idx, listSize(lst));
      llvm::AllocaInst* dummy = entryAlloca(memoryType(ctx_, lt->items[0]), "no_item");
      b_.CreateStore(llvm::Constant::getNullValue(memoryType(ctx_, lt->items[0])), dummy);
      llvm::Value* addr = b_.CreateSelect(more, listItemPtr(lst, lt, idx), dummy);
      *item = fromMemory(b_, b_.CreateLoad(memoryType(ctx_, lt->items[0]), addr), lt->items[0]);
      b_.CreateStore(b_.CreateAdd(idx, b_.getInt64(1)), b_.CreateStructGEP(st, state, 1));
      return more;
    }
    case Kind::kEnumerate: {
      llvm::Value* count = b_.CreateLoad(i64, b_.CreateStructGEP(st, state, 0));
      llvm::Value* inner = b_.CreateLoad(b_.getPtrTy(), b_.CreateStructGEP(st, state, 1));
      llvm::Value* inner_item = nullptr;
      llvm::Value* more = iterNext(inner, it->items[0], item_type->items[1], &inner_item);  // (count, inner item)
      b_.CreateStore(b_.CreateAdd(count, b_.getInt64(1)), b_.CreateStructGEP(st, state, 0));
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, item_type));
      out = b_.CreateInsertValue(out, count, 0);
      *item = b_.CreateInsertValue(out, inner_item, 1);
      return more;
    }
    case Kind::kZip: {
      // As Python's zip, iterator k is advanced only when those before it
      // gave an item (an iterator shared with later code, iter(x), must
      // not lose one). zip() of nothing is empty.
      llvm::Value* more = b_.getInt1(!it->items.empty());
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, item_type));  // one item per iterator
      for (unsigned k = 0; k < it->items.size(); ++k) {
        llvm::BasicBlock* before = b_.GetInsertBlock();
        llvm::BasicBlock* step = llvm::BasicBlock::Create(ctx_, "zip.step", fn_);
        llvm::BasicBlock* join = llvm::BasicBlock::Create(ctx_, "zip.join", fn_);
        b_.CreateCondBr(more, step, join);
        b_.SetInsertPoint(step);
        llvm::Value* inner = b_.CreateLoad(b_.getPtrTy(), b_.CreateStructGEP(st, state, k));
        llvm::Value* inner_item = nullptr;
        llvm::Value* inner_more = iterNext(inner, it->items[k], item_type->items[k], &inner_item);
        llvm::Value* stepped_out = b_.CreateInsertValue(out, inner_item, k);
        llvm::BasicBlock* stepped = b_.GetInsertBlock();
        b_.CreateBr(join);
        b_.SetInsertPoint(join);
        llvm::PHINode* m = b_.CreatePHI(b_.getInt1Ty(), 2);
        m->addIncoming(b_.getFalse(), before);
        m->addIncoming(inner_more, stepped);
        llvm::PHINode* o = b_.CreatePHI(out->getType(), 2);
        o->addIncoming(out, before);
        o->addIncoming(stepped_out, stepped);
        more = m;
        out = o;
      }
      *item = out;
      return more;
    }
    case Kind::kDictIter:  // dicts: lower_dicts.cpp
      return dictIterNext(state, it, item_type, item);
    case Kind::kGenerator:  // generators: lower_generators.cpp
      return generatorNext(state, it, item_type, item);
    // Not iterators (the trait column of types.def).
#define KILN_CASES_kNumber 1
#define KILN_CASES_kOther 1
#include "compiler/typing/kind_cases.def"
      break;
  }
  *item = b_.getInt8(0);
  return b_.getInt1(false);
}

llvm::Value* FunctionLowering::flatIterArray(llvm::Value* state, const typing::Type* it) {
  llvm::Type* st = stateType(ctx_, types(), it);
  return b_.CreateLoad(valueType(ctx_, it->items[0]), b_.CreateStructGEP(st, state, 0));
}

llvm::Value* FunctionLowering::flatIterElementPtr(llvm::Value* state, const typing::Type* it, const ir::Value* index) {
  const typing::Type* at = it->items[0];
  llvm::Value* arr = flatIterArray(state, it);
  llvm::Value* n = arraySize(arr, at);
  llvm::Value* k = converted(index, types().integer(64, true));
  k = b_.CreateSelect(b_.CreateICmpSLT(k, b_.getInt64(0)), b_.CreateAdd(k, n), k);
  raiseIf(b_.CreateICmpUGE(k, n), KILN_INDEX_ERROR, "index out of bounds");  // then no dimension is 0
  return flatElementPtr(arr, at, k);
}

}  // namespace kiln::lowering
