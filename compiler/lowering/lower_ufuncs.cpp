// NumPy's ufuncs called by name (typing/ufuncs.def): the loop typing chose
// (ir::Resolution::compute, a tuple of its input and output types), run over the broadcast elements of the inputs by
// FunctionLowering::elementwise, into new arrays or the given out arrays,
// or once on scalars. Each implementation follows NumPy's C loops: integer
// division and remainder by zero give 0, float ones inf or nan, integer
// powers refuse negative exponents, NaN propagates through maximum and
// minimum and is skipped by fmax and fmin.
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/ufuncs.h"

namespace kiln::lowering {

using ir::BinaryOp;
using ir::CompareOp;
using typing::Kind;
using typing::UfuncImpl;

namespace {
bool isFloat(const typing::Type* t) { return t->kind == Kind::kFloat; }
bool isSigned(const typing::Type* t) { return t->kind == Kind::kInt && t->is_signed; }
}  // namespace

llvm::Value* FunctionLowering::ufuncMath(const char* name, llvm::Value* x, llvm::Value* y) {
  // libm's function of the loop's own float type (sinf for float32).
  llvm::Type* ft = x->getType();
  std::string fname = ft->isFloatTy() ? absl::StrCat(name, "f") : std::string(name);
  std::vector<llvm::Type*> params(y ? 2 : 1, ft);
  llvm::FunctionCallee f = mod_.getOrInsertFunction(fname, llvm::FunctionType::get(ft, params, false));
  llvm::cast<llvm::Function>(f.getCallee())->setDoesNotThrow();
  return y ? b_.CreateCall(f, {x, y}) : b_.CreateCall(f, {x});
}

llvm::Value* FunctionLowering::ufuncGcd(llvm::Value* x, llvm::Value* y, const typing::Type* t) {
  // Euclid's algorithm on the absolute values.
  auto absval = [&](llvm::Value* v) {
    if (!isSigned(t)) return v;
    return b_.CreateSelect(b_.CreateICmpSLT(v, llvm::ConstantInt::get(v->getType(), 0)), b_.CreateNeg(v), v);
  };
  llvm::Type* it = x->getType();
  llvm::AllocaInst* a = entryAlloca(it, "gcd.a");
  llvm::AllocaInst* c = entryAlloca(it, "gcd.b");
  b_.CreateStore(absval(x), a);
  b_.CreateStore(absval(y), c);
  llvm::BasicBlock* head = llvm::BasicBlock::Create(ctx_, "gcd", fn_);
  llvm::BasicBlock* body = llvm::BasicBlock::Create(ctx_, "gcd.body", fn_);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "gcd.end", fn_);
  b_.CreateBr(head);
  b_.SetInsertPoint(head);
  llvm::Value* cv = b_.CreateLoad(it, c);
  b_.CreateCondBr(b_.CreateICmpNE(cv, llvm::ConstantInt::get(it, 0)), body, done);
  b_.SetInsertPoint(body);
  llvm::Value* av = b_.CreateLoad(it, a);
  b_.CreateStore(cv, a);
  b_.CreateStore(b_.CreateURem(av, cv), c);
  b_.CreateBr(head);
  b_.SetInsertPoint(done);
  return b_.CreateLoad(it, a);
}

llvm::Value* FunctionLowering::complexDivide(llvm::Value* x, llvm::Value* y) {
  // NumPy's complex division (its array loops and its scalars alike, measured
  // bit for bit: docs/numpy.md): Smith's scaling by the larger part of the
  // divisor, but multiplied by the reciprocal of the scaled denominator
  // instead of divided by it (other bits than CPython's _Py_c_quot in about
  // 4 items of 10). A zero divisor divides each part by |0| (inf or nan),
  // with no exception. The parts' multiply-adds are rounded separately.
  auto re = [&](llvm::Value* v) { return b_.CreateExtractValue(v, 0); };
  auto im = [&](llvm::Value* v) { return b_.CreateExtractValue(v, 1); };
  llvm::Value *a = re(x), *bi = im(x), *c = re(y), *d = im(y);
  llvm::Type* part = a->getType();
  llvm::Function* fabs = intrinsic(llvm::Intrinsic::fabs, part);
  llvm::Value* ac = b_.CreateCall(fabs, {c});
  llvm::Value* ad = b_.CreateCall(fabs, {d});
  llvm::Value* zero = llvm::ConstantFP::get(part, 0.0);
  llvm::Value* one = llvm::ConstantFP::get(part, 1.0);
  llvm::Value* by_real = b_.CreateFCmpOGE(ac, ad);
  llvm::Value* r1 = b_.CreateFDiv(d, c);
  llvm::Value* s1 = b_.CreateFDiv(one, b_.CreateFAdd(c, b_.CreateFMul(d, r1)));
  llvm::Value* re1 = b_.CreateFMul(b_.CreateFAdd(a, b_.CreateFMul(bi, r1)), s1);
  llvm::Value* im1 = b_.CreateFMul(b_.CreateFSub(bi, b_.CreateFMul(a, r1)), s1);
  llvm::Value* both_zero = b_.CreateAnd(b_.CreateFCmpOEQ(ac, zero), b_.CreateFCmpOEQ(ad, zero));
  re1 = b_.CreateSelect(both_zero, b_.CreateFDiv(a, ac), re1);
  im1 = b_.CreateSelect(both_zero, b_.CreateFDiv(bi, ac), im1);
  llvm::Value* r2 = b_.CreateFDiv(c, d);
  llvm::Value* s2 = b_.CreateFDiv(one, b_.CreateFAdd(d, b_.CreateFMul(c, r2)));
  llvm::Value* re2 = b_.CreateFMul(b_.CreateFAdd(b_.CreateFMul(a, r2), bi), s2);
  llvm::Value* im2 = b_.CreateFMul(b_.CreateFSub(b_.CreateFMul(bi, r2), a), s2);
  llvm::Value* out = llvm::PoisonValue::get(x->getType());
  out = b_.CreateInsertValue(out, b_.CreateSelect(by_real, re1, re2), 0);
  return b_.CreateInsertValue(out, b_.CreateSelect(by_real, im1, im2), 1);
}

llvm::Value* FunctionLowering::numpyComplexMultiply(llvm::Value* x, llvm::Value* y) {
  // NumPy's element-wise complex multiply. Where its dispatch runs the
  // x86-64-v3 (or AVX-512) kernel (numpy_fma_), each part is one fused
  // multiply-add whose unrounded product takes x's real part:
  //   re = fma(xr, yr, -(xi * yi)),  im = fma(xr, yi, xi * yr)
  // (measured on every layout of complex128 and on every layout without a
  // negative stride of complex64; docs/numpy.md). Elsewhere both products
  // are rounded, as Python's complex multiply.
  if (!numpy_fma_) return complexBinary(ir::BinaryOp::kMul, x, y);
  llvm::Value* xr = b_.CreateExtractValue(x, 0);
  llvm::Value* xi = b_.CreateExtractValue(x, 1);
  llvm::Value* yr = b_.CreateExtractValue(y, 0);
  llvm::Value* yi = b_.CreateExtractValue(y, 1);
  llvm::Function* fma = intrinsic(llvm::Intrinsic::fma, xr->getType());
  llvm::Value* re = b_.CreateCall(fma, {xr, yr, b_.CreateFNeg(b_.CreateFMul(xi, yi))});
  llvm::Value* im = b_.CreateCall(fma, {xr, yi, b_.CreateFMul(xi, yr)});
  return complexValue(b_, x->getType(), re, im);
}

llvm::Value* FunctionLowering::numpyComplexAbsolute(llvm::Value* z) {
  // NumPy's complex absolute loop (loops_unary_complex.dispatch.c.src,
  // simd_cabsolute), not hypot: an infinite part makes both infinite, then a
  // NaN part both NaN; with the larger part l and the smaller s, s/l (0 when
  // l is 0 or s infinite) gives l * sqrt(r*r + 1), the r*r + 1 fused where
  // its kernel fuses (numpy_fma_, as numpyComplexMultiply).
  llvm::Type* pt = z->getType()->getStructElementType(0);
  llvm::Function* fabs = intrinsic(llvm::Intrinsic::fabs, pt);
  llvm::Value* re = b_.CreateCall(fabs, {b_.CreateExtractValue(z, 0)});
  llvm::Value* im = b_.CreateCall(fabs, {b_.CreateExtractValue(z, 1)});
  llvm::Value* inf = llvm::ConstantFP::getInfinity(pt);
  llvm::Value* nan = llvm::ConstantFP::getNaN(pt);
  llvm::Value* re_inf = b_.CreateFCmpOEQ(re, inf);
  llvm::Value* im_inf = b_.CreateFCmpOEQ(im, inf);
  im = b_.CreateSelect(re_inf, inf, im);
  re = b_.CreateSelect(im_inf, inf, re);
  llvm::Value* re_num = b_.CreateFCmpORD(re, re);
  llvm::Value* im_num = b_.CreateFCmpORD(im, im);
  im = b_.CreateSelect(re_num, im, nan);
  re = b_.CreateSelect(im_num, re, nan);
  llvm::Value* larger = b_.CreateSelect(b_.CreateFCmpOGT(re, im), re, im);
  llvm::Value* smaller = b_.CreateSelect(b_.CreateFCmpOLT(im, re), im, re);
  llvm::Value* zero = llvm::ConstantFP::get(pt, 0.0);
  llvm::Value* divide = b_.CreateNot(b_.CreateOr(b_.CreateFCmpOEQ(larger, zero), b_.CreateFCmpOEQ(smaller, inf)));
  llvm::Value* ratio = b_.CreateSelect(divide, b_.CreateFDiv(smaller, larger), zero);
  llvm::Value* one = llvm::ConstantFP::get(pt, 1.0);
  llvm::Value* t = numpy_fma_ ? b_.CreateCall(intrinsic(llvm::Intrinsic::fma, pt), {ratio, ratio, one})
                              : b_.CreateFAdd(b_.CreateFMul(ratio, ratio), one);
  return b_.CreateFMul(b_.CreateCall(intrinsic(llvm::Intrinsic::sqrt, pt), {t}), larger);
}

llvm::Value* FunctionLowering::complexMath(const char* name, llvm::Value* z) {
  // C99's complex function (cexp, csqrt, ...), which NumPy's loops call,
  // of the number's own precision: csqrtf for a complex64, as NumPy's
  // complex64 loops call it.
  llvm::Type* ct = z->getType();
  llvm::Type* part = ct->getStructElementType(0);
  if (part->isFloatTy()) {
    // The x86-64 C ABI passes and returns a float complex as one <2 x float>
    // (clang's lowering of float _Complex).
    llvm::Type* v2 = llvm::FixedVectorType::get(part, 2);
    llvm::Value* v = b_.CreateInsertElement(llvm::PoisonValue::get(v2), b_.CreateExtractValue(z, 0), b_.getInt64(0));
    v = b_.CreateInsertElement(v, b_.CreateExtractValue(z, 1), b_.getInt64(1));
    llvm::FunctionCallee f =
        mod_.getOrInsertFunction(absl::StrCat(name, "f"), llvm::FunctionType::get(v2, {v2}, false));
    llvm::cast<llvm::Function>(f.getCallee())->setDoesNotThrow();
    llvm::Value* r = b_.CreateCall(f, {v});
    return complexValue(b_, ct, b_.CreateExtractElement(r, b_.getInt64(0)), b_.CreateExtractElement(r, b_.getInt64(1)));
  }
  llvm::Type* d = b_.getDoubleTy();
  llvm::Type* cd = llvm::StructType::get(ctx_, {d, d});
  llvm::FunctionCallee f = mod_.getOrInsertFunction(name, llvm::FunctionType::get(cd, {d, d}, false));
  llvm::cast<llvm::Function>(f.getCallee())->setDoesNotThrow();
  llvm::Value* r = b_.CreateCall(f, {b_.CreateFPExt(b_.CreateExtractValue(z, 0), d), b_.CreateFPExt(b_.CreateExtractValue(z, 1), d)});
  llvm::Value* out = llvm::PoisonValue::get(ct);
  out = b_.CreateInsertValue(out, b_.CreateFPTrunc(b_.CreateExtractValue(r, 0), part), 0);
  return b_.CreateInsertValue(out, b_.CreateFPTrunc(b_.CreateExtractValue(r, 1), part), 1);
}

std::vector<llvm::Value*> FunctionLowering::ufuncBody(UfuncImpl impl, const std::vector<const typing::Type*>& loop,
                                                      const std::vector<llvm::Value*>& xs) {
  for (const typing::Type* e : loop)  // datetime: lower_datetime.cpp
    if (e->isDatetimeLike()) return {datetimeUfuncBody(impl, loop, xs)};
  // float16: NumPy's half loops widen to float32, compute, and round back
  // once (typing refuses the two that step in half ulps).
  bool half = false;
  for (const typing::Type* e : loop) half = half || (e->kind == Kind::kFloat && e->bits == 16);
  if (half) {
    std::vector<const typing::Type*> wide;
    for (const typing::Type* e : loop) wide.push_back(e->kind == Kind::kFloat && e->bits == 16 ? types().floating(32) : e);
    std::vector<llvm::Value*> wxs;
    for (llvm::Value* v : xs) wxs.push_back(v->getType()->isHalfTy() ? b_.CreateFPExt(v, b_.getFloatTy()) : v);
    std::vector<llvm::Value*> outs = ufuncBody(impl, wide, wxs);
    for (llvm::Value*& v : outs)
      if (v->getType()->isFloatTy()) v = b_.CreateFPTrunc(v, b_.getHalfTy());
    return outs;
  }
  const typing::Type* t = loop[0];
  llvm::Value* x = xs[0];
  llvm::Value* y = xs.size() > 1 ? xs[1] : nullptr;
  bool fl = isFloat(t);
  bool cx = t->kind == Kind::kComplex;
  llvm::Type* vt = x->getType();
  auto fconst = [&](double v) { return llvm::ConstantFP::get(vt, v); };
  auto fcall = [&](llvm::Intrinsic::ID id, std::vector<llvm::Value*> vs) -> llvm::Value* {
    return b_.CreateCall(intrinsic(id, vs[0]->getType()), vs);
  };
  auto re = [&](llvm::Value* v) { return b_.CreateExtractValue(v, 0); };
  auto im = [&](llvm::Value* v) { return b_.CreateExtractValue(v, 1); };
  auto binop = [&](BinaryOp op) { return binaryValues(op, x, y, t, false, true); };
  auto signed_overflow = [&]() {  // INT_MIN and -1
    unsigned bits = vt->getIntegerBitWidth();
    return b_.CreateAnd(b_.CreateICmpEQ(y, llvm::ConstantInt::getSigned(vt, -1)),
                        b_.CreateICmpEQ(x, llvm::ConstantInt::get(vt, llvm::APInt::getSignedMinValue(bits))));
  };
  auto floor_divide = [&]() -> llvm::Value* {
    llvm::Value* q = binop(BinaryOp::kFloorDiv);
    if (isSigned(t)) q = b_.CreateSelect(signed_overflow(), x, q);  // NumPy: INT_MIN // -1 is INT_MIN
    return q;
  };
  // NumPy's order of complex numbers: by real part, then imaginary part
  // (a NaN imaginary part makes the real parts' order undecided).
  auto complex_order = [&](CompareOp op, llvm::Value* p, llvm::Value* q) -> llvm::Value* {
    llvm::Value* no_nan = b_.CreateAnd(b_.CreateFCmpORD(im(p), im(p)), b_.CreateFCmpORD(im(q), im(q)));
    bool less = op == CompareOp::kLt || op == CompareOp::kLe;
    llvm::Value* first = less ? b_.CreateFCmpOLT(re(p), re(q)) : b_.CreateFCmpOGT(re(p), re(q));
    llvm::Value* second = compareValues(op, im(p), im(q), types().floating(64));
    return b_.CreateOr(b_.CreateAnd(first, no_nan), b_.CreateAnd(b_.CreateFCmpOEQ(re(p), re(q)), second));
  };
  auto compare = [&](CompareOp op) -> llvm::Value* {
    if (cx && op != CompareOp::kEq && op != CompareOp::kNe) return complex_order(op, x, y);
    if (loop[0] == loop[1]) return compareValues(op, x, y, t);
    // int64 beside uint64 (NumPy's qQ and Qq loops): exact.
    return compareMixedSign(op, x, isSigned(loop[0]), y, isSigned(loop[1]));
  };
  auto make_complex = [&](llvm::Value* r, llvm::Value* i) {
    llvm::Value* out = llvm::PoisonValue::get(vt);
    return b_.CreateInsertValue(b_.CreateInsertValue(out, r, 0), i, 1);
  };
  auto is_nan = [&](llvm::Value* v) { return b_.CreateFCmpUNO(v, v); };
  auto is_inf = [&](llvm::Value* v) {
    return b_.CreateFCmpOEQ(fcall(llvm::Intrinsic::fabs, {v}), llvm::ConstantFP::getInfinity(v->getType()));
  };
  auto is_finite = [&](llvm::Value* v) {
    return b_.CreateFCmpOLT(fcall(llvm::Intrinsic::fabs, {v}), llvm::ConstantFP::getInfinity(v->getType()));
  };
  if (cx) {
    // C99's complex functions, which NumPy's complex loops call.
    static const std::map<UfuncImpl, const char*> cfuncs = {
        {UfuncImpl::kSqrt, "csqrt"},   {UfuncImpl::kExp, "cexp"},       {UfuncImpl::kLog, "clog"},
        {UfuncImpl::kSin, "csin"},     {UfuncImpl::kCos, "ccos"},       {UfuncImpl::kTan, "ctan"},
        {UfuncImpl::kSinh, "csinh"},   {UfuncImpl::kCosh, "ccosh"},     {UfuncImpl::kTanh, "ctanh"},
        {UfuncImpl::kArcsin, "casin"}, {UfuncImpl::kArccos, "cacos"},   {UfuncImpl::kArctan, "catan"},
        {UfuncImpl::kArcsinh, "casinh"}, {UfuncImpl::kArccosh, "cacosh"}, {UfuncImpl::kArctanh, "catanh"}};
    if (auto it = cfuncs.find(impl); it != cfuncs.end()) return {complexMath(it->second, x)};
    llvm::Type* pt = re(x)->getType();
    auto pconst = [&](double v) { return llvm::ConstantFP::get(pt, v); };
    auto scaled = [&](llvm::Value* z, double k) {  // both parts times k
      return make_complex(b_.CreateFMul(re(z), pconst(k)), b_.CreateFMul(im(z), pconst(k)));
    };
    // libm of the parts' own precision (sinf for a complex64), as NumPy's
    // nc_* functions call it.
    auto dmath = [&](const char* name, llvm::Value* v, llvm::Value* w = nullptr) { return ufuncMath(name, v, w); };
    // NumPy's own formulas for these (npy_math's nc_* functions).
    switch (impl) {
      case UfuncImpl::kLog10: return {scaled(complexMath("clog", x), 0.43429448190325182765)};
      case UfuncImpl::kLog2: return {scaled(complexMath("clog", x), 1.442695040888963407359924681001892137)};
      case UfuncImpl::kExp2: return {complexMath("cexp", scaled(x, 0.693147180559945309417232121458176568))};
      case UfuncImpl::kExpm1: {
        llvm::Value* a = dmath("sin", b_.CreateFMul(im(x), pconst(0.5)));
        llvm::Value* r = b_.CreateFSub(b_.CreateFMul(dmath("expm1", re(x)), dmath("cos", im(x))),
                                       b_.CreateFMul(pconst(2.0), b_.CreateFMul(a, a)));
        return {make_complex(r, b_.CreateFMul(dmath("exp", re(x)), dmath("sin", im(x))))};
      }
      case UfuncImpl::kLog1p: {
        llvm::Value* r1 = b_.CreateFAdd(re(x), pconst(1.0));
        return {make_complex(dmath("log", dmath("hypot", r1, im(x))), dmath("atan2", im(x), r1))};
      }
      case UfuncImpl::kRint:
        return {make_complex(fcall(llvm::Intrinsic::roundeven, {re(x)}), fcall(llvm::Intrinsic::roundeven, {im(x)}))};
      case UfuncImpl::kReciprocal: {
        llvm::Value *xr = re(x), *xi = im(x);
        llvm::Value* by_real = b_.CreateFCmpOLE(fcall(llvm::Intrinsic::fabs, {xi}), fcall(llvm::Intrinsic::fabs, {xr}));
        llvm::Value* r1 = b_.CreateFDiv(xi, xr);
        llvm::Value* d1 = b_.CreateFAdd(xr, b_.CreateFMul(xi, r1));
        llvm::Value* r2 = b_.CreateFDiv(xr, xi);
        llvm::Value* d2 = b_.CreateFAdd(b_.CreateFMul(xr, r2), xi);
        llvm::Value* one = pconst(1.0);
        return {make_complex(b_.CreateSelect(by_real, b_.CreateFDiv(one, d1), b_.CreateFDiv(r2, d2)),
                             b_.CreateSelect(by_real, b_.CreateFNeg(b_.CreateFDiv(r1, d1)), b_.CreateFNeg(b_.CreateFDiv(one, d2))))};
      }
      default:
        break;
    }
    if (impl == UfuncImpl::kAbsolute) return {numpyComplexAbsolute(x)};
  }
  switch (impl) {
    case UfuncImpl::kAdd: return {binop(BinaryOp::kAdd)};
    case UfuncImpl::kSubtract: return {binop(BinaryOp::kSub)};
    case UfuncImpl::kMultiply: return {cx ? numpyComplexMultiply(x, y) : binop(BinaryOp::kMul)};
    case UfuncImpl::kTrueDivide: {
      return {cx ? complexDivide(x, y) : b_.CreateFDiv(x, y)};
    }
    case UfuncImpl::kFloorDivide: return {floor_divide()};
    case UfuncImpl::kRemainder: return {binop(BinaryOp::kMod)};
    case UfuncImpl::kDivmod: return {floor_divide(), binop(BinaryOp::kMod)};
    case UfuncImpl::kFmod: {
      if (fl) return {b_.CreateFRem(x, y)};
      llvm::Value* zero = llvm::ConstantInt::get(vt, 0);
      llvm::Value* bad = b_.CreateICmpEQ(y, zero);
      if (isSigned(t)) bad = b_.CreateOr(bad, signed_overflow());
      llvm::Value* safe = b_.CreateSelect(bad, llvm::ConstantInt::get(vt, 1), y);
      llvm::Value* r = isSigned(t) ? b_.CreateSRem(x, safe) : b_.CreateURem(x, safe);
      return {b_.CreateSelect(bad, zero, r)};
    }
    case UfuncImpl::kPower: {
      if (cx) return {complexPow(x, y, /*numpy=*/true)};  // complex: lower_complex.cpp
      if (fl) return {fcall(llvm::Intrinsic::pow, {x, y})};
      if (isSigned(t))
        raiseIf(b_.CreateICmpSLT(y, llvm::ConstantInt::get(vt, 0)), KILN_VALUE_ERROR,
                "Integers to negative integer powers are not allowed.");
      return {power(x, y, t)};
    }
    case UfuncImpl::kNegative:
      if (cx) return {make_complex(b_.CreateFNeg(re(x)), b_.CreateFNeg(im(x)))};
      return {fl ? b_.CreateFNeg(x) : b_.CreateNeg(x)};
    case UfuncImpl::kPositive: return {x};
    case UfuncImpl::kConjugate:
      if (cx) return {make_complex(re(x), b_.CreateFNeg(im(x)))};
      return {x};
    case UfuncImpl::kSquare: return {cx ? numpyComplexMultiply(x, x) : binaryValues(BinaryOp::kMul, x, x, t, false, true)};
    case UfuncImpl::kReciprocal: {
      if (fl) return {b_.CreateFDiv(fconst(1.0), x)};
      llvm::Value* zero = llvm::ConstantInt::get(vt, 0);
      llvm::Value* is_zero = b_.CreateICmpEQ(x, zero);
      llvm::Value* safe = b_.CreateSelect(is_zero, llvm::ConstantInt::get(vt, 1), x);
      llvm::Value* r = isSigned(t) ? b_.CreateSDiv(llvm::ConstantInt::get(vt, 1), safe)
                                   : b_.CreateUDiv(llvm::ConstantInt::get(vt, 1), safe);
      // 1/0 is NumPy's (C's) conversion of inf: the type's minimum.
      unsigned bits = vt->getIntegerBitWidth();
      llvm::Value* at_zero = isSigned(t) && bits >= 32 ? llvm::ConstantInt::get(vt, llvm::APInt::getSignedMinValue(bits)) : zero;
      return {b_.CreateSelect(is_zero, at_zero, r)};
    }
    case UfuncImpl::kAbsolute:
      if (fl) return {fcall(llvm::Intrinsic::fabs, {x})};
      if (!isSigned(t)) return {x};
      return {b_.CreateSelect(b_.CreateICmpSLT(x, llvm::ConstantInt::get(vt, 0)), b_.CreateNeg(x), x)};
    case UfuncImpl::kFabs: return {fcall(llvm::Intrinsic::fabs, {x})};
    case UfuncImpl::kSign: {
      if (cx) {
        // dtunits: NumPy 1.x's complex sign, in the lexicographic order of
        // its CGT/CLT/CEQ macros: the sign of the real part, else of the
        // imaginary part, 0 for 0, NaN when a NaN decides; imaginary part 0.
        // (NumPy 2's z/|z| is refused by the library's numpy.sign under
        // NumPy 2, kiln/library/numpy_functions.py.)
        llvm::Value* xr = re(x);
        llvm::Value* xi = im(x);
        llvm::Type* pt = xr->getType();
        llvm::Value* z = llvm::ConstantFP::get(pt, 0.0);
        llvm::Value* xi_ord = b_.CreateFCmpORD(xi, xi);
        llvm::Value* xr_zero = b_.CreateFCmpOEQ(xr, z);
        llvm::Value* gt = b_.CreateOr(b_.CreateAnd(b_.CreateFCmpOGT(xr, z), xi_ord),
                                      b_.CreateAnd(xr_zero, b_.CreateFCmpOGT(xi, z)));
        llvm::Value* lt = b_.CreateOr(b_.CreateAnd(b_.CreateFCmpOLT(xr, z), xi_ord),
                                      b_.CreateAnd(xr_zero, b_.CreateFCmpOLT(xi, z)));
        llvm::Value* eq = b_.CreateAnd(xr_zero, b_.CreateFCmpOEQ(xi, z));
        llvm::Value* r = b_.CreateSelect(
            gt, llvm::ConstantFP::get(pt, 1.0),
            b_.CreateSelect(lt, llvm::ConstantFP::get(pt, -1.0), b_.CreateSelect(eq, z, llvm::ConstantFP::getNaN(pt))));
        llvm::Value* out = b_.CreateInsertValue(llvm::PoisonValue::get(vt), r, 0);
        return {b_.CreateInsertValue(out, z, 1)};
      }
      const typing::Type* i64 = types().integer(64, true);
      llvm::Value* one = convert(b_, b_.getInt64(1), i64, t);
      llvm::Value* minus = convert(b_, b_.getInt64(-1), i64, t);
      llvm::Value* zero = convert(b_, b_.getInt64(0), i64, t);
      llvm::Value* pos = compareValues(CompareOp::kGt, x, zero, t);
      llvm::Value* neg = compareValues(CompareOp::kLt, x, zero, t);
      llvm::Value* rest = fl ? b_.CreateSelect(is_nan(x), x, zero) : zero;  // NaN stays NaN, -0.0 gives 0.0
      return {b_.CreateSelect(pos, one, b_.CreateSelect(neg, minus, rest))};
    }
    case UfuncImpl::kGcd: return {ufuncGcd(x, y, t)};
    case UfuncImpl::kLcm: {
      llvm::Value* g = ufuncGcd(x, y, t);
      llvm::Value* zero = llvm::ConstantInt::get(vt, 0);
      llvm::Value* is_zero = b_.CreateICmpEQ(g, zero);
      llvm::Value* safe = b_.CreateSelect(is_zero, llvm::ConstantInt::get(vt, 1), g);
      llvm::Value* q = isSigned(t) ? b_.CreateSDiv(x, safe) : b_.CreateUDiv(x, safe);
      llvm::Value* m = b_.CreateMul(q, y);
      if (isSigned(t)) m = b_.CreateSelect(b_.CreateICmpSLT(m, zero), b_.CreateNeg(m), m);
      return {b_.CreateSelect(is_zero, zero, m)};
    }
    case UfuncImpl::kLogaddexp:
    case UfuncImpl::kLogaddexp2: {
      bool two = impl == UfuncImpl::kLogaddexp2;
      llvm::Value* tmp = b_.CreateFSub(x, y);
      auto tail = [&](llvm::Value* v) {  // log(1 + e**v) (or log2(1 + 2**v)), v <= 0
        if (!two) return ufuncMath("log1p", ufuncMath("exp", v));
        return b_.CreateFMul(ufuncMath("log1p", ufuncMath("exp2", v)), fconst(1.4426950408889634));
      };
      llvm::Value* pos = b_.CreateFAdd(x, tail(b_.CreateFNeg(tmp)));
      llvm::Value* neg = b_.CreateFAdd(y, tail(tmp));
      llvm::Value* same = b_.CreateFAdd(x, fconst(two ? 1.0 : 0.6931471805599453));
      llvm::Value* r = b_.CreateSelect(b_.CreateFCmpOGT(tmp, fconst(0.0)), pos,
                                       b_.CreateSelect(b_.CreateFCmpOLE(tmp, fconst(0.0)), neg, tmp));
      return {b_.CreateSelect(b_.CreateFCmpOEQ(x, y), same, r)};
    }
    case UfuncImpl::kExp: return {fcall(llvm::Intrinsic::exp, {x})};
    case UfuncImpl::kExp2: return {fcall(llvm::Intrinsic::exp2, {x})};
    case UfuncImpl::kExpm1: return {ufuncMath("expm1", x)};
    case UfuncImpl::kLog: return {fcall(llvm::Intrinsic::log, {x})};
    case UfuncImpl::kLog2: return {fcall(llvm::Intrinsic::log2, {x})};
    case UfuncImpl::kLog10: return {fcall(llvm::Intrinsic::log10, {x})};
    case UfuncImpl::kLog1p: return {ufuncMath("log1p", x)};
    case UfuncImpl::kSqrt: return {fcall(llvm::Intrinsic::sqrt, {x})};
    case UfuncImpl::kCbrt: return {ufuncMath("cbrt", x)};
    case UfuncImpl::kSin: return {fcall(llvm::Intrinsic::sin, {x})};
    case UfuncImpl::kCos: return {fcall(llvm::Intrinsic::cos, {x})};
    case UfuncImpl::kTan: return {ufuncMath("tan", x)};
    case UfuncImpl::kArcsin: return {ufuncMath("asin", x)};
    case UfuncImpl::kArccos: return {ufuncMath("acos", x)};
    case UfuncImpl::kArctan: return {ufuncMath("atan", x)};
    case UfuncImpl::kArctan2: return {ufuncMath("atan2", x, y)};
    case UfuncImpl::kHypot: return {ufuncMath("hypot", x, y)};
    case UfuncImpl::kSinh: return {ufuncMath("sinh", x)};
    case UfuncImpl::kCosh: return {ufuncMath("cosh", x)};
    case UfuncImpl::kTanh: return {ufuncMath("tanh", x)};
    case UfuncImpl::kArcsinh: return {ufuncMath("asinh", x)};
    case UfuncImpl::kArccosh: return {ufuncMath("acosh", x)};
    case UfuncImpl::kArctanh: return {ufuncMath("atanh", x)};
    case UfuncImpl::kDeg2rad: return {b_.CreateFMul(x, fconst(M_PI / 180.0))};
    case UfuncImpl::kRad2deg: return {b_.CreateFMul(x, fconst(180.0 / M_PI))};
    case UfuncImpl::kBitwiseAnd: return {b_.CreateAnd(x, y)};
    case UfuncImpl::kBitwiseOr: return {b_.CreateOr(x, y)};
    case UfuncImpl::kBitwiseXor: return {b_.CreateXor(x, y)};
    case UfuncImpl::kInvert: return {b_.CreateNot(x)};
    case UfuncImpl::kLeftShift: return {shift(BinaryOp::kLShift, x, y, t, false)};
    case UfuncImpl::kRightShift: return {shift(BinaryOp::kRShift, x, y, t, false)};
    case UfuncImpl::kGreater: return {compare(CompareOp::kGt)};
    case UfuncImpl::kGreaterEqual: return {compare(CompareOp::kGe)};
    case UfuncImpl::kLess: return {compare(CompareOp::kLt)};
    case UfuncImpl::kLessEqual: return {compare(CompareOp::kLe)};
    case UfuncImpl::kEqual: return {compare(CompareOp::kEq)};
    case UfuncImpl::kNotEqual: return {compare(CompareOp::kNe)};
    case UfuncImpl::kLogicalAnd: return {b_.CreateAnd(truth(x, t), truth(y, loop[1]))};
    case UfuncImpl::kLogicalOr: return {b_.CreateOr(truth(x, t), truth(y, loop[1]))};
    case UfuncImpl::kLogicalXor: return {b_.CreateXor(truth(x, t), truth(y, loop[1]))};
    case UfuncImpl::kLogicalNot: return {b_.CreateNot(truth(x, t))};
    case UfuncImpl::kMaximum:
    case UfuncImpl::kMinimum:
    case UfuncImpl::kFmax:
    case UfuncImpl::kFmin: {
      bool is_max = impl == UfuncImpl::kMaximum || impl == UfuncImpl::kFmax;
      if (cx) {
        auto has_nan = [&](llvm::Value* v) { return b_.CreateOr(is_nan(re(v)), is_nan(im(v))); };
        llvm::Value* keep = complex_order(is_max ? CompareOp::kGe : CompareOp::kLe, x, y);
        if (impl == UfuncImpl::kMaximum || impl == UfuncImpl::kMinimum)  // NaN from the first, then the second
          return {b_.CreateSelect(b_.CreateOr(has_nan(x), keep), x, y)};
        return {b_.CreateSelect(b_.CreateOr(has_nan(y), keep), x, y)};  // a NaN skipped
      }
      llvm::Value* r = b_.CreateSelect(compareValues(is_max ? CompareOp::kGe : CompareOp::kLe, x, y, t), x, y);
      if (!fl) return {r};
      if (impl == UfuncImpl::kMaximum || impl == UfuncImpl::kMinimum)  // NaN from either side
        return {b_.CreateSelect(is_nan(x), x, r)};
      return {b_.CreateSelect(is_nan(x), y, b_.CreateSelect(is_nan(y), x, r))};  // NaN skipped
    }
    case UfuncImpl::kIsnat:  // datetime: only on datetime-like loops (above)
      return {b_.getFalse()};
    case UfuncImpl::kIsnan:
      if (cx) return {b_.CreateOr(is_nan(re(x)), is_nan(im(x)))};
      return {fl ? is_nan(x) : b_.getFalse()};
    case UfuncImpl::kIsinf:
      if (cx) return {b_.CreateOr(is_inf(re(x)), is_inf(im(x)))};
      return {fl ? is_inf(x) : b_.getFalse()};
    case UfuncImpl::kIsfinite:
      if (cx) return {b_.CreateAnd(is_finite(re(x)), is_finite(im(x)))};
      return {fl ? is_finite(x) : b_.getTrue()};
    case UfuncImpl::kSignbit: {
      llvm::Type* it = b_.getIntNTy(vt->getPrimitiveSizeInBits());
      return {b_.CreateICmpSLT(b_.CreateBitCast(x, it), llvm::ConstantInt::get(it, 0))};
    }
    case UfuncImpl::kCopysign: return {fcall(llvm::Intrinsic::copysign, {x, y})};
    case UfuncImpl::kNextafter: return {ufuncMath("nextafter", x, y)};
    case UfuncImpl::kSpacing: {
      // The gap to the next float away from zero (above for zeros); NaN
      // for inf and NaN.
      llvm::Value* inf = llvm::ConstantFP::getInfinity(vt);
      llvm::Value* away = b_.CreateSelect(b_.CreateFCmpOLT(x, fconst(0.0)), b_.CreateFNeg(inf), inf);
      llvm::Value* gap = b_.CreateFSub(ufuncMath("nextafter", x, away), x);
      return {b_.CreateSelect(is_finite(x), gap, llvm::ConstantFP::getNaN(vt))};
    }
    case UfuncImpl::kModf: {
      llvm::Value* ip = fcall(llvm::Intrinsic::trunc, {x});
      llvm::Value* frac = b_.CreateSelect(is_inf(x), fconst(0.0), b_.CreateFSub(x, ip));
      return {fcall(llvm::Intrinsic::copysign, {frac, x}), ip};
    }
    case UfuncImpl::kLdexp: {
      // The exponent as C's int (an int64 one clamped: the result is 0 or
      // inf either way).
      llvm::Value* e = y;
      if (e->getType()->getIntegerBitWidth() > 32) {
        llvm::Value* lo = llvm::ConstantInt::get(e->getType(), INT32_MIN);
        llvm::Value* hi = llvm::ConstantInt::get(e->getType(), INT32_MAX);
        e = b_.CreateSelect(b_.CreateICmpSLT(e, lo), lo, b_.CreateSelect(b_.CreateICmpSGT(e, hi), hi, e));
      }
      e = b_.CreateSExtOrTrunc(e, b_.getInt32Ty());
      std::string fname = vt->isFloatTy() ? "ldexpf" : "ldexp";
      llvm::FunctionCallee f = mod_.getOrInsertFunction(fname, llvm::FunctionType::get(vt, {vt, b_.getInt32Ty()}, false));
      return {b_.CreateCall(f, {x, e})};
    }
    case UfuncImpl::kFrexp: {
      std::string fname = vt->isFloatTy() ? "frexpf" : "frexp";
      llvm::FunctionCallee f =
          mod_.getOrInsertFunction(fname, llvm::FunctionType::get(vt, {vt, b_.getPtrTy()}, false));
      llvm::AllocaInst* slot = entryAlloca(b_.getInt32Ty(), "frexp.e");
      llvm::Value* m = b_.CreateCall(f, {x, slot});
      return {m, b_.CreateLoad(b_.getInt32Ty(), slot)};
    }
    case UfuncImpl::kFloor: return {fl ? fcall(llvm::Intrinsic::floor, {x}) : x};
    case UfuncImpl::kCeil: return {fl ? fcall(llvm::Intrinsic::ceil, {x}) : x};
    case UfuncImpl::kTrunc: return {fl ? fcall(llvm::Intrinsic::trunc, {x}) : x};
    case UfuncImpl::kRint: return {fl ? fcall(llvm::Intrinsic::roundeven, {x}) : x};
  }
  return {x};
}

llvm::Value* FunctionLowering::ufuncCall(const ir::Resolution& res, const std::vector<const ir::Value*>& args,
                                         const typing::Type* result) {
  const typing::UfuncInfo& info = typing::ufuncInfo(res.id);
  size_t nin = static_cast<size_t>(info.nin);
  size_t nout = static_cast<size_t>(info.nout);
  const std::vector<const typing::Type*>& loop = res.compute->items;
  std::vector<const typing::Type*> cts(loop.begin(), loop.begin() + static_cast<std::ptrdiff_t>(nin));
  std::vector<const typing::Type*> outs(loop.begin() + static_cast<std::ptrdiff_t>(nin), loop.end());
  std::vector<const typing::Type*> rts;  // what each output is (an out array, a new array or a scalar)
  for (size_t j = 0; j < nout; ++j) rts.push_back(nout == 1 ? result : result->items[j]);
  bool given = args.size() > nin && args[nin]->type->kind == Kind::kArray;
  if (!rts[0]->isArray()) {  // scalars: one step
    std::vector<llvm::Value*> xs;
    for (size_t k = 0; k < nin; ++k) {
      const typing::Type* at = args[k]->type;
      if (at->isArray()) {  // np0d: a 0-d array (typing: all inputs 0-d give a scalar, as NumPy): its element
        xs.push_back(convert(b_, loadElement(b_.CreateExtractValue(value(args[k]), kData), at->dtype()), at->dtype(), cts[k]));
        continue;
      }
      xs.push_back(converted(args[k], cts[k]));
    }
    std::vector<llvm::Value*> ys = ufuncBody(info.impl, loop, xs);
    if (nout == 1) return convert(b_, ys[0], outs[0], rts[0]);
    llvm::Value* tup = llvm::PoisonValue::get(valueType(ctx_, result));
    for (unsigned j = 0; j < nout; ++j) tup = b_.CreateInsertValue(tup, convert(b_, ys[j], outs[j], rts[j]), j);
    return tup;
  }
  std::vector<Typed> operands;
  for (size_t k = 0; k < nin; ++k) operands.push_back(typed(args[k]));
  // One pass per output, each computing the whole loop and keeping its
  // output; with out arrays given, the later outputs go to scratch arrays
  // first, so that every pass reads the inputs before any out is written.
  std::vector<llvm::Value*> made(nout, nullptr);
  std::vector<Typed> targets(nout);
  // powop: np.power's float loops with one exponent for every element.
  const bool power = info.impl == UfuncImpl::kPower;
  llvm::Value* exponent = power ? uniformValue(args[1]) : nullptr;
  for (size_t j = nout; j-- > 0;) {
    auto body = [&, j](const std::vector<llvm::Value*>& xs) {
      std::vector<llvm::Value*> ys =
          power ? std::vector<llvm::Value*>{numpyPowerElement(loop[0], xs[0], xs[1], args[0]->type, args[1]->type,
                                                              exponent, /*is_operator=*/false)}
                : ufuncBody(info.impl, loop, xs);
      return convert(b_, ys[j], outs[j], rts[j]->dtype());
    };
    if (!given) {
      made[j] = elementwise(operands, cts[0], rts[j], nullptr, body, cts);
      continue;
    }
    targets[j] = typed(args[nin + j]);
    if (j == 0) {
      elementwise(operands, cts[0], rts[0], &targets[0], body, cts);
      continue;
    }
    const typing::Type* scratch_t = types().array(rts[j]->dtype(), rts[j]->ndim, 'C');
    std::vector<llvm::Value*> shape;
    for (unsigned d = 0; d < static_cast<unsigned>(rts[j]->ndim); ++d)
      shape.push_back(b_.CreateExtractValue(targets[j].v, {kShape, d}));
    Typed scratch{scratch_t, newArray(scratch_t, shape)};
    elementwise(operands, cts[0], scratch_t, &scratch, body, cts);
    made[j] = scratch.v;
  }
  if (given) {
    for (size_t j = 1; j < nout; ++j) {  // the scratch outputs into their out arrays
      const typing::Type* st = types().array(rts[j]->dtype(), rts[j]->ndim, 'C');
      const typing::Type* dt = rts[j]->dtype();
      elementwise({Typed{st, made[j]}}, dt, rts[j], &targets[j], [&](const std::vector<llvm::Value*>& xs) { return xs[0]; });
      releaseTemp(made[j]);
    }
    if (nout == 1) return targets[0].v;
    llvm::Value* tup = llvm::PoisonValue::get(valueType(ctx_, result));
    for (unsigned j = 0; j < nout; ++j) tup = b_.CreateInsertValue(tup, targets[j].v, j);
    return tup;
  }
  if (nout == 1) return made[0];
  llvm::Value* tup = llvm::PoisonValue::get(valueType(ctx_, result));
  for (unsigned j = 0; j < nout; ++j) tup = b_.CreateInsertValue(tup, made[j], j);
  return tup;
}

}  // namespace kiln::lowering

// powop: NumPy's power of an array is not np.power's formula alone, in
// two places. Its `**` operator (number.c, fast_scalar_power) runs a unary
// ufunc when the array is of floats or complex numbers and the exponent an
// exact Python int 2 (np.square) or -1 (np.reciprocal) or an exact Python
// float 0.5 (np.sqrt); and its float32 and float64 power loops, given an
// exponent that is the same for every element (a scalar or a 0-d array),
// compute -1, 0.5 and 2 as 1/x, a square root and x*x (and 0 and 1 as 1
// and x, pow's own bits). The bits differ from pow's for the square root
// (-0.0 stays -0.0, -inf gives nan), in rare float32 cases for the others,
// and, for complex numbers, for all three. Kiln
// cannot tell a Python int or float from NumPy's int64 or float64 scalar
// (docs/numpy.md): an int64 or float64 scalar counts as Python's here too.
namespace kiln::lowering {

llvm::Value* FunctionLowering::uniformValue(const ir::Value* v) {
  if (!v->type->isArray()) return value(v);
  if (v->type->ndim != 0) return nullptr;
  return loadElement(flatElementPtr(value(v), v->type, b_.getInt64(0)), v->type->dtype());
}

llvm::Value* FunctionLowering::numpyPowerElement(const typing::Type* ct, llvm::Value* x, llvm::Value* y,
                                                 const typing::Type* base, const typing::Type* exponent,
                                                 llvm::Value* raw_exponent, bool is_operator) {
  auto power = [&] { return ufuncBody(UfuncImpl::kPower, {ct, ct, ct}, {x, y})[0]; };
  const bool uniform = !exponent->isArray() || exponent->ndim == 0;
  if (!base->isArray() || !uniform || (ct->kind != Kind::kFloat && ct->kind != Kind::kComplex)) return power();
  const typing::Type* bt = base->dtype();
  const bool cx = ct->kind == Kind::kComplex;
  auto unary = [&](UfuncImpl impl) { return ufuncBody(impl, {ct, ct}, {x})[0]; };
  // The operator's choices: (exponent value, op).
  std::vector<std::pair<double, UfuncImpl>> fast;
  if (is_operator && !exponent->isArray() && raw_exponent != nullptr &&
      (bt->kind == Kind::kFloat || bt->kind == Kind::kComplex)) {
    if (exponent->kind == Kind::kInt && exponent->is_signed && exponent->bits == 64) {
      fast.push_back({2.0, UfuncImpl::kSquare});
      fast.push_back({-1.0, UfuncImpl::kReciprocal});
    } else if (exponent->kind == Kind::kFloat && exponent->bits == 64) {
      fast.push_back({0.5, UfuncImpl::kSqrt});
    }
  }
  llvm::Value* e = fast.empty() ? nullptr : convert(b_, raw_exponent, exponent, types().floating(64));
  if (!cx) {
    // Real: the loop's choices on the exponent in the loop's type (float32
    // and float64 loops: -1, 0.5 and 2; its 0 and 1 are pow's own bits),
    // then the operator's, which come first in NumPy.
    llvm::Value* r = power();
    auto pick = [&](llvm::Value* cond, UfuncImpl impl) {
      if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(cond)) {
        if (c->isOne()) r = unary(impl);
        return;
      }
      r = b_.CreateSelect(cond, unary(impl), r);  // cheap beside pow
    };
    if (ct->bits == 32 || ct->bits == 64) {
      const std::pair<double, UfuncImpl> loop_fast[] = {
          {-1.0, UfuncImpl::kReciprocal}, {0.5, UfuncImpl::kSqrt}, {2.0, UfuncImpl::kSquare}};
      for (const auto& [at, impl] : loop_fast) pick(b_.CreateFCmpOEQ(y, llvm::ConstantFP::get(y->getType(), at)), impl);
    }
    for (const auto& [at, impl] : fast) pick(b_.CreateFCmpOEQ(e, llvm::ConstantFP::get(b_.getDoubleTy(), at)), impl);
    return r;
  }
  if (fast.empty()) return power();
  if (auto* c = llvm::dyn_cast<llvm::ConstantFP>(e)) {  // a constant exponent: one op
    for (const auto& [at, impl] : fast)
      if (c->getValueAPF().convertToDouble() == at) return unary(impl);
    return power();
  }
  // A branch per value (the exponent is the same for every element, so
  // they are predicted), then np.power's.
  llvm::Function* fn = b_.GetInsertBlock()->getParent();
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "pow.done", fn);
  std::vector<std::pair<llvm::Value*, llvm::BasicBlock*>> incoming;
  for (const auto& [at, impl] : fast) {
    llvm::BasicBlock* take = llvm::BasicBlock::Create(ctx_, "pow.fast", fn);
    llvm::BasicBlock* next = llvm::BasicBlock::Create(ctx_, "pow.next", fn);
    b_.CreateCondBr(b_.CreateFCmpOEQ(e, llvm::ConstantFP::get(b_.getDoubleTy(), at)), take, next);
    b_.SetInsertPoint(take);
    llvm::Value* r = unary(impl);
    incoming.push_back({r, b_.GetInsertBlock()});
    b_.CreateBr(done);
    b_.SetInsertPoint(next);
  }
  llvm::Value* r = power();
  incoming.push_back({r, b_.GetInsertBlock()});
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  llvm::PHINode* phi = b_.CreatePHI(r->getType(), static_cast<unsigned>(incoming.size()));
  for (const auto& [v, bb] : incoming) phi->addIncoming(v, bb);
  return phi;
}

}  // namespace kiln::lowering
