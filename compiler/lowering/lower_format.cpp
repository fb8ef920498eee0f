// format: format(x, spec), repr(x), ascii(x), f"{x!r:spec}" and
// "template".format(...) (rules_format.cpp). The constant spec is parsed
// again here and handed, as a KilnFormatSpec, to the runtime's formatter
// (runtime/cpu/kiln_format.h); each string the runtime makes is a temporary
// of the instruction (the result takes over the last, lower_memory.cpp).
#include <cstddef>

#include "absl/strings/str_cat.h"

#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/format_spec.h"
#include "compiler/typing/rules.h"
#include "kiln_format.h"
#include "kiln_rt.h"
#include "kiln_unicode.h"

namespace kiln::lowering {

using typing::FormatAs;
using typing::Kind;

namespace {

// KilnFormatSpec: six int32 fields, then two int64.
llvm::StructType* specStruct(llvm::LLVMContext& ctx) {
  llvm::Type* i32 = llvm::Type::getInt32Ty(ctx);
  llvm::Type* i64 = llvm::Type::getInt64Ty(ctx);
  return llvm::StructType::get(ctx, {i32, i32, i32, i32, i32, i32, i64, i64});
}
static_assert(offsetof(KilnFormatSpec, width) == 24 && sizeof(KilnFormatSpec) == 40, "KilnFormatSpec layout");

}  // namespace

// The text of a constant str operand: a constant, or a global frozen as one.
static const std::string* constantText(const compiler::Function& fn, const ir::Value* v) {
  if (const std::string* s = typing::constantStr(v)) return s;
  const ir::Instr* def = v->def;
  if (!def || def->op != ir::Op::kLoadGlobal) return nullptr;
  const compiler::GlobalRef* g = fn.global(def->name);
  if (!g || g->kind != compiler::GlobalRef::Kind::kConstant || g->value.kind != compiler::Constant::Kind::kStr)
    return nullptr;
  return &g->value.s;
}

llvm::Value* FunctionLowering::formatCall(size_t offset, const std::vector<llvm::Value*>& args, bool unicode_api) {
  llvm::PointerType* ptr = b_.getPtrTy();
  llvm::Value* api = unicode_api ? unicodeApi() : runtimeField(offsetof(KilnRuntime, format), "kiln.format");
  llvm::Value* fn = b_.CreateLoad(ptr, b_.CreateConstGEP1_64(b_.getInt8Ty(), api, offset));
  std::vector<llvm::Type*> params;
  for (llvm::Value* a : args) params.push_back(a->getType());
  return b_.CreateCall(llvm::FunctionType::get(b_.getInt32Ty(), params, false), fn, args);
}

// The string a helper left at `out` (status 0), a temporary of this
// instruction; its failures raised.
llvm::Value* FunctionLowering::formatTake(llvm::Value* status, llvm::Value* out) {
  raiseIf(b_.CreateICmpEQ(status, b_.getInt32(KILN_MEMORY_ERROR)), KILN_MEMORY_ERROR,
          "Allocation failed (out of memory making a string)");
  raiseIf(b_.CreateICmpEQ(status, b_.getInt32(KILN_OVERFLOW_ERROR)), KILN_OVERFLOW_ERROR,
          "%c arg not in range(0x110000)");
  raiseIf(b_.CreateICmpEQ(status, b_.getInt32(KILN_VALUE_ERROR)), KILN_VALUE_ERROR,
          "repr() of this string needs the Unicode database for a code point above U+00FF, which only the Python "
          "client installs");
  llvm::StructType* st = strStruct(ctx_);
  llvm::Value* v = llvm::PoisonValue::get(st);
  llvm::Value* mi = nullptr;
  for (unsigned k = 0; k < 4; ++k) {
    llvm::Value* field = b_.CreateLoad(st->getElementType(k), b_.CreateStructGEP(st, out, k));
    if (k == kStrMeminfo) mi = field;
    v = b_.CreateInsertValue(v, field, k);
  }
  temps_.push_back(mi);
  return v;
}

llvm::Value* FunctionLowering::formatValue(llvm::Value* val, const typing::Type* t, char conversion,
                                           const std::string& spec) {
  typing::FormatSpec f;
  absl::StatusOr<FormatAs> as = typing::checkFormat(t, conversion, spec, &f);
  if (!as.ok()) as = FormatAs::kStr;  // typing refused it already
  llvm::StructType* st = strStruct(ctx_);
  auto spill = [&](llvm::Value* s) {
    llvm::AllocaInst* slot = entryAlloca(st, "fmt.str");
    b_.CreateStore(s, slot);
    return slot;
  };
  auto specOf = [&](const typing::FormatSpec& g) {
    llvm::StructType* sty = specStruct(ctx_);
    llvm::AllocaInst* slot = entryAlloca(sty, "fmt.spec");
    int32_t flags = (g.alternate ? KILN_FORMAT_ALT : 0) | (g.no_neg_zero ? KILN_FORMAT_NO_NEG_ZERO : 0);
    std::vector<llvm::Constant*> fields = {
        b_.getInt32(g.fill),  b_.getInt32(g.align), b_.getInt32(g.sign), b_.getInt32(g.type),
        b_.getInt32(g.grouping), b_.getInt32(flags), b_.getInt64(g.width), b_.getInt64(g.precision)};
    b_.CreateStore(llvm::ConstantStruct::get(sty, fields), slot);
    return slot;
  };
  auto asInt = [&](llvm::Value* x, const typing::Type* xt) {
    if (xt->kind == Kind::kBool) return b_.CreateZExt(x, b_.getInt64Ty());
    if (xt->bits == 64) return x;
    return xt->is_signed ? b_.CreateSExt(x, b_.getInt64Ty()) : b_.CreateZExt(x, b_.getInt64Ty());
  };
  auto asDouble = [&](llvm::Value* x, const typing::Type* xt) -> llvm::Value* {
    if (xt->kind == Kind::kFloat) return xt->bits == 64 ? x : b_.CreateFPExt(x, b_.getDoubleTy());
    llvm::Value* wide = asInt(x, xt);
    return xt->kind == Kind::kInt && !xt->is_signed ? b_.CreateUIToFP(wide, b_.getDoubleTy())
                                                    : b_.CreateSIToFP(wide, b_.getDoubleTy());
  };
  auto formatNumber = [&](llvm::Value* x, const typing::Type* xt, bool as_float, const typing::FormatSpec& g) {
    llvm::AllocaInst* out = entryAlloca(st, "fmt.out");
    llvm::Value* status =
        as_float ? formatCall(offsetof(KilnFormatApi, format_float), {out, asDouble(x, xt), specOf(g)})
                 : formatCall(offsetof(KilnFormatApi, format_int),
                              {out, asInt(x, xt),
                               b_.getInt32(xt->kind == Kind::kInt && !xt->is_signed && xt->bits == 64 ? 1 : 0),
                               specOf(g)});
    return formatTake(status, out);
  };
  if (conversion != 0) {
    if (t->kind == Kind::kStr) {
      if (conversion != 's') {
        llvm::AllocaInst* out = entryAlloca(st, "fmt.out");
        val = formatTake(formatCall(offsetof(KilnFormatApi, repr_str),
                                    {out, spill(val), b_.getInt32(conversion == 'a' ? 1 : 0)}),
                         out);
      }
    } else if (t->kind == Kind::kBool) {
      val = b_.CreateSelect(val, strConstant("True"), strConstant("False"));
    } else {
      val = formatNumber(val, t, t->kind == Kind::kFloat, typing::FormatSpec{});
    }
    t = types().str();
  }
  switch (*as) {
    case FormatAs::kStrOfBool:
      return b_.CreateSelect(val, strConstant("True"), strConstant("False"));
    case FormatAs::kStr: {
      if (f.empty) return val;
      llvm::AllocaInst* out = entryAlloca(st, "fmt.out");
      return formatTake(formatCall(offsetof(KilnFormatApi, format_str), {out, spill(val), specOf(f)}), out);
    }
    case FormatAs::kInt:
      return formatNumber(val, t, false, f);
    case FormatAs::kFloat:
      return formatNumber(val, t, true, f);
  }
  return val;
}

absl::StatusOr<bool> FunctionLowering::lowerFormat(const ir::Instr& i, llvm::Value** v) {
  if (i.op != ir::Op::kCall) return false;
  const typing::Type* callee = i.operands[0]->type;
  const compiler::Function& fn = prog_.bundle->functions[inst_.function_index];
  if (callee->kind == Kind::kBuiltin && (callee->name == "format" || callee->name == "repr" || callee->name == "ascii")) {
    std::string spec;
    if (i.operands.size() > 2) {
      const std::string* s = constantText(fn, i.operands[2]);
      if (s == nullptr) return absl::InternalError("format(): the spec is not a constant");
      spec = *s;
    }
    const char conversion = callee->name == "format" ? 0 : callee->name == "repr" ? 'r' : 'a';
    *v = formatValue(value(i.operands[1]), i.operands[1]->type, conversion, spec);
    return true;
  }
  if (callee->kind != Kind::kBoundMethod || callee->items[0]->kind != Kind::kStr || callee->name != "format")
    return false;
  const ir::Instr* attr = i.operands[0]->def;
  const std::string* tmpl = attr && attr->op == ir::Op::kGetAttr ? constantText(fn, attr->operands[0]) : nullptr;
  if (tmpl == nullptr) return absl::InternalError("str.format(): the template is not a constant");
  absl::StatusOr<std::vector<typing::FormatPiece>> pieces = typing::parseFormatTemplate(*tmpl);
  if (!pieces.ok()) return absl::InternalError(std::string(pieces.status().message()));
  const size_t npos = i.operands.size() - 1 - i.kwnames.size();
  std::vector<llvm::Value*> parts;
  for (const typing::FormatPiece& p : *pieces) {
    if (!p.literal.empty()) parts.push_back(strConstant(p.literal));
    if (!p.field) continue;
    const ir::Value* arg = nullptr;
    if (p.index >= 0) {
      arg = i.operands[1 + p.index];
    } else {
      for (size_t k = 0; k < i.kwnames.size(); ++k)
        if (i.kwnames[k] == p.keyword) arg = i.operands[1 + npos + k];
    }
    if (arg == nullptr) return absl::InternalError("str.format(): a field without its argument");
    parts.push_back(formatValue(value(arg), arg->type, p.conversion, p.spec));
  }
  if (parts.empty()) {
    *v = strConstant("");
    return true;
  }
  llvm::Value* out = parts[0];
  llvm::StructType* st = strStruct(ctx_);
  for (size_t k = 1; k < parts.size(); ++k) {
    llvm::AllocaInst* a = entryAlloca(st, "fmt.a");
    llvm::AllocaInst* b = entryAlloca(st, "fmt.b");
    llvm::AllocaInst* slot = entryAlloca(st, "fmt.out");
    b_.CreateStore(out, a);
    b_.CreateStore(parts[k], b);
    out = formatTake(formatCall(offsetof(KilnUnicodeApi, concat), {slot, a, b}, /*unicode_api=*/true), slot);
  }
  *v = out;
  return true;
}

llvm::Value* FunctionLowering::unpackRange(llvm::Value* range, int count, int index) {
  llvm::Type* i128 = b_.getInt128Ty();
  llvm::Value* start = b_.CreateSExt(b_.CreateExtractValue(range, 0), i128);
  llvm::Value* stop = b_.CreateSExt(b_.CreateExtractValue(range, 1), i128);
  llvm::Value* step = b_.CreateSExt(b_.CreateExtractValue(range, 2), i128);
  // len(range) in 128 bits, so no extreme bounds wrap.
  llvm::Value* up = b_.CreateICmpSGT(step, llvm::ConstantInt::get(i128, 0));
  llvm::Value* span = b_.CreateSelect(up, b_.CreateSub(stop, start), b_.CreateSub(start, stop));
  llvm::Value* mag = b_.CreateSelect(up, step, b_.CreateNeg(step));
  llvm::Value* one = llvm::ConstantInt::get(i128, 1);
  llvm::Value* n = b_.CreateSDiv(b_.CreateSub(b_.CreateAdd(span, mag), one), mag);
  n = b_.CreateSelect(b_.CreateICmpSGT(span, llvm::ConstantInt::get(i128, 0)), n, llvm::ConstantInt::get(i128, 0));
  llvm::Value* want = llvm::ConstantInt::get(i128, count);
  raiseIf(b_.CreateICmpSGT(n, want), KILN_VALUE_ERROR,
          absl::StrCat("too many values to unpack (expected ", count, ")"));
  raiseIf(b_.CreateICmpSLT(n, want), KILN_VALUE_ERROR,
          absl::StrCat("not enough values to unpack (expected ", count, ", got fewer)"));
  return b_.CreateTrunc(b_.CreateAdd(start, b_.CreateMul(step, llvm::ConstantInt::get(i128, index))), b_.getInt64Ty());
}

}  // namespace kiln::lowering
