// slices: slice objects as values ({start, stop, step, nones}: INT64_MIN for an
// omitted start or stop, 1 for an omitted step, as BuildSlice makes them;
// pyvals: nones flags the parts that were None, kiln_abi.h's KilnSlice):
// slice(...), s.start / s.stop / s.step and s.indices(n) (typing/rules_slices.cpp).
#include <cstdint>

#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "kiln_abi.h"

namespace kiln::lowering {

using typing::Kind;

absl::StatusOr<bool> FunctionLowering::lowerSlice(const ir::Instr& i, llvm::Value** v) {
  if (i.op != ir::Op::kCall && i.op != ir::Op::kGetAttr) return false;
  const typing::Type* t0 = i.operands[0]->type;
  llvm::Type* i64 = b_.getInt64Ty();
  auto part = [&](const ir::Value* x, int64_t omitted) -> llvm::Value* {
    if (x->type->kind == Kind::kNone) return b_.getInt64(omitted);
    return converted(x, types().integer(64, true));
  };
  if (i.op == ir::Op::kGetAttr && t0->kind == Kind::kRange) {  // pysub3: r.start, r.stop, r.step as stored
    *v = b_.CreateExtractValue(value(i.operands[0]), i.name == "start" ? 0 : i.name == "stop" ? 1 : 2);
    return true;
  }
  if (i.op == ir::Op::kGetAttr) {
    if (t0->kind != Kind::kSlice) return false;
    llvm::Value* s = value(i.operands[0]);
    if (i.name == "indices") {  // a bound method is its receiver
      *v = s;
      return true;
    }
    llvm::Value* step = b_.CreateExtractValue(s, 2);
    llvm::Value* neg = b_.CreateICmpSLT(step, b_.getInt64(0));
    llvm::Value* omitted = b_.getInt64(INT64_MIN);
    if (i.name == "step") {
      *v = step;
    } else if (i.name == "start") {  // Numba's: 0, or the largest int for a negative step
      llvm::Value* raw = b_.CreateExtractValue(s, 0);
      *v = b_.CreateSelect(b_.CreateICmpEQ(raw, omitted), b_.CreateSelect(neg, b_.getInt64(INT64_MAX), b_.getInt64(0)),
                           raw);
    } else {  // stop: the largest int, or the smallest for a negative step
      llvm::Value* raw = b_.CreateExtractValue(s, 1);
      *v = b_.CreateSelect(b_.CreateICmpEQ(raw, omitted),
                           b_.CreateSelect(neg, b_.getInt64(INT64_MIN), b_.getInt64(INT64_MAX)), raw);
    }
    return true;
  }
  const size_t n = i.operands.size() - 1;
  if (t0->kind == Kind::kBuiltin && t0->name == "slice") {
    llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, i.result->type));
    const ir::Value* start = n >= 2 ? i.operands[1] : nullptr;
    const ir::Value* stop = n >= 2 ? i.operands[2] : i.operands[1];
    const ir::Value* step = n >= 3 ? i.operands[3] : nullptr;
    out = b_.CreateInsertValue(out, start ? part(start, INT64_MIN) : b_.getInt64(INT64_MIN), 0);
    out = b_.CreateInsertValue(out, part(stop, INT64_MIN), 1);
    out = b_.CreateInsertValue(out, step ? part(step, 1) : b_.getInt64(1), 2);
    // pyvals: which parts were None (omitted or None), so the slice boxes back as Python's.
    auto none = [](const ir::Value* x) { return !x || x->type->kind == Kind::kNone; };
    const int64_t nones = (none(start) ? KILN_SLICE_START_NONE : 0) | (none(stop) ? KILN_SLICE_STOP_NONE : 0) |
                          (none(step) ? KILN_SLICE_STEP_NONE : 0);
    *v = b_.CreateInsertValue(out, b_.getInt64(nones), 3);
    return true;
  }
  if (t0->kind != Kind::kBoundMethod || t0->name != "indices" || t0->items[0]->kind != Kind::kSlice) return false;
  // s.indices(length), as Python's slice.indices.
  llvm::Value* s = value(i.operands[0]);
  llvm::Value* len = converted(i.operands[1], types().integer(64, true));
  raiseIf(b_.CreateICmpSLT(len, b_.getInt64(0)), KILN_VALUE_ERROR, "length should not be negative");
  llvm::Value* step = b_.CreateExtractValue(s, 2);
  raiseIf(b_.CreateICmpEQ(step, b_.getInt64(0)), KILN_VALUE_ERROR, "slice step cannot be zero");
  llvm::Value* neg = b_.CreateICmpSLT(step, b_.getInt64(0));
  llvm::Value* lo = b_.CreateSelect(neg, b_.getInt64(-1), b_.getInt64(0));
  llvm::Value* hi = b_.CreateSelect(neg, b_.CreateSub(len, b_.getInt64(1)), len);
  auto adjust = [&](llvm::Value* x, llvm::Value* dflt) {
    llvm::Value* wrapped = b_.CreateSelect(b_.CreateICmpSLT(x, b_.getInt64(0)), b_.CreateAdd(x, len), x);
    llvm::Value* clamped = b_.CreateSelect(b_.CreateICmpSLT(wrapped, b_.getInt64(0)), lo,
                                           b_.CreateSelect(b_.CreateICmpSGE(wrapped, len), hi, wrapped));
    return b_.CreateSelect(b_.CreateICmpEQ(x, b_.getInt64(INT64_MIN)), dflt, clamped);
  };
  llvm::Value* out = llvm::PoisonValue::get(llvm::StructType::get(ctx_, {i64, i64, i64}));
  llvm::Value* first = b_.CreateSelect(neg, b_.CreateSub(len, b_.getInt64(1)), b_.getInt64(0));
  out = b_.CreateInsertValue(out, adjust(b_.CreateExtractValue(s, 0), first), 0);
  out = b_.CreateInsertValue(out, adjust(b_.CreateExtractValue(s, 1), b_.CreateSelect(neg, b_.getInt64(-1), len)), 1);
  *v = b_.CreateInsertValue(out, step, 2);
  return true;
}

}  // namespace kiln::lowering
