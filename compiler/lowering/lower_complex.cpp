// complex: complex scalars' own operations: ** (CPython's algorithm for
// Python numbers, NumPy's for array elements), the parts of a number
// (`.real`, `.imag`, `.conjugate()`), abs() and the complex() constructor.
// + - * / are in lower_arith.cpp; cmath is written in Python
// (kiln/library/cmath_functions.py).
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/lowering/lower_pairwise.h"

namespace kiln::lowering {

using typing::Kind;

namespace {

struct Parts {
  llvm::Value* re;
  llvm::Value* im;
};

}  // namespace

llvm::Value* FunctionLowering::complexPow(llvm::Value* x, llvm::Value* y, bool numpy) {
  // Python's complex is a complex128. NumPy's nc_pow works in the array's
  // own precision (complex64 in float, with cpowf); the CPython path is
  // computed in double.
  llvm::Type* ct = x->getType();
  llvm::Type* part = ct->getStructElementType(0);
  llvm::Type* d = numpy ? part : b_.getDoubleTy();
  auto widen = [&](llvm::Value* z, unsigned k) {
    llvm::Value* v = b_.CreateExtractValue(z, k);
    return v->getType() == d ? v : b_.CreateFPExt(v, d);
  };
  auto c = [&](double v) { return llvm::ConstantFP::get(d, v); };
  auto mul = [&](Parts p, Parts q) {  // CPython's _Py_c_prod, NumPy's too
    return Parts{b_.CreateFSub(b_.CreateFMul(p.re, q.re), b_.CreateFMul(p.im, q.im)),
                 b_.CreateFAdd(b_.CreateFMul(p.re, q.im), b_.CreateFMul(p.im, q.re))};
  };
  auto select = [&](llvm::Value* cond, Parts p, Parts q) {
    return Parts{b_.CreateSelect(cond, p.re, q.re), b_.CreateSelect(cond, p.im, q.im)};
  };
  auto narrow = [&](llvm::Value* v) { return v->getType() == part ? v : b_.CreateFPTrunc(v, part); };
  auto pack = [&](Parts p) {
    llvm::Value* out = b_.CreateInsertValue(llvm::PoisonValue::get(ct), narrow(p.re), 0);
    return b_.CreateInsertValue(out, narrow(p.im), 1);
  };
  llvm::Function* fabs = intrinsic(llvm::Intrinsic::fabs, d);
  Parts a{widen(x, 0), widen(x, 1)};
  Parts e{widen(y, 0), widen(y, 1)};
  Parts one{c(1.0), c(0.0)};
  llvm::Value* e_real_zero = b_.CreateFCmpOEQ(e.im, c(0.0));
  llvm::Value* e_zero = b_.CreateAnd(b_.CreateFCmpOEQ(e.re, c(0.0)), e_real_zero);
  llvm::Value* a_zero = b_.CreateAnd(b_.CreateFCmpOEQ(a.re, c(0.0)), b_.CreateFCmpOEQ(a.im, c(0.0)));
  // A small integral exponent: repeated squaring (|n| <= 100 fits 7 bits).
  // The bits above n's highest only square p, which r never uses.
  llvm::Value* integral =
      b_.CreateAnd(e_real_zero, b_.CreateFCmpOEQ(e.re, b_.CreateCall(intrinsic(llvm::Intrinsic::floor, d), {e.re})));
  llvm::Value* limit = b_.CreateFCmpOLE(b_.CreateCall(fabs, {e.re}), c(numpy ? 99.0 : 100.0));
  integral = b_.CreateAnd(integral, limit);
  llvm::Value* clamped = b_.CreateSelect(integral, e.re, c(0.0));
  llvm::Value* n = b_.CreateFPToSI(b_.CreateCall(fabs, {clamped}), b_.getInt64Ty());
  Parts r = one;
  Parts p = a;
  for (int k = 0; k < 7; ++k) {
    llvm::Value* bit = b_.CreateICmpNE(b_.CreateAnd(n, b_.getInt64(int64_t{1} << k)), b_.getInt64(0));
    r = select(bit, mul(r, p), r);
    p = mul(p, p);
  }
  // A negative exponent: 1 / r: NumPy divides as its arrays do
  // (complexDivide); CPython by Smith's method.
  Parts inv;
  if (numpy) {
    llvm::Value* q = complexDivide(pack(one), pack(r));
    inv = Parts{b_.CreateExtractValue(q, 0), b_.CreateExtractValue(q, 1)};
  } else {
    llvm::Value* by_real = b_.CreateFCmpOGE(b_.CreateCall(fabs, {r.re}), b_.CreateCall(fabs, {r.im}));
    llvm::Value* r1 = b_.CreateFDiv(r.im, r.re);
    llvm::Value* den1 = b_.CreateFAdd(r.re, b_.CreateFMul(r.im, r1));
    llvm::Value* r2 = b_.CreateFDiv(r.re, r.im);
    llvm::Value* den2 = b_.CreateFAdd(b_.CreateFMul(r.re, r2), r.im);
    inv = Parts{
        b_.CreateSelect(by_real, b_.CreateFDiv(c(1.0), den1), b_.CreateFDiv(r2, den2)),
        b_.CreateSelect(by_real, b_.CreateFNeg(b_.CreateFDiv(r1, den1)), b_.CreateFNeg(b_.CreateFDiv(c(1.0), den2)))};
    if (!numpy) {  // CPython's quotient: nan+nanj when the divisor has a NaN
      llvm::Value* nan_part = b_.CreateOr(b_.CreateFCmpUNO(r.re, r.re), b_.CreateFCmpUNO(r.im, r.im));
      llvm::Value* nan = llvm::ConstantFP::getNaN(d);
      inv = select(nan_part, Parts{nan, nan}, inv);
    }
  }
  llvm::Value* negative = b_.CreateFCmpOLT(e.re, c(0.0));
  Parts powi = select(negative, inv, r);
  if (numpy) {
    // nc_pow unrolls 1, 2 and 3 (a, a*a, a*(a*a)): no product with the
    // initial 1, which an infinite part would turn into nan.
    llvm::Value* n1 = b_.CreateAnd(integral, b_.CreateFCmpOEQ(e.re, c(1.0)));
    llvm::Value* n2 = b_.CreateAnd(integral, b_.CreateFCmpOEQ(e.re, c(2.0)));
    llvm::Value* n3 = b_.CreateAnd(integral, b_.CreateFCmpOEQ(e.re, c(3.0)));
    Parts square = mul(a, a);
    powi = select(n1, a, select(n2, square, select(n3, mul(a, square), powi)));
  }
  // Otherwise the polar form.
  Parts general;
  if (numpy) {
    if (d->isFloatTy()) {
      // cpowf: the x86-64 C ABI passes and returns a float complex as one
      // <2 x float> (clang's lowering of float _Complex).
      llvm::Type* v2 = llvm::FixedVectorType::get(d, 2);
      auto vec = [&](Parts p) {
        llvm::Value* v = b_.CreateInsertElement(llvm::PoisonValue::get(v2), p.re, b_.getInt64(0));
        return b_.CreateInsertElement(v, p.im, b_.getInt64(1));
      };
      llvm::FunctionCallee f = mod_.getOrInsertFunction("cpowf", llvm::FunctionType::get(v2, {v2, v2}, false));
      llvm::cast<llvm::Function>(f.getCallee())->setDoesNotThrow();
      llvm::Value* z = b_.CreateCall(f, {vec(a), vec(e)});
      general = Parts{b_.CreateExtractElement(z, b_.getInt64(0)), b_.CreateExtractElement(z, b_.getInt64(1))};
    } else {
      llvm::Type* cd = llvm::StructType::get(ctx_, {d, d});
      llvm::FunctionCallee f = mod_.getOrInsertFunction("cpow", llvm::FunctionType::get(cd, {d, d, d, d}, false));
      llvm::cast<llvm::Function>(f.getCallee())->setDoesNotThrow();
      llvm::Value* z = b_.CreateCall(f, {a.re, a.im, e.re, e.im});
      general = Parts{b_.CreateExtractValue(z, 0), b_.CreateExtractValue(z, 1)};
    }
  } else {  // CPython's _Py_c_pow
    llvm::Value* vabs = b_.CreateCall(libm("hypot", 2), {a.re, a.im});
    llvm::Value* len = b_.CreateCall(libm("pow", 2), {vabs, e.re});
    llvm::Value* at = b_.CreateCall(libm("atan2", 2), {a.im, a.re});
    llvm::Value* phase = b_.CreateFMul(at, e.re);
    llvm::Value* has_imag = b_.CreateFCmpUNE(e.im, c(0.0));
    llvm::Value* len2 = b_.CreateFDiv(len, b_.CreateCall(libm("exp", 1), {b_.CreateFMul(at, e.im)}));
    llvm::Value* phase2 = b_.CreateFAdd(phase, b_.CreateFMul(e.im, b_.CreateCall(libm("log", 1), {vabs})));
    len = b_.CreateSelect(has_imag, len2, len);
    phase = b_.CreateSelect(has_imag, phase2, phase);
    general = Parts{b_.CreateFMul(len, b_.CreateCall(libm("cos", 1), {phase})),
                    b_.CreateFMul(len, b_.CreateCall(libm("sin", 1), {phase}))};
  }
  Parts out = select(integral, powi, general);
  if (numpy) {
    // NumPy's nc_pow: z**0 is 1; 0**w is 0 for a positive real w, else nan.
    llvm::Value* nan = llvm::ConstantFP::getNaN(d);
    llvm::Value* pos_real = b_.CreateAnd(b_.CreateFCmpOGT(e.re, c(0.0)), e_real_zero);
    Parts zero_base = select(pos_real, Parts{c(0.0), c(0.0)}, Parts{nan, nan});
    out = select(a_zero, zero_base, out);
    out = select(e_zero, one, out);
    return pack(out);
  }
  // CPython: z**0 is 1 (the integral path gives it too); 0 to a negative or
  // complex power, or any power whose integral result is 0 to invert, raises.
  llvm::Value* zero_to_bad = b_.CreateAnd(a_zero, b_.CreateOr(b_.CreateFCmpUNE(e.im, c(0.0)), negative));
  llvm::Value* r_zero = b_.CreateAnd(b_.CreateFCmpOEQ(r.re, c(0.0)), b_.CreateFCmpOEQ(r.im, c(0.0)));
  llvm::Value* invert_zero = b_.CreateAnd(b_.CreateAnd(integral, negative), r_zero);
  raiseIf(b_.CreateAnd(b_.CreateNot(e_zero), b_.CreateOr(zero_to_bad, invert_zero)), KILN_ZERO_DIVISION_ERROR,
          "0.0 to a negative or complex power");
  out = select(b_.CreateAnd(a_zero, b_.CreateNot(integral)), Parts{c(0.0), c(0.0)}, out);
  out = select(e_zero, one, out);
  // CPython: an infinite part of the result is an overflow, whatever the operands.
  llvm::Value* inf = llvm::ConstantFP::getInfinity(d);
  raiseIf(b_.CreateOr(b_.CreateFCmpOEQ(b_.CreateCall(fabs, {out.re}), inf),
                      b_.CreateFCmpOEQ(b_.CreateCall(fabs, {out.im}), inf)),
          KILN_OVERFLOW_ERROR, "complex exponentiation");
  return pack(out);
}

llvm::Value* FunctionLowering::numberPart(llvm::Value* v, const typing::Type* t, const std::string& name,
                                          const typing::Type* result) {
  if (name == "view") return b_.CreateBitCast(v, valueType(ctx_, result));  // wording: the same bits, another type
  if (name == "item") return v;  // arrmeth: a scalar's item() is itself
  if (t->kind == Kind::kComplex) {
    if (name == "real") return b_.CreateExtractValue(v, 0);
    if (name == "imag") return b_.CreateExtractValue(v, 1);
    return b_.CreateInsertValue(v, b_.CreateFNeg(b_.CreateExtractValue(v, 1)), 1);  // conjugate()
  }
  if (name == "imag") return llvm::Constant::getNullValue(valueType(ctx_, result));
  return convert(b_, v, t, result);  // an int's or a float's real part and conjugate are itself
}

llvm::Value* FunctionLowering::complexFromArgs(const std::vector<const ir::Value*>& args, const typing::Type* result) {
  // CPython's complex(real, imag): real + imag*1j, where only a complex
  // argument's parts mix (so complex(x, -0.0) keeps the sign of zero).
  const typing::Type* f64 = types().floating(64);
  llvm::Value* re = llvm::ConstantFP::get(b_.getDoubleTy(), 0.0);
  llvm::Value* im = re;
  auto parts = [&](const ir::Value* v, llvm::Value** r, llvm::Value** i) {
    if (v->type->kind == Kind::kComplex) {
      llvm::Value* z = converted(v, result);
      *r = b_.CreateExtractValue(z, 0);
      *i = b_.CreateExtractValue(z, 1);
      return true;
    }
    *r = converted(v, f64);
    *i = nullptr;
    return false;
  };
  if (!args.empty()) {
    llvm::Value* ri = nullptr;
    parts(args[0], &re, &ri);
    if (ri) im = ri;
  }
  if (args.size() == 2) {
    llvm::Value *ir = nullptr, *ii = nullptr;
    if (parts(args[1], &ir, &ii)) {
      re = b_.CreateFSub(re, ii);
      im = args[0]->type->kind == Kind::kComplex ? b_.CreateFAdd(im, ir) : ir;
    } else {
      im = args[0]->type->kind == Kind::kComplex ? b_.CreateFAdd(im, ir) : ir;
    }
  }
  llvm::Value* out = b_.CreateInsertValue(llvm::PoisonValue::get(valueType(ctx_, result)), re, 0);
  return b_.CreateInsertValue(out, im, 1);
}

llvm::Value* FunctionLowering::complexAbs(llvm::Value* z) {
  // hypot of the parts (CPython's and NumPy's), of their own precision
  // (NumPy's npy_cabsf is hypotf).
  llvm::Type* part = z->getType()->getStructElementType(0);
  if (part->isFloatTy()) return ufuncMath("hypot", b_.CreateExtractValue(z, 0), b_.CreateExtractValue(z, 1));
  llvm::Type* d = b_.getDoubleTy();
  llvm::Value* h = b_.CreateCall(libm("hypot", 2), {b_.CreateFPExt(b_.CreateExtractValue(z, 0), d),
                                                    b_.CreateFPExt(b_.CreateExtractValue(z, 1), d)});
  return b_.CreateFPTrunc(h, part);
}

llvm::Value* FunctionLowering::complexMean(llvm::Value* total, llvm::Value* count) {
  // np.mean and np.nanmean divide the sum by an intp count, which promotes
  // a complex64 to complex128, in NumPy's complex division (complexDivide:
  // for the divisor (count, 0) a multiply by 1/count, not a division, and
  // an infinite part makes the other NaN, as NumPy's). A count of 0 gives
  // nan+nanj.
  llvm::Type* part = total->getType()->getStructElementType(0);
  llvm::Type* d = b_.getDoubleTy();
  llvm::Type* cd = llvm::StructType::get(ctx_, {d, d});
  llvm::Value* wide = complexValue(b_, cd, b_.CreateFPExt(b_.CreateExtractValue(total, 0), d),
                                   b_.CreateFPExt(b_.CreateExtractValue(total, 1), d));
  llvm::Value* by = complexValue(b_, cd, b_.CreateSIToFP(count, d), llvm::ConstantFP::get(d, 0.0));
  llvm::Value* q = complexDivide(wide, by);
  return complexValue(b_, total->getType(), b_.CreateFPTrunc(b_.CreateExtractValue(q, 0), part),
                      b_.CreateFPTrunc(b_.CreateExtractValue(q, 1), part));
}

llvm::Value* FunctionLowering::complexReduction(typing::BuiltinId id, const typing::Type* at, llvm::Value* recv,
                                                const std::vector<const ir::Value*>& args, const typing::Type* result) {
  using typing::BuiltinId;
  const typing::Type* dt = at->dtype();
  llvm::Value* n = arraySize(recv, at);
  llvm::Type* ct = valueType(ctx_, dt);
  llvm::Type* part = ct->getStructElementType(0);
  auto element = [&](llvm::Value* k) { return loadElement(flatElementPtr(recv, at, k), dt); };
  auto re = [&](llvm::Value* z) { return b_.CreateExtractValue(z, 0); };
  auto im = [&](llvm::Value* z) { return b_.CreateExtractValue(z, 1); };
  auto is_nan = [&](llvm::Value* z) {
    return b_.CreateOr(b_.CreateFCmpUNO(re(z), re(z)), b_.CreateFCmpUNO(im(z), im(z)));
  };
  // The nan* forms skip the items with a NaN part (NumPy's nansum counts
  // them as 0, nanmean/nanvar leave them out of the count).
  bool skip = id == BuiltinId::kArrayNansum || id == BuiltinId::kArrayNanmean || id == BuiltinId::kArrayNanvar ||
              id == BuiltinId::kArrayNanstd || id == BuiltinId::kArrayNanmin || id == BuiltinId::kArrayNanmax;
  llvm::AllocaInst* kept = entryAlloca(b_.getInt64Ty(), "ckept");
  auto item = [&](llvm::Value* k) { return memoryOrderItem(at, recv, k); };
  // pairwise: the sum of the (kept) items in NumPy's order (lower_pairwise.h),
  // and their count in *kept. np.sum, np.mean and np.var sum the array as
  // NumPy's reduction iterates it; the nan* forms sum a copy with zeros for
  // the items with a NaN part, in memory order.
  auto sum = [&]() -> llvm::Value* {
    if (!skip) {
      b_.CreateStore(n, kept);
      return numpyOrderSum(at, recv, ct, item);
    }
    b_.CreateStore(b_.getInt64(0), kept);
    loop(n, [&](llvm::Value* k) {
      llvm::Value* c = b_.CreateLoad(b_.getInt64Ty(), kept);
      b_.CreateStore(b_.CreateAdd(c, b_.CreateZExt(b_.CreateNot(is_nan(item(k))), b_.getInt64Ty())), kept);
    });
    return pairwiseSum(*this, n, ct, [&](llvm::Value* k) {
      llvm::Value* z = item(k);
      return b_.CreateSelect(is_nan(z), llvm::Constant::getNullValue(ct), z);
    });
  };
  auto count = [&]() { return b_.CreateSIToFP(b_.CreateLoad(b_.getInt64Ty(), kept), part); };
  auto mean = [&]() {
    llvm::Value* total = sum();  // first: it stores the count
    return complexMean(total, b_.CreateLoad(b_.getInt64Ty(), kept));
  };
  // The other reductions (sum, prod, cumsum, any, ...) are lowered for
  // every dtype by arrayMethod.
  if (id == BuiltinId::kArrayNansum) return sum();
  if (id == BuiltinId::kArrayMean || id == BuiltinId::kArrayNanmean) return mean();
  if (id == BuiltinId::kArrayVar || id == BuiltinId::kArrayStd || id == BuiltinId::kArrayNanvar ||
      id == BuiltinId::kArrayNanstd) {
    // NumPy: the mean of |x - mean|**2 in the parts' type, each square
    // dr*dr + di*di (np.var multiplies the parts and adds them; nanvar takes
    // the real part of (x - mean) * conj(x - mean) in its element-wise
    // multiply, fused where it fuses: docs/performance.md), summed pairwise
    // as floats over a new array (zeros for the NaN items).
    llvm::Value* center = mean();
    llvm::Value* squares = pairwiseSum(*this, n, part, [&](llvm::Value* k) {
      llvm::Value* z = item(k);
      llvm::Value* dr = b_.CreateFSub(re(z), re(center));
      llvm::Value* di = b_.CreateFSub(im(z), im(center));
      if (!skip) return b_.CreateFAdd(b_.CreateFMul(dr, dr), b_.CreateFMul(di, di));
      llvm::Value* sq =
          re(numpyComplexMultiply(complexValue(b_, ct, dr, di), complexValue(b_, ct, dr, b_.CreateFNeg(di))));
      return b_.CreateSelect(is_nan(z), llvm::ConstantFP::get(part, 0.0), sq);
    });
    llvm::Value* var = b_.CreateFDiv(squares, count());
    if (id == BuiltinId::kArrayVar || id == BuiltinId::kArrayNanvar) return var;
    return b_.CreateCall(intrinsic(llvm::Intrinsic::sqrt, part), {var});
  }
  if (id == BuiltinId::kArrayMin || id == BuiltinId::kArrayMax || id == BuiltinId::kArrayArgmin ||
      id == BuiltinId::kArrayArgmax || id == BuiltinId::kArrayNanmin || id == BuiltinId::kArrayNanmax) {
    if (!args.empty()) return nullptr;  // refused by typing
    bool is_min = id == BuiltinId::kArrayMin || id == BuiltinId::kArrayArgmin || id == BuiltinId::kArrayNanmin;
    bool arg = id == BuiltinId::kArrayArgmin || id == BuiltinId::kArrayArgmax;
    const char* empty =
        id == BuiltinId::kArrayMin      ? "zero-size array to reduction operation minimum which has no identity"
        : id == BuiltinId::kArrayMax    ? "zero-size array to reduction operation maximum which has no identity"
        : id == BuiltinId::kArrayNanmin ? "zero-size array to reduction operation fmin which has no identity"
        : id == BuiltinId::kArrayNanmax ? "zero-size array to reduction operation fmax which has no identity"
        : is_min                        ? "attempt to get argmin of an empty sequence"
                                        : "attempt to get argmax of an empty sequence";
    raiseIf(b_.CreateICmpEQ(n, b_.getInt64(0)), KILN_VALUE_ERROR, empty);
    llvm::AllocaInst* best = entryAlloca(ct, "cbest");
    llvm::AllocaInst* where = entryAlloca(b_.getInt64Ty(), "cwhere");
    b_.CreateStore(element(b_.getInt64(0)), best);
    b_.CreateStore(b_.getInt64(0), where);
    loop(n, [&](llvm::Value* k) {
      // NumPy orders complex numbers by real part, then imaginary part;
      // the first NaN (in either part) wins and stays, except in nanmin/
      // nanmax, where any number beats a NaN (all NaN: NaN).
      llvm::Value* x = element(k);
      llvm::Value* cur = b_.CreateLoad(ct, best);
      llvm::Value* real_beats = is_min ? b_.CreateFCmpOLT(re(x), re(cur)) : b_.CreateFCmpOGT(re(x), re(cur));
      llvm::Value* imag_beats = is_min ? b_.CreateFCmpOLT(im(x), im(cur)) : b_.CreateFCmpOGT(im(x), im(cur));
      llvm::Value* beats = b_.CreateOr(real_beats, b_.CreateAnd(b_.CreateFCmpOEQ(re(x), re(cur)), imag_beats));
      llvm::Value* take = skip ? b_.CreateAnd(b_.CreateNot(is_nan(x)), b_.CreateOr(beats, is_nan(cur)))
                               : b_.CreateAnd(b_.CreateNot(is_nan(cur)), b_.CreateOr(beats, is_nan(x)));
      b_.CreateStore(b_.CreateSelect(take, x, cur), best);
      b_.CreateStore(b_.CreateSelect(take, k, b_.CreateLoad(b_.getInt64Ty(), where)), where);
    });
    if (!arg) return b_.CreateLoad(ct, best);
    return b_.CreateLoad(b_.getInt64Ty(), where);
  }
  return nullptr;
}

llvm::Value* FunctionLowering::complexArange(const ir::Value* start_arg, const ir::Value* stop_arg,
                                            const ir::Value* step_arg, const typing::Type* result) {
  // NumPy: the length is ceil((stop - start) / step) (Python's complex
  // division), the smaller of the parts' ceilings when an argument is
  // complex; item 0 is start, item 1 start + step, and item k is
  // start + k * delta part by part, delta = item 1 - item 0.
  const typing::Type* c128 = types().complex(128);
  const typing::Type* dt = result->dtype();
  llvm::Type* d = b_.getDoubleTy();
  llvm::Type* ct = valueType(ctx_, c128);
  auto c = [&](double v) { return llvm::ConstantFP::get(d, v); };
  auto make = [&](llvm::Value* r, llvm::Value* i) {
    return b_.CreateInsertValue(b_.CreateInsertValue(llvm::PoisonValue::get(ct), r, 0), i, 1);
  };
  bool any_complex = false;
  for (const ir::Value* v : {start_arg, stop_arg, step_arg}) any_complex = any_complex || (v && v->type->kind == Kind::kComplex);
  llvm::Value* start = start_arg ? converted(start_arg, c128) : make(c(0.0), c(0.0));
  llvm::Value* stop = converted(stop_arg, c128);
  llvm::Value* step = step_arg ? converted(step_arg, c128) : make(c(1.0), c(0.0));
  llvm::Value* range;
  if (any_complex) {
    range = complexBinary(ir::BinaryOp::kTrueDiv, complexBinary(ir::BinaryOp::kSub, stop, start), step);
  } else {  // real numbers: float division
    llvm::Value* s = b_.CreateExtractValue(step, 0);
    raiseIf(b_.CreateFCmpOEQ(s, c(0.0)), KILN_ZERO_DIVISION_ERROR, "division by zero");
    range =
        make(b_.CreateFDiv(b_.CreateFSub(b_.CreateExtractValue(stop, 0), b_.CreateExtractValue(start, 0)), s), c(0.0));
  }
  llvm::Function* ceil = intrinsic(llvm::Intrinsic::ceil, d);
  auto length = [&](llvm::Value* x) {
    raiseIf(b_.CreateFCmpUNO(x, x), KILN_VALUE_ERROR, "arange: cannot compute length");
    llvm::Value* q = b_.CreateCall(ceil, {x});
    raiseIf(b_.CreateFCmpOGE(b_.CreateCall(intrinsic(llvm::Intrinsic::fabs, d), {q}), c(9.2233720368547758e18)),
            KILN_OVERFLOW_ERROR, "arange: overflow while computing length");
    return b_.CreateFPToSI(q, b_.getInt64Ty());
  };
  llvm::Value* len = length(b_.CreateExtractValue(range, 0));
  if (any_complex) {
    llvm::Value* li = length(b_.CreateExtractValue(range, 1));
    len = b_.CreateSelect(b_.CreateICmpSLT(li, len), li, len);
  }
  len = b_.CreateSelect(b_.CreateICmpSLT(len, b_.getInt64(0)), b_.getInt64(0), len);
  llvm::Value* arr = newArray(result, {len});
  llvm::Value* second = complexBinary(ir::BinaryOp::kAdd, start, step);
  llvm::Value* delta = complexBinary(ir::BinaryOp::kSub, second, start);
  loop(len, [&](llvm::Value* k) {
    llvm::Value* kf = b_.CreateSIToFP(k, d);
    llvm::Value* item =
        make(b_.CreateFAdd(b_.CreateExtractValue(start, 0), b_.CreateFMul(kf, b_.CreateExtractValue(delta, 0))),
             b_.CreateFAdd(b_.CreateExtractValue(start, 1), b_.CreateFMul(kf, b_.CreateExtractValue(delta, 1))));
    item = b_.CreateSelect(b_.CreateICmpEQ(k, b_.getInt64(0)), start,
                           b_.CreateSelect(b_.CreateICmpEQ(k, b_.getInt64(1)), second, item));
    storeElement(flatElementPtr(arr, result, k), convert(b_, item, c128, dt), dt);
  });
  return arr;
}

}  // namespace kiln::lowering
