// Builtins and math functions; the names are exactly those typing accepts
// (typing/rules_builtins.cpp).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

using typing::Kind;

namespace {
constexpr double kPi = 3.141592653589793;
}

absl::StatusOr<llvm::Value*> FunctionLowering::builtin(const std::string& name,
                                                       const std::vector<const ir::Value*>& args,
                                                       const typing::Type* result) {
  const typing::Type* f64 = types().floating(64);
  const typing::Type* i64 = types().integer(64, true);
  llvm::Type* d = b_.getDoubleTy();
  auto arg_f64 = [&](size_t k) { return converted(args[k], f64); };
  auto call_intrinsic = [&](llvm::Intrinsic::ID id, std::vector<llvm::Value*> vals) -> llvm::Value* {
    return b_.CreateCall(intrinsic(id, vals[0]->getType()), vals);
  };

  if (name.rfind("math.", 0) == 0) {
    std::string f = name.substr(5);
    // Functions LLVM knows as intrinsics (they still lower to libm calls
    // where the target has no instruction, but optimise better).
    static const std::map<std::string, llvm::Intrinsic::ID> intrinsics = {
        {"sin", llvm::Intrinsic::sin},       {"cos", llvm::Intrinsic::cos},
        {"exp", llvm::Intrinsic::exp},       {"exp2", llvm::Intrinsic::exp2},
        {"log10", llvm::Intrinsic::log10},   {"log2", llvm::Intrinsic::log2},
        {"sqrt", llvm::Intrinsic::sqrt},     {"fabs", llvm::Intrinsic::fabs},
        {"pow", llvm::Intrinsic::pow},       {"copysign", llvm::Intrinsic::copysign}};
    static const std::map<std::string, std::string> libm1 = {
        {"tan", "tan"},     {"asin", "asin"},   {"acos", "acos"},   {"atan", "atan"},   {"sinh", "sinh"},
        {"cosh", "cosh"},   {"tanh", "tanh"},   {"asinh", "asinh"}, {"acosh", "acosh"}, {"atanh", "atanh"},
        {"expm1", "expm1"}, {"log1p", "log1p"}, {"erf", "erf"},     {"erfc", "erfc"},   {"gamma", "tgamma"},
        {"lgamma", "lgamma"}, {"cbrt", "cbrt"}};
    static const std::map<std::string, std::string> libm2 = {{"atan2", "atan2"}, {"hypot", "hypot"}, {"fmod", "fmod"}};
    if (auto it = intrinsics.find(f); it != intrinsics.end()) {
      std::vector<llvm::Value*> vals;
      for (size_t k = 0; k < args.size(); ++k) vals.push_back(arg_f64(k));
      return call_intrinsic(it->second, vals);
    }
    if (auto it = libm1.find(f); it != libm1.end()) return b_.CreateCall(libm(it->second, 1), {arg_f64(0)});
    if (auto it = libm2.find(f); it != libm2.end())
      return b_.CreateCall(libm(it->second, 2), {arg_f64(0), arg_f64(1)});
    if (f == "log") {
      llvm::Value* v = call_intrinsic(llvm::Intrinsic::log, {arg_f64(0)});
      if (args.size() == 2) v = b_.CreateFDiv(v, call_intrinsic(llvm::Intrinsic::log, {arg_f64(1)}));
      return v;
    }
    // CPython: degrees(x) = x / (pi/180), radians(x) = x * (pi/180).
    if (f == "degrees") return b_.CreateFDiv(arg_f64(0), llvm::ConstantFP::get(d, kPi / 180.0));
    if (f == "radians") return b_.CreateFMul(arg_f64(0), llvm::ConstantFP::get(d, kPi / 180.0));
    if (f == "floor" || f == "ceil" || f == "trunc") {
      if (args[0]->type->kind != Kind::kFloat) return converted(args[0], i64);
      llvm::Intrinsic::ID id = f == "floor" ? llvm::Intrinsic::floor
                               : f == "ceil" ? llvm::Intrinsic::ceil
                                             : llvm::Intrinsic::trunc;
      llvm::Value* x = call_intrinsic(id, {value(args[0])});
      return b_.CreateFPToSI(x, b_.getInt64Ty());
    }
    if (f == "isnan" || f == "isinf" || f == "isfinite") {
      if (args[0]->type->kind != Kind::kFloat) return b_.getInt1(f == "isfinite");
      llvm::Value* x = value(args[0]);
      if (f == "isnan") return b_.CreateFCmpUNO(x, x);
      llvm::Value* ax = call_intrinsic(llvm::Intrinsic::fabs, {x});
      llvm::Value* inf = llvm::ConstantFP::getInfinity(x->getType());
      return f == "isinf" ? b_.CreateFCmpOEQ(ax, inf) : b_.CreateFCmpOLT(ax, inf);
    }
    if (f == "frexp") {
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
    if (f == "ldexp") {
      llvm::FunctionCallee fn =
          mod_.getOrInsertFunction("ldexp", llvm::FunctionType::get(d, {d, b_.getInt32Ty()}, false));
      llvm::Value* e = converted(args[1], i64);
      e = b_.CreateSelect(b_.CreateICmpSGT(e, b_.getInt64(100000)), b_.getInt64(100000), e);
      e = b_.CreateSelect(b_.CreateICmpSLT(e, b_.getInt64(-100000)), b_.getInt64(-100000), e);
      return b_.CreateCall(fn, {arg_f64(0), b_.CreateTrunc(e, b_.getInt32Ty())});
    }
    return absl::InternalError(absl::StrCat("no lowering for ", name));
  }
  if (name == "abs") {
    llvm::Value* x = converted(args[0], result);
    if (result->kind == Kind::kFloat) return call_intrinsic(llvm::Intrinsic::fabs, {x});
    if (!result->is_signed) return x;
    return b_.CreateSelect(b_.CreateICmpSLT(x, llvm::ConstantInt::get(x->getType(), 0)), b_.CreateNeg(x), x);
  }
  if (name == "min" || name == "max") {
    // Python keeps the first of equal items and never replaces with NaN-
    // compared items: cur = item only if item < cur (min) or item > cur (max).
    ir::CompareOp op = name == "min" ? ir::CompareOp::kLt : ir::CompareOp::kGt;
    llvm::Value* cur = converted(args[0], result);
    for (size_t k = 1; k < args.size(); ++k) {
      llvm::Value* item = converted(args[k], result);
      cur = b_.CreateSelect(compareValues(op, item, cur, result), item, cur);
    }
    return cur;
  }
  if (name == "int") return converted(args[0], i64);
  if (name == "float") return arg_f64(0);
  if (name == "bool") return args.empty() ? b_.getInt1(false) : truth(value(args[0]), args[0]->type);
  if (name == "round") {
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
  if (name == "divmod") {
    const typing::Type* t = result->items[0];
    llvm::Value* a = converted(args[0], t);
    llvm::Value* c = converted(args[1], t);
    llvm::Value* q = floorDivMod(a, c, t, true, "float divmod()", numpy_error_model_);
    llvm::Value* r = floorDivMod(a, c, t, false, "float divmod()", numpy_error_model_);
    llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
    out = b_.CreateInsertValue(out, q, 0);
    return b_.CreateInsertValue(out, r, 1);
  }
  if (name == "pow") return binary(ir::BinaryOp::kPow, args[0], args[1], result);
  if (name == "range") {
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
  if (name == "len") {
    const typing::Type* t = args[0]->type;
    if (t->kind == Kind::kTuple) return b_.getInt64(t->items.size());
    if (t->kind == Kind::kArray) return b_.CreateExtractValue(value(args[0]), {2, 0});
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
  if (name == "enumerate") {
    llvm::Type* st = llvm::StructType::get(ctx_, {b_.getInt64Ty(), b_.getPtrTy()});
    llvm::AllocaInst* slot = entryAlloca(st, "enumerate");
    llvm::Value* inner = makeIter(value(args[0]), args[0]->type, result->items[0]);
    b_.CreateStore(args.size() == 2 ? converted(args[1], i64) : b_.getInt64(0), b_.CreateStructGEP(st, slot, 0));
    b_.CreateStore(inner, b_.CreateStructGEP(st, slot, 1));
    return slot;
  }
  if (name == "zip") {
    llvm::Type* st = llvm::StructType::get(ctx_, std::vector<llvm::Type*>(args.size(), b_.getPtrTy()));
    llvm::AllocaInst* slot = entryAlloca(st, "zip");
    for (unsigned k = 0; k < args.size(); ++k)
      b_.CreateStore(makeIter(value(args[k]), args[k]->type, result->items[k]), b_.CreateStructGEP(st, slot, k));
    return slot;
  }
  if (name.rfind("numpy.", 0) == 0) return numpyFunction(name, args, result);
  return absl::InternalError(absl::StrCat("no lowering for builtin ", name));
}

}  // namespace kiln::lowering
