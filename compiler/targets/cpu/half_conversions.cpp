#include "compiler/targets/cpu/half_conversions.h"

#include <cstdint>

#include "llvm/IR/Constants.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"

namespace kiln::compiler::cpu {

namespace {

bool usesHalf(const llvm::Module& module) {
  for (const llvm::Function& f : module) {
    for (const llvm::BasicBlock& bb : f) {
      for (const llvm::Instruction& inst : bb) {
        if (inst.getType()->isHalfTy()) return true;
        for (const llvm::Use& op : inst.operands())
          if (op->getType()->isHalfTy()) return true;
      }
    }
  }
  return false;
}

llvm::Function* define(llvm::Module& module, const char* name, llvm::Type* result, llvm::Type* param) {
  llvm::Function* f = module.getFunction(name);
  if (f && !f->isDeclaration()) return nullptr;  // already there
  if (!f) {
    f = llvm::Function::Create(llvm::FunctionType::get(result, {param}, false), llvm::GlobalValue::ExternalLinkage,
                               name, module);
  }
  f->setLinkage(llvm::GlobalValue::WeakODRLinkage);
  f->setVisibility(llvm::GlobalValue::HiddenVisibility);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  return f;
}

// A float or double (`width` 32 or 64 bits, `mant` mantissa bits) rounded to
// the nearest half, ties to even: NaN stays NaN (its payload's top bits, or 1,
// as NumPy keeps them), |x| >= 65520 is infinity, below 2^-14 a subnormal rounded by the
// FPU itself (adding a constant whose ulp is 2^-24), else the exponent
// rebased and the mantissa rounded in integer arithmetic.
void buildTrunc(llvm::Function* f, int width, int mant) {
  llvm::LLVMContext& ctx = f->getContext();
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
  llvm::Type* it = b.getIntNTy(width);
  llvm::Type* ft = f->getArg(0)->getType();
  const int64_t bias = width == 32 ? 127 : 1023;
  const uint64_t mask = width == 32 ? 0xffffffffull : ~0ull;
  auto c = [&](uint64_t v) { return llvm::ConstantInt::get(it, v & mask); };
  llvm::Value* x = b.CreateBitCast(f->getArg(0), it);
  llvm::Value* sign = b.CreateTrunc(b.CreateAnd(b.CreateLShr(x, width - 16), c(0x8000)), b.getInt16Ty());
  llvm::Value* ax = b.CreateAnd(x, c(~(uint64_t{1} << (width - 1))));
  const uint64_t inf_bits = ((uint64_t{1} << (width - mant - 1)) - 1) << mant;
  const uint64_t overflow = (uint64_t(15 + bias) << mant) | (uint64_t{0x7ff} << (mant - 11));
  const uint64_t min_normal = uint64_t(bias - 14) << mant;
  const uint64_t magic = uint64_t(bias + mant - 24) << mant;
  auto to16 = [&](llvm::Value* v) { return b.CreateTrunc(v, b.getInt16Ty()); };
  llvm::Value* payload = b.CreateAnd(b.CreateLShr(ax, mant - 10), c(0x3ff));
  payload = b.CreateSelect(b.CreateICmpEQ(payload, c(0)), c(1), payload);  // still a NaN
  llvm::Value* nan = to16(b.CreateOr(payload, c(0x7c00)));
  llvm::Value* sum = b.CreateFAdd(b.CreateBitCast(ax, ft), b.CreateBitCast(c(magic), ft));
  llvm::Value* sub = to16(b.CreateSub(b.CreateBitCast(sum, it), c(magic)));
  llvm::Value* odd = b.CreateAnd(b.CreateLShr(ax, mant - 10), c(1));
  llvm::Value* rebased = b.CreateAdd(ax, c((uint64_t(15 - bias) << mant) + ((uint64_t{1} << (mant - 11)) - 1)));
  llvm::Value* normal = to16(b.CreateLShr(b.CreateAdd(rebased, odd), mant - 10));
  llvm::Value* r = b.CreateSelect(b.CreateICmpULT(ax, c(min_normal)), sub, normal);
  r = b.CreateSelect(b.CreateICmpUGE(ax, c(overflow)), b.getInt16(0x7c00), r);
  r = b.CreateSelect(b.CreateICmpUGT(ax, c(inf_bits)), nan, r);
  b.CreateRet(b.CreateBitCast(b.CreateOr(sign, r), b.getHalfTy()));
}

// A half widened to float exactly: subnormals through an exact int-to-float
// conversion scaled by 2^-24, the rest by moving exponent and mantissa.
void buildExtend(llvm::Function* f) {
  llvm::LLVMContext& ctx = f->getContext();
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
  llvm::Value* h = b.CreateZExt(b.CreateBitCast(f->getArg(0), b.getInt16Ty()), b.getInt32Ty());
  llvm::Value* sign = b.CreateShl(b.CreateAnd(h, b.getInt32(0x8000)), 16);
  llvm::Value* e = b.CreateAnd(b.CreateLShr(h, 10), b.getInt32(0x1f));
  llvm::Value* m = b.CreateAnd(h, b.getInt32(0x3ff));
  llvm::Value* m13 = b.CreateShl(m, 13);
  llvm::Value* special = b.CreateOr(b.getInt32(0x7f800000), m13);
  llvm::Value* normal = b.CreateOr(b.CreateShl(b.CreateAdd(e, b.getInt32(112)), 23), m13);
  llvm::Value* tiny = b.CreateFMul(b.CreateUIToFP(m, b.getFloatTy()), llvm::ConstantFP::get(b.getFloatTy(), 0x1p-24));
  llvm::Value* r = b.CreateSelect(b.CreateICmpEQ(e, b.getInt32(0)), b.CreateBitCast(tiny, b.getInt32Ty()), normal);
  r = b.CreateSelect(b.CreateICmpEQ(e, b.getInt32(0x1f)), special, r);
  b.CreateRet(b.CreateBitCast(b.CreateOr(sign, r), b.getFloatTy()));
}

}  // namespace

void addHalfConversions(llvm::Module& module) {
  if (!usesHalf(module)) return;
  llvm::LLVMContext& ctx = module.getContext();
  llvm::Type* half = llvm::Type::getHalfTy(ctx);
  llvm::Type* f32 = llvm::Type::getFloatTy(ctx);
  llvm::Type* f64 = llvm::Type::getDoubleTy(ctx);
  if (llvm::Function* f = define(module, "__truncsfhf2", half, f32)) buildTrunc(f, 32, 23);
  if (llvm::Function* f = define(module, "__truncdfhf2", half, f64)) buildTrunc(f, 64, 52);
  llvm::Function* ext = define(module, "__extendhfsf2", f32, half);
  if (ext) buildExtend(ext);
  if (llvm::Function* f = define(module, "__extendhfdf2", f64, half)) {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
    llvm::Function* to_float = module.getFunction("__extendhfsf2");
    b.CreateRet(b.CreateFPExt(b.CreateCall(to_float, {f->getArg(0)}), f64));
  }
}

}  // namespace kiln::compiler::cpu
