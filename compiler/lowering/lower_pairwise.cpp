// pairwise: NumPy's pairwise summation (lower_pairwise.h), as a loop over an
// explicit stack of ranges: each frame is a range (lo, n) and its stage,
// 0 before its left half is summed, 1 while it is, 2 while its right half
// is, with the left half's sum kept in the frame. A range of at most
// 16 * lanes items is a leaf, summed at once; its sum is handed up the stack
// (`carry`) until a frame still needs its right half.

#include "compiler/lowering/lower_pairwise.h"

#include <vector>

#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/IRBuilder.h"

namespace kiln::lowering {

namespace {

constexpr int64_t kFloatLanes = 8;    // NumPy's eight accumulators
constexpr int64_t kComplexLanes = 4;  // eight over the interleaved parts: four items
constexpr int64_t kDepth = 64;        // each split at least halves a range longer than a leaf

// The accumulators of one kind: a leaf holds at most 16 * lanes items
// (NumPy's PW_BLOCKSIZE of 128 scalars) and a split point is a multiple of
// lanes.
int64_t lanesOf(llvm::Type* acc) { return acc->isStructTy() ? kComplexLanes : kFloatLanes; }

// The sum of items lo..lo+m-1, 0 <= m <= 16 * lanes, as NumPy sums a leaf:
// with m < lanes, one by one from 0.0; else `lanes` accumulators over the
// first m - m%lanes items, combined as a balanced tree, then the rest one by
// one.
llvm::Value* leafSum(FunctionLowering& fl, llvm::Value* lo, llvm::Value* m, llvm::Type* acc, const PairwiseItem& item) {
  llvm::IRBuilder<>& b = fl.builder();
  const int64_t lanes = lanesOf(acc);
  llvm::Value* whole = b.CreateAnd(m, b.getInt64(~(lanes - 1)));
  std::vector<llvm::AllocaInst*> r(lanes);
  for (int64_t j = 0; j < lanes; ++j) {
    r[j] = fl.entryAlloca(acc, "pw.r");
    // -0.0 + x is x for every x, so the first add leaves item j itself, as
    // NumPy's r[j] = a[j] does.
    b.CreateStore(pairwiseConstant(acc, -0.0), r[j]);
  }
  fl.loop(b.CreateUDiv(whole, b.getInt64(lanes)), [&](llvm::Value* g) {
    llvm::Value* base = b.CreateAdd(lo, b.CreateMul(g, b.getInt64(lanes)));
    for (int64_t j = 0; j < lanes; ++j) {
      llvm::Value* x = item(b.CreateAdd(base, b.getInt64(j)));
      b.CreateStore(pairwiseAdd(b, b.CreateLoad(acc, r[j]), x), r[j]);
    }
  });
  std::vector<llvm::Value*> v(lanes);
  for (int64_t j = 0; j < lanes; ++j) v[j] = b.CreateLoad(acc, r[j]);
  // ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) for eight, (r0+r1)+(r2+r3) for four.
  std::function<llvm::Value*(int64_t, int64_t)> tree = [&](int64_t first, int64_t count) -> llvm::Value* {
    if (count == 1) return v[first];
    return pairwiseAdd(b, tree(first, count / 2), tree(first + count / 2, count / 2));
  };
  llvm::Value* combined = tree(0, lanes);
  llvm::AllocaInst* res = fl.entryAlloca(acc, "pw.res");
  b.CreateStore(b.CreateSelect(b.CreateICmpSLT(m, b.getInt64(lanes)), pairwiseConstant(acc, 0.0), combined), res);
  llvm::Value* start = b.CreateAdd(lo, whole);
  fl.loop(b.CreateSub(m, whole), [&](llvm::Value* t) {
    llvm::Value* x = item(b.CreateAdd(start, t));
    b.CreateStore(pairwiseAdd(b, b.CreateLoad(acc, res), x), res);
  });
  return b.CreateLoad(acc, res);
}

// NumPy's split point of a range of n items longer than a leaf: half of it,
// rounded down to a multiple of lanes.
llvm::Value* half(llvm::IRBuilder<>& b, llvm::Value* n, int64_t lanes) {
  return b.CreateAnd(b.CreateLShr(n, b.getInt64(1)), b.getInt64(~(lanes - 1)));
}

}  // namespace

llvm::Value* pairwiseAdd(llvm::IRBuilder<>& b, llvm::Value* x, llvm::Value* y) {
  if (!x->getType()->isStructTy()) return b.CreateFAdd(x, y);
  llvm::Value* re = b.CreateFAdd(b.CreateExtractValue(x, 0), b.CreateExtractValue(y, 0));
  llvm::Value* im = b.CreateFAdd(b.CreateExtractValue(x, 1), b.CreateExtractValue(y, 1));
  return complexValue(b, x->getType(), re, im);
}

llvm::Value* pairwiseConstant(llvm::Type* acc, double v) {
  auto* st = llvm::dyn_cast<llvm::StructType>(acc);
  if (st == nullptr) return llvm::ConstantFP::get(acc, v);
  llvm::Constant* part = llvm::ConstantFP::get(st->getElementType(0), v);
  return llvm::ConstantStruct::get(st, {part, part});
}

llvm::Value* pairwiseSum(FunctionLowering& fl, llvm::Value* n, llvm::Type* acc, const PairwiseItem& item) {
  llvm::IRBuilder<>& b = fl.builder();
  llvm::LLVMContext& ctx = b.getContext();
  llvm::Function* fn = b.GetInsertBlock()->getParent();
  llvm::Type* i64 = b.getInt64Ty();
  const int64_t lanes = lanesOf(acc);
  llvm::ArrayType* ints = llvm::ArrayType::get(i64, kDepth);
  llvm::AllocaInst* lo_s = fl.entryAlloca(ints, "pw.lo");
  llvm::AllocaInst* n_s = fl.entryAlloca(ints, "pw.n");
  llvm::AllocaInst* stage_s = fl.entryAlloca(ints, "pw.stage");
  llvm::AllocaInst* left_s = fl.entryAlloca(llvm::ArrayType::get(acc, kDepth), "pw.left");
  llvm::AllocaInst* sp = fl.entryAlloca(i64, "pw.sp");
  llvm::AllocaInst* carry = fl.entryAlloca(acc, "pw.carry");
  auto at = [&](llvm::AllocaInst* s, llvm::Value* i) {
    return b.CreateGEP(s->getAllocatedType(), s, {b.getInt64(0), i});
  };
  auto push = [&](llvm::Value* lo, llvm::Value* len) {
    llvm::Value* top = b.CreateLoad(i64, sp);
    b.CreateStore(lo, at(lo_s, top));
    b.CreateStore(len, at(n_s, top));
    b.CreateStore(b.getInt64(0), at(stage_s, top));
    b.CreateStore(b.CreateAdd(top, b.getInt64(1)), sp);
  };
  llvm::BasicBlock* head = llvm::BasicBlock::Create(ctx, "pw.head", fn);
  llvm::BasicBlock* leaf = llvm::BasicBlock::Create(ctx, "pw.leaf", fn);
  llvm::BasicBlock* split = llvm::BasicBlock::Create(ctx, "pw.split", fn);
  llvm::BasicBlock* deliver = llvm::BasicBlock::Create(ctx, "pw.deliver", fn);
  llvm::BasicBlock* up = llvm::BasicBlock::Create(ctx, "pw.up", fn);
  llvm::BasicBlock* right = llvm::BasicBlock::Create(ctx, "pw.right", fn);
  llvm::BasicBlock* combine = llvm::BasicBlock::Create(ctx, "pw.combine", fn);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx, "pw.done", fn);

  b.CreateStore(b.getInt64(0), sp);
  push(b.getInt64(0), n);
  b.CreateBr(head);

  // The top frame is always at stage 0 here: a leaf, or a range to split.
  b.SetInsertPoint(head);
  llvm::Value* top = b.CreateSub(b.CreateLoad(i64, sp), b.getInt64(1));
  llvm::Value* lo = b.CreateLoad(i64, at(lo_s, top));
  llvm::Value* len = b.CreateLoad(i64, at(n_s, top));
  b.CreateCondBr(b.CreateICmpSLE(len, b.getInt64(16 * lanes)), leaf, split);

  b.SetInsertPoint(split);
  b.CreateStore(b.getInt64(1), at(stage_s, top));
  push(lo, half(b, len, lanes));
  b.CreateBr(head);

  b.SetInsertPoint(leaf);
  b.CreateStore(leafSum(fl, lo, len, acc, item), carry);
  b.CreateStore(b.CreateSub(b.CreateLoad(i64, sp), b.getInt64(1)), sp);
  b.CreateBr(deliver);

  // `carry` is the sum of the range just popped; its parent, if any, is on top.
  b.SetInsertPoint(deliver);
  llvm::Value* depth = b.CreateLoad(i64, sp);
  b.CreateCondBr(b.CreateICmpEQ(depth, b.getInt64(0)), done, up);

  b.SetInsertPoint(up);
  llvm::Value* parent = b.CreateSub(depth, b.getInt64(1));
  b.CreateCondBr(b.CreateICmpEQ(b.CreateLoad(i64, at(stage_s, parent)), b.getInt64(1)), right, combine);

  b.SetInsertPoint(right);  // the left half is summed: keep it, sum the right half
  b.CreateStore(b.CreateLoad(acc, carry), at(left_s, parent));
  b.CreateStore(b.getInt64(2), at(stage_s, parent));
  llvm::Value* plo = b.CreateLoad(i64, at(lo_s, parent));
  llvm::Value* pn = b.CreateLoad(i64, at(n_s, parent));
  llvm::Value* h = half(b, pn, lanes);
  push(b.CreateAdd(plo, h), b.CreateSub(pn, h));
  b.CreateBr(head);

  b.SetInsertPoint(combine);  // both halves are summed
  b.CreateStore(pairwiseAdd(b, b.CreateLoad(acc, at(left_s, parent)), b.CreateLoad(acc, carry)), carry);
  b.CreateStore(parent, sp);
  b.CreateBr(deliver);

  b.SetInsertPoint(done);
  return pairwiseAdd(b, pairwiseConstant(acc, 0.0), b.CreateLoad(acc, carry));
}

}  // namespace kiln::lowering
