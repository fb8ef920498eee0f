// Builtins and math functions: one lowering per registry row
// (typing/builtins.def), chosen by the row typing recorded on the call.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/lower_buffers.h"  // charseq:
#include "compiler/typing/rules_buffers.h"  // charseq:
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

using typing::BuiltinId;
using typing::Kind;

namespace {
constexpr double kPi = 3.141592653589793;
}

absl::StatusOr<llvm::Value*> FunctionLowering::builtin(const ir::Resolution& res,
                                                       const std::vector<const ir::Value*>& args,
                                                       const typing::Type* result) {
  std::vector<const typing::Type*> arg_types;  // strings: ord, chr, str, hash; len/int/float/bool of a str
  for (const ir::Value* a : args) arg_types.push_back(a ? a->type : types().none());  // npcreate: nullptr, a default
  if (typing::isStrBuiltin(res.id, arg_types)) return strBuiltin(res.id, args, result);
  const typing::Type* f64 = types().floating(64);
  const typing::Type* i64 = types().integer(64, true);
  llvm::Type* d = b_.getDoubleTy();
  auto arg_f64 = [&](size_t k) { return converted(args[k], f64); };
  auto call_intrinsic = [&](llvm::Intrinsic::ID id, std::vector<llvm::Value*> vals) -> llvm::Value* {
    return b_.CreateCall(intrinsic(id, vals[0]->getType()), vals);
  };
  // Functions LLVM knows as intrinsics (they still lower to libm calls
  // where the target has no instruction, but optimise better).
  auto math_intrinsic = [&](llvm::Intrinsic::ID id) {
    std::vector<llvm::Value*> vals;
    for (size_t k = 0; k < args.size(); ++k) vals.push_back(arg_f64(k));
    return call_intrinsic(id, vals);
  };

  if (llvm::Value* v = cudaMathFloat32(res, args, result)) return v;  // cudalang: float32 math in kernels
  switch (res.id) {
#define KILN_LOWER_kMathUnary(Id)
#define KILN_LOWER_kMathBinary(Id)
#define KILN_LOWER_kReduction(Id) case BuiltinId::k##Id:
#define KILN_LOWER_kUfunc(Id) case BuiltinId::k##Id:
#define KILN_LOWER_kMethod(Id)
#define KILN_LOWER_kAttribute(Id)
#define KILN_BUILTIN(Id, name, spec)
#define KILN_FAMILY(Id, name, spec, family, method) KILN_LOWER_##family(Id)
#include "compiler/typing/builtins.def"
#undef KILN_LOWER_kMathUnary
#undef KILN_LOWER_kMathBinary
#undef KILN_LOWER_kReduction
#undef KILN_LOWER_kUfunc
#undef KILN_LOWER_kMethod
#undef KILN_LOWER_kAttribute
    // NumPy's rows: lower_numpy.cpp.
    case BuiltinId::kNpEmpty:
    case BuiltinId::kNpZeros:
    case BuiltinId::kNpOnes:
    case BuiltinId::kNpEmptyLike:
    case BuiltinId::kNpZerosLike:
    case BuiltinId::kNpOnesLike:
    case BuiltinId::kNpFull:
    case BuiltinId::kNpFullLike:
    case BuiltinId::kNpArange:
    case BuiltinId::kNpLinspace:
    case BuiltinId::kNpFrombuffer:
    case BuiltinId::kNpEye:
    case BuiltinId::kNpIdentity:
    case BuiltinId::kNpWhere:
    case BuiltinId::kNpNonzero:
    case BuiltinId::kNpTake:
    case BuiltinId::kNpSearchsorted:
    case BuiltinId::kNpDiff:
    case BuiltinId::kNpSort:
    case BuiltinId::kNpMedian:
    case BuiltinId::kNpPercentile:
    case BuiltinId::kNpQuantile:
    case BuiltinId::kNpDiag:
    case BuiltinId::kNpOuter:
    case BuiltinId::kNpTriu:
    case BuiltinId::kNpTril:
      if (llvm::Value* v = numpyFunction(res, args, result)) return v;
      break;
    // random: lower_random.cpp.
    case BuiltinId::kRngSeed:
    case BuiltinId::kRngNextU32:
    case BuiltinId::kRngNextDouble:
    case BuiltinId::kRngGauss:
    case BuiltinId::kRngArrayOrNone:
    case BuiltinId::kRngShape:
      if (llvm::Value* v = randomPrimitive(res.id, args)) return v;
      break;
    case BuiltinId::kLinalgCall:  // linalg: lower_linalg.cpp
      return linalgCall(args);
    case BuiltinId::kNdUnravel:  // ndindex: lower_ndindex.cpp
      return ndUnravel(args, result);
    case BuiltinId::kNpgenNextUint64:  // npgen: lower_npgen.cpp
    case BuiltinId::kNpgenNextUint32:
    case BuiltinId::kNpgenNextDouble:
      return npgenDraw(res.id, args);
    case BuiltinId::kNdBroadcastTo:  // broadcast: lower_broadcast.cpp
      return ndBroadcastTo(args, result);
    case BuiltinId::kNdBroadcastShapes:
    case BuiltinId::kNdBroadcastShapeOf:
      return ndBroadcastShape(args, result, res.id == BuiltinId::kNdBroadcastShapeOf);
    case BuiltinId::kParallelNumThreads:  // prange: lower_parallel.cpp
    case BuiltinId::kParallelThreadId:
      return parallelQuery(res.id);
    case BuiltinId::kNdAsStrided:  // npmisc: lower_broadcast.cpp
      return ndAsStrided(args, result);
    case BuiltinId::kBytesOf:  // bytesm: the array's struct is the bytes value's; the result takes a reference (ownership.cpp)
      return value(args[0]);
    case BuiltinId::kStrOfCodes:  // bytes2: lower_strings.cpp
      return strOfCodes(value(args[0]), args[0]->type->dtype()->bits / 8);
#define KILN_BUILTIN(Id, name, spec)
#define KILN_FAMILY(Id, name, spec, family, method)
#define KILN_CUDA_BUILTIN(Id, name, spec) case BuiltinId::k##Id:
#include "compiler/typing/builtins.def"
      if (llvm::Value* v = cudaBuiltin(res, args, result)) return v;  // cuda: lower_cuda.cpp
      break;
    case BuiltinId::kLinalgSameDtype:  // linalg: a check made by typing
      return b_.getInt8(0);
    case BuiltinId::kStaticError:  // pyfuncs: rewritten by typing (rules_static.cpp), never lowered
    case BuiltinId::kStaticSameItem:
    case BuiltinId::kStaticItemIsinstance:
    case BuiltinId::kStaticIterable:
    case BuiltinId::kStaticLiteral:
    case BuiltinId::kLiterally:
      break;
    case BuiltinId::kNpConcatenate:  // arrays: lower_array_join.cpp
    case BuiltinId::kNpStack:
    case BuiltinId::kNpVstack:
    case BuiltinId::kNpHstack:
    case BuiltinId::kNpColumnStack:
      return joinArrays(res.id, args, result);
    case BuiltinId::kNpExpandDims:
      return expandDims(args[0], args[1], result);
    case BuiltinId::kNpArray:
    case BuiltinId::kNpAsarray:
    case BuiltinId::kNpAscontiguousarray:
      return arrayFrom(res.id, args[0], result);

    case BuiltinId::kMathSin:
      return math_intrinsic(llvm::Intrinsic::sin);
    case BuiltinId::kMathCos:
      return math_intrinsic(llvm::Intrinsic::cos);
    case BuiltinId::kMathExp:
      return math_intrinsic(llvm::Intrinsic::exp);
    case BuiltinId::kMathExp2:
      return math_intrinsic(llvm::Intrinsic::exp2);
    case BuiltinId::kMathLog10:
      return math_intrinsic(llvm::Intrinsic::log10);
    case BuiltinId::kMathLog2:
      return math_intrinsic(llvm::Intrinsic::log2);
    case BuiltinId::kMathSqrt:
      return math_intrinsic(llvm::Intrinsic::sqrt);
    case BuiltinId::kMathFabs:
      return math_intrinsic(llvm::Intrinsic::fabs);
    case BuiltinId::kMathPow: {
      // npgen: libm's pow itself, as CPython's math.pow and NumPy's C code
      // call it: LLVM would rewrite pow(x, 2.0) as x * x, which differs
      // from glibc's pow in the last bit (so Generator.beta(0.5, b) would
      // leave NumPy's stream).
      llvm::CallInst* c = b_.CreateCall(libm("pow", 2), {arg_f64(0), arg_f64(1)});
      c->addFnAttr(llvm::Attribute::NoBuiltin);
      return c;
    }
    case BuiltinId::kMathCopysign:
      return math_intrinsic(llvm::Intrinsic::copysign);
    case BuiltinId::kMathTan:
      return b_.CreateCall(libm("tan", 1), {arg_f64(0)});
    case BuiltinId::kMathAsin:
      return b_.CreateCall(libm("asin", 1), {arg_f64(0)});
    case BuiltinId::kMathAcos:
      return b_.CreateCall(libm("acos", 1), {arg_f64(0)});
    case BuiltinId::kMathAtan:
      return b_.CreateCall(libm("atan", 1), {arg_f64(0)});
    case BuiltinId::kMathSinh:
      return b_.CreateCall(libm("sinh", 1), {arg_f64(0)});
    case BuiltinId::kMathCosh:
      return b_.CreateCall(libm("cosh", 1), {arg_f64(0)});
    case BuiltinId::kMathTanh:
      return b_.CreateCall(libm("tanh", 1), {arg_f64(0)});
    case BuiltinId::kMathAsinh:
      return b_.CreateCall(libm("asinh", 1), {arg_f64(0)});
    case BuiltinId::kMathAcosh:
      return b_.CreateCall(libm("acosh", 1), {arg_f64(0)});
    case BuiltinId::kMathAtanh:
      return b_.CreateCall(libm("atanh", 1), {arg_f64(0)});
    case BuiltinId::kMathExpm1:
      return b_.CreateCall(libm("expm1", 1), {arg_f64(0)});
    case BuiltinId::kMathLog1p:
      return b_.CreateCall(libm("log1p", 1), {arg_f64(0)});
    case BuiltinId::kMathErf:
      return b_.CreateCall(libm("erf", 1), {arg_f64(0)});
    case BuiltinId::kMathErfc:
      return b_.CreateCall(libm("erfc", 1), {arg_f64(0)});
    case BuiltinId::kMathGamma:
      return b_.CreateCall(libm("tgamma", 1), {arg_f64(0)});
    case BuiltinId::kMathLgamma:
      return b_.CreateCall(libm("lgamma", 1), {arg_f64(0)});
    case BuiltinId::kMathCbrt:
      return b_.CreateCall(libm("cbrt", 1), {arg_f64(0)});
    case BuiltinId::kMathAtan2:
      return b_.CreateCall(libm("atan2", 2), {arg_f64(0), arg_f64(1)});
    case BuiltinId::kMathHypot:
      return b_.CreateCall(libm("hypot", 2), {arg_f64(0), arg_f64(1)});
    case BuiltinId::kMathFmod:
      return b_.CreateCall(libm("fmod", 2), {arg_f64(0), arg_f64(1)});
    case BuiltinId::kMathLog: {
      llvm::Value* v = call_intrinsic(llvm::Intrinsic::log, {arg_f64(0)});
      if (args.size() == 2) v = b_.CreateFDiv(v, call_intrinsic(llvm::Intrinsic::log, {arg_f64(1)}));
      return v;
    }
    // CPython: degrees(x) = x / (pi/180), radians(x) = x * (pi/180).
    case BuiltinId::kMathDegrees:
      return b_.CreateFDiv(arg_f64(0), llvm::ConstantFP::get(d, kPi / 180.0));
    case BuiltinId::kMathRadians:
      return b_.CreateFMul(arg_f64(0), llvm::ConstantFP::get(d, kPi / 180.0));
    case BuiltinId::kMathFloor:
    case BuiltinId::kMathCeil:
    case BuiltinId::kMathTrunc: {
      if (args[0]->type->kind != Kind::kFloat) return converted(args[0], i64);
      llvm::Intrinsic::ID id = res.id == BuiltinId::kMathFloor ? llvm::Intrinsic::floor
                               : res.id == BuiltinId::kMathCeil ? llvm::Intrinsic::ceil
                                                                : llvm::Intrinsic::trunc;
      llvm::Value* x = call_intrinsic(id, {value(args[0])});
      return b_.CreateFPToSI(x, b_.getInt64Ty());
    }
    case BuiltinId::kMathIsnan:
    case BuiltinId::kMathIsinf:
    case BuiltinId::kMathIsfinite: {
      if (args[0]->type->kind != Kind::kFloat) return b_.getInt1(res.id == BuiltinId::kMathIsfinite);
      llvm::Value* x = value(args[0]);
      if (res.id == BuiltinId::kMathIsnan) return b_.CreateFCmpUNO(x, x);
      llvm::Value* ax = call_intrinsic(llvm::Intrinsic::fabs, {x});
      llvm::Value* inf = llvm::ConstantFP::getInfinity(x->getType());
      return res.id == BuiltinId::kMathIsinf ? b_.CreateFCmpOEQ(ax, inf) : b_.CreateFCmpOLT(ax, inf);
    }
    case BuiltinId::kMathFrexp: {
      llvm::FunctionCallee fn =
          mod_.getOrInsertFunction("frexp", llvm::FunctionType::get(d, {d, b_.getPtrTy()}, false));
      llvm::AllocaInst* e = entryAlloca(b_.getInt32Ty(), "exp");
      b_.CreateStore(b_.getInt32(0), e);
      llvm::Value* x = arg_f64(0);
      llvm::Value* m = b_.CreateCall(fn, {x, e});
      // CPython gives (x, 0) for inf and nan.
      llvm::Value* finite = b_.CreateFCmpOLT(call_intrinsic(llvm::Intrinsic::fabs, {x}), llvm::ConstantFP::getInfinity(d));
      llvm::Value* ex = b_.CreateSelect(finite, b_.CreateSExt(b_.CreateLoad(b_.getInt32Ty(), e), b_.getInt64Ty()), b_.getInt64(0));
      m = b_.CreateSelect(finite, m, x);
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
      out = b_.CreateInsertValue(out, m, 0);
      return b_.CreateInsertValue(out, ex, 1);
    }
    case BuiltinId::kMathLdexp: {
      llvm::FunctionCallee fn =
          mod_.getOrInsertFunction("ldexp", llvm::FunctionType::get(d, {d, b_.getInt32Ty()}, false));
      llvm::Value* e = converted(args[1], i64);
      e = b_.CreateSelect(b_.CreateICmpSGT(e, b_.getInt64(100000)), b_.getInt64(100000), e);
      e = b_.CreateSelect(b_.CreateICmpSLT(e, b_.getInt64(-100000)), b_.getInt64(-100000), e);
      return b_.CreateCall(fn, {arg_f64(0), b_.CreateTrunc(e, b_.getInt32Ty())});
    }
    case BuiltinId::kAbs: {
      if (args[0]->type->kind == Kind::kComplex) return complexAbs(value(args[0]));  // complex:
      if (result->isDatetimeLike()) return datetimeAbs(value(args[0]));  // datetime
      llvm::Value* x = converted(args[0], result);
      if (result->kind == Kind::kFloat) return call_intrinsic(llvm::Intrinsic::fabs, {x});
      if (!result->is_signed) return x;
      return b_.CreateSelect(b_.CreateICmpSLT(x, llvm::ConstantInt::get(x->getType(), 0)), b_.CreateNeg(x), x);
    }
    case BuiltinId::kMin:
    case BuiltinId::kMax: {
      // Python keeps the first of equal items and never replaces with NaN-
      // compared items: cur = item only if item < cur (min) or item > cur (max).
      ir::CompareOp op = res.id == BuiltinId::kMin ? ir::CompareOp::kLt : ir::CompareOp::kGt;
      if (args.size() == 1) {  // datetime: the items of a 1-d array, as Python's min(iterable)
        const typing::Type* at = args[0]->type;
        llvm::Value* arr = value(args[0]);
        llvm::Value* n = arraySize(arr, at);
        raiseIf(b_.CreateICmpEQ(n, b_.getInt64(0)), KILN_VALUE_ERROR,
                res.id == BuiltinId::kMin ? "min() arg is an empty sequence" : "max() arg is an empty sequence");
        llvm::AllocaInst* best = entryAlloca(valueType(ctx_, result), "best");
        b_.CreateStore(loadElement(flatElementPtr(arr, at, b_.getInt64(0)), result), best);
        loop(n, [&](llvm::Value* k) {
          llvm::Value* item = loadElement(flatElementPtr(arr, at, k), result);
          llvm::Value* cur = b_.CreateLoad(best->getAllocatedType(), best);
          llvm::Value* replace = result->isDatetimeLike() ? datetimeCompareValues(op, item, result, cur, result)
                                                          : compareValues(op, item, cur, result);
          b_.CreateStore(b_.CreateSelect(replace, item, cur), best);
        });
        return b_.CreateLoad(best->getAllocatedType(), best);
      }
      llvm::Value* cur = converted(args[0], result);
      for (size_t k = 1; k < args.size(); ++k) {
        llvm::Value* item = converted(args[k], result);
        llvm::Value* replace = result->isDatetimeLike() ? datetimeCompareValues(op, item, result, cur, result)  // datetime
                                                        : compareValues(op, item, cur, result);
        cur = b_.CreateSelect(replace, item, cur);
      }
      return cur;
    }
    case BuiltinId::kInt:
      return converted(args[0], i64);
    case BuiltinId::kFloat:
      return arg_f64(0);
    case BuiltinId::kBool:
      if (!args.empty() && typing::isBytes(args[0]->type)) return bytesTruth(b_, value(args[0]));  // charseq:
      return args.empty() ? b_.getInt1(false) : truth(value(args[0]), args[0]->type);
    case BuiltinId::kRound: {
      if (args[0]->type->kind != Kind::kFloat) return converted(args[0], result);
      llvm::Value* x = value(args[0]);
      if (args.size() == 1) return b_.CreateFPToSI(call_intrinsic(llvm::Intrinsic::roundeven, {x}), b_.getInt64Ty());
      // round(x, n): scale, round half to even, unscale (CPython rounds the
      // exact decimal value; this agrees except within an ulp of a tie).
      llvm::Value* xd = arg_f64(0);
      llvm::Value* scale = call_intrinsic(llvm::Intrinsic::pow, {llvm::ConstantFP::get(d, 10.0), converted(args[1], f64)});
      llvm::Value* r = b_.CreateFDiv(call_intrinsic(llvm::Intrinsic::roundeven, {b_.CreateFMul(xd, scale)}), scale);
      return convert(b_, r, f64, result);
    }
    case BuiltinId::kDivmod: {
      const typing::Type* t = result->items[0];
      llvm::Value* a = converted(args[0], t);
      llvm::Value* c = converted(args[1], t);
      llvm::Value* q = floorDivMod(a, c, t, true, "float divmod()", numpy_error_model_);
      llvm::Value* r = floorDivMod(a, c, t, false, "float divmod()", numpy_error_model_);
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
      out = b_.CreateInsertValue(out, q, 0);
      return b_.CreateInsertValue(out, r, 1);
    }
    case BuiltinId::kComplex:  // complex: lower_complex.cpp
      return complexFromArgs(args, result);
    case BuiltinId::kPow:
      return binary(ir::BinaryOp::kPow, args[0], args[1], result, ir::OperandTypes{res.compute, {}});
    case BuiltinId::kRange: {
      llvm::Value* start = b_.getInt64(0);
      llvm::Value* stop;
      llvm::Value* step = b_.getInt64(1);
      if (args.size() == 1) {
        stop = converted(args[0], i64);
      } else {
        start = converted(args[0], i64);
        stop = converted(args[1], i64);
        if (args.size() == 3) {
          step = converted(args[2], i64);
          raiseIf(b_.CreateICmpEQ(step, b_.getInt64(0)), KILN_VALUE_ERROR, "range() arg 3 must not be zero");
        }
      }
      llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
      out = b_.CreateInsertValue(out, start, 0);
      out = b_.CreateInsertValue(out, stop, 1);
      return b_.CreateInsertValue(out, step, 2);
    }
    case BuiltinId::kLen: {
      const typing::Type* t = args[0]->type;
      if (t->kind == Kind::kTuple) return b_.getInt64(t->items.size());
      if (t->kind == Kind::kArray) return b_.CreateExtractValue(value(args[0]), {2, 0});
      if (t->kind == Kind::kDict) return dictLen(value(args[0]));  // dicts:
      if (t->isFlatIter()) return arraySize(flatIterArray(value(args[0]), t), t->items[0]);  // flatimag: len(a.flat)
      llvm::Value* r = value(args[0]);
      llvm::Value* start = b_.CreateExtractValue(r, 0);
      llvm::Value* stop = b_.CreateExtractValue(r, 1);
      llvm::Value* step = b_.CreateExtractValue(r, 2);
      llvm::Value* up = b_.CreateICmpSGT(step, b_.getInt64(0));
      llvm::Value* lo = b_.CreateSelect(up, start, stop);
      llvm::Value* hi = b_.CreateSelect(up, stop, start);
      llvm::Value* abs_step = b_.CreateSelect(up, step, b_.CreateNeg(step));
      llvm::Value* n = b_.CreateAdd(b_.CreateSDiv(b_.CreateSub(b_.CreateSub(hi, lo), b_.getInt64(1)), abs_step), b_.getInt64(1));
      return b_.CreateSelect(b_.CreateICmpSGT(hi, lo), n, b_.getInt64(0));
    }
    case BuiltinId::kEnumerate: {
      llvm::Type* st = llvm::StructType::get(ctx_, {b_.getInt64Ty(), b_.getPtrTy()});
      llvm::AllocaInst* slot = entryAlloca(st, "enumerate");
      llvm::Value* inner = makeIter(value(args[0]), args[0]->type, result->items[0]);
      b_.CreateStore(args.size() == 2 ? converted(args[1], i64) : b_.getInt64(0), b_.CreateStructGEP(st, slot, 0));
      b_.CreateStore(inner, b_.CreateStructGEP(st, slot, 1));
      return slot;
    }
    case BuiltinId::kZip: {
      llvm::Type* st = llvm::StructType::get(ctx_, std::vector<llvm::Type*>(args.size(), b_.getPtrTy()));
      llvm::AllocaInst* slot = entryAlloca(st, "zip");
      for (unsigned k = 0; k < args.size(); ++k)
        b_.CreateStore(makeIter(value(args[k]), args[k]->type, result->items[k]), b_.CreateStructGEP(st, slot, k));
      return slot;
    }
    case BuiltinId::kIter:  // generators: as GetIter (ownership.cpp: it borrows its operand)
      return makeIter(value(args[0]), args[0]->type, result);
    case BuiltinId::kNext: {  // generators: one step, as ForIter; an item holding references is a root (ownership.cpp)
      const typing::Type* it = args[0]->type;
      const typing::Type* item_type = typing::iterItem(types(), it);
      llvm::Value* item = nullptr;
      llvm::Value* more = iterNext(value(args[0]), it, item_type, &item);
      item = convert(b_, item, item_type, result);
      if (args.size() == 1) {
        raiseIf(b_.CreateNot(more), KILN_STOP_ITERATION, "");
        return item;
      }
      return b_.CreateSelect(more, item, converted(args[1], result));
    }
    case BuiltinId::kOrd:  // strings: strBuiltin, above
    case BuiltinId::kChr:
    case BuiltinId::kStrOf:
      break;
    // dicts: lower_dicts.cpp
    case BuiltinId::kDictNew:
    case BuiltinId::kTypedDictNew:
    case BuiltinId::kTypedDictEmpty:  // typedempty: n_keys, a size hint, is ignored (as Kiln's Python Dict.empty)
      return newDict(result, 0);
    case BuiltinId::kHash:  // a str's hash is strBuiltin's, above
      if (args[0]->type->isDatetimeLike()) {
        // dtunits: NumPy 1.x hashes a datetime64/timedelta64 as its int64
        // count (NaT included), -1 as -2 (as CPython's ints).
        llvm::Value* v = value(args[0]);
        return b_.CreateSelect(b_.CreateICmpEQ(v, b_.getInt64(-1)), b_.getInt64(-2), v);
      }
      if (typing::isBytes(args[0]->type)) return bytesHash(value(args[0]));  // bytesm: lower_strings.cpp
      if (llvm::Value* h = hashValue(value(args[0]), args[0]->type)) return h;
      break;
    // Members are lowered by arrayMethod and member, never called as functions.
#define KILN_BUILTIN(Id, name, spec)
#define KILN_FAMILY(Id, name, spec, family, method)
#define KILN_METHOD(Id, receiver, name, spec, exposed) case BuiltinId::k##Id:
#define KILN_ATTRIBUTE(Id, receiver, name) case BuiltinId::k##Id:
#include "compiler/typing/builtins.def"
      break;
  }
  return absl::InternalError(absl::StrCat("no lowering for builtin ", typing::builtinName(res.id)));
}

}  // namespace kiln::lowering
