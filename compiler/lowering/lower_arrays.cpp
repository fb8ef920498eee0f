// Arrays: the kiln_abi.h struct {meminfo, data, shape[nd], strides[nd]} in
// registers, elements in memory form (bool is a byte). Indexing wraps
// negative indices and raises IndexError out of bounds; elementwise
// operations and reductions are loops here, with NumPy's element semantics.
// Broadcasting follows NumPy (shapes align at the right, sizes equal or 1).
// New arrays are blocks of the memory runtime (kiln_rt.h), C-contiguous,
// with meminfo = the block's header; views (slices, a.T, reshape) share
// their parent's meminfo. Who holds references and when they are released
// is ownership.h's plan, emitted by lower_memory.cpp.
#include <map>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/contiguity.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/lowering/lower_pairwise.h"
#include "compiler/lowering/lower_buffers.h"  // chararrays:
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_buffers.h"  // chararrays:

namespace kiln::lowering {

using ir::BinaryOp;
using ir::CompareOp;
using ir::UnaryOp;
using typing::BuiltinId;
using typing::Kind;

namespace {

// Items per block of blockedExtreme: small enough that a block scanned a
// second time is still in L1, large enough that the vector pass dominates.
constexpr int64_t kExtremeBlock = 2048;

// The extreme (max or min) of the n > 0 items element(0..n-1) and the index
// of its first occurrence, {value, index}, exactly as the plain loop
// `if x > best or (isnan(x) and not isnan(best)): best, where = x, k`
// computes them (first NaN wins; of equal items, -0.0 and 0.0 included, the
// first wins), but vectorisable. The items go in blocks: one pass per block
// finds the block's extreme with maxnum/minnum (or smax, ...) and whether it
// holds a NaN, a reduction LLVM's loop vectoriser turns into SIMD code (the
// maxnum is nnan nsz: its value is used only when the block holds no NaN,
// and only compared, never returned). Only a block whose extreme beats the
// best so far is read again, for the first item equal to that extreme (==:
// -0.0 equals 0.0, so the first of them wins) or for its first NaN, which
// ends the search. On random data that is a handful of blocks; on sorted
// data every block, still one vector pass plus one early-exit scan.
std::pair<llvm::Value*, llvm::Value*> blockedExtreme(llvm::IRBuilder<>& b, llvm::Value* n, bool is_min, bool is_float,
                                                      bool is_signed,
                                                      const std::function<llvm::Value*(llvm::Value*)>& element) {
  llvm::LLVMContext& ctx = b.getContext();
  llvm::Function* fn = b.GetInsertBlock()->getParent();
  llvm::Type* i64 = b.getInt64Ty();
  auto block = [&](const char* name) { return llvm::BasicBlock::Create(ctx, name, fn); };
  auto better = [&](llvm::Value* x, llvm::Value* y) -> llvm::Value* {
    if (is_float) return is_min ? b.CreateFCmpOLT(x, y) : b.CreateFCmpOGT(x, y);
    if (is_signed) return is_min ? b.CreateICmpSLT(x, y) : b.CreateICmpSGT(x, y);
    return is_min ? b.CreateICmpULT(x, y) : b.CreateICmpUGT(x, y);
  };
  auto isNan = [&](llvm::Value* x) -> llvm::Value* { return is_float ? b.CreateFCmpUNO(x, x) : b.getInt1(false); };
  llvm::Intrinsic::ID pick = is_float ? (is_min ? llvm::Intrinsic::minnum : llvm::Intrinsic::maxnum)
                             : is_signed ? (is_min ? llvm::Intrinsic::smin : llvm::Intrinsic::smax)
                                         : (is_min ? llvm::Intrinsic::umin : llvm::Intrinsic::umax);
  llvm::Value* x0 = element(b.getInt64(0));
  llvm::Type* et = x0->getType();
  llvm::BasicBlock* entry = b.GetInsertBlock();
  llvm::BasicBlock* head = block("extreme.block");
  llvm::BasicBlock* body = block("extreme.block.body");
  llvm::BasicBlock* vhead = block("extreme.pass");
  llvm::BasicBlock* vbody = block("extreme.pass.body");
  llvm::BasicBlock* vend = block("extreme.pass.end");
  llvm::BasicBlock* compare = block("extreme.compare");
  llvm::BasicBlock* find = block("extreme.find");
  llvm::BasicBlock* find_next = block("extreme.find.next");
  llvm::BasicBlock* found = block("extreme.found");
  llvm::BasicBlock* nan_find = block("extreme.nan");
  llvm::BasicBlock* nan_next = block("extreme.nan.next");
  llvm::BasicBlock* nan_found = block("extreme.nan.found");
  llvm::BasicBlock* latch = block("extreme.block.end");
  llvm::BasicBlock* done = block("extreme.done");
  b.CreateCondBr(isNan(x0), done, head);  // a NaN first: nothing later wins

  b.SetInsertPoint(head);
  llvm::PHINode* s = b.CreatePHI(i64, 2, "block");
  llvm::PHINode* best = b.CreatePHI(et, 2, "best");
  llvm::PHINode* where = b.CreatePHI(i64, 2, "where");
  s->addIncoming(b.getInt64(1), entry);
  best->addIncoming(x0, entry);
  where->addIncoming(b.getInt64(0), entry);
  b.CreateCondBr(b.CreateICmpSLT(s, n), body, done);

  b.SetInsertPoint(body);
  llvm::Value* e = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, b.CreateAdd(s, b.getInt64(kExtremeBlock)), n);
  llvm::Value* xs = element(s);
  llvm::Value* nan_s = isNan(xs);
  llvm::Value* s1 = b.CreateAdd(s, b.getInt64(1));
  b.CreateBr(vhead);

  // The vector pass over items s+1 .. e-1.
  b.SetInsertPoint(vhead);
  llvm::PHINode* k = b.CreatePHI(i64, 2, "k");
  llvm::PHINode* ext = b.CreatePHI(et, 2, "block.extreme");
  llvm::PHINode* nan = b.CreatePHI(b.getInt1Ty(), 2, "block.nan");
  k->addIncoming(s1, body);
  ext->addIncoming(xs, body);
  nan->addIncoming(nan_s, body);
  b.CreateCondBr(b.CreateICmpSLT(k, e), vbody, vend);
  b.SetInsertPoint(vbody);
  llvm::Value* x = element(k);
  llvm::Value* ext2 = b.CreateBinaryIntrinsic(pick, ext, x);
  if (is_float) {
    auto* call = llvm::cast<llvm::Instruction>(ext2);
    call->setHasNoNaNs(true);
    call->setHasNoSignedZeros(true);
  }
  llvm::Value* nan2 = b.CreateOr(nan, isNan(x));
  k->addIncoming(b.CreateAdd(k, b.getInt64(1)), vbody);
  ext->addIncoming(ext2, vbody);
  nan->addIncoming(nan2, vbody);
  b.CreateBr(vhead);
  b.SetInsertPoint(vend);
  b.CreateCondBr(nan, nan_find, compare);

  b.SetInsertPoint(compare);
  b.CreateCondBr(better(ext, best), find, latch);

  // The first item of the block equal to its extreme.
  b.SetInsertPoint(find);
  llvm::PHINode* j = b.CreatePHI(i64, 2, "j");
  j->addIncoming(s, compare);
  llvm::Value* xj = element(j);
  b.CreateCondBr(is_float ? b.CreateFCmpOEQ(xj, ext) : b.CreateICmpEQ(xj, ext), found, find_next);
  b.SetInsertPoint(find_next);
  llvm::Value* j2 = b.CreateAdd(j, b.getInt64(1));
  j->addIncoming(j2, find_next);
  b.CreateCondBr(b.CreateICmpSLT(j2, e), find, latch);  // never falls out: the extreme is one of the items
  b.SetInsertPoint(found);
  b.CreateBr(latch);

  // The block's first NaN: the answer.
  b.SetInsertPoint(nan_find);
  llvm::PHINode* q = b.CreatePHI(i64, 2, "q");
  q->addIncoming(s, vend);
  llvm::Value* xq = element(q);
  b.CreateCondBr(isNan(xq), nan_found, nan_next);
  b.SetInsertPoint(nan_next);
  llvm::Value* q2 = b.CreateAdd(q, b.getInt64(1));
  q->addIncoming(q2, nan_next);
  b.CreateCondBr(b.CreateICmpSLT(q2, e), nan_find, latch);
  b.SetInsertPoint(nan_found);
  b.CreateBr(done);

  b.SetInsertPoint(latch);
  llvm::PHINode* best2 = b.CreatePHI(et, 4);
  llvm::PHINode* where2 = b.CreatePHI(i64, 4);
  for (llvm::BasicBlock* from : {compare, find_next, nan_next}) {
    best2->addIncoming(best, from);
    where2->addIncoming(where, from);
  }
  best2->addIncoming(xj, found);
  where2->addIncoming(j, found);
  s->addIncoming(e, latch);
  best->addIncoming(best2, latch);
  where->addIncoming(where2, latch);
  b.CreateBr(head);

  b.SetInsertPoint(done);
  llvm::PHINode* value = b.CreatePHI(et, 3, "extreme");
  llvm::PHINode* index = b.CreatePHI(i64, 3, "extreme.index");
  value->addIncoming(x0, entry);
  index->addIncoming(b.getInt64(0), entry);
  value->addIncoming(best, head);
  index->addIncoming(where, head);
  value->addIncoming(xq, nan_found);
  index->addIncoming(q, nan_found);
  return {value, index};
}

}  // namespace

llvm::Value* isContiguous(llvm::IRBuilder<>& b, llvm::Value* arr, const typing::Type* t, char order) {
  unsigned nd = static_cast<unsigned>(t->ndim);
  if (t->layout == order || (nd <= 1 && t->layout != 'A')) return b.getInt1(true);
  llvm::Value* ok = b.getInt1(true);
  llvm::Value* expect = b.getInt64(itemSize(t->dtype()));
  for (unsigned n = 0; n < nd; ++n) {
    unsigned j = order == 'C' ? nd - 1 - n : n;
    ok = b.CreateAnd(ok, b.CreateICmpEQ(b.CreateExtractValue(arr, {kStrides, j}), expect));
    expect = b.CreateMul(expect, b.CreateExtractValue(arr, {kShape, j}));
  }
  return ok;
}

void FunctionLowering::loop(llvm::Value* n, const std::function<void(llvm::Value*)>& body) {
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  llvm::BasicBlock* head = llvm::BasicBlock::Create(ctx_, "loop", fn_);
  llvm::BasicBlock* inside = llvm::BasicBlock::Create(ctx_, "loop.body", fn_);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx_, "loop.end", fn_);
  b_.CreateBr(head);
  b_.SetInsertPoint(head);
  llvm::PHINode* k = b_.CreatePHI(b_.getInt64Ty(), 2, "k");
  k->addIncoming(b_.getInt64(0), pre);
  b_.CreateCondBr(b_.CreateICmpSLT(k, n), inside, exit);
  b_.SetInsertPoint(inside);
  body(k);
  k->addIncoming(b_.CreateAdd(k, b_.getInt64(1)), b_.GetInsertBlock());
  b_.CreateBr(head);
  b_.SetInsertPoint(exit);
}

llvm::Value* FunctionLowering::arraySize(llvm::Value* arr, const typing::Type* t) {
  llvm::Value* n = b_.getInt64(1);
  for (unsigned k = 0; k < static_cast<unsigned>(t->ndim); ++k) n = b_.CreateMul(n, b_.CreateExtractValue(arr, {kShape, k}));
  return n;
}

llvm::Value* FunctionLowering::newArray(const typing::Type* t, const std::vector<llvm::Value*>& shape) {
  llvm::Value* total = b_.getInt64(1);
  llvm::Value* negative = b_.getInt1(false);
  // A size that overflows raises ValueError, an allocation that fails
  // MemoryError (Numba raises for np.empty(2**60) even when the array is unused).
  int64_t item = itemSize(t->dtype());
  llvm::Value* too_big = b_.getInt1(false);
  llvm::Function* umul = intrinsic(llvm::Intrinsic::umul_with_overflow, b_.getInt64Ty());
  for (llvm::Value* d : shape) {
    negative = b_.CreateOr(negative, b_.CreateICmpSLT(d, b_.getInt64(0)));
    llvm::Value* m = b_.CreateCall(umul, {total, d});
    total = b_.CreateExtractValue(m, 0);
    too_big = b_.CreateOr(too_big, b_.CreateExtractValue(m, 1));
  }
  raiseIf(negative, KILN_VALUE_ERROR, "negative dimensions are not allowed");
  too_big = b_.CreateOr(too_big, b_.CreateICmpUGT(total, b_.getInt64(INT64_MAX / item)));
  llvm::Value* bytes = b_.CreateMul(total, b_.getInt64(item));
  bytes = b_.CreateSelect(b_.CreateICmpEQ(bytes, b_.getInt64(0)), b_.getInt64(1), bytes);
  // npfuncs: NumPy's ValueError when the byte count overflows (MemoryError stays for a failed allocation).
  raiseIf(too_big, KILN_VALUE_ERROR,
          "array is too big; `arr.size * arr.dtype.itemsize` is larger than the maximum possible size.");
  llvm::Value* data = nullptr;
  llvm::Value* mi = allocMeminfo(bytes, &data);  // an indirect call, which LLVM never deletes
  llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, t));
  out = b_.CreateInsertValue(out, mi, kMeminfo);
  out = b_.CreateInsertValue(out, data, kData);
  llvm::Value* stride = b_.getInt64(item);
  const unsigned nd = static_cast<unsigned>(shape.size());
  for (unsigned j = 0; j < nd; ++j) {  // C: last dimension fastest; F: first
    unsigned k = t->layout == 'F' ? j : nd - 1 - j;
    out = b_.CreateInsertValue(out, shape[k], {kShape, k});
    out = b_.CreateInsertValue(out, stride, {kStrides, k});
    stride = b_.CreateMul(stride, shape[k]);
  }
  return out;
}

llvm::Value* FunctionLowering::strideOf(llvm::Value* arr, const typing::Type* at, unsigned d) {
  if (at->layout != 'C' && at->layout != 'F') return b_.CreateExtractValue(arr, {kStrides, d});
  llvm::Value* stride = b_.getInt64(itemSize(at->dtype()));
  const unsigned nd = static_cast<unsigned>(at->ndim);
  for (unsigned k = at->layout == 'C' ? d + 1 : 0; k < (at->layout == 'C' ? nd : d); ++k)
    stride = b_.CreateMul(stride, b_.CreateExtractValue(arr, {kShape, k}));
  return stride;
}

llvm::Value* FunctionLowering::flatElementPtr(llvm::Value* arr, const typing::Type* t, llvm::Value* k) {
  llvm::Value* data = b_.CreateExtractValue(arr, kData);
  if (t->layout == 'C') return b_.CreateGEP(b_.getInt8Ty(), data, b_.CreateMul(k, b_.getInt64(itemSize(t->dtype()))));
  // Any strides: unravel k in C order, last dimension fastest.
  llvm::Value* offset = b_.getInt64(0);
  llvm::Value* rest = k;
  for (unsigned d = static_cast<unsigned>(t->ndim); d-- > 0;) {
    llvm::Value* dim = b_.CreateExtractValue(arr, {kShape, d});
    llvm::Value* i = d == 0 ? rest : b_.CreateURem(rest, dim);
    if (d > 0) rest = b_.CreateUDiv(rest, dim);
    offset = b_.CreateAdd(offset, b_.CreateMul(i, b_.CreateExtractValue(arr, {kStrides, d})));
  }
  return b_.CreateGEP(b_.getInt8Ty(), data, offset);
}

llvm::Value* FunctionLowering::recordValue(llvm::Value* meminfo, llvm::Value* data) {
  llvm::PointerType* ptr = b_.getPtrTy();
  llvm::Value* rec = llvm::PoisonValue::get(llvm::StructType::get(ctx_, {ptr, ptr}));
  rec = b_.CreateInsertValue(rec, meminfo ? meminfo : llvm::ConstantPointerNull::get(ptr), kRecordMeminfo);
  return b_.CreateInsertValue(rec, data, kRecordData);
}

llvm::Value* FunctionLowering::loadElement(llvm::Value* ptr, const typing::Type* dtype, llvm::Value* meminfo) {
  if (dtype->isRecord()) return recordValue(meminfo, ptr);  // records: an element is a pointer to its bytes
  return fromMemory(b_, b_.CreateLoad(memoryType(ctx_, dtype), ptr), dtype);
}

void FunctionLowering::storeElement(llvm::Value* ptr, llvm::Value* v, const typing::Type* dtype) {
  if (dtype->isRecord()) {  // records: copies the record's bytes (memmove: a[i] = a[i] is allowed)
    b_.CreateMemMove(ptr, llvm::MaybeAlign(1), b_.CreateExtractValue(v, kRecordData), llvm::MaybeAlign(1),
                     b_.getInt64(dtype->index));
    return;
  }
  b_.CreateStore(toMemory(b_, v, dtype), ptr);
}

llvm::Value* FunctionLowering::arrayConstant(const compiler::Constant& c, const typing::Type* t) {
  // The frozen bytes live in the shared object, read-only: a borrowed array
  // (NULL meminfo) of them, or the scalar they hold.
  llvm::Constant* bytes = llvm::ConstantDataArray::getString(ctx_, c.s, /*AddNull=*/false);
  auto* gv = new llvm::GlobalVariable(*fn_->getParent(), bytes->getType(), /*isConstant=*/true,
                                      llvm::GlobalValue::PrivateLinkage, bytes, "kiln.array_constant");
  gv->setAlignment(llvm::Align(16));
  gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  // records: a global np.record, read-only (typing): recown: its bytes in
  // the shared object, which outlive any record of them compiled code keeps
  // (a copy in the frame was read after the frame was gone when returned).
  if (t->isRecord()) return recordValue(nullptr, gv);
  if (!t->isArray()) return loadElement(gv, t);
  llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, t));
  out = b_.CreateInsertValue(out, llvm::ConstantPointerNull::get(b_.getPtrTy()), kMeminfo);
  out = b_.CreateInsertValue(out, gv, kData);
  int64_t stride = itemSize(t->dtype());
  for (unsigned k = static_cast<unsigned>(c.shape.size()); k-- > 0;) {
    out = b_.CreateInsertValue(out, b_.getInt64(c.shape[k]), {kShape, k});
    out = b_.CreateInsertValue(out, b_.getInt64(stride), {kStrides, k});
    stride *= c.shape[k];
  }
  return out;
}

llvm::Value* FunctionLowering::member(BuiltinId id, const ir::Value* obj, const typing::Type* result) {
  llvm::Value* arr = value(obj);
  const typing::Type* t = obj->type;
  switch (id) {
    case BuiltinId::kArrayShape: {
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
      for (unsigned k = 0; k < static_cast<unsigned>(t->ndim); ++k)
        out = b_.CreateInsertValue(out, b_.CreateExtractValue(arr, {kShape, k}), k);
      return out;
    }
    case BuiltinId::kArraySize:
      return arraySize(arr, t);
    case BuiltinId::kArrayNdim:
      return b_.getInt64(t->ndim);
    case BuiltinId::kArrayReal:
    case BuiltinId::kArrayImag: {  // a complex array's part: the same memory, the same strides
      if (t->dtype()->kind != Kind::kComplex && id == BuiltinId::kArrayReal) return arr;  // a real array's real part is itself
      if (t->dtype()->kind != Kind::kComplex) {  // flatimag: its imaginary part, new zeros (read-only: typing)
        std::vector<llvm::Value*> shape;
        for (unsigned k = 0; k < static_cast<unsigned>(t->ndim); ++k) shape.push_back(b_.CreateExtractValue(arr, {kShape, k}));
        llvm::Value* out = newArray(result, shape);
        b_.CreateMemSet(b_.CreateExtractValue(out, kData), b_.getInt8(0),
                        b_.CreateMul(arraySize(out, result), b_.getInt64(itemSize(result->dtype()))), llvm::MaybeAlign(1));
        if (t->layout != 'C' && t->ndim >= 2) {
          // np0d: NumPy orders it F when the array is F-contiguous and not
          // C-contiguous, by its flags (a dimension of length 1 has any
          // stride; an empty array is both): only the strides differ, zeros either way.
          const unsigned nd = static_cast<unsigned>(t->ndim);
          llvm::Value* empty = b_.getInt1(false);
          for (unsigned k = 0; k < nd; ++k) empty = b_.CreateOr(empty, b_.CreateICmpEQ(shape[k], b_.getInt64(0)));
          auto contiguous = [&](char order) {
            llvm::Value* ok = b_.getInt1(true);
            llvm::Value* expect = b_.getInt64(itemSize(t->dtype()));
            for (unsigned n = 0; n < nd; ++n) {
              const unsigned j = order == 'C' ? nd - 1 - n : n;
              llvm::Value* one = b_.CreateICmpEQ(shape[j], b_.getInt64(1));
              ok = b_.CreateAnd(ok, b_.CreateOr(one, b_.CreateICmpEQ(b_.CreateExtractValue(arr, {kStrides, j}), expect)));
              expect = b_.CreateMul(expect, shape[j]);
            }
            return b_.CreateOr(ok, empty);
          };
          llvm::Value* fortran = b_.CreateAnd(contiguous('F'), b_.CreateNot(contiguous('C')));
          llvm::Value* c_stride = b_.getInt64(itemSize(t->dtype()));
          llvm::Value* f_stride = c_stride;
          std::vector<llvm::Value*> c_strides(nd), f_strides(nd);
          for (unsigned n = 0; n < nd; ++n) {
            c_strides[nd - 1 - n] = c_stride;
            c_stride = b_.CreateMul(c_stride, shape[nd - 1 - n]);
            f_strides[n] = f_stride;
            f_stride = b_.CreateMul(f_stride, shape[n]);
          }
          for (unsigned k = 0; k < nd; ++k)
            out = b_.CreateInsertValue(out, b_.CreateSelect(fortran, f_strides[k], c_strides[k]), {kStrides, k});
        }
        return out;
      }
      llvm::Value* data = b_.CreateExtractValue(arr, kData);
      if (id == BuiltinId::kArrayImag) data = b_.CreateGEP(b_.getInt8Ty(), data, b_.getInt64(itemSize(t->dtype()) / 2));
      Place p{b_.CreateExtractValue(arr, kMeminfo), data, {}, {}};
      for (unsigned k = 0; k < static_cast<unsigned>(t->ndim); ++k) {
        p.shape.push_back(b_.CreateExtractValue(arr, {kShape, k}));
        p.strides.push_back(b_.CreateExtractValue(arr, {kStrides, k}));
      }
      return viewOf(p, result);
    }
    case BuiltinId::kArrayStrides: {
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
      for (unsigned k = 0; k < static_cast<unsigned>(t->ndim); ++k) out = b_.CreateInsertValue(out, strideOf(arr, t, k), k);
      return out;
    }
    case BuiltinId::kArrayItemsize:
      return b_.getInt64(itemSize(t->dtype()));
    case BuiltinId::kArrayNbytes:
      return b_.CreateMul(arraySize(arr, t), b_.getInt64(itemSize(t->dtype())));
    case BuiltinId::kArrayDtype:
      return b_.getInt8(0);  // a class value carries nothing (data_model.cpp)
    case BuiltinId::kArrayFlags: {  // npfun3: NumPy's contiguity flags from the shape and strides
      // As NumPy: a dimension of length 1 may have any stride, and an empty
      // array is both C- and F-contiguous.
      const unsigned nd = static_cast<unsigned>(t->ndim);
      llvm::Value* empty = b_.getInt1(false);
      for (unsigned k = 0; k < nd; ++k)
        empty = b_.CreateOr(empty, b_.CreateICmpEQ(b_.CreateExtractValue(arr, {kShape, k}), b_.getInt64(0)));
      auto contiguous = [&](bool c_order) {
        llvm::Value* ok = b_.getInt1(true);
        llvm::Value* expect = b_.getInt64(itemSize(t->dtype()));
        for (unsigned j = 0; j < nd; ++j) {
          const unsigned k = c_order ? nd - 1 - j : j;
          llvm::Value* dim = b_.CreateExtractValue(arr, {kShape, k});
          llvm::Value* fits = b_.CreateOr(b_.CreateICmpEQ(dim, b_.getInt64(1)),
                                          b_.CreateICmpEQ(b_.CreateExtractValue(arr, {kStrides, k}), expect));
          ok = b_.CreateAnd(ok, fits);
          expect = b_.CreateMul(expect, dim);
        }
        return b_.CreateOr(ok, empty);
      };
      llvm::Value* c = contiguous(true);
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
      out = b_.CreateInsertValue(out, c, 0);
      out = b_.CreateInsertValue(out, contiguous(false), 1);
      out = b_.CreateInsertValue(out, c, 2);
      return out;
    }
    case BuiltinId::kArrayFlat: {  // C-contiguous (typing): the 1-d view
      if (result->isFlatIter()) return makeIter(arr, t, result);  // flatimag: another layout's iterator (lower_iter.cpp)
      Place p{b_.CreateExtractValue(arr, kMeminfo), b_.CreateExtractValue(arr, kData), {arraySize(arr, t)},
              {b_.getInt64(itemSize(t->dtype()))}};
      return viewOf(p, result);
    }
    case BuiltinId::kArrayT: {  // the same memory, dimensions reversed
      Place p{b_.CreateExtractValue(arr, kMeminfo), b_.CreateExtractValue(arr, kData), {}, {}};
      for (unsigned k = static_cast<unsigned>(t->ndim); k-- > 0;) {
        p.shape.push_back(b_.CreateExtractValue(arr, {kShape, k}));
        p.strides.push_back(b_.CreateExtractValue(arr, {kStrides, k}));
      }
      return viewOf(p, result);
    }
#define KILN_BUILTIN(Id, name, spec)
#define KILN_FAMILY(Id, name, spec, family, method)
#define KILN_METHOD(Id, receiver, name, spec, exposed) case BuiltinId::k##Id:
#define KILN_ATTRIBUTE(Id, receiver, name)
#include "compiler/typing/builtins.def"
      return arr;  // a bound method carries its receiver
#define KILN_BUILTIN(Id, name, spec) case BuiltinId::k##Id:
#define KILN_FAMILY(Id, name, spec, family, method) case BuiltinId::k##Id:
#define KILN_METHOD(Id, receiver, name, spec, exposed)
#define KILN_ATTRIBUTE(Id, receiver, name)
#include "compiler/typing/builtins.def"
      break;  // typing resolves no attribute to a function row
  }
  return arr;
}

std::vector<llvm::Value*> FunctionLowering::intIndices(llvm::Value* v, const typing::Type* t) {
  const typing::Type* i64 = types().integer(64, true);
  if (t->kind != Kind::kTuple) return {convert(b_, v, t, i64)};
  std::vector<llvm::Value*> out;
  for (unsigned k = 0; k < t->items.size(); ++k) out.push_back(convert(b_, b_.CreateExtractValue(v, k), t->items[k], i64));
  return out;
}

FunctionLowering::Place FunctionLowering::locate(llvm::Value* arr, const typing::Type* at, llvm::Value* index,
                                                 const typing::Type* it, bool check_ints) {
  // Ints pick (wrapping negatives, IndexError out of bounds); slices clamp
  // as Python's slice.indices() and keep their dimension; dimensions past
  // the index are kept whole.
  // None adds a dimension of size 1; `...` keeps the dimensions the other
  // parts leave (typing allows one).
  Place out;
  llvm::Value* i64_min = b_.getInt64(INT64_MIN);
  llvm::Value* zero = b_.getInt64(0);
  llvm::Value* offset = zero;
  const unsigned nparts = it->kind == Kind::kTuple ? static_cast<unsigned>(it->items.size()) : 1;
  const unsigned nd = static_cast<unsigned>(at->ndim);
  unsigned consumed = 0;
  for (unsigned q = 0; q < nparts; ++q) {
    Kind k = (it->kind == Kind::kTuple ? it->items[q] : it)->kind;
    if (k != Kind::kNone && k != Kind::kEllipsis) ++consumed;
  }
  unsigned d = 0;  // the next dimension of arr
  auto keep = [&]() {
    out.shape.push_back(b_.CreateExtractValue(arr, {kShape, d}));
    out.strides.push_back(strideOf(arr, at, d));
    ++d;
  };
  for (unsigned q = 0; q < nparts; ++q) {
    const typing::Type* pt = it->kind == Kind::kTuple ? it->items[q] : it;
    if (pt->kind == Kind::kNone) {
      out.shape.push_back(b_.getInt64(1));
      out.strides.push_back(zero);
      continue;
    }
    if (pt->kind == Kind::kEllipsis) {
      for (unsigned e = consumed; e < nd; ++e) keep();
      continue;
    }
    llvm::Value* part = it->kind == Kind::kTuple ? b_.CreateExtractValue(index, q) : index;
    llvm::Value* dim = b_.CreateExtractValue(arr, {kShape, d});
    llvm::Value* stride = strideOf(arr, at, d);
    ++d;
    if (typing::isSelectionIndex(pt)) {  // mixidx: an index array's dimension, whole
      out.shape.push_back(dim);
      out.strides.push_back(stride);
      continue;
    }
    if (pt->kind != Kind::kSlice) {
      if (typing::isScalarIndexArray(pt)) {  // a 0-d integer array: its integer
        part = loadElement(b_.CreateExtractValue(part, kData), pt->dtype());
        pt = pt->dtype();
      }
      llvm::Value* i = convert(b_, part, pt, types().integer(64, true));
      // mixidx: an unsigned index is never negative: past INT64_MAX it is out of bounds
      if (pt->kind != Kind::kInt || pt->is_signed) i = b_.CreateSelect(b_.CreateICmpSLT(i, zero), b_.CreateAdd(i, dim), i);
      if (boundscheck_ || check_ints)
        raiseIf(b_.CreateICmpUGE(i, dim), KILN_INDEX_ERROR,
                at->ndim == 1 ? "index out of bounds" : absl::StrCat("index out of bounds for axis ", d - 1));
      offset = b_.CreateAdd(offset, b_.CreateMul(i, stride));
      continue;
    }
    llvm::Value* step = b_.CreateExtractValue(part, 2);
    raiseIf(b_.CreateICmpEQ(step, zero), KILN_VALUE_ERROR, "slice step cannot be zero");
    llvm::Value* back = b_.CreateICmpSLT(step, zero);
    llvm::Value* minus_one = b_.getInt64(-1);
    auto clamp = [&](llvm::Value* x, llvm::Value* omitted) {
      llvm::Value* w = b_.CreateSelect(b_.CreateICmpSLT(x, zero), b_.CreateAdd(x, dim), x);
      llvm::Value* low = b_.CreateSelect(back, minus_one, zero);
      llvm::Value* high = b_.CreateSelect(back, b_.CreateSub(dim, b_.getInt64(1)), dim);
      w = b_.CreateSelect(b_.CreateICmpSLT(w, zero), low, b_.CreateSelect(b_.CreateICmpSGE(w, dim), high, w));
      return b_.CreateSelect(b_.CreateICmpEQ(x, i64_min), omitted, w);
    };
    llvm::Value* start = clamp(b_.CreateExtractValue(part, 0), b_.CreateSelect(back, b_.CreateSub(dim, b_.getInt64(1)), zero));
    llvm::Value* stop = clamp(b_.CreateExtractValue(part, 1), b_.CreateSelect(back, minus_one, dim));
    // len = ceil((stop - start) / step) when positive, else 0.
    llvm::Value* fwd_len = b_.CreateSDiv(b_.CreateAdd(b_.CreateSub(stop, start), b_.CreateSub(step, b_.getInt64(1))), step);
    llvm::Value* bwd_len = b_.CreateSDiv(b_.CreateAdd(b_.CreateSub(start, stop), b_.CreateSub(b_.CreateNeg(step), b_.getInt64(1))),
                                         b_.CreateNeg(step));
    llvm::Value* len = b_.CreateSelect(back, bwd_len, fwd_len);
    len = b_.CreateSelect(b_.CreateICmpSLT(len, zero), zero, len);
    // An empty slice may start past the end; its data pointer is never read.
    offset = b_.CreateAdd(offset, b_.CreateMul(b_.CreateSelect(b_.CreateICmpEQ(len, zero), zero, start), stride));
    out.shape.push_back(len);
    out.strides.push_back(b_.CreateMul(stride, step));
  }
  while (d < nd) keep();
  out.ptr = b_.CreateGEP(b_.getInt8Ty(), b_.CreateExtractValue(arr, kData), offset);
  out.meminfo = b_.CreateExtractValue(arr, kMeminfo);
  return out;
}

llvm::Value* FunctionLowering::viewOf(const Place& p, const typing::Type* t) {
  // A view has its parent's meminfo: NULL for borrowed memory, else the
  // block, which a receiver of both shares (kiln_abi.h).
  llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, t));
  out = b_.CreateInsertValue(out, p.meminfo, kMeminfo);
  out = b_.CreateInsertValue(out, p.ptr, kData);
  for (unsigned k = 0; k < p.shape.size(); ++k) {
    out = b_.CreateInsertValue(out, p.shape[k], {kShape, k});
    out = b_.CreateInsertValue(out, p.strides[k], {kStrides, k});
  }
  return out;
}

void FunctionLowering::ifThen(llvm::Value* cond, const std::function<void()>& body) {
  llvm::BasicBlock* then = llvm::BasicBlock::Create(ctx_, "then", fn_);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "endif", fn_);
  b_.CreateCondBr(cond, then, done);
  b_.SetInsertPoint(then);
  body();
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

llvm::Value* FunctionLowering::item1d(llvm::Value* arr, llvm::Value* k) {
  return b_.CreateGEP(b_.getInt8Ty(), b_.CreateExtractValue(arr, kData), b_.CreateMul(k, b_.CreateExtractValue(arr, {kStrides, 0})));
}

llvm::Value* FunctionLowering::checkedIndex(llvm::Value* arr, llvm::Value* i) {
  llvm::Value* n = b_.CreateExtractValue(arr, {kShape, 0});
  i = b_.CreateSelect(b_.CreateICmpSLT(i, b_.getInt64(0)), b_.CreateAdd(i, n), i);
  if (boundscheck_) raiseIf(b_.CreateICmpUGE(i, n), KILN_INDEX_ERROR, "index out of bounds");
  return i;
}

llvm::Value* FunctionLowering::take(llvm::Value* arr, const typing::Type* at, const ir::Value* idx,
                                    const typing::Type* result) {
  const typing::Type* dt = at->dtype();
  if (!idx->type->isArray())
    return loadElement(item1d(arr, checkedIndex(arr, converted(idx, types().integer(64, true)))), dt,
                       b_.CreateExtractValue(arr, kMeminfo));
  llvm::Value* iv = value(idx);
  llvm::Value* out = newArray(result, {b_.CreateExtractValue(iv, {kShape, 0})});
  Selection s;
  Selector by;
  by.index = iv;
  by.type = idx->type;
  by.length = b_.CreateExtractValue(arr, {kShape, 0});
  by.step = b_.CreateExtractValue(arr, {kStrides, 0});
  by.out_of_bounds = "index out of bounds";
  s.by.push_back(by);
  s.count = b_.CreateExtractValue(iv, {kShape, 0});
  llvm::Value* data = b_.CreateExtractValue(arr, kData);
  forSelected(s, [&](llvm::Value* offset, llvm::Value* j) {
    storeElement(flatElementPtr(out, result, j), loadElement(b_.CreateGEP(b_.getInt8Ty(), data, offset), dt), dt);
  });
  return out;
}

llvm::Value* FunctionLowering::arrayGetItem(const ir::Value* obj, const ir::Value* index, const typing::Type* result) {
  if (typing::isSelectionIndex(index->type)) return gatherSelection(obj, index, result);  // a[mask], a[idx, :]: a new array
  if (typing::isBytes(obj->type) && typing::isBytes(result)) {  // bytes2: b[i:j:k], a new bytes of its items
    Place p = locate(value(obj), obj->type, value(index), index->type);
    llvm::Value* out = newArray(result, {p.shape[0]});
    llvm::Value* data = b_.CreateExtractValue(out, kData);
    loop(p.shape[0], [&](llvm::Value* k) {
      llvm::Value* c = b_.CreateLoad(b_.getInt8Ty(), b_.CreateGEP(b_.getInt8Ty(), p.ptr, b_.CreateMul(k, p.strides[0])));
      b_.CreateStore(c, b_.CreateGEP(b_.getInt8Ty(), data, k));
    });
    return out;
  }
  if (typing::isBytes(obj->type) && index->type->isInteger()) {  // charseq: bytes index as Python's, checked
    llvm::Value* n = b_.CreateExtractValue(value(obj), {kShape, 0});
    llvm::Value* i = converted(index, types().integer(64, true));
    raiseIf(b_.CreateOr(b_.CreateICmpSGE(i, n), b_.CreateICmpSLT(i, b_.CreateNeg(n))), KILN_INDEX_ERROR,
            "index out of range");
  }
  Place p = locate(value(obj), obj->type, value(index), index->type);
  if (!result->isArray() && obj->type->dtype()->kind == Kind::kUnicodeCharSeq)  // chararrays: a new str of the item
    return strFromUcs4Field(p.ptr, obj->type->dtype()->index);
  if (typing::isCharDtype(obj->type->dtype()) && typing::isBytes(result)) {  // chararrays: the S item as bytes
    llvm::AllocaInst* len = entryAlloca(b_.getInt64Ty(), "s.len");
    b_.CreateStore(b_.getInt64(0), len);
    loop(b_.getInt64(obj->type->dtype()->index), [&](llvm::Value* k) {
      llvm::Value* c = b_.CreateLoad(b_.getInt8Ty(), b_.CreateGEP(b_.getInt8Ty(), p.ptr, k));
      llvm::Value* was = b_.CreateLoad(b_.getInt64Ty(), len);
      b_.CreateStore(b_.CreateSelect(b_.CreateICmpNE(c, b_.getInt8(0)), b_.CreateAdd(k, b_.getInt64(1)), was), len);
    });
    // bytesm: a new bytes block, as Python's a[i] is a new bytes object: a
    // view of the item would change when the array is written after
    // (ownership.cpp: this GetItem is a root).
    llvm::Value* n = b_.CreateLoad(b_.getInt64Ty(), len);
    llvm::Value* out = newArray(result, {n});
    b_.CreateMemCpy(b_.CreateExtractValue(out, kData), llvm::MaybeAlign(1), p.ptr, llvm::MaybeAlign(1), n);
    return out;
  }
  if (!result->isArray()) return loadElement(p.ptr, result, p.meminfo);
  return viewOf(p, result);
}

llvm::Value* FunctionLowering::unpackArray(const ir::Value* arr, int count, int index, const typing::Type* result) {
  llvm::Value* a = value(arr);
  llvm::Value* n = b_.CreateExtractValue(a, {kShape, 0});
  llvm::Value* want = b_.getInt64(count);
  raiseIf(b_.CreateICmpSGT(n, want), KILN_VALUE_ERROR, absl::StrCat("too many values to unpack (expected ", count, ")"));
  raiseIf(b_.CreateICmpSLT(n, want), KILN_VALUE_ERROR,
          absl::StrCat("not enough values to unpack (expected ", count, ", got fewer)"));
  const typing::Type* i64 = types().integer(64, true);
  Place p = locate(a, arr->type, b_.getInt64(index), i64);
  if (!result->isArray()) return loadElement(p.ptr, result, p.meminfo);
  return viewOf(p, result);
}

void FunctionLowering::storeStrAsUcs4(llvm::Value* slot, llvm::Value* s, int64_t chars) {
  llvm::Value* data = b_.CreateExtractValue(s, kStrData);
  llvm::Value* len = b_.CreateExtractValue(s, kStrLength);
  llvm::Value* kind = b_.CreateExtractValue(s, kStrKind);
  llvm::Value* n = b_.getInt64(chars);
  llvm::Value* copied = b_.CreateSelect(b_.CreateICmpSLT(len, n), len, n);
  auto slotAt = [&](llvm::Value* k) { return b_.CreateGEP(b_.getInt8Ty(), slot, b_.CreateMul(k, b_.getInt64(4))); };
  // One loop per width, only that width's running: no load reads past the str's characters.
  for (int width : {1, 2, 4}) {
    llvm::Type* ct = b_.getIntNTy(static_cast<unsigned>(8 * width));
    loop(b_.CreateSelect(b_.CreateICmpEQ(kind, b_.getInt64(width)), copied, b_.getInt64(0)), [&](llvm::Value* k) {
      llvm::Value* c = b_.CreateAlignedLoad(ct, b_.CreateGEP(b_.getInt8Ty(), data, b_.CreateMul(k, b_.getInt64(width))),
                                            llvm::Align(1));
      b_.CreateAlignedStore(b_.CreateZExtOrBitCast(c, b_.getInt32Ty()), slotAt(k), llvm::Align(1));
    });
  }
  loop(b_.CreateSub(n, copied), [&](llvm::Value* k) {
    b_.CreateAlignedStore(b_.getInt32(0), slotAt(b_.CreateAdd(copied, k)), llvm::Align(1));
  });
}

void FunctionLowering::arraySetItem(const ir::Value* obj, const ir::Value* index, const ir::Value* v,
                                    const typing::Type* slot) {
  const typing::Type* dt = obj->type->dtype();
  if (typing::isSelectionIndex(index->type)) {  // a[mask] = x, a[idx, :] = x
    scatterSelection(obj, index, v);
    return;
  }
  Place p = locate(value(obj), obj->type, value(index), index->type);
  if (typing::isCharDtype(dt)) {  // chararrays: the bytes' first N, NUL-padded (NumPy's)
    llvm::Value* bv = value(v);
    llvm::Value* n = b_.getInt64(dt->index);
    llvm::Value* len = b_.CreateExtractValue(bv, {kShape, 0});
    llvm::Value* copied = b_.CreateSelect(b_.CreateICmpSLT(len, n), len, n);
    b_.CreateMemMove(p.ptr, llvm::MaybeAlign(1), b_.CreateExtractValue(bv, kData), llvm::MaybeAlign(1), copied);
    b_.CreateMemSet(b_.CreateGEP(b_.getInt8Ty(), p.ptr, copied), b_.getInt8(0), b_.CreateSub(n, copied), llvm::MaybeAlign(1));
    return;
  }
  if (dt->kind == Kind::kUnicodeCharSeq && v->type->isArray()) {  // chararrays: a 0-d U array's first N characters
    llvm::Value* n = b_.getInt64(dt->index);
    llvm::Value* m = b_.getInt64(v->type->dtype()->index);
    llvm::Value* copied = b_.CreateSelect(b_.CreateICmpSLT(m, n), m, n);
    b_.CreateMemMove(p.ptr, llvm::MaybeAlign(1), b_.CreateExtractValue(value(v), kData), llvm::MaybeAlign(1),
                     b_.CreateMul(copied, b_.getInt64(4)));
    b_.CreateMemSet(b_.CreateGEP(b_.getInt8Ty(), p.ptr, b_.CreateMul(copied, b_.getInt64(4))), b_.getInt8(0),
                    b_.CreateMul(b_.CreateSub(n, copied), b_.getInt64(4)), llvm::MaybeAlign(1));
    return;
  }
  if (dt->kind == Kind::kUnicodeCharSeq) {  // chararrays: the str's first N characters as UCS4, NUL-padded (NumPy's)
    storeStrAsUcs4(p.ptr, value(v), dt->index);
    return;
  }
  if (!slot->isArray()) {
    if (v->type->isArray()) {  // a 0-d array: its element
      const typing::Type* ve = v->type->dtype();
      storeElement(p.ptr, convert(b_, loadElement(b_.CreateExtractValue(value(v), kData), ve), ve, dt), dt);
      return;
    }
    storeElement(p.ptr, converted(v, dt), dt);
    return;
  }
  // Into a view: fill with a scalar or copy a broadcast array or a sequence.
  if (v->type->kind == Kind::kList || v->type->kind == Kind::kTuple) {
    storeSequenceIntoView(Typed{slot, viewOf(p, slot)}, v);
    return;
  }
  storeIntoView(Typed{slot, viewOf(p, slot)}, v);
}

void FunctionLowering::storeSequenceIntoView(const Typed& target, const ir::Value* v) {
  const typing::Type* dt = target.type->dtype();
  const typing::Type* st = v->type;
  llvm::Value* seq = value(v);
  llvm::Value* len = b_.CreateExtractValue(target.v, {kShape, 0});
  llvm::Value* stride = b_.CreateExtractValue(target.v, {kStrides, 0});
  llvm::Value* data = b_.CreateExtractValue(target.v, kData);
  auto at = [&](llvm::Value* k) { return b_.CreateGEP(b_.getInt8Ty(), data, b_.CreateMul(k, stride)); };
  const char* kDifferentSize = "cannot assign slice from input of different size";  // Numba's words
  if (st->kind == Kind::kTuple) {
    if (st->items.size() == 1) {  // broadcast, as NumPy
      llvm::Value* x = convert(b_, b_.CreateExtractValue(seq, 0), st->items[0], dt);
      loop(len, [&](llvm::Value* k) { storeElement(at(k), x, dt); });
      return;
    }
    raiseIf(b_.CreateICmpNE(len, b_.getInt64(static_cast<int64_t>(st->items.size()))), KILN_VALUE_ERROR, kDifferentSize);
    for (unsigned k = 0; k < st->items.size(); ++k)
      storeElement(at(b_.getInt64(k)), convert(b_, b_.CreateExtractValue(seq, k), st->items[k], dt), dt);
    return;
  }
  llvm::Value* n = listSize(seq);
  llvm::Value* one = b_.CreateICmpEQ(n, b_.getInt64(1));
  raiseIf(b_.CreateAnd(b_.CreateNot(one), b_.CreateICmpNE(len, n)), KILN_VALUE_ERROR, kDifferentSize);
  loop(len, [&](llvm::Value* k) {
    llvm::Value* x = listGet(seq, st, b_.CreateSelect(one, b_.getInt64(0), k));
    storeElement(at(k), convert(b_, x, st->items[0], dt), dt);
  });
}

void FunctionLowering::storeIntoView(const Typed& target, const ir::Value* v) { storeIntoView(target, typed(v)); }

void FunctionLowering::storeIntoView(const Typed& target, Typed src) {
  const typing::Type* slot = target.type;
  const typing::Type* dt = slot->dtype();
  if (src.type->isArray() && src.type->ndim == 0)  // a 0-d array: its element
    src = Typed{src.type->dtype(), loadElement(b_.CreateExtractValue(src.v, kData), src.type->dtype())};
  const typing::Type* ve = src.type->isArray() ? src.type->dtype() : src.type;
  auto conv = [&](const std::vector<llvm::Value*>& xs) { return convert(b_, xs[0], ve, dt); };
  if (!src.type->isArray()) {
    elementwise({src}, ve, slot, &target, conv);
    return;
  }
  if (src.type->ndim > slot->ndim) {  // leading dimensions of 1 dropped
    const unsigned extra = static_cast<unsigned>(src.type->ndim - slot->ndim);
    llvm::Value* bad = b_.getInt1(false);
    for (unsigned d = 0; d < extra; ++d)
      bad = b_.CreateOr(bad, b_.CreateICmpNE(b_.CreateExtractValue(src.v, {kShape, d}), b_.getInt64(1)));
    raiseIf(bad, KILN_VALUE_ERROR, "cannot broadcast source array for assignment");
    Place p{b_.CreateExtractValue(src.v, kMeminfo), b_.CreateExtractValue(src.v, kData), {}, {}};
    for (unsigned d = extra; d < static_cast<unsigned>(src.type->ndim); ++d) {
      p.shape.push_back(b_.CreateExtractValue(src.v, {kShape, d}));
      p.strides.push_back(strideOf(src.v, src.type, d));
    }
    const typing::Type* vt = types().array(ve, slot->ndim, 'A');
    src = Typed{vt, viewOf(p, vt)};
  }
  {
    const unsigned lead = static_cast<unsigned>(slot->ndim - src.type->ndim);
    llvm::Value* bad = b_.getInt1(false);
    for (unsigned j = 0; j < static_cast<unsigned>(src.type->ndim); ++j) {
      llvm::Value* d = b_.CreateExtractValue(src.v, {kShape, j});
      bad = b_.CreateOr(bad, b_.CreateAnd(b_.CreateICmpNE(d, b_.getInt64(1)),
                                          b_.CreateICmpNE(d, b_.CreateExtractValue(target.v, {kShape, lead + j}))));
    }
    raiseIf(bad, KILN_VALUE_ERROR, "cannot assign slice from input of different size");  // Numba's words
  }
  // A source whose memory overlaps the target's (a[1:] = a[:-1],
  // a[::-1] = a) is copied first by elementwise, as NumPy does.
  elementwise({src}, ve, slot, &target, conv);
}

llvm::Value* FunctionLowering::mustBuffer(const Typed& src, const Typed& target) {
  if (src.v == target.v) return b_.getInt1(false);  // the target itself (a += b's a)
  llvm::Value* overlap = arraysOverlap(src.v, src.type, target.v, target.type);
  if (src.type->ndim != target.type->ndim || itemSize(src.type->dtype()) != itemSize(target.type->dtype()))
    return overlap;
  llvm::Value* same = b_.CreateICmpEQ(b_.CreateExtractValue(src.v, kData), b_.CreateExtractValue(target.v, kData));
  for (unsigned d = 0; d < static_cast<unsigned>(src.type->ndim); ++d) {
    same = b_.CreateAnd(same, b_.CreateICmpEQ(b_.CreateExtractValue(src.v, {kShape, d}),
                                              b_.CreateExtractValue(target.v, {kShape, d})));
    same = b_.CreateAnd(same, b_.CreateICmpEQ(strideOf(src.v, src.type, d), strideOf(target.v, target.type, d)));
  }
  return b_.CreateAnd(overlap, b_.CreateNot(same));
}

llvm::Value* FunctionLowering::arraysOverlap(llvm::Value* a, const typing::Type* at, llvm::Value* b,
                                             const typing::Type* bt) {
  // The byte range [lo, hi) each array's elements span (strides may be
  // negative); an empty array spans nothing.
  auto range = [&](llvm::Value* arr, const typing::Type* t, llvm::Value** lo, llvm::Value** hi) {
    llvm::Value* base = b_.CreatePtrToInt(b_.CreateExtractValue(arr, kData), b_.getInt64Ty());
    llvm::Value* down = b_.getInt64(0);
    llvm::Value* up = b_.getInt64(itemSize(t->dtype()));
    llvm::Value* empty = b_.getInt1(false);
    for (unsigned k = 0; k < static_cast<unsigned>(t->ndim); ++k) {
      llvm::Value* n = b_.CreateExtractValue(arr, {kShape, k});
      empty = b_.CreateOr(empty, b_.CreateICmpSLE(n, b_.getInt64(0)));
      llvm::Value* span = b_.CreateMul(b_.CreateSub(n, b_.getInt64(1)), strideOf(arr, t, k));
      llvm::Value* neg = b_.CreateICmpSLT(span, b_.getInt64(0));
      down = b_.CreateAdd(down, b_.CreateSelect(neg, span, b_.getInt64(0)));
      up = b_.CreateAdd(up, b_.CreateSelect(neg, b_.getInt64(0), span));
    }
    *lo = b_.CreateAdd(base, down);
    *hi = b_.CreateAdd(base, up);
    return empty;
  };
  llvm::Value *alo, *ahi, *blo, *bhi;
  llvm::Value* a_empty = range(a, at, &alo, &ahi);
  llvm::Value* b_empty = range(b, bt, &blo, &bhi);
  llvm::Value* meet = b_.CreateAnd(b_.CreateICmpULT(alo, bhi), b_.CreateICmpULT(blo, ahi));
  return b_.CreateAnd(meet, b_.CreateNot(b_.CreateOr(a_empty, b_empty)));
}

bool FunctionLowering::canBuffer(llvm::Value* overlap) {
  if (!prog_.cuda_ptx) return true;
  raiseIf(overlap, KILN_VALUE_ERROR, "in-place operands overlap, which a GPU kernel cannot buffer (copy the input first)");
  return false;
}

llvm::Value* FunctionLowering::elementwise(const std::vector<Typed>& operands, const typing::Type* ct,
                                           const typing::Type* result, const Typed* into,
                                           const std::function<llvm::Value*(const std::vector<llvm::Value*>&)>& f,
                                           const std::vector<const typing::Type*>& cts) {
  // In place: an input that overlaps the target, unless it is exactly the
  // target's elements, would be read after the loop wrote into it
  // (a[1:] += a[:-1], a += a.T, np.negative(a[::-1], out=a)). Then the
  // overlapping inputs are copied first and the loop reads the copies; the
  // common case costs the range comparisons and keeps its flat loop.
  llvm::Value* any = nullptr;
  std::vector<llvm::Value*> buffer(operands.size(), nullptr);
  for (size_t q = 0; into && q < operands.size(); ++q) {
    if (!operands[q].type->isArray() || operands[q].v == into->v) continue;
    buffer[q] = mustBuffer(operands[q], *into);
    any = any ? b_.CreateOr(any, buffer[q]) : buffer[q];
  }
  if (any == nullptr || !canBuffer(any)) return elementwiseLoop(operands, ct, result, into, f, cts);
  llvm::BasicBlock* copy_bb = llvm::BasicBlock::Create(ctx_, "inplace.buffer", fn_);
  llvm::BasicBlock* direct_bb = llvm::BasicBlock::Create(ctx_, "inplace.direct", fn_);
  llvm::BasicBlock* done_bb = llvm::BasicBlock::Create(ctx_, "inplace.done", fn_);
  b_.CreateCondBr(any, copy_bb, direct_bb);
  b_.SetInsertPoint(copy_bb);
  // Each operand that may overlap is copied here (one that does not at run
  // time is copied too: this is the rare path, and it keeps one loop).
  std::vector<Typed> copies = operands;
  std::vector<llvm::Value*> temps;
  for (size_t q = 0; q < operands.size(); ++q) {
    if (buffer[q] == nullptr) continue;
    const typing::Type* t = types().array(operands[q].type->dtype(), operands[q].type->ndim, 'C');
    copies[q] = Typed{t, elementwiseLoop({operands[q]}, operands[q].type->dtype(), t, nullptr,
                                         [](const std::vector<llvm::Value*>& xs) { return xs[0]; },
                                         {operands[q].type->dtype()})};
    temps.push_back(copies[q].v);
  }
  elementwiseLoop(copies, ct, result, into, f, cts);
  for (llvm::Value* t : temps) releaseTemp(t);
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(direct_bb);
  llvm::Value* dest = elementwiseLoop(operands, ct, result, into, f, cts);
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(done_bb);
  return dest;
}

llvm::Value* FunctionLowering::elementwiseLoop(const std::vector<Typed>& operands, const typing::Type* ct,
                                               const typing::Type* result, const Typed* into,
                                               const std::function<llvm::Value*(const std::vector<llvm::Value*>&)>& f,
                                               const std::vector<const typing::Type*>& cts) {
  // NumPy broadcasting: shapes align at the right; each dimension is equal
  // or 1 (or missing), and a broadcast dimension has stride 0.
  unsigned nd = static_cast<unsigned>(result->ndim);
  llvm::Value* one = b_.getInt64(1);
  std::vector<llvm::Value*> shape(nd, one);
  for (unsigned d = 0; into && d < nd; ++d) shape[d] = b_.CreateExtractValue(into->v, {kShape, d});
  for (const Typed& o : operands) {
    if (into || !o.type->isArray()) continue;  // in place: the target's shape
    unsigned lead = nd - static_cast<unsigned>(o.type->ndim);
    for (unsigned j = 0; j < static_cast<unsigned>(o.type->ndim); ++j) {
      llvm::Value* d = b_.CreateExtractValue(o.v, {kShape, j});
      shape[lead + j] = b_.CreateSelect(b_.CreateICmpEQ(d, one), shape[lead + j], d);
    }
  }
  llvm::Value* bad = b_.getInt1(false);
  struct Source {
    const typing::Type* type;
    const typing::Type* ct;               // what its elements are converted to
    llvm::Value* v;                       // the array's data, or the converted scalar
    std::vector<llvm::Value*> strides;    // per result dimension
  };
  std::vector<Source> srcs;
  for (size_t q = 0; q < operands.size(); ++q) {
    const Typed& o = operands[q];
    const typing::Type* oct = q < cts.size() ? cts[q] : ct;
    if (!o.type->isArray()) {
      srcs.push_back({o.type, oct, convert(b_, o.v, o.type, oct), {}});
      continue;
    }
    llvm::Value* arr = o.v;
    unsigned lead = nd - static_cast<unsigned>(o.type->ndim);
    std::vector<llvm::Value*> st(nd, b_.getInt64(0));
    for (unsigned j = 0; j < static_cast<unsigned>(o.type->ndim); ++j) {
      llvm::Value* d = b_.CreateExtractValue(arr, {kShape, j});
      bad = b_.CreateOr(bad, b_.CreateAnd(b_.CreateICmpNE(d, one), b_.CreateICmpNE(d, shape[lead + j])));
      st[lead + j] = b_.CreateSelect(b_.CreateICmpEQ(d, one), b_.getInt64(0), b_.CreateExtractValue(arr, {kStrides, j}));
    }
    srcs.push_back({o.type, oct, b_.CreateExtractValue(arr, kData), std::move(st)});
  }
  raiseIf(bad, KILN_VALUE_ERROR, "operands could not be broadcast together");
  const typing::Type* dest_type = into ? into->type : result;  // a view target may have any strides
  llvm::Value* dest = into ? into->v : newArray(result, shape);
  llvm::Value* total = one;
  for (llvm::Value* d : shape) total = b_.CreateMul(total, d);
  // When every array operand has the result's shape and all are
  // C-contiguous, the destination too, one flat loop over memory with
  // unit-stride loads and store (which LLVM vectorises) visits the elements
  // in the same order as the strided loop below.
  auto plain = [](const typing::Type* e) {  // elements whose memory type is their item
    return e->kind == Kind::kBool || e->kind == Kind::kInt || e->kind == Kind::kFloat || e->kind == Kind::kComplex ||
           e->isDatetimeLike();
  };
  llvm::Value* flat = plain(dest_type->dtype()) ? isContiguous(b_, dest, dest_type, 'C') : b_.getInt1(false);
  for (const Typed& o : operands) {
    if (!o.type->isArray()) continue;
    if (!plain(o.type->dtype())) flat = b_.getInt1(false);
    unsigned ond = static_cast<unsigned>(o.type->ndim);
    if (ond != nd) flat = b_.getInt1(false);
    for (unsigned j = 0; j < ond && ond == nd; ++j)
      flat = b_.CreateAnd(flat, b_.CreateICmpEQ(b_.CreateExtractValue(o.v, {kShape, j}), shape[j]));
    flat = b_.CreateAnd(flat, isContiguous(b_, o.v, o.type, 'C'));
  }
  llvm::BasicBlock* strided_bb = llvm::BasicBlock::Create(ctx_, "elementwise.strided", fn_);
  llvm::BasicBlock* done_bb = llvm::BasicBlock::Create(ctx_, "elementwise.done", fn_);
  if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(flat); c && c->isZero()) {
    b_.CreateBr(strided_bb);
  } else {
    llvm::BasicBlock* flat_bb = llvm::BasicBlock::Create(ctx_, "elementwise.flat", fn_);
    b_.CreateCondBr(flat, flat_bb, strided_bb);
    b_.SetInsertPoint(flat_bb);
    llvm::Value* out = b_.CreateExtractValue(dest, kData);
    const typing::Type* rdt = dest_type->dtype();
    loop(total, [&](llvm::Value* k) {
      std::vector<llvm::Value*> xs;
      for (const Source& src : srcs) {
        if (!src.type->isArray()) {
          xs.push_back(src.v);
          continue;
        }
        const typing::Type* sdt = src.type->dtype();
        xs.push_back(convert(b_, loadElement(b_.CreateGEP(memoryType(ctx_, sdt), src.v, k), sdt), sdt, src.ct));
      }
      storeElement(b_.CreateGEP(memoryType(ctx_, rdt), out, k), f(xs), rdt);
    });
    b_.CreateBr(done_bb);
  }
  b_.SetInsertPoint(strided_bb);
  loop(total, [&](llvm::Value* k) {
    // The index of k in each dimension, last dimension fastest.
    std::vector<llvm::Value*> idx(nd);
    llvm::Value* rest = k;
    for (unsigned d = nd; d-- > 0;) {
      idx[d] = d == 0 ? rest : b_.CreateURem(rest, shape[d]);
      if (d > 0) rest = b_.CreateUDiv(rest, shape[d]);
    }
    std::vector<llvm::Value*> xs;
    for (const Source& src : srcs) {
      if (!src.type->isArray()) {
        xs.push_back(src.v);
        continue;
      }
      llvm::Value* offset = b_.getInt64(0);
      for (unsigned d = 0; d < nd; ++d) offset = b_.CreateAdd(offset, b_.CreateMul(idx[d], src.strides[d]));
      llvm::Value* x = loadElement(b_.CreateGEP(b_.getInt8Ty(), src.v, offset), src.type->dtype());
      xs.push_back(convert(b_, x, src.type->dtype(), src.ct));
    }
    storeElement(flatElementPtr(dest, dest_type, k), f(xs), dest_type->dtype());
  });
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(done_bb);
  return dest;
}

llvm::Value* FunctionLowering::arrayBinary(BinaryOp op, const ir::Value* lhs, const ir::Value* rhs,
                                           const typing::Type* result, const typing::Type* ct, bool inplace) {
  const typing::Type* dt = result->dtype();
  Typed target = typed(lhs);
  const typing::Type* ea = lhs->type->isArray() ? lhs->type->dtype() : lhs->type;
  const typing::Type* eb = rhs->type->isArray() ? rhs->type->dtype() : rhs->type;
  if (ea->isDatetimeLike() || eb->isDatetimeLike()) {  // datetime: each operand in its own type
    const typing::Type* elem = typing::datetimeBinaryResult(types(), op, ea, eb);
    return elementwise({typed(lhs), typed(rhs)}, ea, result, inplace ? &target : nullptr,
                       [&](const std::vector<llvm::Value*>& xs) {
                         return convert(b_, datetimeBinaryValues(op, xs[0], ea, xs[1], eb, elem), elem, dt);
                       }, {ea, eb});
  }
  // The element code of the operator's ufunc (lower_ufuncs.cpp), on the
  // loop typing chose: NumPy's semantics for operators and ufuncs alike.
  typing::UfuncImpl impl = typing::UfuncImpl::kAdd;
  switch (op) {
    case BinaryOp::kAdd: impl = typing::UfuncImpl::kAdd; break;
    case BinaryOp::kSub: impl = typing::UfuncImpl::kSubtract; break;
    case BinaryOp::kMul: impl = typing::UfuncImpl::kMultiply; break;
    case BinaryOp::kTrueDiv: impl = typing::UfuncImpl::kTrueDivide; break;
    case BinaryOp::kFloorDiv: impl = typing::UfuncImpl::kFloorDivide; break;
    case BinaryOp::kMod: impl = typing::UfuncImpl::kRemainder; break;
    case BinaryOp::kPow: impl = typing::UfuncImpl::kPower; break;
    case BinaryOp::kLShift: impl = typing::UfuncImpl::kLeftShift; break;
    case BinaryOp::kRShift: impl = typing::UfuncImpl::kRightShift; break;
    case BinaryOp::kAnd: impl = typing::UfuncImpl::kBitwiseAnd; break;
    case BinaryOp::kOr: impl = typing::UfuncImpl::kBitwiseOr; break;
    case BinaryOp::kXor: impl = typing::UfuncImpl::kBitwiseXor; break;
    case BinaryOp::kMatMul: break;  // refused by typing
  }
  // powop: a power as NumPy's operator and loops compute it, with the
  // exponent's value where it is one for every element.
  llvm::Value* exponent = op == BinaryOp::kPow ? uniformValue(rhs) : nullptr;
  return elementwise({typed(lhs), typed(rhs)}, ct, result, inplace ? &target : nullptr, [&](const std::vector<llvm::Value*>& xs) {
    if (op == BinaryOp::kPow)
      return convert(b_, numpyPowerElement(ct, xs[0], xs[1], lhs->type, rhs->type, exponent, /*is_operator=*/true), ct, dt);
    return convert(b_, ufuncBody(impl, {ct, ct, ct}, xs)[0], ct, dt);
  });
}

llvm::Value* FunctionLowering::arrayUnary(UnaryOp op, const ir::Value* x, const typing::Type* result) {
  llvm::Value* src = value(x);
  const typing::Type* dt = result->dtype();
  unsigned nd = static_cast<unsigned>(x->type->ndim);
  std::vector<llvm::Value*> shape;
  for (unsigned k = 0; k < nd; ++k) shape.push_back(b_.CreateExtractValue(src, {kShape, k}));
  llvm::Value* dest = newArray(result, shape);
  loop(arraySize(src, x->type), [&](llvm::Value* k) {
    llvm::Value* v = loadElement(flatElementPtr(src, x->type, k), dt);
    llvm::Value* r = v;
    switch (op) {
      case UnaryOp::kNeg:
        if (dt->kind == Kind::kComplex)
          r = b_.CreateInsertValue(b_.CreateInsertValue(v, b_.CreateFNeg(b_.CreateExtractValue(v, 0)), 0),
                                   b_.CreateFNeg(b_.CreateExtractValue(v, 1)), 1);
        else
          r = dt->kind == Kind::kFloat ? b_.CreateFNeg(v) : b_.CreateNeg(v);
        break;
      case UnaryOp::kInvert: r = b_.CreateNot(v); break;
      case UnaryOp::kPos:
      case UnaryOp::kNot:  // rejected by typing
        break;
    }
    storeElement(flatElementPtr(dest, result, k), r, dt);
  });
  return dest;
}
llvm::Value* FunctionLowering::arrayCompare(CompareOp op, const ir::Value* lhs, const ir::Value* rhs,
                                            const typing::Type* result, const typing::Type* ot) {
  const typing::Type* a = lhs->type->isArray() ? lhs->type->dtype() : lhs->type;
  const typing::Type* c = rhs->type->isArray() ? rhs->type->dtype() : rhs->type;
  if (typing::mixedSignInts(a, c)) {  // each element in its own signedness
    std::vector<const typing::Type*> own = {types().integer(64, a->is_signed), types().integer(64, c->is_signed)};
    return elementwise({typed(lhs), typed(rhs)}, ot, result, nullptr,
                       [&](const std::vector<llvm::Value*>& xs) {
                         return compareMixedSign(op, xs[0], a->is_signed, xs[1], c->is_signed);
                       }, own);
  }
  if (a->isDatetimeLike() || c->isDatetimeLike())  // datetime: each operand in its own type
    return elementwise({typed(lhs), typed(rhs)}, a, result, nullptr,
                       [&](const std::vector<llvm::Value*>& xs) { return datetimeCompareValues(op, xs[0], a, xs[1], c); },
                       {a, c});
  return elementwise({typed(lhs), typed(rhs)}, ot, result, nullptr,
                     [&](const std::vector<llvm::Value*>& xs) { return compareValues(op, xs[0], xs[1], ot); });
}

llvm::Value* FunctionLowering::reduceAxis(BuiltinId id, llvm::Value* recv, const typing::Type* at,
                                          const ir::Value* axis_arg, const typing::Type* result) {
  unsigned nd = static_cast<unsigned>(at->ndim);
  llvm::Value* axis = converted(axis_arg, types().integer(64, true));
  axis = b_.CreateSelect(b_.CreateICmpSLT(axis, b_.getInt64(0)), b_.CreateAdd(axis, b_.getInt64(nd)), axis);
  raiseIf(b_.CreateICmpUGE(axis, b_.getInt64(nd)), KILN_VALUE_ERROR, "axis is out of bounds for the array");
  const typing::Type* scalar = result->isArray() ? result->dtype() : result;
  if (nd == 1) return arrayMethod(id, at, recv, {}, scalar);
  // A field chosen by the run-time axis among the static dimensions.
  auto pick = [&](unsigned field, llvm::Value* d) {
    llvm::Value* v = b_.CreateExtractValue(recv, {field, 0});
    for (unsigned k = 1; k < nd; ++k) v = b_.CreateSelect(b_.CreateICmpEQ(d, b_.getInt64(k)), b_.CreateExtractValue(recv, {field, k}), v);
    return v;
  };
  std::vector<llvm::Value*> shape, strides;
  for (unsigned j = 0; j + 1 < nd; ++j) {
    llvm::Value* src = b_.CreateSelect(b_.CreateICmpULT(b_.getInt64(j), axis), b_.getInt64(j), b_.getInt64(j + 1));
    shape.push_back(pick(kShape, src));
    strides.push_back(pick(kStrides, src));
  }
  llvm::Value* len = pick(kShape, axis);
  llvm::Value* step = pick(kStrides, axis);
  const typing::Type* dt = at->dtype();
  // npfuncs: argmin/argmax keep the index of the extreme item (the first NaN wins).
  bool is_arg = id == BuiltinId::kArrayArgmin || id == BuiltinId::kArrayArgmax;
  bool is_min = id == BuiltinId::kArrayMin || id == BuiltinId::kArrayArgmin;
  bool extreme = is_min || id == BuiltinId::kArrayMax || id == BuiltinId::kArrayArgmax;
  bool is_mean = id == BuiltinId::kArrayMean;
  bool is_prod = id == BuiltinId::kArrayProd;
  if (extreme)
    raiseIf(b_.CreateICmpEQ(len, b_.getInt64(0)), KILN_VALUE_ERROR,
            is_arg   ? (is_min ? "attempt to get argmin of an empty sequence" : "attempt to get argmax of an empty sequence")
            : is_min ? "zero-size array to reduction operation minimum which has no identity"
                     : "zero-size array to reduction operation maximum which has no identity");
  llvm::Value* out = newArray(result, shape);
  const typing::Type* acc_t = is_mean ? (dt->kind == Kind::kFloat ? dt : types().floating(64)) : is_arg ? dt : scalar;
  if (!extreme && acc_t->kind == Kind::kFloat && acc_t->bits == 16) acc_t = types().floating(32);  // float16: as NumPy's reduce
  llvm::AllocaInst* acc = entryAlloca(valueType(ctx_, acc_t), "acc");
  llvm::AllocaInst* where = entryAlloca(b_.getInt64Ty(), "where");
  llvm::Value* data = b_.CreateExtractValue(recv, kData);
  // pairwise: whether the axis is the one NumPy's iterator takes innermost
  // (the smallest stride among the dimensions longer than 1), for a float or
  // complex sum.
  // A complex product along another axis multiplies row by row in NumPy's
  // element-wise loop (numpyComplexMultiply); along the innermost one it is
  // its reduction loop, with both products rounded.
  llvm::Value* innermost = nullptr;
  bool complex_prod = is_prod && acc_t->kind == Kind::kComplex;
  if (!extreme && (!is_prod || complex_prod) && (acc_t->kind == Kind::kFloat || acc_t->kind == Kind::kComplex)) {
    auto magnitude = [&](llvm::Value* v) { return b_.CreateSelect(b_.CreateICmpSLT(v, b_.getInt64(0)), b_.CreateNeg(v), v); };
    innermost = b_.getInt1(true);
    for (unsigned j = 0; j + 1 < nd; ++j)
      innermost = b_.CreateAnd(innermost, b_.CreateOr(b_.CreateICmpSLE(shape[j], b_.getInt64(1)),
                                                      b_.CreateICmpULE(magnitude(step), magnitude(strides[j]))));
  }
  loop(arraySize(out, result), [&](llvm::Value* o) {
    llvm::Value* rest = o;
    llvm::Value* base = b_.getInt64(0);
    for (unsigned j = nd - 1; j-- > 0;) {
      llvm::Value* idx = j == 0 ? rest : b_.CreateURem(rest, shape[j]);
      if (j > 0) rest = b_.CreateUDiv(rest, shape[j]);
      base = b_.CreateAdd(base, b_.CreateMul(idx, strides[j]));
    }
    auto item = [&](llvm::Value* t) {
      return convert(b_, loadElement(b_.CreateGEP(b_.getInt8Ty(), data, b_.CreateAdd(base, b_.CreateMul(t, step))), dt), dt, acc_t);
    };
    b_.CreateStore(extreme ? item(b_.getInt64(0)) : convert(b_, b_.getInt64(is_prod ? 1 : 0), types().integer(64, true), acc_t), acc);
    b_.CreateStore(b_.getInt64(0), where);
    llvm::BasicBlock* serial = nullptr;
    llvm::BasicBlock* merged = nullptr;
    if (innermost && !is_prod) {
      // pairwise: a float or complex sum along the axis NumPy's iterator
      // takes innermost is NumPy's pairwise sum (lower_pairwise.h); along
      // another axis NumPy adds row after row, as the loop below does.
      llvm::BasicBlock* pw = llvm::BasicBlock::Create(ctx_, "axis.pairwise", fn_);
      serial = llvm::BasicBlock::Create(ctx_, "axis.serial", fn_);
      merged = llvm::BasicBlock::Create(ctx_, "axis.summed", fn_);
      b_.CreateCondBr(innermost, pw, serial);
      b_.SetInsertPoint(pw);
      b_.CreateStore(pairwiseSum(*this, len, valueType(ctx_, acc_t), item), acc);
      b_.CreateBr(merged);
      b_.SetInsertPoint(serial);
    }
    loop(len, [&](llvm::Value* t) {
      llvm::Value* x = item(t);
      llvm::Value* cur = b_.CreateLoad(acc->getAllocatedType(), acc);
      llvm::Value* next;
      if (extreme) {
        llvm::Value* take = compareValues(is_min ? CompareOp::kLt : CompareOp::kGt, x, cur, acc_t);
        if (acc_t->kind == Kind::kFloat) take = b_.CreateOr(take, b_.CreateAnd(b_.CreateFCmpUNO(x, x), b_.CreateFCmpORD(cur, cur)));
        next = b_.CreateSelect(take, x, cur);
        if (is_arg) b_.CreateStore(b_.CreateSelect(take, t, b_.CreateLoad(b_.getInt64Ty(), where)), where);
      } else {
        next = binaryValues(is_prod ? BinaryOp::kMul : BinaryOp::kAdd, cur, x, acc_t, false, true);
        if (complex_prod) next = b_.CreateSelect(innermost, next, numpyComplexMultiply(cur, x));
        if (innermost && !is_mean && dt->kind == Kind::kFloat && dt->bits == 16)
          // float16: across rows NumPy adds half arrays, rounding each sum to half
          next = b_.CreateFPExt(b_.CreateFPTrunc(next, b_.getHalfTy()), next->getType());
      }
      b_.CreateStore(next, acc);
    });
    if (merged) {
      b_.CreateBr(merged);
      b_.SetInsertPoint(merged);
    }
    llvm::Value* r = b_.CreateLoad(acc->getAllocatedType(), acc);
    if (is_mean) r = b_.CreateFDiv(r, convert(b_, len, types().integer(64, true), acc_t));
    if (is_arg) {
      storeElement(flatElementPtr(out, result, o), b_.CreateLoad(b_.getInt64Ty(), where), scalar);
      return;
    }
    storeElement(flatElementPtr(out, result, o), convert(b_, r, acc_t, scalar), scalar);
  });
  return out;
}

llvm::Value* FunctionLowering::memoryOrderItem(const typing::Type* at, llvm::Value* recv, llvm::Value* k) {
  const typing::Type* dt = at->dtype();
  if (at->layout != 'F' || at->ndim < 2) return loadElement(flatElementPtr(recv, at, k), dt);
  return loadElement(b_.CreateGEP(memoryType(ctx_, dt), b_.CreateExtractValue(recv, kData), k), dt);
}

// pairwise: an N-d view whose dimensions do not merge into one run of items
// (a slice of rows or columns, reversed rows) NumPy sums through its buffer:
// chunks of whole inner runs, at most 8192 items (its buffer size, in items
// for a complex too), each summed pairwise and added in turn. Otherwise one
// pairwise sum.
llvm::Value* FunctionLowering::numpyOrderSum(const typing::Type* at, llvm::Value* recv, llvm::Type* acc,
                                             const PairwiseItem& item) {
  llvm::Value* n = arraySize(recv, at);
  if (at->ndim < 2 || at->layout != 'A') return pairwiseSum(*this, n, acc, item);
  llvm::Value* started = b_.getInt1(false);
  llvm::Value* merged = b_.getInt1(true);
  llvm::Value* inner = b_.getInt64(1);
  llvm::Value* expect = b_.getInt64(0);
  for (unsigned j = static_cast<unsigned>(at->ndim); j-- > 0;) {
    llvm::Value* extent = b_.CreateExtractValue(recv, {kShape, j});
    llvm::Value* stride = b_.CreateExtractValue(recv, {kStrides, j});
    llvm::Value* real = b_.CreateICmpSGT(extent, b_.getInt64(1));
    llvm::Value* first = b_.CreateAnd(real, b_.CreateNot(started));
    llvm::Value* later = b_.CreateAnd(real, started);
    llvm::Value* joins = b_.CreateAnd(b_.CreateAnd(later, merged), b_.CreateICmpEQ(stride, expect));
    merged = b_.CreateAnd(merged, b_.CreateNot(b_.CreateAnd(later, b_.CreateICmpNE(stride, expect))));
    inner = b_.CreateSelect(first, extent, b_.CreateSelect(joins, b_.CreateMul(inner, extent), inner));
    expect = b_.CreateSelect(first, b_.CreateMul(stride, extent),
                             b_.CreateSelect(joins, b_.CreateMul(expect, extent), expect));
    started = b_.CreateOr(started, real);
  }
  llvm::Value* rows = b_.CreateUDiv(b_.getInt64(8192), inner);
  llvm::Value* chunk = b_.CreateMul(b_.CreateSelect(b_.CreateICmpEQ(rows, b_.getInt64(0)), b_.getInt64(1), rows), inner);
  chunk = b_.CreateSelect(merged, b_.CreateSelect(b_.CreateICmpSGT(n, b_.getInt64(1)), n, b_.getInt64(1)), chunk);
  llvm::AllocaInst* total = entryAlloca(acc, "pw.total");
  b_.CreateStore(pairwiseConstant(acc, 0.0), total);
  loop(b_.CreateUDiv(b_.CreateAdd(n, b_.CreateSub(chunk, b_.getInt64(1))), chunk), [&](llvm::Value* c) {
    llvm::Value* start = b_.CreateMul(c, chunk);
    llvm::Value* left = b_.CreateSub(n, start);
    llvm::Value* len = b_.CreateSelect(b_.CreateICmpSLT(left, chunk), left, chunk);
    llvm::Value* part = pairwiseSum(*this, len, acc, [&](llvm::Value* k) { return item(b_.CreateAdd(start, k)); });
    b_.CreateStore(pairwiseAdd(b_, b_.CreateLoad(acc, total), part), total);
  });
  return pairwiseAdd(b_, pairwiseConstant(acc, 0.0), b_.CreateLoad(acc, total));
}

llvm::Value* FunctionLowering::arrayMethod(BuiltinId id, const typing::Type* at, llvm::Value* recv,
                                           const std::vector<const ir::Value*>& args, const typing::Type* result) {
  const typing::Type* dt = at->dtype();
  llvm::Value* n = arraySize(recv, at);
  auto element = [&](llvm::Value* k) { return loadElement(flatElementPtr(recv, at, k), dt); };
  auto memoryItem = [&](llvm::Value* k) { return memoryOrderItem(at, recv, k); };
  auto numpyOrderSum = [&](llvm::Type* acc, const PairwiseItem& item) { return this->numpyOrderSum(at, recv, acc, item); };
  bool is_float = dt->kind == Kind::kFloat;
  if (dt->kind == Kind::kComplex)  // complex: mean, var, std, min, max, argmin, argmax (lower_complex.cpp)
    if (llvm::Value* v = complexReduction(id, at, recv, args, result)) return v;
  switch (id) {
    case BuiltinId::kArrayPtp: {
      // wording: Numba's words first, then NumPy's (whose max() would say the second).
      raiseIf(b_.CreateICmpEQ(arraySize(recv, at), b_.getInt64(0)), KILN_VALUE_ERROR,
              "zero-size array reduction not possible (zero-size array to reduction operation maximum which has no "
              "identity)");
      llvm::Value* hi = arrayMethod(BuiltinId::kArrayMax, at, recv, {}, result);
      llvm::Value* lo = arrayMethod(BuiltinId::kArrayMin, at, recv, {}, result);
      return binaryValues(BinaryOp::kSub, hi, lo, result, false, true);
    }
    case BuiltinId::kArrayNansum:
    case BuiltinId::kArrayNanmean:
    case BuiltinId::kArrayStd:
    case BuiltinId::kArrayVar:
    case BuiltinId::kArrayNanstd:
    case BuiltinId::kArrayNanvar: {
      // Sums in the result type over the items (NaN skipped by the nan*
      // forms); std and var take a second pass about the mean (ddof 0).
      bool nan_form = id == BuiltinId::kArrayNansum || id == BuiltinId::kArrayNanmean ||
                      id == BuiltinId::kArrayNanstd || id == BuiltinId::kArrayNanvar;
      bool skip = nan_form && is_float;
      const typing::Type* acc_t = id == BuiltinId::kArrayNansum ? result : (is_float ? dt : types().floating(64));
      llvm::AllocaInst* sum = entryAlloca(valueType(ctx_, acc_t), "sum");
      llvm::AllocaInst* count = entryAlloca(b_.getInt64Ty(), "count");
      auto zero = [&]() { return convert(b_, b_.getInt64(0), types().integer(64, true), acc_t); };
      // pairwise: float32/float64 sums in NumPy's order (lower_pairwise.h);
      // NumPy's nan* forms sum a copy with zeros for the NaNs.
      const bool pairwise = acc_t->kind == Kind::kFloat && acc_t->bits >= 32;
      auto pass = [&](llvm::Value* center) -> llvm::Value* {
        if (pairwise) {
          if (skip && center == nullptr) {  // the count of non-NaN items
            b_.CreateStore(b_.getInt64(0), count);
            loop(n, [&](llvm::Value* k) {
              llvm::Value* x = element(k);
              llvm::Value* c = b_.CreateLoad(b_.getInt64Ty(), count);
              b_.CreateStore(b_.CreateAdd(c, b_.CreateZExt(b_.CreateFCmpORD(x, x), b_.getInt64Ty())), count);
            });
          } else if (!skip) {
            b_.CreateStore(n, count);
          }
          // NumPy's var sums the view itself first (in its order), then a new
          // C-ordered array of squares; the nan forms sum C-ordered copies.
          auto sum_of = [&](const PairwiseItem& item) {
            return center == nullptr && !skip ? numpyOrderSum(valueType(ctx_, acc_t), item)
                                              : pairwiseSum(*this, n, valueType(ctx_, acc_t), item);
          };
          return sum_of([&](llvm::Value* k) {
            llvm::Value* x = convert(b_, memoryItem(k), dt, acc_t);
            llvm::Value* keep = skip ? b_.CreateFCmpORD(x, x) : nullptr;
            if (center) {
              llvm::Value* d = b_.CreateFSub(x, center);
              x = b_.CreateFMul(d, d);
            }
            return keep ? b_.CreateSelect(keep, x, llvm::ConstantFP::get(x->getType(), 0.0)) : x;
          });
        }
        b_.CreateStore(zero(), sum);
        b_.CreateStore(b_.getInt64(0), count);
        loop(n, [&](llvm::Value* k) {
          llvm::Value* x = convert(b_, element(k), dt, acc_t);
          llvm::Value* keep = skip ? b_.CreateFCmpORD(x, x) : b_.getInt1(true);
          if (center) {
            llvm::Value* d = b_.CreateFSub(x, center);
            x = b_.CreateFMul(d, d);
          }
          llvm::Value* cur = b_.CreateLoad(sum->getAllocatedType(), sum);
          llvm::Value* next = binaryValues(BinaryOp::kAdd, cur, x, acc_t, false, true);
          b_.CreateStore(b_.CreateSelect(keep, next, cur), sum);
          llvm::Value* c = b_.CreateLoad(b_.getInt64Ty(), count);
          b_.CreateStore(b_.CreateAdd(c, b_.CreateZExt(keep, b_.getInt64Ty())), count);
        });
        return b_.CreateLoad(sum->getAllocatedType(), sum);
      };
      llvm::Value* total = pass(nullptr);
      if (id == BuiltinId::kArrayNansum) return total;
      llvm::Value* mean =
          b_.CreateFDiv(total, convert(b_, b_.CreateLoad(b_.getInt64Ty(), count), types().integer(64, true), acc_t));
      if (id == BuiltinId::kArrayNanmean) return mean;
      llvm::Value* var =
          b_.CreateFDiv(pass(mean), convert(b_, b_.CreateLoad(b_.getInt64Ty(), count), types().integer(64, true), acc_t));
      if (id == BuiltinId::kArrayVar || id == BuiltinId::kArrayNanvar) return var;
      return b_.CreateCall(intrinsic(llvm::Intrinsic::sqrt, var->getType()), {var});
    }
    case BuiltinId::kArrayNanmax:
    case BuiltinId::kArrayNanmin: {
      bool is_max = id == BuiltinId::kArrayNanmax;
      if (!is_float) return arrayMethod(is_max ? BuiltinId::kArrayMax : BuiltinId::kArrayMin, at, recv, {}, result);
      raiseIf(b_.CreateICmpEQ(n, b_.getInt64(0)), KILN_VALUE_ERROR,
              is_max ? "zero-size array to reduction operation fmax which has no identity"
                     : "zero-size array to reduction operation fmin which has no identity");
      llvm::AllocaInst* best = entryAlloca(valueType(ctx_, dt), "best");
      b_.CreateStore(llvm::ConstantFP::getNaN(valueType(ctx_, dt)), best);
      loop(n, [&](llvm::Value* k) {
        llvm::Value* x = element(k);
        llvm::Value* cur = b_.CreateLoad(best->getAllocatedType(), best);
        llvm::Value* better = compareValues(is_max ? CompareOp::kGt : CompareOp::kLt, x, cur, dt);
        llvm::Value* take = b_.CreateOr(better, b_.CreateAnd(b_.CreateFCmpUNO(cur, cur), b_.CreateFCmpORD(x, x)));
        b_.CreateStore(b_.CreateSelect(take, x, cur), best);
      });
      return b_.CreateLoad(best->getAllocatedType(), best);  // all NaN: NaN, as NumPy (which warns)
    }
    case BuiltinId::kArraySum:
    case BuiltinId::kArrayProd:
    case BuiltinId::kArrayMean: {
      if (!args.empty()) return reduceAxis(id, recv, at, args[0], result);
      if (dt->isDatetimeLike()) {  // datetime: a timedelta's sum; NaT anywhere gives NaT
        llvm::AllocaInst* acc = entryAlloca(b_.getInt64Ty(), "acc");
        b_.CreateStore(b_.getInt64(0), acc);
        loop(n, [&](llvm::Value* k) {
          llvm::Value* cur = b_.CreateLoad(b_.getInt64Ty(), acc);
          b_.CreateStore(datetimeBinaryValues(BinaryOp::kAdd, cur, dt, element(k), dt, dt), acc);
        });
        llvm::Value* total = b_.CreateLoad(b_.getInt64Ty(), acc);
        if (id != BuiltinId::kArrayMean) return total;
        // dtunits: NumPy's mean of timedeltas is its sum / n in the timedelta
        // loop 'mq->m': truncated toward zero; NaT, or no element, gives NaT.
        return datetimeBinaryValues(BinaryOp::kTrueDiv, total, dt, n, types().integer(64, true), dt);
      }
      bool is_mean = id == BuiltinId::kArrayMean;
      const typing::Type* acc_t = is_mean ? (is_float ? dt : types().floating(64)) : result;
      // float16: NumPy reduces half in float32 and rounds once at the end.
      const typing::Type* out_t = acc_t;
      if (acc_t->kind == Kind::kFloat && acc_t->bits == 16) acc_t = types().floating(32);
      bool is_sum = id != BuiltinId::kArrayProd;
      if (is_sum && (acc_t->kind == Kind::kFloat || acc_t->kind == Kind::kComplex)) {
        // pairwise: NumPy's order and bits (lower_pairwise.h), over the items
        // in memory order for an F-ordered array, as NumPy's iterator takes
        // them. (A complex mean is complexReduction's.)
        llvm::Value* total = numpyOrderSum(valueType(ctx_, acc_t), [&](llvm::Value* k) {
          return convert(b_, memoryItem(k), dt, acc_t);
        });
        if (is_mean) total = b_.CreateFDiv(total, convert(b_, n, types().integer(64, true), acc_t));  // 0/0: nan, as NumPy
        return convert(b_, total, acc_t, out_t);
      }
      llvm::AllocaInst* acc = entryAlloca(valueType(ctx_, acc_t), "acc");
      b_.CreateStore(convert(b_, b_.getInt64(is_sum ? 0 : 1), types().integer(64, true), acc_t), acc);
      loop(n, [&](llvm::Value* k) {
        llvm::Value* x = convert(b_, element(k), dt, acc_t);
        llvm::Value* cur = b_.CreateLoad(acc->getAllocatedType(), acc);
        b_.CreateStore(binaryValues(is_sum ? BinaryOp::kAdd : BinaryOp::kMul, cur, x, acc_t, false, true), acc);
      });
      llvm::Value* total = b_.CreateLoad(acc->getAllocatedType(), acc);
      if (is_mean) total = b_.CreateFDiv(total, convert(b_, n, types().integer(64, true), acc_t));  // 0/0: nan, as NumPy
      return convert(b_, total, acc_t, out_t);
    }
    case BuiltinId::kArrayMin:
    case BuiltinId::kArrayMax:
    case BuiltinId::kArrayArgmin:
    case BuiltinId::kArrayArgmax: {
      bool extreme = id == BuiltinId::kArrayMin || id == BuiltinId::kArrayMax;
      if (!args.empty()) return reduceAxis(id, recv, at, args[0], result);  // npfuncs: argmin/argmax too
      bool is_min = id == BuiltinId::kArrayMin || id == BuiltinId::kArrayArgmin;
      const char* empty = id == BuiltinId::kArrayMin   ? "zero-size array to reduction operation minimum which has no identity"
                          : id == BuiltinId::kArrayMax ? "zero-size array to reduction operation maximum which has no identity"
                          : is_min                     ? "attempt to get argmin of an empty sequence"
                                                       : "attempt to get argmax of an empty sequence";
      raiseIf(b_.CreateICmpEQ(n, b_.getInt64(0)), KILN_VALUE_ERROR, empty);
      if ((is_float && (dt->bits == 32 || dt->bits == 64)) || dt->kind == Kind::kInt) {
        auto [v, where] = blockedExtreme(b_, n, is_min, is_float, dt->is_signed, element);
        return extreme ? v : where;
      }
      llvm::AllocaInst* best = entryAlloca(valueType(ctx_, dt), "best");
      llvm::AllocaInst* where = entryAlloca(b_.getInt64Ty(), "where");
      b_.CreateStore(element(b_.getInt64(0)), best);
      b_.CreateStore(b_.getInt64(0), where);
      loop(n, [&](llvm::Value* k) {
        llvm::Value* x = element(k);
        llvm::Value* cur = b_.CreateLoad(best->getAllocatedType(), best);
        if (dt->isDatetimeLike()) {  // datetime: signed, and the first NaT wins, as NumPy
          llvm::Value* nat = b_.getInt64(INT64_MIN);
          llvm::Value* better = compareValues(is_min ? CompareOp::kLt : CompareOp::kGt, x, cur, types().integer(64, true));
          llvm::Value* take = b_.CreateOr(b_.CreateAnd(better, b_.CreateICmpNE(cur, nat)),
                                          b_.CreateAnd(b_.CreateICmpEQ(x, nat), b_.CreateICmpNE(cur, nat)));
          b_.CreateStore(b_.CreateSelect(take, x, cur), best);
          b_.CreateStore(b_.CreateSelect(take, k, b_.CreateLoad(b_.getInt64Ty(), where)), where);
          return;
        }
        llvm::Value* take = compareValues(is_min ? CompareOp::kLt : CompareOp::kGt, x, cur, dt);
        if (is_float)  // the first NaN wins, as NumPy
          take = b_.CreateOr(take, b_.CreateAnd(b_.CreateFCmpUNO(x, x), b_.CreateFCmpORD(cur, cur)));
        b_.CreateStore(b_.CreateSelect(take, x, cur), best);
        b_.CreateStore(b_.CreateSelect(take, k, b_.CreateLoad(b_.getInt64Ty(), where)), where);
      });
      if (extreme) return b_.CreateLoad(best->getAllocatedType(), best);
      return b_.CreateLoad(b_.getInt64Ty(), where);
    }
    case BuiltinId::kArrayAny:
    case BuiltinId::kArrayAll:
    case BuiltinId::kArrayCountNonzero: {
      bool all = id == BuiltinId::kArrayAll;
      bool counts = id == BuiltinId::kArrayCountNonzero;
      const typing::Type* acc_t = counts ? types().integer(64, true) : types().boolean();
      llvm::AllocaInst* acc = entryAlloca(valueType(ctx_, acc_t), "acc");
      b_.CreateStore(counts ? b_.getInt64(0) : b_.getInt1(all), acc);
      loop(n, [&](llvm::Value* k) {
        llvm::Value* t = truth(element(k), dt);
        llvm::Value* cur = b_.CreateLoad(acc->getAllocatedType(), acc);
        llvm::Value* next = counts ? b_.CreateAdd(cur, b_.CreateZExt(t, b_.getInt64Ty()))
                            : all  ? b_.CreateAnd(cur, t)
                                   : b_.CreateOr(cur, t);
        b_.CreateStore(next, acc);
      });
      return b_.CreateLoad(acc->getAllocatedType(), acc);
    }
    case BuiltinId::kArrayCumsum:
    case BuiltinId::kArrayCumprod: {
      const typing::Type* acc_t = result->dtype();
      bool is_sum = id == BuiltinId::kArrayCumsum;
      llvm::Value* out = newArray(result, {n});
      if (dt->isDatetimeLike()) {  // dtunits: a timedelta's running sum; from the first NaT on, NaT
        llvm::AllocaInst* acc = entryAlloca(b_.getInt64Ty(), "acc");
        b_.CreateStore(b_.getInt64(0), acc);
        loop(n, [&](llvm::Value* k) {
          llvm::Value* next =
              datetimeBinaryValues(BinaryOp::kAdd, b_.CreateLoad(b_.getInt64Ty(), acc), dt, element(k), dt, dt);
          b_.CreateStore(next, acc);
          storeElement(flatElementPtr(out, result, k), next, acc_t);
        });
        return out;
      }
      llvm::AllocaInst* acc = entryAlloca(valueType(ctx_, acc_t), "acc");
      b_.CreateStore(convert(b_, b_.getInt64(is_sum ? 0 : 1), types().integer(64, true), acc_t), acc);
      loop(n, [&](llvm::Value* k) {
        llvm::Value* cur = b_.CreateLoad(acc->getAllocatedType(), acc);
        llvm::Value* next = binaryValues(is_sum ? BinaryOp::kAdd : BinaryOp::kMul, cur, convert(b_, element(k), dt, acc_t),
                                         acc_t, false, true);
        b_.CreateStore(next, acc);
        storeElement(flatElementPtr(out, result, k), next, acc_t);
      });
      return out;
    }
    case BuiltinId::kArrayReshape: {
      // The same memory with a new C-contiguous shape; one -1 is inferred.
      std::vector<llvm::Value*> dims;
      if (args.size() == 1 && args[0]->type->kind == Kind::kTuple) dims = intIndices(value(args[0]), args[0]->type);
      else
        for (const ir::Value* a : args) dims.push_back(converted(a, types().integer(64, true)));
      llvm::Value* minus_one = b_.getInt64(-1);
      llvm::Value* known = b_.getInt64(1);
      llvm::Value* unknowns = b_.getInt64(0);
      llvm::Value* bad = b_.getInt1(false);
      for (llvm::Value* d : dims) {
        llvm::Value* is_unknown = b_.CreateICmpEQ(d, minus_one);
        known = b_.CreateMul(known, b_.CreateSelect(is_unknown, b_.getInt64(1), d));
        unknowns = b_.CreateAdd(unknowns, b_.CreateZExt(is_unknown, b_.getInt64Ty()));
        bad = b_.CreateOr(bad, b_.CreateICmpSLT(d, minus_one));
      }
      bad = b_.CreateOr(bad, b_.CreateICmpUGT(unknowns, b_.getInt64(1)));
      llvm::Value* safe_known = b_.CreateSelect(b_.CreateICmpEQ(known, b_.getInt64(0)), b_.getInt64(1), known);
      llvm::Value* inferred = b_.CreateSDiv(n, safe_known);
      llvm::Value* total = b_.getInt64(1);
      for (llvm::Value*& d : dims) {
        d = b_.CreateSelect(b_.CreateICmpEQ(d, minus_one), inferred, d);
        total = b_.CreateMul(total, d);
      }
      bad = b_.CreateOr(bad, b_.CreateICmpNE(total, n));
      raiseIf(bad, KILN_VALUE_ERROR, "cannot reshape array into the requested shape");
      Place p{b_.CreateExtractValue(recv, kMeminfo), b_.CreateExtractValue(recv, kData), dims, {}};
      p.strides.assign(dims.size(), nullptr);
      llvm::Value* stride = b_.getInt64(itemSize(dt));
      for (size_t k = dims.size(); k-- > 0;) {
        p.strides[k] = stride;
        stride = b_.CreateMul(stride, dims[k]);
      }
      return viewOf(p, result);
    }
    case BuiltinId::kArrayAstype: {
      std::vector<llvm::Value*> shape;
      for (unsigned k = 0; k < static_cast<unsigned>(at->ndim); ++k) shape.push_back(b_.CreateExtractValue(recv, {kShape, k}));
      llvm::Value* out = newArray(result, shape);
      const typing::Type* to = result->dtype();
      loop(n, [&](llvm::Value* k) { storeElement(flatElementPtr(out, result, k), convert(b_, element(k), dt, to), to); });
      return out;
    }
    case BuiltinId::kArrayView: {
      // arrmeth: NumPy's array_descr_set (>= 1.23), its checks and words: a
      // new itemsize resizes the last axis, which must be contiguous.
      const typing::Type* to = result->dtype();
      const int64_t old_size = itemSize(dt);
      const int64_t new_size = itemSize(to);
      const unsigned nd = static_cast<unsigned>(at->ndim);
      Place p{b_.CreateExtractValue(recv, kMeminfo), b_.CreateExtractValue(recv, kData), {}, {}};
      for (unsigned k = 0; k < nd; ++k) {
        p.shape.push_back(b_.CreateExtractValue(recv, {kShape, k}));
        p.strides.push_back(strideOf(recv, at, k));
      }
      if (old_size != new_size) {
        if (nd == 0) {
          raiseIf(b_.getInt1(true), KILN_VALUE_ERROR,
                  "Changing the dtype of a 0d array is only supported if the itemsize is unchanged");
        } else {
          const unsigned last = nd - 1;
          llvm::Value* dim = p.shape[last];
          llvm::Value* old_bytes = b_.getInt64(old_size);
          llvm::Value* strided = b_.CreateAnd(
              b_.CreateAnd(b_.CreateICmpNE(dim, b_.getInt64(1)), b_.CreateICmpNE(n, b_.getInt64(0))),
              b_.CreateICmpNE(p.strides[last], old_bytes));
          raiseIf(strided, KILN_VALUE_ERROR, "To change to a dtype of a different size, the last axis must be contiguous");
          if (new_size < old_size) {
            if (old_size % new_size != 0)
              raiseIf(b_.getInt1(true), KILN_VALUE_ERROR,
                      "When changing to a smaller dtype, its size must be a divisor of the size of original dtype");
            p.shape[last] = b_.CreateMul(dim, b_.getInt64(old_size / new_size));
          } else {
            llvm::Value* bytes = b_.CreateMul(dim, old_bytes);
            raiseIf(b_.CreateICmpNE(b_.CreateSRem(bytes, b_.getInt64(new_size)), b_.getInt64(0)), KILN_VALUE_ERROR,
                    "When changing to a larger dtype, its size must be a divisor of the total size in bytes of the last "
                    "axis of the array.");
            p.shape[last] = b_.CreateSDiv(bytes, b_.getInt64(new_size));
          }
          p.strides[last] = b_.getInt64(new_size);
        }
      }
      return viewOf(p, result);
    }
    case BuiltinId::kArrayTake:
      return take(recv, at, args[0], result);
    case BuiltinId::kArraySort:
      sortInPlace(recv, at);
      return b_.getInt8(0);  // None
    case BuiltinId::kArrayFill: {
      llvm::Value* v = converted(args[0], dt);
      loop(n, [&](llvm::Value* k) { storeElement(flatElementPtr(recv, at, k), v, dt); });
      return b_.getInt8(0);  // None
    }
    case BuiltinId::kArrayRavel:
    case BuiltinId::kArrayFlatten: {
      if (id == BuiltinId::kArrayRavel && at->layout == 'C') {  // a view (typing)
        Place p{b_.CreateExtractValue(recv, kMeminfo), b_.CreateExtractValue(recv, kData), {n},
                {b_.getInt64(itemSize(dt))}};
        return viewOf(p, result);
      }
      llvm::Value* dest = newArray(result, {n});
      loop(n, [&](llvm::Value* k) { storeElement(flatElementPtr(dest, result, k), element(k), dt); });
      return dest;
    }
    case BuiltinId::kArraySwapaxes:
      return swapAxes(recv, at, args[0], args[1], result);
    case BuiltinId::kArrayTranspose: {  // as .T
      Place p{b_.CreateExtractValue(recv, kMeminfo), b_.CreateExtractValue(recv, kData), {}, {}};
      for (unsigned k = static_cast<unsigned>(at->ndim); k-- > 0;) {
        p.shape.push_back(b_.CreateExtractValue(recv, {kShape, k}));
        p.strides.push_back(strideOf(recv, at, k));
      }
      return viewOf(p, result);
    }
    case BuiltinId::kArrayCopy: {
      std::vector<llvm::Value*> shape;
      for (unsigned k = 0; k < static_cast<unsigned>(at->ndim); ++k) shape.push_back(b_.CreateExtractValue(recv, {kShape, k}));
      llvm::Value* dest = newArray(result, shape);
      loop(n, [&](llvm::Value* k) { storeElement(flatElementPtr(dest, result, k), element(k), dt); });
      return dest;
    }
    case BuiltinId::kDictGet:  // dicts: lower_dicts.cpp (dictMethod)
    case BuiltinId::kDictSetdefault:
    case BuiltinId::kDictPop:
    case BuiltinId::kDictPopitem:
    case BuiltinId::kDictKeys:
    case BuiltinId::kDictValues:
    case BuiltinId::kDictItems:
    case BuiltinId::kDictUpdate:
    case BuiltinId::kDictCopy:
    case BuiltinId::kDictClear:
#define KILN_BUILTIN(Id, name, spec) case BuiltinId::k##Id:
#define KILN_FAMILY(Id, name, spec, family, method) case BuiltinId::k##Id:
#define KILN_METHOD(Id, receiver, name, spec, exposed)
#define KILN_ATTRIBUTE(Id, receiver, name) case BuiltinId::k##Id:
#define KILN_STR_METHOD(Id, name, spec) case BuiltinId::k##Id:  // strings: lower_strings.cpp
#include "compiler/typing/builtins.def"
      break;  // not a method: typing resolves no call of a bound method to it
  }
  return llvm::PoisonValue::get(valueType(ctx_, result));
}

}  // namespace kiln::lowering
