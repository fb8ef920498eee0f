// Operators with Python's semantics on fixed-width machine types: int64
// wraps; // and % take the sign of the divisor; division by zero raises
// ZeroDivisionError; shifts by 64 or more saturate as Python's unbounded
// shift truncated to 64 bits would; float % and // follow CPython's
// float_divmod (including the signs of zeros).
#include "absl/strings/str_cat.h"
#include "compiler/lowering/lower_buffers.h"  // charseq:
#include "compiler/typing/rules_buffers.h"  // charseq:
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"
#include "kiln_abi.h"  // pyvals: KilnSlice

namespace kiln::lowering {

using ir::BinaryOp;
using ir::CompareOp;
using ir::UnaryOp;
using typing::Kind;

llvm::Value* FunctionLowering::truth(llvm::Value* v, const typing::Type* t) {
  switch (t->kind) {
    case Kind::kBool: return v;
    case Kind::kNPDatetime:  // datetime
    case Kind::kNPTimedelta:
    case Kind::kInt: return b_.CreateICmpNE(v, llvm::ConstantInt::get(v->getType(), 0));
    case Kind::kRecord: return b_.getInt1(true);  // records: an object, always true
    case Kind::kUnicodeCharSeq: return b_.getInt1(true);  // records: never a value (read as a str)
    case Kind::kNestedArray: return b_.getInt1(true);  // records2: never a value (read as an array)
    case Kind::kNPGenerator: return b_.getInt1(true);  // npgen: an object, always true
    case Kind::kStructRef: return b_.getInt1(true);  // structref: an object, always true
    case Kind::kEnumMember:  // enums: an IntEnum member is as true as its int; an Enum member always true
      return t->index == 1 ? truth(v, t->items[0]) : b_.getInt1(true);
    case Kind::kFloat: return b_.CreateFCmpUNE(v, llvm::ConstantFP::get(v->getType(), 0.0));
    case Kind::kComplex: {
      llvm::Value* zero = llvm::ConstantFP::get(b_.CreateExtractValue(v, 0)->getType(), 0.0);
      return b_.CreateOr(b_.CreateFCmpUNE(b_.CreateExtractValue(v, 0), zero),
                         b_.CreateFCmpUNE(b_.CreateExtractValue(v, 1), zero));
    }
    case Kind::kTuple: return b_.getInt1(!t->items.empty());
    case Kind::kNone: return b_.getInt1(false);
    case Kind::kStr: return b_.CreateICmpNE(b_.CreateExtractValue(v, kStrLength), b_.getInt64(0));  // strings
    case Kind::kDict: return b_.CreateICmpNE(dictLen(v), b_.getInt64(0));  // dicts:
    case Kind::kList: return b_.CreateICmpNE(listSize(v), b_.getInt64(0));  // lists
    case Kind::kOptional:  // optional: of a number (typing): present and true; None's zero value is safe to test
      return b_.CreateAnd(b_.CreateExtractValue(v, 1), truth(b_.CreateExtractValue(v, 0), t->items[0]));
    case Kind::kUnknown:
    case Kind::kRange:
#define KILN_CASES_kIterator 1
#include "compiler/typing/kind_cases.def"
    case Kind::kModule:
    case Kind::kFunction:
    case Kind::kFunctionSet:  // pycells:
    case Kind::kBuiltin:
    case Kind::kTypeRef:  // typedempty:
    case Kind::kExceptionClass:
    case Kind::kArray:
    case Kind::kBoundMethod:
    case Kind::kDType:
    case Kind::kSlice:
    case Kind::kEllipsis:
      return b_.getInt1(true);
  }
  return b_.getInt1(true);
}

llvm::Value* FunctionLowering::floorDivMod(llvm::Value* a, llvm::Value* d, const typing::Type* t, bool want_div,
                                           const char* what, bool numpy) {
  if (t->kind == Kind::kInt && numpy) {
    // NumPy: x // 0 and x % 0 are 0, no exception.
    llvm::Value* zero = llvm::ConstantInt::get(a->getType(), 0);
    llvm::Value* is_zero = b_.CreateICmpEQ(d, zero);
    llvm::Value* safe = b_.CreateSelect(is_zero, llvm::ConstantInt::get(a->getType(), 1), d);
    return b_.CreateSelect(is_zero, zero, floorDivMod(a, safe, t, want_div, nullptr, false));
  }
  if (t->kind == Kind::kFloat && numpy) {
    // NumPy: x // 0.0 is x / 0.0 (inf or nan), x % 0.0 is nan.
    llvm::Value* is_zero = b_.CreateFCmpOEQ(d, llvm::ConstantFP::get(a->getType(), 0.0));
    llvm::Value* safe = b_.CreateSelect(is_zero, llvm::ConstantFP::get(a->getType(), 1.0), d);
    llvm::Value* at_zero = want_div ? b_.CreateFDiv(a, d) : b_.CreateFRem(a, d);
    return b_.CreateSelect(is_zero, at_zero, floorDivMod(a, safe, t, want_div, nullptr, false));
  }
  if (t->kind == Kind::kInt) {
    llvm::Value* zero = llvm::ConstantInt::get(a->getType(), 0);
    if (what)
      raiseIf(b_.CreateICmpEQ(d, zero), KILN_ZERO_DIVISION_ERROR,
              want_div ? "integer division by zero" : "integer modulo by zero");
    if (!t->is_signed) return want_div ? b_.CreateUDiv(a, d) : b_.CreateURem(a, d);
    // INT64_MIN / -1 traps on x86 and Python's answer (2**63) does not fit:
    // Numba (and NumPy) give 0 for both // and %.
    unsigned bits = a->getType()->getIntegerBitWidth();
    llvm::Value* overflow =
        b_.CreateAnd(b_.CreateICmpEQ(d, llvm::ConstantInt::getSigned(a->getType(), -1)),
                     b_.CreateICmpEQ(a, llvm::ConstantInt::get(a->getType(), llvm::APInt::getSignedMinValue(bits))));
    llvm::Value* safe_a = b_.CreateSelect(overflow, zero, a);
    llvm::Value* q = b_.CreateSDiv(safe_a, d);
    llvm::Value* r = b_.CreateSRem(safe_a, d);
    // Adjust toward negative infinity when the signs differ.
    llvm::Value* adjust = b_.CreateAnd(b_.CreateICmpNE(r, zero), b_.CreateICmpSLT(b_.CreateXor(r, d), zero));
    if (want_div) return b_.CreateSub(q, b_.CreateZExt(adjust, a->getType()));
    return b_.CreateSelect(adjust, b_.CreateAdd(r, d), r);
  }
  llvm::Type* ft = a->getType();
  llvm::Value* zero = llvm::ConstantFP::get(ft, 0.0);
  if (what) raiseIf(b_.CreateFCmpOEQ(d, zero), KILN_ZERO_DIVISION_ERROR, what);
  llvm::Value* mod = b_.CreateFRem(a, d);
  llvm::Value* div = b_.CreateFDiv(b_.CreateFSub(a, mod), d);
  llvm::Value* mod_nonzero = b_.CreateFCmpUNE(mod, zero);
  llvm::Value* signs_differ = b_.CreateXor(b_.CreateFCmpOLT(d, zero), b_.CreateFCmpOLT(mod, zero));
  llvm::Value* fix = b_.CreateAnd(mod_nonzero, signs_differ);
  llvm::Function* copysign = intrinsic(llvm::Intrinsic::copysign, ft);
  llvm::Value* mod_fixed = b_.CreateSelect(fix, b_.CreateFAdd(mod, d), mod);
  mod_fixed = b_.CreateSelect(mod_nonzero, mod_fixed, b_.CreateCall(copysign, {zero, d}));
  if (!want_div) return mod_fixed;
  div = b_.CreateSelect(fix, b_.CreateFSub(div, llvm::ConstantFP::get(ft, 1.0)), div);
  llvm::Value* fl = b_.CreateCall(intrinsic(llvm::Intrinsic::floor, ft), {div});
  fl = b_.CreateSelect(b_.CreateFCmpOGT(b_.CreateFSub(div, fl), llvm::ConstantFP::get(ft, 0.5)),
                       b_.CreateFAdd(fl, llvm::ConstantFP::get(ft, 1.0)), fl);
  llvm::Value* zero_div = b_.CreateCall(copysign, {zero, b_.CreateFDiv(a, d)});
  return b_.CreateSelect(b_.CreateFCmpUNE(div, zero), fl, zero_div);
}

llvm::Value* FunctionLowering::power(llvm::Value* a, llvm::Value* e, const typing::Type* t) {
  if (t->kind == Kind::kFloat) return b_.CreateCall(intrinsic(llvm::Intrinsic::pow, a->getType()), {a, e});
  // Integer power by squaring; a negative exponent gives 0 unless |a| == 1
  // (Python would return a float; Numba's integer power does the same).
  llvm::Function* f = mod_.getFunction("kiln.ipow");
  if (!f) {
    llvm::Type* i64 = b_.getInt64Ty();
    f = llvm::Function::Create(llvm::FunctionType::get(i64, {i64, i64}, false), llvm::Function::InternalLinkage,
                               "kiln.ipow", &mod_);
    llvm::IRBuilder<> fb(llvm::BasicBlock::Create(ctx_, "entry", f));
    llvm::BasicBlock* loop = llvm::BasicBlock::Create(ctx_, "loop", f);
    llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "done", f);
    llvm::BasicBlock* neg = llvm::BasicBlock::Create(ctx_, "negative", f);
    llvm::BasicBlock* start = llvm::BasicBlock::Create(ctx_, "start", f);
    llvm::Value* base0 = f->getArg(0);
    llvm::Value* exp0 = f->getArg(1);
    fb.CreateCondBr(fb.CreateICmpSLT(exp0, fb.getInt64(0)), neg, start);
    fb.SetInsertPoint(neg);
    llvm::Value* one = fb.CreateICmpEQ(base0, fb.getInt64(1));
    llvm::Value* minus_one = fb.CreateICmpEQ(base0, fb.getInt64(-1));
    llvm::Value* odd = fb.CreateTrunc(exp0, fb.getInt1Ty());
    fb.CreateRet(fb.CreateSelect(one, fb.getInt64(1),
                                 fb.CreateSelect(minus_one, fb.CreateSelect(odd, fb.getInt64(-1), fb.getInt64(1)),
                                                 fb.getInt64(0))));
    fb.SetInsertPoint(start);
    fb.CreateBr(loop);
    fb.SetInsertPoint(loop);
    llvm::PHINode* result = fb.CreatePHI(i64, 2);
    llvm::PHINode* base = fb.CreatePHI(i64, 2);
    llvm::PHINode* exp = fb.CreatePHI(i64, 2);
    result->addIncoming(fb.getInt64(1), start);
    base->addIncoming(base0, start);
    exp->addIncoming(exp0, start);
    llvm::Value* bit = fb.CreateTrunc(exp, fb.getInt1Ty());
    llvm::Value* next_result = fb.CreateSelect(bit, fb.CreateMul(result, base), result);
    llvm::Value* next_exp = fb.CreateLShr(exp, 1);
    llvm::Value* next_base = fb.CreateMul(base, base);
    result->addIncoming(next_result, loop);
    base->addIncoming(next_base, loop);
    exp->addIncoming(next_exp, loop);
    fb.CreateCondBr(fb.CreateICmpEQ(next_exp, fb.getInt64(0)), done, loop);
    fb.SetInsertPoint(done);
    llvm::PHINode* out = fb.CreatePHI(i64, 1);
    out->addIncoming(next_result, loop);
    fb.CreateRet(out);
    // exp == 0 takes the loop once with bit 0: result stays 1, next_exp 0.
  }
  llvm::Value* a64 = b_.CreateIntCast(a, b_.getInt64Ty(), t->is_signed);
  llvm::Value* e64 = b_.CreateIntCast(e, b_.getInt64Ty(), t->is_signed);
  return b_.CreateIntCast(b_.CreateCall(f, {a64, e64}), a->getType(), t->is_signed);
}

bool FunctionLowering::usedOnlyAsArrayIndex(const ir::Value* v) {
  if (index_only_.empty()) {
    for (const auto& block : inst_.ir->blocks)
      for (const auto& instr : block->instrs) {
        bool indexes = (instr->op == ir::Op::kGetItem || instr->op == ir::Op::kSetItem) &&
                       instr->operands.size() >= 2 && instr->operands[0]->type->isArray();
        for (size_t k = 0; k < instr->operands.size(); ++k) {
          auto [it, fresh] = index_only_.try_emplace(instr->operands[k], true);
          it->second = it->second && indexes && k == 1;
        }
        for (const ir::Edge& e : instr->succs)
          for (const ir::Value* a : e.args) index_only_[a] = false;
      }
    index_only_.try_emplace(nullptr, false);  // marks the map as filled
  }
  auto it = index_only_.find(v);
  return it != index_only_.end() && it->second;
}

llvm::Value* FunctionLowering::binary(BinaryOp op, const ir::Value* lhs, const ir::Value* rhs,
                                      const typing::Type* result, const ir::OperandTypes& decided, bool inplace,
                                      const ir::Value* out) {
  if (typing::isBytes(result)) return bytesBinary(op, lhs, rhs, result);  // bytes2: lower_strings.cpp
  if (result->isArray()) return arrayBinary(op, lhs, rhs, result, decided.operand, inplace);
  if (result->kind == Kind::kStr) return strBinary(op, lhs, rhs);  // strings
  if (lhs->type->isDatetimeLike() || rhs->type->isDatetimeLike()) return datetimeBinary(op, lhs, rhs, result);  // datetime
  if (result->kind == Kind::kTuple) {  // tuple + tuple
    llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
    unsigned na = static_cast<unsigned>(lhs->type->items.size());
    for (unsigned k = 0; k < result->items.size(); ++k)
      out = b_.CreateInsertValue(out, b_.CreateExtractValue(k < na ? value(lhs) : value(rhs), k < na ? k : k - na), k);
    return out;
  }
  // The operation type typing chose (ints are divided as float64 by `/`),
  // each operand converted from its own type (uint64 stays positive).
  const typing::Type* t = decided.operand;
  if (op == BinaryOp::kLShift || op == BinaryOp::kRShift) {
    // The count keeps its own signedness: a negative count raises only when
    // it is of a signed type (a huge uint64 count is not negative).
    const typing::Type* count_t = types().integer(64, rhs->type->kind != Kind::kInt || rhs->type->is_signed);
    return shift(op, converted(lhs, t), converted(rhs, count_t), t, count_t->is_signed && !numpy_error_model_);
  }
  bool from_ints = lhs->type->kind != Kind::kFloat && rhs->type->kind != Kind::kFloat;
  llvm::Value* v = binaryValues(op, converted(lhs, t), converted(rhs, t), t, from_ints, numpy_error_model_);
  // int64 arithmetic wraps (Numba), so + and - carry no nsw in general. An
  // index computed as x +- c (|c| <= 2**32) and used only to index arrays is
  // the exception when bounds are not checked: had it wrapped, it would be
  // about +-2**63, out of bounds of any array, which is already undefined
  // behaviour there. nsw then lets LLVM drop the negative-index wrap-around
  // select, as in Numba's code (a[j + 1] in an insertion sort).
  auto small_constant = [](const ir::Value* x) {
    const ir::Instr* d = x->def;
    return d && d->op == ir::Op::kConst && d->const_value.kind == compiler::Constant::Kind::kInt &&
           d->const_value.i >= -(int64_t{1} << 32) && d->const_value.i <= (int64_t{1} << 32);
  };
  if (out && !boundscheck_ && (op == BinaryOp::kAdd || op == BinaryOp::kSub) && t->kind == Kind::kInt &&
      t->is_signed && (small_constant(lhs) || small_constant(rhs)) && usedOnlyAsArrayIndex(out))
    if (auto* bin = llvm::dyn_cast<llvm::BinaryOperator>(v)) bin->setHasNoSignedWrap(true);
  return v;
}

llvm::Value* FunctionLowering::binaryValues(BinaryOp op, llvm::Value* a, llvm::Value* d, const typing::Type* t,
                                            bool from_ints, bool numpy) {
  if (t->kind == Kind::kComplex && op == BinaryOp::kPow) return complexPow(a, d, numpy);  // complex: lower_complex.cpp
  if (t->kind == Kind::kComplex)  // NumPy's division gives inf or nan for a zero divisor
    return numpy && op == BinaryOp::kTrueDiv ? complexDivide(a, d) : complexBinary(op, a, d);
  bool is_float = t->kind == Kind::kFloat;
  if (t->kind == Kind::kBool && op == BinaryOp::kAdd) return b_.CreateOr(a, d);   // NumPy's bool +
  if (t->kind == Kind::kBool && op == BinaryOp::kMul) return b_.CreateAnd(a, d);  // and *
  switch (op) {
    case BinaryOp::kAdd: return is_float ? b_.CreateFAdd(a, d) : b_.CreateAdd(a, d);
    case BinaryOp::kSub: return is_float ? b_.CreateFSub(a, d) : b_.CreateSub(a, d);
    case BinaryOp::kMul: return is_float ? b_.CreateFMul(a, d) : b_.CreateMul(a, d);
    case BinaryOp::kTrueDiv: {
      if (!numpy)
        raiseIf(b_.CreateFCmpOEQ(d, llvm::ConstantFP::get(d->getType(), 0.0)), KILN_ZERO_DIVISION_ERROR,
                from_ints ? "division by zero" : "float division by zero");
      return b_.CreateFDiv(a, d);
    }
    case BinaryOp::kFloorDiv: return floorDivMod(a, d, t, true, "float floor division by zero", numpy);
    case BinaryOp::kMod: return floorDivMod(a, d, t, false, "float modulo by zero", numpy);
    case BinaryOp::kPow: return power(a, d, t);
    case BinaryOp::kLShift:
    case BinaryOp::kRShift:
      return shift(op, a, d, t, t->is_signed && !numpy);
    case BinaryOp::kAnd: return b_.CreateAnd(a, d);
    case BinaryOp::kOr: return b_.CreateOr(a, d);
    case BinaryOp::kXor: return b_.CreateXor(a, d);
    case BinaryOp::kMatMul: break;
  }
  return llvm::PoisonValue::get(valueType(ctx_, t));
}

llvm::Value* FunctionLowering::shift(BinaryOp op, llvm::Value* a, llvm::Value* d, const typing::Type* t,
                                     bool check_negative) {
  llvm::Type* it = a->getType();
  unsigned bits = it->getIntegerBitWidth();
  if (check_negative)
    raiseIf(b_.CreateICmpSLT(d, llvm::ConstantInt::get(d->getType(), 0)), KILN_VALUE_ERROR, "negative shift count");
  d = b_.CreateZExtOrTrunc(d, it);
  llvm::Value* big = b_.CreateICmpUGE(d, llvm::ConstantInt::get(it, bits));
  llvm::Value* amount = b_.CreateSelect(big, llvm::ConstantInt::get(it, bits - 1), d);
  if (op == BinaryOp::kLShift) return b_.CreateSelect(big, llvm::ConstantInt::get(it, 0), b_.CreateShl(a, amount));
  if (!t->is_signed) return b_.CreateSelect(big, llvm::ConstantInt::get(it, 0), b_.CreateLShr(a, amount));
  return b_.CreateAShr(a, amount);
}

llvm::Value* FunctionLowering::complexBinary(BinaryOp op, llvm::Value* x, llvm::Value* y) {
  // Typing admits + - * / only; / raises on a zero divisor as CPython does.
  llvm::Value* a = b_.CreateExtractValue(x, 0);
  llvm::Value* bi = b_.CreateExtractValue(x, 1);
  llvm::Value* c = b_.CreateExtractValue(y, 0);
  llvm::Value* di = b_.CreateExtractValue(y, 1);
  llvm::Value *re = nullptr, *im = nullptr;
  switch (op) {
    case BinaryOp::kAdd: re = b_.CreateFAdd(a, c); im = b_.CreateFAdd(bi, di); break;
    case BinaryOp::kSub: re = b_.CreateFSub(a, c); im = b_.CreateFSub(bi, di); break;
    case BinaryOp::kMul:
      re = b_.CreateFSub(b_.CreateFMul(a, c), b_.CreateFMul(bi, di));
      im = b_.CreateFAdd(b_.CreateFMul(a, di), b_.CreateFMul(bi, c));
      break;
    case BinaryOp::kTrueDiv: {
      llvm::Value* zero = llvm::ConstantFP::get(a->getType(), 0.0);
      raiseIf(b_.CreateAnd(b_.CreateFCmpOEQ(c, zero), b_.CreateFCmpOEQ(di, zero)), KILN_ZERO_DIVISION_ERROR,
              "complex division by zero");
      // CPython's _Py_c_quot (Smith's method), as Numba: scale by the larger
      // part of the divisor, which keeps the signs of zeros and avoids
      // overflow in c*c + d*d; a NaN part of the divisor gives nan+nanj.
      llvm::Function* fabs = intrinsic(llvm::Intrinsic::fabs, a->getType());
      llvm::Value* by_real = b_.CreateFCmpOGE(b_.CreateCall(fabs, {c}), b_.CreateCall(fabs, {di}));
      llvm::Value* by_imag = b_.CreateFCmpOLT(b_.CreateCall(fabs, {c}), b_.CreateCall(fabs, {di}));
      llvm::Value* r1 = b_.CreateFDiv(di, c);
      llvm::Value* den1 = b_.CreateFAdd(c, b_.CreateFMul(di, r1));
      llvm::Value* re1 = b_.CreateFDiv(b_.CreateFAdd(a, b_.CreateFMul(bi, r1)), den1);
      llvm::Value* im1 = b_.CreateFDiv(b_.CreateFSub(bi, b_.CreateFMul(a, r1)), den1);
      llvm::Value* r2 = b_.CreateFDiv(c, di);
      llvm::Value* den2 = b_.CreateFAdd(b_.CreateFMul(c, r2), di);
      llvm::Value* re2 = b_.CreateFDiv(b_.CreateFAdd(b_.CreateFMul(a, r2), bi), den2);
      llvm::Value* im2 = b_.CreateFDiv(b_.CreateFSub(b_.CreateFMul(bi, r2), a), den2);
      llvm::Value* nan = llvm::ConstantFP::getNaN(a->getType());
      re = b_.CreateSelect(by_real, re1, b_.CreateSelect(by_imag, re2, nan));
      im = b_.CreateSelect(by_real, im1, b_.CreateSelect(by_imag, im2, nan));
      break;
    }
    case BinaryOp::kFloorDiv:
    case BinaryOp::kMod:
    case BinaryOp::kPow:
    case BinaryOp::kLShift:
    case BinaryOp::kRShift:
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
    case BinaryOp::kXor:
    case BinaryOp::kMatMul:
      return llvm::PoisonValue::get(x->getType());  // rejected by typing
  }
  llvm::Value* out = b_.CreateInsertValue(llvm::PoisonValue::get(x->getType()), re, 0);
  return b_.CreateInsertValue(out, im, 1);
}

llvm::Value* FunctionLowering::unary(UnaryOp op, const ir::Value* x, const typing::Type* result) {
  if (result->isArray()) return arrayUnary(op, x, result);
  if (x->type->isDatetimeLike()) return datetimeUnary(op, value(x));  // datetime
  if (op == UnaryOp::kNot && typing::isBytes(x->type)) return b_.CreateNot(bytesTruth(b_, value(x)));  // charseq:
  switch (op) {
    case UnaryOp::kNot: return b_.CreateNot(truth(value(x), x->type));
    case UnaryOp::kPos: return converted(x, result);
    case UnaryOp::kNeg: {
      if (x->type->kind == Kind::kInt)  // Numba negates before widening: -np.uint8(1) is 255
        return convert(b_, b_.CreateNeg(value(x)), x->type, result);
      llvm::Value* v = converted(x, result);
      if (result->kind == Kind::kComplex)
        return b_.CreateInsertValue(b_.CreateInsertValue(v, b_.CreateFNeg(b_.CreateExtractValue(v, 0)), 0),
                                    b_.CreateFNeg(b_.CreateExtractValue(v, 1)), 1);
      return result->kind == Kind::kFloat ? b_.CreateFNeg(v) : b_.CreateNeg(v);
    }
    case UnaryOp::kInvert:  // before widening too: ~np.uint8(0) is 255; ~True is False
      return convert(b_, b_.CreateNot(value(x)), x->type, result);
  }
  return nullptr;
}

llvm::Value* FunctionLowering::compareValues(CompareOp op, llvm::Value* a, llvm::Value* d, const typing::Type* t) {
  if (t->kind == Kind::kStr) return strCompareValues(op, a, d);  // strings (in a tuple)
  if (t->kind == Kind::kComplex) {  // == and != only (typing)
    llvm::Value* eq = b_.CreateAnd(b_.CreateFCmpOEQ(b_.CreateExtractValue(a, 0), b_.CreateExtractValue(d, 0)),
                                   b_.CreateFCmpOEQ(b_.CreateExtractValue(a, 1), b_.CreateExtractValue(d, 1)));
    bool want_eq = op == CompareOp::kEq || op == CompareOp::kIs || op == CompareOp::kIn;
    return want_eq ? eq : b_.CreateNot(eq);
  }
  if (t->kind == Kind::kFloat) {
    switch (op) {
      case CompareOp::kLt: return b_.CreateFCmpOLT(a, d);
      case CompareOp::kLe: return b_.CreateFCmpOLE(a, d);
      case CompareOp::kEq: return b_.CreateFCmpOEQ(a, d);
      case CompareOp::kNe: return b_.CreateFCmpUNE(a, d);
      case CompareOp::kGt: return b_.CreateFCmpOGT(a, d);
      case CompareOp::kGe: return b_.CreateFCmpOGE(a, d);
      case CompareOp::kIs: return b_.CreateFCmpOEQ(a, d);
      case CompareOp::kIsNot: return b_.CreateFCmpUNE(a, d);
      case CompareOp::kIn:
      case CompareOp::kNotIn:
        break;
    }
    return b_.getInt1(false);
  }
  bool s = t->kind == Kind::kInt && t->is_signed;
  switch (op) {
    case CompareOp::kLt: return s ? b_.CreateICmpSLT(a, d) : b_.CreateICmpULT(a, d);
    case CompareOp::kLe: return s ? b_.CreateICmpSLE(a, d) : b_.CreateICmpULE(a, d);
    case CompareOp::kEq: return b_.CreateICmpEQ(a, d);
    case CompareOp::kNe: return b_.CreateICmpNE(a, d);
    case CompareOp::kGt: return s ? b_.CreateICmpSGT(a, d) : b_.CreateICmpUGT(a, d);
    case CompareOp::kGe: return s ? b_.CreateICmpSGE(a, d) : b_.CreateICmpUGE(a, d);
    case CompareOp::kIs: return b_.CreateICmpEQ(a, d);
    case CompareOp::kIsNot: return b_.CreateICmpNE(a, d);
    case CompareOp::kIn:
    case CompareOp::kNotIn:
      break;
  }
  return b_.getInt1(false);
}

llvm::Value* FunctionLowering::compareMixedSign(CompareOp op, llvm::Value* x, bool x_signed, llvm::Value* y,
                                                bool y_signed) {
  llvm::Value* zero = llvm::ConstantInt::get(x->getType(), 0);
  llvm::Value* xneg = x_signed ? b_.CreateICmpSLT(x, zero) : b_.getFalse();
  llvm::Value* yneg = y_signed ? b_.CreateICmpSLT(y, zero) : b_.getFalse();
  llvm::Value* differ = b_.CreateXor(xneg, yneg);  // one negative: it is the smaller
  llvm::Value* same = compareValues(op, x, y, types().integer(64, false));
  switch (op) {
    case CompareOp::kLt:
    case CompareOp::kLe: return b_.CreateSelect(differ, xneg, same);
    case CompareOp::kGt:
    case CompareOp::kGe: return b_.CreateSelect(differ, yneg, same);
    case CompareOp::kEq:
    case CompareOp::kIs: return b_.CreateSelect(differ, b_.getFalse(), same);
    case CompareOp::kNe:
    case CompareOp::kIsNot: return b_.CreateSelect(differ, b_.getTrue(), same);
    case CompareOp::kIn:
    case CompareOp::kNotIn: break;
  }
  return b_.getInt1(false);
}

llvm::Value* FunctionLowering::compare(CompareOp op, const ir::Value* lhs, const ir::Value* rhs,
                                       const typing::Type* result, const ir::OperandTypes& decided) {
  if (result->isArray()) return arrayCompare(op, lhs, rhs, result, decided.operand);
  const typing::Type* a = lhs->type;
  const typing::Type* c = rhs->type;
  if (a->kind == Kind::kEnumMember || c->kind == Kind::kEnumMember)  // enums: lower_enums.cpp
    if (llvm::Value* v = enumCompare(op, lhs, rhs)) return v;
  if ((a->kind == Kind::kStr || c->kind == Kind::kStr) &&
      !(c->kind == Kind::kTuple && (op == CompareOp::kIn || op == CompareOp::kNotIn)))
    return strCompare(op, lhs, rhs);  // strings
  if (op == CompareOp::kIn || op == CompareOp::kNotIn) {
    llvm::Value* found = b_.getInt1(false);
    if (c->kind == Kind::kTuple) {
      llvm::Value* tup = value(rhs);
      for (unsigned k = 0; k < c->items.size(); ++k) {
        const typing::Type* ct = decided.items[k];
        const typing::Type* it = c->items[k];
        if (typing::mixedSignInts(a, it)) {
          llvm::Value* item = convert(b_, b_.CreateExtractValue(tup, k), it, types().integer(64, it->is_signed));
          found = b_.CreateOr(found, compareMixedSign(CompareOp::kEq, converted(lhs, types().integer(64, a->is_signed)),
                                                      a->is_signed, item, it->is_signed));
          continue;
        }
        llvm::Value* item = convert(b_, b_.CreateExtractValue(tup, k), it, ct);
        found = b_.CreateOr(found, compareValues(CompareOp::kEq, converted(lhs, ct), item, ct));
      }
    } else if (c->isArray()) {  // npfun3: any element equal, in C order, stopping at the first
      const typing::Type* ct = decided.operand;
      llvm::Value* arr = value(rhs);
      llvm::Value* x = converted(lhs, ct);
      llvm::Value* n = arraySize(arr, c);
      llvm::AllocaInst* hit = entryAlloca(b_.getInt1Ty(), "in_found");
      llvm::AllocaInst* k = entryAlloca(b_.getInt64Ty(), "in_k");
      b_.CreateStore(b_.getInt1(false), hit);
      b_.CreateStore(b_.getInt64(0), k);
      llvm::BasicBlock* head = llvm::BasicBlock::Create(ctx_, "in.head", fn_);
      llvm::BasicBlock* body = llvm::BasicBlock::Create(ctx_, "in.body", fn_);
      llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "in.done", fn_);
      b_.CreateBr(head);
      b_.SetInsertPoint(head);
      llvm::Value* kv = b_.CreateLoad(b_.getInt64Ty(), k);
      b_.CreateCondBr(b_.CreateAnd(b_.CreateICmpSLT(kv, n), b_.CreateNot(b_.CreateLoad(b_.getInt1Ty(), hit))), body, done);
      b_.SetInsertPoint(body);
      llvm::Value* item = convert(b_, loadElement(flatElementPtr(arr, c, kv), c->dtype()), c->dtype(), ct);
      b_.CreateStore(compareValues(CompareOp::kEq, x, item, ct), hit);
      b_.CreateStore(b_.CreateAdd(kv, b_.getInt64(1)), k);
      b_.CreateBr(head);
      b_.SetInsertPoint(done);
      found = b_.CreateLoad(b_.getInt1Ty(), hit);
    } else {  // range
      const typing::Type* i64 = types().integer(64, true);
      llvm::Value* r = value(rhs);
      llvm::Value* start = b_.CreateExtractValue(r, 0);
      llvm::Value* stop = b_.CreateExtractValue(r, 1);
      llvm::Value* step = b_.CreateExtractValue(r, 2);
      llvm::Value* x = converted(lhs, i64);
      llvm::Value* up = b_.CreateAnd(b_.CreateICmpSGE(x, start), b_.CreateICmpSLT(x, stop));
      llvm::Value* down = b_.CreateAnd(b_.CreateICmpSLE(x, start), b_.CreateICmpSGT(x, stop));
      llvm::Value* inside = b_.CreateSelect(b_.CreateICmpSGT(step, b_.getInt64(0)), up, down);
      llvm::Value* safe_step = b_.CreateSelect(b_.CreateICmpEQ(step, b_.getInt64(0)), b_.getInt64(1), step);
      llvm::Value* on_step = b_.CreateICmpEQ(b_.CreateSRem(b_.CreateSub(x, start), safe_step), b_.getInt64(0));
      found = b_.CreateAnd(inside, on_step);
    }
    return op == CompareOp::kIn ? found : b_.CreateNot(found);
  }
  if (a->kind == Kind::kSlice && c->kind == Kind::kSlice) {  // pyvals: == and != (typing), Python's, None parts too
    llvm::Value* x = value(lhs);
    llvm::Value* y = value(rhs);
    llvm::Value* nones = b_.CreateExtractValue(x, 3);
    llvm::Value* eq = b_.CreateICmpEQ(nones, b_.CreateExtractValue(y, 3));
    const int64_t none_bits[3] = {KILN_SLICE_START_NONE, KILN_SLICE_STOP_NONE, KILN_SLICE_STEP_NONE};
    for (unsigned k = 0; k < 3; ++k) {
      llvm::Value* none = b_.CreateICmpNE(b_.CreateAnd(nones, b_.getInt64(none_bits[k])), b_.getInt64(0));
      llvm::Value* same = b_.CreateICmpEQ(b_.CreateExtractValue(x, k), b_.CreateExtractValue(y, k));
      eq = b_.CreateAnd(eq, b_.CreateOr(none, same));
    }
    return op == CompareOp::kNe ? b_.CreateNot(eq) : eq;
  }
  if (op == CompareOp::kIs || op == CompareOp::kIsNot) {
    bool same = a == c;
    if (!same || a->kind == Kind::kNone || a->kind == Kind::kEllipsis) {  // pyvals: Ellipsis is one object too
      bool is = same;  // None is None; values of different types are never identical
      return b_.getInt1(op == CompareOp::kIs ? is : !is);
    }
    if (a->kind == Kind::kStructRef) {  // structref: as Numba's structref_is, the same block
      llvm::Value* eq = b_.CreateICmpEQ(b_.CreateExtractValue(value(lhs), 0), b_.CreateExtractValue(value(rhs), 0));
      return op == CompareOp::kIs ? eq : b_.CreateNot(eq);
    }
    if (a->isArray()) {  // as Numba: the same type, data, shape and strides (a[:] is a, a[:-1] is not)
      llvm::Value* x = value(lhs);
      llvm::Value* y = value(rhs);
      llvm::Value* eq = b_.CreateICmpEQ(b_.CreateExtractValue(x, kData), b_.CreateExtractValue(y, kData));
      for (unsigned d = 0; d < static_cast<unsigned>(a->ndim); ++d)
        for (unsigned field : {static_cast<unsigned>(kShape), static_cast<unsigned>(kStrides)})
          eq = b_.CreateAnd(eq, b_.CreateICmpEQ(b_.CreateExtractValue(x, {field, d}), b_.CreateExtractValue(y, {field, d})));
      return op == CompareOp::kIs ? eq : b_.CreateNot(eq);
    }
  }
  if (a->kind == Kind::kTuple && c->kind == Kind::kTuple) {
    // Python: the first differing items decide; else the lengths do.
    size_t na = a->items.size(), nc = c->items.size();
    bool by_length = false;
    switch (op) {
      case CompareOp::kEq: case CompareOp::kIs: by_length = na == nc; break;
      case CompareOp::kNe: case CompareOp::kIsNot: by_length = na != nc; break;
      case CompareOp::kLt: by_length = na < nc; break;
      case CompareOp::kLe: by_length = na <= nc; break;
      case CompareOp::kGt: by_length = na > nc; break;
      case CompareOp::kGe: by_length = na >= nc; break;
      case CompareOp::kIn: case CompareOp::kNotIn: break;
    }
    bool equality = op == CompareOp::kEq || op == CompareOp::kNe || op == CompareOp::kIs || op == CompareOp::kIsNot;
    if (equality && na != nc) return b_.getInt1(by_length);
    llvm::Value* res = b_.getInt1(by_length);
    for (size_t k = std::min(na, nc); k-- > 0;) {
      const typing::Type* ct = decided.items[k];
      llvm::Value* x = convert(b_, b_.CreateExtractValue(value(lhs), static_cast<unsigned>(k)), a->items[k], ct);
      llvm::Value* y = convert(b_, b_.CreateExtractValue(value(rhs), static_cast<unsigned>(k)), c->items[k], ct);
      llvm::Value* same = compareValues(CompareOp::kEq, x, y, ct);
      llvm::Value* here = equality ? b_.getInt1(op == CompareOp::kNe || op == CompareOp::kIsNot)
                                   : compareValues(op, x, y, ct);
      res = b_.CreateSelect(same, res, here);
    }
    return res;
  }
  if (a->isDatetimeLike() && c->isDatetimeLike() && op != CompareOp::kIs && op != CompareOp::kIsNot)
    return datetimeCompareValues(op, value(lhs), a, value(rhs), c);  // datetime
  if (a->kind == Kind::kNone || c->kind == Kind::kNone || a->kind == Kind::kEllipsis ||
      c->kind == Kind::kEllipsis) {  // pyvals: Ellipsis, as None, equals itself alone
    bool eq = a->kind == c->kind;
    bool want_eq = op == CompareOp::kEq || op == CompareOp::kIs;
    return b_.getInt1(want_eq ? eq : !eq);
  }
  if (typing::mixedSignInts(a, c)) {
    const typing::Type* sa = types().integer(64, a->is_signed);
    const typing::Type* sc = types().integer(64, c->is_signed);
    return compareMixedSign(op, converted(lhs, sa), a->is_signed, converted(rhs, sc), c->is_signed);
  }
  const typing::Type* t = decided.operand;
  return compareValues(op, converted(lhs, t), converted(rhs, t), t);
}

}  // namespace kiln::lowering
