// The numpy module's functions: constructors (ufuncs: lower_ufuncs.cpp), reductions called as functions, sorting (an introsort
// per dtype, lower_sort.cpp; libc qsort with NaN last for the other dtypes) and order statistics, as typing/rules_builtins.cpp
// accepts them.
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/lowering/lower_sort.h"  // sort:
#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

using ir::BinaryOp;
using ir::CompareOp;
using typing::BuiltinId;
using typing::Kind;

void FunctionLowering::sortInPlace(llvm::Value* arr, const typing::Type* at) {
  const typing::Type* dt = at->dtype();
  if (llvm::Function* sort = sortFunction(mod_, dt)) {  // sort: bool, integers, floats
    llvm::Value* n = b_.CreateExtractValue(arr, {kShape, 0});
    if (at->layout == 'C') {
      b_.CreateCall(sort, {b_.CreateExtractValue(arr, kData), n});
      return;
    }
    const typing::Type* ct = types().array(dt, 1, 'C');
    llvm::Value* tmp = newArray(ct, {n});
    loop(n, [&](llvm::Value* k) { storeElement(flatElementPtr(tmp, ct, k), loadElement(item1d(arr, k), dt), dt); });
    b_.CreateCall(sort, {b_.CreateExtractValue(tmp, kData), n});
    loop(n, [&](llvm::Value* k) { storeElement(item1d(arr, k), loadElement(flatElementPtr(tmp, ct, k), dt), dt); });
    releaseTemp(tmp);
    return;
  }
  std::string name = absl::StrCat("kiln.compare.", dt->str());
  llvm::Function* cmp = mod_.getFunction(name);
  if (!cmp) {
    // int cmp(const void* a, const void* b): -1, 0, 1; NaN after everything.
    cmp = llvm::Function::Create(llvm::FunctionType::get(b_.getInt32Ty(), {b_.getPtrTy(), b_.getPtrTy()}, false),
                                 llvm::Function::InternalLinkage, name, &mod_);
    llvm::IRBuilder<> cb(llvm::BasicBlock::Create(ctx_, "entry", cmp));
    llvm::Type* mt = memoryType(ctx_, dt);
    llvm::Value* x = cb.CreateLoad(mt, cmp->getArg(0));
    llvm::Value* y = cb.CreateLoad(mt, cmp->getArg(1));
    llvm::Value *lt, *gt;
    if (dt->kind == Kind::kFloat) {
      llvm::Value* xn = cb.CreateFCmpUNO(x, x);
      llvm::Value* yn = cb.CreateFCmpUNO(y, y);
      lt = cb.CreateOr(cb.CreateFCmpOLT(x, y), cb.CreateAnd(yn, cb.CreateNot(xn)));
      gt = cb.CreateOr(cb.CreateFCmpOGT(x, y), cb.CreateAnd(xn, cb.CreateNot(yn)));
    } else if (dt->isDatetimeLike()) {  // dtunits: signed, NaT (INT64_MIN) after everything, as NumPy
      llvm::Value* nat = cb.getInt64(INT64_MIN);
      llvm::Value* xn = cb.CreateICmpEQ(x, nat);
      llvm::Value* yn = cb.CreateICmpEQ(y, nat);
      lt = cb.CreateSelect(cb.CreateOr(xn, yn), cb.CreateAnd(yn, cb.CreateNot(xn)), cb.CreateICmpSLT(x, y));
      gt = cb.CreateSelect(cb.CreateOr(xn, yn), cb.CreateAnd(xn, cb.CreateNot(yn)), cb.CreateICmpSGT(x, y));
    } else {
      bool s = dt->kind == Kind::kInt && dt->is_signed;
      lt = s ? cb.CreateICmpSLT(x, y) : cb.CreateICmpULT(x, y);
      gt = s ? cb.CreateICmpSGT(x, y) : cb.CreateICmpUGT(x, y);
    }
    cb.CreateRet(cb.CreateSelect(lt, cb.getInt32(-1), cb.CreateSelect(gt, cb.getInt32(1), cb.getInt32(0))));
  }
  llvm::FunctionCallee qsort = mod_.getOrInsertFunction(
      "qsort", llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy(), b_.getInt64Ty(), b_.getInt64Ty(), b_.getPtrTy()}, false));
  llvm::Value* n = b_.CreateExtractValue(arr, {kShape, 0});
  llvm::Value* item = b_.getInt64(itemSize(dt));
  if (at->layout == 'C') {
    b_.CreateCall(qsort, {b_.CreateExtractValue(arr, kData), n, item, cmp});
    return;
  }
  // Strided: sort a contiguous scratch copy (freed here) and copy back.
  llvm::Value* tmp = newArray(types().array(dt, 1, 'C'), {n});
  loop(n, [&](llvm::Value* k) { storeElement(flatElementPtr(tmp, types().array(dt, 1, 'C'), k), loadElement(item1d(arr, k), dt), dt); });
  b_.CreateCall(qsort, {b_.CreateExtractValue(tmp, kData), n, item, cmp});
  loop(n, [&](llvm::Value* k) { storeElement(item1d(arr, k), loadElement(flatElementPtr(tmp, types().array(dt, 1, 'C'), k), dt), dt); });
  releaseTemp(tmp);
}

llvm::Value* FunctionLowering::sortedCopy(llvm::Value* arr, const typing::Type* at) {
  const typing::Type* ct = types().array(at->dtype(), 1, 'C');
  llvm::Value* n = b_.CreateExtractValue(arr, {kShape, 0});
  llvm::Value* out = newArray(ct, {n});
  loop(n, [&](llvm::Value* k) { storeElement(flatElementPtr(out, ct, k), loadElement(item1d(arr, k), at->dtype()), at->dtype()); });
  sortInPlace(out, ct);
  return out;
}

// np.eye / np.identity: a rows x cols array of the result's dtype, ones on
// the diagonal `diag` (0 the main one, > 0 above it), zeros elsewhere.
llvm::Value* FunctionLowering::eyeArray(const typing::Type* result, llvm::Value* rows, llvm::Value* cols,
                                        llvm::Value* diag) {
  const typing::Type* dt = result->dtype();
  const typing::Type* i64 = types().integer(64, true);
  llvm::Value* arr = newArray(result, {rows, cols});
  llvm::Value* one = convert(b_, b_.getInt64(1), i64, dt);
  llvm::Value* zero = convert(b_, b_.getInt64(0), i64, dt);
  loop(b_.CreateMul(rows, cols), [&](llvm::Value* k) {
    llvm::Value* r = b_.CreateUDiv(k, cols);
    llvm::Value* c = b_.CreateURem(k, cols);
    llvm::Value* on = b_.CreateICmpEQ(b_.CreateSub(c, r), diag);
    storeElement(flatElementPtr(arr, result, k), b_.CreateSelect(on, one, zero), dt);
  });
  return arr;
}

llvm::Value* FunctionLowering::numpyFunction(const ir::Resolution& res, const std::vector<const ir::Value*>& args,
                                             const typing::Type* result) {
  const typing::BuiltinInfo& row = typing::builtinInfo(res.id);
  if (typing::isUfunc(row.family)) return ufuncCall(res, args, result);
  if (row.family == typing::BuiltinFamily::kReduction)  // np.sum(a) and friends: the method
    return arrayMethod(typing::reductionMethod(res.id), args[0]->type, value(args[0]), {args.begin() + 1, args.end()},
                       result);
  const typing::Type* i64 = types().integer(64, true);
  const typing::Type* dt = result->isArray() ? result->dtype() : result;
  switch (res.id) {
    case BuiltinId::kNpNonzero:
      return nonzeroIndices(args[0], result);
    case BuiltinId::kNpSearchsorted: {
      bool right = args.size() == 3 && args[2]->def->const_value.s == "right";  // typing checked it is constant
      llvm::Value* arr = value(args[0]);
      const typing::Type* at = args[0]->type;
      llvm::Value* n = b_.CreateExtractValue(arr, {kShape, 0});
      auto search = [&](llvm::Value* v, const typing::Type* vt) -> llvm::Value* {
        // The first i with a[i] >= v (left) or a[i] > v (right), by bisection.
        const typing::Type* ct = res.compute;  // typing's common type of items and values
        llvm::Value* x = convert(b_, v, vt, ct);
        llvm::AllocaInst* lo = entryAlloca(b_.getInt64Ty(), "lo");
        llvm::AllocaInst* hi = entryAlloca(b_.getInt64Ty(), "hi");
        b_.CreateStore(b_.getInt64(0), lo);
        b_.CreateStore(n, hi);
        llvm::BasicBlock* head = llvm::BasicBlock::Create(ctx_, "bisect", fn_);
        llvm::BasicBlock* body = llvm::BasicBlock::Create(ctx_, "bisect.body", fn_);
        llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "bisect.end", fn_);
        b_.CreateBr(head);
        b_.SetInsertPoint(head);
        llvm::Value* l = b_.CreateLoad(b_.getInt64Ty(), lo);
        llvm::Value* h = b_.CreateLoad(b_.getInt64Ty(), hi);
        b_.CreateCondBr(b_.CreateICmpSLT(l, h), body, done);
        b_.SetInsertPoint(body);
        llvm::Value* mid = b_.CreateLShr(b_.CreateAdd(l, h), 1);
        llvm::Value* y = convert(b_, loadElement(item1d(arr, mid), at->dtype()), at->dtype(), ct);
        llvm::Value* go_right = compareValues(right ? ir::CompareOp::kLe : ir::CompareOp::kLt, y, x, ct);
        b_.CreateStore(b_.CreateSelect(go_right, b_.CreateAdd(mid, b_.getInt64(1)), l), lo);
        b_.CreateStore(b_.CreateSelect(go_right, h, mid), hi);
        b_.CreateBr(head);
        b_.SetInsertPoint(done);
        return b_.CreateLoad(b_.getInt64Ty(), lo);
      };
      if (!args[1]->type->isArray()) return search(value(args[1]), args[1]->type);
      llvm::Value* vs = value(args[1]);
      const typing::Type* ve = args[1]->type->dtype();
      llvm::Value* out = newArray(result, {b_.CreateExtractValue(vs, {kShape, 0})});
      loop(b_.CreateExtractValue(vs, {kShape, 0}), [&](llvm::Value* k) {
        storeElement(flatElementPtr(out, result, k), search(loadElement(item1d(vs, k), ve), ve), result->dtype());
      });
      return out;
    }
    case BuiltinId::kNpTake:
      return take(value(args[0]), args[0]->type, args[1], result);
    case BuiltinId::kNpWhere: {
      if (args.size() == 1) return nonzeroIndices(args[0], result);
      const typing::Type* e = result->dtype();
      return elementwise({typed(args[0]), typed(args[1]), typed(args[2])}, e, result, nullptr,
                         [&](const std::vector<llvm::Value*>& xs) { return b_.CreateSelect(xs[0], xs[1], xs[2]); },
                         {types().boolean(), e, e});
    }
    case BuiltinId::kNpSort:
      return sortedCopy(value(args[0]), args[0]->type);
    case BuiltinId::kNpMedian:
    case BuiltinId::kNpPercentile:
    case BuiltinId::kNpQuantile: {
      // Linear interpolation between the sorted items around q * (n - 1);
      // NaN anywhere gives NaN (sorted last), an empty array NaN.
      const typing::Type* at = args[0]->type;
      const typing::Type* dt = at->dtype();
      if (dt->isDatetimeLike()) {
        // dtunits: a timedelta's median, as NumPy 1.x: the mean of the middle
        // one or two items in sorted order (NaT last), truncated, NaT
        // propagating from them only; an empty array gives NaT.
        llvm::Value* s = sortedCopy(value(args[0]), at);
        const typing::Type* st = types().array(dt, 1, 'C');
        llvm::Value* n = b_.CreateExtractValue(s, {kShape, 0});
        llvm::AllocaInst* out = entryAlloca(b_.getInt64Ty(), "median");
        b_.CreateStore(b_.getInt64(INT64_MIN), out);
        ifThen(b_.CreateICmpSGT(n, b_.getInt64(0)), [&]() {
          llvm::Value* lo = b_.CreateSDiv(b_.CreateSub(n, b_.getInt64(1)), b_.getInt64(2));
          llvm::Value* hi = b_.CreateSDiv(n, b_.getInt64(2));
          llvm::Value* a = loadElement(flatElementPtr(s, st, lo), dt);
          llvm::Value* c = loadElement(flatElementPtr(s, st, hi), dt);
          llvm::Value* sum = datetimeBinaryValues(BinaryOp::kAdd, a, dt, c, dt, dt);
          llvm::Value* two = b_.CreateSelect(b_.CreateICmpEQ(lo, hi), b_.getInt64(1), b_.getInt64(2));
          llvm::Value* mid = b_.CreateSelect(b_.CreateICmpEQ(lo, hi), a, sum);
          b_.CreateStore(datetimeBinaryValues(BinaryOp::kTrueDiv, mid, dt, two, types().integer(64, true), dt), out);
        });
        releaseTemp(s);
        return b_.CreateLoad(b_.getInt64Ty(), out);
      }
      llvm::Type* ft = valueType(ctx_, result);
      llvm::Value* q = res.id == BuiltinId::kNpMedian ? static_cast<llvm::Value*>(llvm::ConstantFP::get(ft, 0.5))
                                              : converted(args[1], result);
      if (res.id == BuiltinId::kNpPercentile) {
        raiseIf(b_.CreateNot(b_.CreateAnd(b_.CreateFCmpOGE(q, llvm::ConstantFP::get(ft, 0.0)),
                                          b_.CreateFCmpOLE(q, llvm::ConstantFP::get(ft, 100.0)))),
                KILN_VALUE_ERROR, "Percentiles must be in the range [0, 100]");
        q = b_.CreateFDiv(q, llvm::ConstantFP::get(ft, 100.0));
      } else if (res.id == BuiltinId::kNpQuantile) {
        raiseIf(b_.CreateNot(b_.CreateAnd(b_.CreateFCmpOGE(q, llvm::ConstantFP::get(ft, 0.0)),
                                          b_.CreateFCmpOLE(q, llvm::ConstantFP::get(ft, 1.0)))),
                KILN_VALUE_ERROR, "Quantiles must be in the range [0, 1]");
      }
      llvm::Value* s = sortedCopy(value(args[0]), at);
      const typing::Type* st = types().array(dt, 1, 'C');
      llvm::Value* n = b_.CreateExtractValue(s, {kShape, 0});
      llvm::AllocaInst* out = entryAlloca(ft, "quantile");
      b_.CreateStore(llvm::ConstantFP::getNaN(ft), out);
      ifThen(b_.CreateICmpSGT(n, b_.getInt64(0)), [&]() {
        llvm::Value* last = b_.CreateSub(n, b_.getInt64(1));
        llvm::Value* pos = b_.CreateFMul(q, b_.CreateSIToFP(last, ft));
        llvm::Value* lo = b_.CreateFPToSI(b_.CreateCall(intrinsic(llvm::Intrinsic::floor, ft), {pos}), b_.getInt64Ty());
        llvm::Value* hi = b_.CreateSelect(b_.CreateICmpSLT(lo, last), b_.CreateAdd(lo, b_.getInt64(1)), last);
        llvm::Value* t = b_.CreateFSub(pos, b_.CreateSIToFP(lo, ft));
        llvm::Value* a = convert(b_, loadElement(flatElementPtr(s, st, lo), dt), dt, result);
        llvm::Value* c = convert(b_, loadElement(flatElementPtr(s, st, hi), dt), dt, result);
        llvm::Value* v = b_.CreateFAdd(a, b_.CreateFMul(b_.CreateFSub(c, a), t));
        v = b_.CreateSelect(b_.CreateFCmpOEQ(t, llvm::ConstantFP::get(ft, 0.0)), a, v);
        llvm::Value* top = convert(b_, loadElement(flatElementPtr(s, st, last), dt), dt, result);
        b_.CreateStore(b_.CreateSelect(b_.CreateFCmpUNO(top, top), top, v), out);
      });
      releaseTemp(s);  // the scratch copy never escapes
      return b_.CreateLoad(ft, out);
    }
    case BuiltinId::kNpDiff: {
      // A copy differenced in place n times; the result is its first len - n items.
      llvm::Value* src = value(args[0]);
      const typing::Type* dt = result->dtype();
      llvm::Value* times = args.size() == 2 ? converted(args[1], i64) : b_.getInt64(1);
      raiseIf(b_.CreateICmpSLT(times, b_.getInt64(0)), KILN_VALUE_ERROR, "order must be non-negative");
      llvm::Value* len = b_.CreateExtractValue(src, {kShape, 0});
      llvm::Value* out = newArray(result, {len});
      loop(len, [&](llvm::Value* k) { storeElement(flatElementPtr(out, result, k), loadElement(item1d(src, k), dt), dt); });
      llvm::AllocaInst* cur = entryAlloca(b_.getInt64Ty(), "len");
      b_.CreateStore(len, cur);
      loop(times, [&](llvm::Value*) {
        llvm::Value* l = b_.CreateLoad(b_.getInt64Ty(), cur);
        llvm::Value* m = b_.CreateSelect(b_.CreateICmpSGT(l, b_.getInt64(0)), b_.CreateSub(l, b_.getInt64(1)), l);
        loop(m, [&](llvm::Value* k) {
          llvm::Value* a = loadElement(flatElementPtr(out, result, k), dt);
          llvm::Value* c = loadElement(flatElementPtr(out, result, b_.CreateAdd(k, b_.getInt64(1))), dt);
          storeElement(flatElementPtr(out, result, k), binaryValues(BinaryOp::kSub, c, a, dt, false, true), dt);
        });
        b_.CreateStore(m, cur);
      });
      return b_.CreateInsertValue(out, b_.CreateLoad(b_.getInt64Ty(), cur), {kShape, 0});
    }
    case BuiltinId::kNpFrombuffer: {
      // arrmeth: the buffer's memory (C-contiguous: typing), its bytes counted in the new dtype
      const ir::Value* buf = args[0];
      llvm::Value* src = value(buf);
      llvm::Value* bytes = b_.CreateMul(arraySize(src, buf->type), b_.getInt64(itemSize(buf->type->dtype())));
      llvm::Value* size = b_.getInt64(itemSize(dt));
      raiseIf(b_.CreateICmpNE(b_.CreateSRem(bytes, size), b_.getInt64(0)), KILN_VALUE_ERROR,
              "buffer size must be a multiple of element size");
      Place p{b_.CreateExtractValue(src, kMeminfo), b_.CreateExtractValue(src, kData), {b_.CreateSDiv(bytes, size)}, {size}};
      return viewOf(p, result);
    }
    case BuiltinId::kNpArange: {
      // NumPy: length = ceil((stop - start) / step), at least 0; item k is
      // start + k * step.
      // Computed in int64 when the numbers are ints, else float64; stored as dt.
      // flatimag: the parts as typing found them (arangeParts).
      std::vector<const typing::Type*> arg_types;
      for (const ir::Value* a : args) arg_types.push_back(a ? a->type : types().none());
      std::optional<typing::ArangeParts> parts = typing::arangeParts(arg_types);
      if (!parts) return nullptr;  // typing refused it
      const ir::Value* start_arg = parts->start >= 0 ? args[parts->start] : nullptr;
      const ir::Value* stop_arg = args[parts->stop];
      const ir::Value* step_arg = parts->step >= 0 ? args[parts->step] : nullptr;
      if (dt->kind == Kind::kComplex)  // complex: lower_complex.cpp
        return complexArange(start_arg, stop_arg, step_arg, result);
      bool ints = true;
      for (const ir::Value* a : {start_arg, stop_arg, step_arg}) ints = ints && (!a || a->type->kind != Kind::kFloat);
      const typing::Type* ct = ints ? i64 : types().floating(64);
      llvm::Value* start = start_arg ? converted(start_arg, ct) : convert(b_, b_.getInt64(0), i64, ct);
      llvm::Value* stop = converted(stop_arg, ct);
      llvm::Value* step = step_arg ? converted(step_arg, ct) : convert(b_, b_.getInt64(1), i64, ct);
      llvm::Value* len;
      if (ints) {
        raiseIf(b_.CreateICmpEQ(step, b_.getInt64(0)), KILN_ZERO_DIVISION_ERROR, "division by zero");
        llvm::Value* span = b_.CreateSub(stop, start);
        llvm::Value* q = floorDivMod(b_.CreateNeg(span), step, ct, true, "", true);  // ceil(a/b) = -((-a) // b)
        len = b_.CreateNeg(q);
      } else {
        raiseIf(b_.CreateFCmpOEQ(step, llvm::ConstantFP::get(b_.getDoubleTy(), 0.0)), KILN_ZERO_DIVISION_ERROR,
                "division by zero");
        llvm::Value* q = b_.CreateCall(intrinsic(llvm::Intrinsic::ceil, b_.getDoubleTy()), {b_.CreateFDiv(b_.CreateFSub(stop, start), step)});
        raiseIf(b_.CreateFCmpUNO(q, q), KILN_VALUE_ERROR, "arange: cannot compute length");
        len = b_.CreateFPToSI(b_.CreateSelect(b_.CreateFCmpOLT(q, llvm::ConstantFP::get(b_.getDoubleTy(), 0.0)),
                                              llvm::ConstantFP::get(b_.getDoubleTy(), 0.0), q),
                              b_.getInt64Ty());
      }
      len = b_.CreateSelect(b_.CreateICmpSLT(len, b_.getInt64(0)), b_.getInt64(0), len);
      llvm::Value* arr = newArray(result, {len});
      loop(len, [&](llvm::Value* k) {
        llvm::Value* v = ints ? b_.CreateAdd(start, b_.CreateMul(k, step))
                              : b_.CreateFAdd(start, b_.CreateFMul(b_.CreateSIToFP(k, b_.getDoubleTy()), step));
        storeElement(flatElementPtr(arr, result, k), convert(b_, v, ct, dt), dt);
      });
      return arr;
    }
    case BuiltinId::kNpLinspace: {
      const typing::Type* f64 = types().floating(64);
      llvm::Value* start = converted(args[0], f64);
      llvm::Value* stop = converted(args[1], f64);
      llvm::Value* num = args.size() == 3 ? converted(args[2], i64) : b_.getInt64(50);
      raiseIf(b_.CreateICmpSLT(num, b_.getInt64(0)), KILN_VALUE_ERROR, "Number of samples must be non-negative.");
      llvm::Value* arr = newArray(result, {num});
      llvm::Value* div = b_.CreateSIToFP(b_.CreateSub(num, b_.getInt64(1)), b_.getDoubleTy());
      llvm::Value* step = b_.CreateFDiv(b_.CreateFSub(stop, start), div);
      llvm::Value* last = b_.CreateSub(num, b_.getInt64(1));
      loop(num, [&](llvm::Value* k) {
        llvm::Value* v = b_.CreateFAdd(start, b_.CreateFMul(b_.CreateSIToFP(k, b_.getDoubleTy()), step));
        v = b_.CreateSelect(b_.CreateAnd(b_.CreateICmpEQ(k, last), b_.CreateICmpSGT(k, b_.getInt64(0))), stop, v);
        storeElement(flatElementPtr(arr, result, k), b_.CreateSelect(b_.CreateICmpEQ(k, b_.getInt64(0)), start, v), dt);
      });
      return arr;
    }
    case BuiltinId::kNpDiag: {
      // npmore: k= the offset (above the main diagonal when positive).
      llvm::Value* src = value(args[0]);
      const typing::Type* st = args[0]->type;
      llvm::Value* zero = convert(b_, b_.getInt64(0), i64, dt);
      llvm::Value* k = args.size() == 2 ? converted(args[1], i64) : b_.getInt64(0);
      llvm::Value* k_neg = b_.CreateICmpSLT(k, b_.getInt64(0));
      llvm::Value* k_abs = b_.CreateSelect(k_neg, b_.CreateNeg(k), k);
      if (st->ndim == 1) {
        // An (n+|k|)-square matrix with v on diagonal k: (i, i+k) for k >= 0, (i-k, i) below.
        llvm::Value* len = b_.CreateExtractValue(src, {kShape, 0});
        llvm::Value* n = b_.CreateAdd(len, k_abs);
        llvm::Value* arr = newArray(result, {n, n});
        loop(b_.CreateMul(n, n), [&](llvm::Value* f) {
          llvm::Value* r = b_.CreateUDiv(f, n);
          llvm::Value* c = b_.CreateURem(f, n);
          llvm::Value* on = b_.CreateICmpEQ(b_.CreateSub(c, r), k);
          llvm::Value* i = b_.CreateSelect(k_neg, c, r);
          llvm::Value* dest = flatElementPtr(arr, result, f);
          storeElement(dest, zero, dt);
          ifThen(on, [&] { storeElement(dest, loadElement(item1d(src, i), dt), dt); });  // v may be empty
        });
        return arr;
      }
      // The diagonal k of a matrix: (i, i+k) or (i-k, i), as many as fit (none: empty).
      llvm::Value* rows = b_.CreateExtractValue(src, {kShape, 0});
      llvm::Value* cols = b_.CreateExtractValue(src, {kShape, 1});
      llvm::Value* r_left = b_.CreateSelect(k_neg, b_.CreateSub(rows, k_abs), rows);
      llvm::Value* c_left = b_.CreateSelect(k_neg, cols, b_.CreateSub(cols, k_abs));
      llvm::Value* n = b_.CreateSelect(b_.CreateICmpSLT(r_left, c_left), r_left, c_left);
      n = b_.CreateSelect(b_.CreateICmpSLT(n, b_.getInt64(0)), b_.getInt64(0), n);
      llvm::Value* arr = newArray(result, {n});
      llvm::Value* s0 = b_.CreateExtractValue(src, {kStrides, 0});
      llvm::Value* s1 = b_.CreateExtractValue(src, {kStrides, 1});
      llvm::Value* start = b_.CreateMul(k_abs, b_.CreateSelect(k_neg, s0, s1));
      llvm::Value* step = b_.CreateAdd(s0, s1);
      loop(n, [&](llvm::Value* i) {
        llvm::Value* p = b_.CreateGEP(b_.getInt8Ty(), b_.CreateExtractValue(src, kData), b_.CreateAdd(start, b_.CreateMul(i, step)));
        storeElement(flatElementPtr(arr, result, i), loadElement(p, dt), dt);
      });
      return arr;
    }
    case BuiltinId::kNpOuter: {
      llvm::Value* a = value(args[0]);
      llvm::Value* c = value(args[1]);
      const typing::Type* ea = args[0]->type->dtype();
      const typing::Type* ec = args[1]->type->dtype();
      llvm::Value* na = b_.CreateExtractValue(a, {kShape, 0});
      llvm::Value* nc = b_.CreateExtractValue(c, {kShape, 0});
      llvm::Value* arr = newArray(result, {na, nc});
      loop(b_.CreateMul(na, nc), [&](llvm::Value* k) {
        llvm::Value* x = convert(b_, loadElement(item1d(a, b_.CreateUDiv(k, nc)), ea), ea, dt);
        llvm::Value* y = convert(b_, loadElement(item1d(c, b_.CreateURem(k, nc)), ec), ec, dt);
        // np.multiply.outer's loop: NumPy's element-wise multiply
        llvm::Value* xy = dt->kind == Kind::kComplex ? numpyComplexMultiply(x, y)
                                                     : binaryValues(BinaryOp::kMul, x, y, dt, false, true);
        storeElement(flatElementPtr(arr, result, k), xy, dt);
      });
      return arr;
    }
    case BuiltinId::kNpTriu:
    case BuiltinId::kNpTril: {
      llvm::Value* src = value(args[0]);
      const typing::Type* st = args[0]->type;
      llvm::Value* diag = args.size() == 2 ? converted(args[1], i64) : b_.getInt64(0);
      llvm::Value* rows = b_.CreateExtractValue(src, {kShape, 0});
      llvm::Value* cols = b_.CreateExtractValue(src, {kShape, 1});
      llvm::Value* arr = newArray(result, {rows, cols});
      llvm::Value* zero = convert(b_, b_.getInt64(0), i64, dt);
      loop(b_.CreateMul(rows, cols), [&](llvm::Value* k) {
        llvm::Value* d = b_.CreateSub(b_.CreateURem(k, cols), b_.CreateUDiv(k, cols));  // column - row
        llvm::Value* keep = res.id == BuiltinId::kNpTriu ? b_.CreateICmpSGE(d, diag) : b_.CreateICmpSLE(d, diag);
        llvm::Value* v = loadElement(flatElementPtr(src, st, k), dt);
        storeElement(flatElementPtr(arr, result, k), b_.CreateSelect(keep, v, zero), dt);
      });
      return arr;
    }
    case BuiltinId::kNpEye: {  // npcreate: N, M, k bound by name; nullptr or None is the default
      auto given = [&](size_t k) { return k < args.size() && args[k] && args[k]->type->kind != Kind::kNone; };
      llvm::Value* rows = converted(args[0], i64);
      llvm::Value* cols = given(1) ? converted(args[1], i64) : rows;
      llvm::Value* diag = given(2) ? converted(args[2], i64) : b_.getInt64(0);
      return eyeArray(result, rows, cols, diag);
    }
    case BuiltinId::kNpIdentity: {
      size_t nums = args.size();
      if (nums > 1 && args[nums - 1]->type->kind != Kind::kInt && args[nums - 1]->type->kind != Kind::kBool) --nums;
      llvm::Value* rows = converted(args[0], i64);
      llvm::Value* cols = nums > 1 ? converted(args[1], i64) : rows;
      llvm::Value* diag = nums > 2 ? converted(args[2], i64) : b_.getInt64(0);
      return eyeArray(result, rows, cols, diag);
    }
    case BuiltinId::kNpEmpty:
    case BuiltinId::kNpZeros:
    case BuiltinId::kNpOnes:
    case BuiltinId::kNpEmptyLike:
    case BuiltinId::kNpZerosLike:
    case BuiltinId::kNpOnesLike:
    case BuiltinId::kNpFull:
    case BuiltinId::kNpFullLike:
      return constructor(res.id, args, result);
    // Not NumPy's own rows: lowered elsewhere (lower_builtins.cpp), or by
    // their family above.
    case BuiltinId::kRngSeed:  // random: lower_random.cpp
    case BuiltinId::kRngNextU32:
    case BuiltinId::kRngNextDouble:
    case BuiltinId::kRngGauss:
    case BuiltinId::kRngArrayOrNone:
    case BuiltinId::kRngShape:
    case BuiltinId::kLinalgCall:  // linalg: lower_linalg.cpp
    case BuiltinId::kLinalgSameDtype:
    case BuiltinId::kNdUnravel:  // ndindex: lower_ndindex.cpp
    case BuiltinId::kNpgenNextUint64:  // npgen: lower_npgen.cpp
    case BuiltinId::kNpgenNextUint32:
    case BuiltinId::kNpgenNextDouble:
    case BuiltinId::kStaticError:  // pyfuncs: rewritten by typing
    case BuiltinId::kStaticSameItem:
    case BuiltinId::kStaticItemIsinstance:
    case BuiltinId::kStaticIterable:
    case BuiltinId::kStaticLiteral:
    case BuiltinId::kLiterally:
    case BuiltinId::kNdBroadcastTo:  // broadcast: lower_broadcast.cpp
    case BuiltinId::kNdBroadcastShapes:
    case BuiltinId::kNdBroadcastShapeOf:
    case BuiltinId::kNdAsStrided:
    case BuiltinId::kParallelNumThreads:  // prange: lower_builtins.cpp
    case BuiltinId::kParallelThreadId:
    case BuiltinId::kBytesOf:  // bytesm: lower_builtins.cpp
    case BuiltinId::kStrOfCodes:  // bytes2: lower_builtins.cpp
#define KILN_BUILTIN(Id, name, spec)
#define KILN_FAMILY(Id, name, spec, family, method)
#define KILN_CUDA_BUILTIN(Id, name, spec) case BuiltinId::k##Id:  // cuda: lower_cuda.cpp
#include "compiler/typing/builtins.def"
    case BuiltinId::kAbs:
    case BuiltinId::kMin:
    case BuiltinId::kMax:
    case BuiltinId::kInt:
    case BuiltinId::kFloat:
    case BuiltinId::kBool:
    case BuiltinId::kRound:
    case BuiltinId::kDivmod:
    case BuiltinId::kPow:
    case BuiltinId::kComplex:  // complex: lower_complex.cpp
    case BuiltinId::kRange:
    case BuiltinId::kLen:
    case BuiltinId::kEnumerate:
    case BuiltinId::kZip:
    case BuiltinId::kIter:  // generators: lower_builtins.cpp
    case BuiltinId::kNext:
    case BuiltinId::kOrd:  // strings: lower_strings.cpp
    case BuiltinId::kChr:
    case BuiltinId::kStrOf:
    case BuiltinId::kHash:  // dicts: lower_builtins.cpp
    case BuiltinId::kDictNew:
    case BuiltinId::kTypedDictNew:
    case BuiltinId::kTypedDictEmpty:
    case BuiltinId::kMathFloor:
    case BuiltinId::kMathCeil:
    case BuiltinId::kMathTrunc:
    case BuiltinId::kMathIsnan:
    case BuiltinId::kMathIsinf:
    case BuiltinId::kMathIsfinite:
    case BuiltinId::kMathFrexp:
    case BuiltinId::kMathLdexp:
    case BuiltinId::kMathLog:
    case BuiltinId::kNpConcatenate:  // arrays: joinArrays (lower_array_join.cpp)
    case BuiltinId::kNpStack:
    case BuiltinId::kNpVstack:
    case BuiltinId::kNpHstack:
    case BuiltinId::kNpColumnStack:
    case BuiltinId::kNpExpandDims:
    case BuiltinId::kNpArray:
    case BuiltinId::kNpAsarray:
    case BuiltinId::kNpAscontiguousarray:
#define KILN_BUILTIN(Id, name, spec)
#define KILN_FAMILY(Id, name, spec, family, method) case BuiltinId::k##Id:
#include "compiler/typing/builtins.def"
      break;
  }
  return nullptr;  // typing gives no other row to the numpy module
}

// np.nonzero(a), np.where(a): the indices of the true items, as a 1-tuple.
llvm::Value* FunctionLowering::nonzeroIndices(const ir::Value* a, const typing::Type* result) {
  llvm::Value* arr = value(a);
  const typing::Type* dt = a->type->dtype();
  llvm::Value* n = b_.CreateExtractValue(arr, {kShape, 0});
  llvm::AllocaInst* c = entryAlloca(b_.getInt64Ty(), "count");
  b_.CreateStore(b_.getInt64(0), c);
  loop(n, [&](llvm::Value* k) {
    llvm::Value* hit = b_.CreateZExt(truth(loadElement(item1d(arr, k), dt), dt), b_.getInt64Ty());
    b_.CreateStore(b_.CreateAdd(b_.CreateLoad(b_.getInt64Ty(), c), hit), c);
  });
  const typing::Type* at = result->items[0];
  llvm::Value* out = newArray(at, {b_.CreateLoad(b_.getInt64Ty(), c)});
  b_.CreateStore(b_.getInt64(0), c);
  loop(n, [&](llvm::Value* k) {
    ifThen(truth(loadElement(item1d(arr, k), dt), dt), [&]() {
      llvm::Value* j = b_.CreateLoad(b_.getInt64Ty(), c);
      storeElement(flatElementPtr(out, at, j), k, at->dtype());
      b_.CreateStore(b_.CreateAdd(j, b_.getInt64(1)), c);
    });
  });
  return b_.CreateInsertValue(llvm::PoisonValue::get(valueType(ctx_, result)), out, 0);
}

// np.empty, zeros, ones, full and their *_like: a new array of the result's
// shape, filled.
llvm::Value* FunctionLowering::constructor(typing::BuiltinId id, const std::vector<const ir::Value*>& args,
                                           const typing::Type* result) {
  const typing::Type* dt = result->dtype();
  std::vector<llvm::Value*> shape;
  if (args[0]->type->isArray()) {  // the *_like constructors
    for (unsigned k = 0; k < static_cast<unsigned>(result->ndim); ++k)
      shape.push_back(b_.CreateExtractValue(value(args[0]), {kShape, k}));
  } else if (!(args[0]->type->isNumber() || args[0]->type->isRecord()) || (id != BuiltinId::kNpEmptyLike && id != BuiltinId::kNpZerosLike &&
                                              id != BuiltinId::kNpOnesLike && id != BuiltinId::kNpFullLike)) {
    shape = intIndices(value(args[0]), args[0]->type);
  }  // npfuncs: else *_like of a number (records: or a record): a 0-d array
  llvm::Value* arr = newArray(result, shape);
  llvm::Value* n = arraySize(arr, result);
  if (id == BuiltinId::kNpZeros || id == BuiltinId::kNpZerosLike) {
    b_.CreateMemSet(b_.CreateExtractValue(arr, kData), b_.getInt8(0), b_.CreateMul(n, b_.getInt64(itemSize(dt))),
                    llvm::MaybeAlign(1));
  } else if (id == BuiltinId::kNpFull || id == BuiltinId::kNpFullLike) {
    llvm::Value* v = converted(args[1], dt);
    loop(n, [&](llvm::Value* k) { storeElement(flatElementPtr(arr, result, k), v, dt); });
  } else if (id == BuiltinId::kNpOnes || id == BuiltinId::kNpOnesLike) {
    llvm::Value* one = convert(b_, b_.getInt64(1), types().integer(64, true), dt);
    loop(n, [&](llvm::Value* k) { storeElement(flatElementPtr(arr, result, k), one, dt); });
  }
  return arr;  // numpy.empty(_like): uninitialized, as NumPy
}


}  // namespace kiln::lowering
