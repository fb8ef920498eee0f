// datetime: datetime64/timedelta64 scalars, an int64 count of their unit
// with INT64_MIN as NaT (Not a Time), as NumPy stores them. Typing
// (rules_datetime.cpp) picks the unit operands meet at; here they are
// converted to it (a datetime in years or months through the calendar),
// combined, and NaT propagates: NaT in, NaT out; NaT compares unequal to
// everything, itself included.
#include <cstdint>

#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/ufuncs.h"

namespace kiln::lowering {

using ir::BinaryOp;
using ir::CompareOp;
using ir::UnaryOp;
using typing::Kind;

namespace {

constexpr int64_t kNaT = INT64_MIN;
constexpr int kWeek = 2, kDay = 3;

// floor(a / d) and a - d * floor(a / d) for a constant d > 0.
llvm::Value* floorDivConst(llvm::IRBuilder<>& b, llvm::Value* a, int64_t d) {
  llvm::Value* q = b.CreateSDiv(a, b.getInt64(d));
  llvm::Value* r = b.CreateSRem(a, b.getInt64(d));
  return b.CreateSub(q, b.CreateZExt(b.CreateICmpSLT(r, b.getInt64(0)), b.getInt64Ty()));
}

// Days since 1970-01-01 of the first day of a year count (`months` false)
// or a month count since 1970: the proleptic Gregorian calendar's day
// number (the 400-year cycle of 146097 days).
llvm::Value* calendarDays(llvm::IRBuilder<>& b, llvm::Value* v, bool months) {
  llvm::Value* year = months ? b.CreateAdd(floorDivConst(b, v, 12), b.getInt64(1970)) : b.CreateAdd(v, b.getInt64(1970));
  llvm::Value* month = months ? b.CreateAdd(b.CreateSub(v, b.CreateMul(floorDivConst(b, v, 12), b.getInt64(12))),
                                            b.getInt64(1))
                              : b.getInt64(1);  // 1..12
  // Years start in March, so the leap day ends the year.
  llvm::Value* early = b.CreateICmpSLE(month, b.getInt64(2));
  llvm::Value* y = b.CreateSub(year, b.CreateZExt(early, b.getInt64Ty()));
  llvm::Value* era = floorDivConst(b, y, 400);
  llvm::Value* yoe = b.CreateSub(y, b.CreateMul(era, b.getInt64(400)));
  llvm::Value* mp = b.CreateSelect(early, b.CreateAdd(month, b.getInt64(9)), b.CreateSub(month, b.getInt64(3)));
  llvm::Value* doy = b.CreateSDiv(b.CreateAdd(b.CreateMul(mp, b.getInt64(153)), b.getInt64(2)), b.getInt64(5));
  llvm::Value* doe = b.CreateAdd(b.CreateSub(b.CreateAdd(b.CreateMul(yoe, b.getInt64(365)), b.CreateSDiv(yoe, b.getInt64(4))),
                                             b.CreateSDiv(yoe, b.getInt64(100))),
                                 doy);
  return b.CreateSub(b.CreateAdd(b.CreateMul(era, b.getInt64(146097)), doe), b.getInt64(719468));
}

llvm::Value* isNaT(llvm::IRBuilder<>& b, llvm::Value* v) { return b.CreateICmpEQ(v, b.getInt64(kNaT)); }

}  // namespace

llvm::Value* datetimeToUnit(llvm::IRBuilder<>& b, llvm::Value* v, const typing::Type* from, const typing::Type* to) {
  int f = typing::datetimeUnitRank(from->name);
  int t = typing::datetimeUnitRank(to->name);
  if (f == t || f < 0 || t < 0) return v;  // the generic unit takes any
  llvm::Value* x = v;
  if (f < kWeek && t >= kWeek) {  // a datetime in years or months: through the calendar
    x = calendarDays(b, v, f == 1);
    f = kDay;
  }
  if ((f < kWeek) != (t < kWeek)) return b.getInt64(kNaT);  // typing converts no further (datetimeConvertible)
  if (f < t) x = b.CreateMul(x, b.getInt64(typing::datetimeUnitFactor(f, t)));
  else if (f > t) x = floorDivConst(b, x, typing::datetimeUnitFactor(t, f));
  return b.CreateSelect(isNaT(b, v), b.getInt64(kNaT), x);
}

llvm::Value* FunctionLowering::datetimeBinary(BinaryOp op, const ir::Value* lhs, const ir::Value* rhs,
                                              const typing::Type* result) {
  return datetimeBinaryValues(op, value(lhs), lhs->type, value(rhs), rhs->type, result);
}

llvm::Value* FunctionLowering::datetimeBinaryValues(BinaryOp op, llvm::Value* xv, const typing::Type* a,
                                                    llvm::Value* yv, const typing::Type* c,
                                                    const typing::Type* result) {
  llvm::Value* nat = b_.getInt64(kNaT);
  if (a->isDatetimeLike() && c->isDatetimeLike()) {
    const typing::Type* common = typing::datetimeCommon(types(), a, c);
    llvm::Value* x = datetimeToUnit(b_, xv, a, common);
    llvm::Value* y = datetimeToUnit(b_, yv, c, common);
    llvm::Value* either = b_.CreateOr(isNaT(b_, x), isNaT(b_, y));
    switch (op) {
      case BinaryOp::kAdd: return b_.CreateSelect(either, nat, b_.CreateAdd(x, y));
      case BinaryOp::kSub: return b_.CreateSelect(either, nat, b_.CreateSub(x, y));
      case BinaryOp::kTrueDiv:
        return b_.CreateSelect(either, llvm::ConstantFP::getNaN(b_.getDoubleTy()),
                               b_.CreateFDiv(b_.CreateSIToFP(x, b_.getDoubleTy()), b_.CreateSIToFP(y, b_.getDoubleTy())));
      case BinaryOp::kFloorDiv:
      case BinaryOp::kMod: {
        // NumPy: NaT or a zero divisor give 0 for // and NaT for %.
        llvm::Value* bad = b_.CreateOr(either, b_.CreateICmpEQ(y, b_.getInt64(0)));
        llvm::Value* safe = b_.CreateSelect(bad, b_.getInt64(1), y);
        llvm::Value* q = b_.CreateSDiv(x, safe);
        llvm::Value* r = b_.CreateSRem(x, safe);
        llvm::Value* adjust = b_.CreateAnd(b_.CreateICmpNE(r, b_.getInt64(0)),
                                           b_.CreateICmpNE(b_.CreateICmpSLT(r, b_.getInt64(0)),
                                                           b_.CreateICmpSLT(safe, b_.getInt64(0))));
        if (op == BinaryOp::kFloorDiv)
          return b_.CreateSelect(bad, b_.getInt64(0), b_.CreateSub(q, b_.CreateZExt(adjust, b_.getInt64Ty())));
        return b_.CreateSelect(bad, nat, b_.CreateSelect(adjust, b_.CreateAdd(r, safe), r));
      }
      default: break;
    }
    return llvm::PoisonValue::get(valueType(ctx_, result));
  }
  // A timedelta and a number: td * n, n * td, td / n, td // n (truncated,
  // as NumPy); NaT, a zero divisor or a NaN give NaT.
  bool td_left = a->isDatetimeLike();
  llvm::Value* x = td_left ? xv : yv;
  const typing::Type* num_t = td_left ? c : a;
  llvm::Value* num = td_left ? yv : xv;
  llvm::Value* x_nat = isNaT(b_, x);
  if (num_t->kind == Kind::kFloat) {
    llvm::Value* n = convert(b_, num, num_t, types().floating(64));
    llvm::Value* fx = b_.CreateSIToFP(x, b_.getDoubleTy());
    llvm::Value* f = op == BinaryOp::kMul ? b_.CreateFMul(fx, n) : b_.CreateFDiv(fx, n);
    llvm::Value* bad = b_.CreateOr(x_nat, b_.CreateFCmpUNO(f, f));
    if (op != BinaryOp::kMul) bad = b_.CreateOr(bad, b_.CreateFCmpOEQ(n, llvm::ConstantFP::get(b_.getDoubleTy(), 0.0)));
    return b_.CreateSelect(bad, nat, b_.CreateFPToSI(f, b_.getInt64Ty()));
  }
  llvm::Value* n = convert(b_, num, num_t, types().integer(64, true));
  if (op == BinaryOp::kMul) return b_.CreateSelect(x_nat, nat, b_.CreateMul(x, n));
  llvm::Value* bad = b_.CreateOr(x_nat, b_.CreateICmpEQ(n, b_.getInt64(0)));
  llvm::Value* safe = b_.CreateSelect(bad, b_.getInt64(1), n);
  return b_.CreateSelect(bad, nat, b_.CreateSDiv(x, safe));
}

llvm::Value* FunctionLowering::datetimeUnary(UnaryOp op, llvm::Value* v) {
  switch (op) {
    case UnaryOp::kNeg: return b_.CreateNeg(v);  // NaT (INT64_MIN) stays NaT
    case UnaryOp::kPos: return v;
    case UnaryOp::kNot: return b_.CreateICmpEQ(v, b_.getInt64(0));
    case UnaryOp::kInvert: break;
  }
  return v;
}

llvm::Value* FunctionLowering::datetimeAbs(llvm::Value* v) {
  // abs(NaT) wraps back to NaT, as NumPy's.
  return b_.CreateSelect(b_.CreateICmpSLT(v, b_.getInt64(0)), b_.CreateNeg(v), v);
}

llvm::Value* FunctionLowering::datetimeCompareValues(CompareOp op, llvm::Value* xv, const typing::Type* a,
                                                     llvm::Value* yv, const typing::Type* c) {
  const typing::Type* common = typing::datetimeCommon(types(), a, c);
  if (!common) return b_.getInt1(op == CompareOp::kNe);  // units that do not convert: unequal (Numba)
  llvm::Value* x = datetimeToUnit(b_, xv, a, common);
  llvm::Value* y = datetimeToUnit(b_, yv, c, common);
  llvm::Value* either = b_.CreateOr(isNaT(b_, x), isNaT(b_, y));
  llvm::Value* r = compareValues(op, x, y, types().integer(64, true));
  return op == CompareOp::kNe ? b_.CreateOr(r, either) : b_.CreateAnd(r, b_.CreateNot(either));
}

llvm::Value* FunctionLowering::datetimeUfuncBody(typing::UfuncImpl impl, const std::vector<const typing::Type*>& loop,
                                                 const std::vector<llvm::Value*>& xs) {
  using typing::UfuncImpl;
  const typing::Type* a = loop[0];
  const typing::Type* r = loop.back();
  llvm::Value* x = xs[0];
  llvm::Value* y = xs.size() > 1 ? xs[1] : nullptr;
  const typing::Type* c = xs.size() > 1 ? loop[1] : nullptr;
  switch (impl) {
    case UfuncImpl::kAdd: return datetimeBinaryValues(BinaryOp::kAdd, x, a, y, c, r);
    case UfuncImpl::kSubtract: return datetimeBinaryValues(BinaryOp::kSub, x, a, y, c, r);
    case UfuncImpl::kMultiply: return datetimeBinaryValues(BinaryOp::kMul, x, a, y, c, r);
    case UfuncImpl::kTrueDivide: return datetimeBinaryValues(BinaryOp::kTrueDiv, x, a, y, c, r);
    case UfuncImpl::kFloorDivide: return datetimeBinaryValues(BinaryOp::kFloorDiv, x, a, y, c, r);
    case UfuncImpl::kRemainder: return datetimeBinaryValues(BinaryOp::kMod, x, a, y, c, r);
    case UfuncImpl::kEqual: return datetimeCompareValues(CompareOp::kEq, x, a, y, c);
    case UfuncImpl::kNotEqual: return datetimeCompareValues(CompareOp::kNe, x, a, y, c);
    case UfuncImpl::kLess: return datetimeCompareValues(CompareOp::kLt, x, a, y, c);
    case UfuncImpl::kLessEqual: return datetimeCompareValues(CompareOp::kLe, x, a, y, c);
    case UfuncImpl::kGreater: return datetimeCompareValues(CompareOp::kGt, x, a, y, c);
    case UfuncImpl::kGreaterEqual: return datetimeCompareValues(CompareOp::kGe, x, a, y, c);
    case UfuncImpl::kMaximum:
    case UfuncImpl::kMinimum:
    case UfuncImpl::kFmax:
    case UfuncImpl::kFmin: {
      // maximum/minimum propagate NaT (the first one); fmax/fmin skip it.
      llvm::Value* cx = datetimeToUnit(b_, x, a, r);
      llvm::Value* cy = datetimeToUnit(b_, y, c, r);
      bool is_max = impl == UfuncImpl::kMaximum || impl == UfuncImpl::kFmax;
      llvm::Value* keep = is_max ? b_.CreateICmpSGE(cx, cy) : b_.CreateICmpSLE(cx, cy);
      llvm::Value* m = b_.CreateSelect(keep, cx, cy);
      if (impl == UfuncImpl::kMaximum || impl == UfuncImpl::kMinimum)
        return b_.CreateSelect(isNaT(b_, cx), cx, b_.CreateSelect(isNaT(b_, cy), cy, m));
      return b_.CreateSelect(isNaT(b_, cx), cy, b_.CreateSelect(isNaT(b_, cy), cx, m));
    }
    case UfuncImpl::kNegative: return b_.CreateNeg(x);
    case UfuncImpl::kPositive: return x;
    case UfuncImpl::kAbsolute: return datetimeAbs(x);
    case UfuncImpl::kSign:  // NaT (INT64_MIN) is negative, as NumPy's loop
      return b_.CreateSub(b_.CreateZExt(b_.CreateICmpSGT(x, b_.getInt64(0)), b_.getInt64Ty()),
                          b_.CreateZExt(b_.CreateICmpSLT(x, b_.getInt64(0)), b_.getInt64Ty()));
    case UfuncImpl::kIsnat:
    case UfuncImpl::kIsnan: return isNaT(b_, x);
    case UfuncImpl::kIsfinite: return b_.CreateNot(isNaT(b_, x));
    case UfuncImpl::kIsinf: return b_.getFalse();
    default: break;  // typing (datetimeUfuncCall) accepts no other
  }
  return llvm::PoisonValue::get(valueType(ctx_, r));
}

}  // namespace kiln::lowering
