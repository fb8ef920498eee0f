// broadcast: kiln.nd.broadcast_to, kiln.nd.broadcast_shapes and
// kiln.nd.broadcast_shape_of (builtins.def; typing and the meaning of each in
// typing/rules_broadcast.cpp), with NumPy's checks and ValueError messages.
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"

namespace kiln::lowering {

namespace {
using typing::Kind;
}  // namespace

std::vector<llvm::Value*> FunctionLowering::broadcastDims(llvm::Value* v, const typing::Type* t, bool array_like) {
  const typing::Type* i64t = types().integer(64, true);
  std::vector<llvm::Value*> dims;
  if (t->isArray()) {
    for (unsigned d = 0; d < static_cast<unsigned>(t->ndim); ++d) dims.push_back(b_.CreateExtractValue(v, {kShape, d}));
  } else if (t->kind == Kind::kTuple) {
    if (array_like) {
      dims.push_back(b_.getInt64(t->items.size()));
    } else {
      for (unsigned d = 0; d < t->items.size(); ++d)
        dims.push_back(convert(b_, b_.CreateExtractValue(v, d), t->items[d], i64t));
    }
  } else if (!array_like) {  // an int n: the shape (n,)
    dims.push_back(convert(b_, v, t, i64t));
  }
  return dims;
}

llvm::Value* FunctionLowering::ndBroadcastTo(const std::vector<const ir::Value*>& args, const typing::Type* result) {
  const typing::Type* at = args[0]->type;
  llvm::Value* arr = value(args[0]);
  std::vector<llvm::Value*> target = broadcastDims(value(args[1]), args[1]->type, false);
  for (llvm::Value* d : target)
    raiseIf(b_.CreateICmpSLT(d, b_.getInt64(0)), KILN_VALUE_ERROR,
            "all elements of broadcast shape must be non-negative");
  const size_t nd = target.size();
  const size_t an = static_cast<size_t>(at->ndim);
  if (an > nd) raiseIf(b_.getTrue(), KILN_VALUE_ERROR, "input operand has more dimensions than allowed by the axis remapping");
  Place p{b_.CreateExtractValue(arr, kMeminfo), b_.CreateExtractValue(arr, kData), target, {}};
  for (size_t j = 0; j < nd; ++j) {
    if (j + an < nd) {  // a leading dimension a does not have
      p.strides.push_back(b_.getInt64(0));
      continue;
    }
    unsigned i = static_cast<unsigned>(j + an - nd);
    llvm::Value* s = b_.CreateExtractValue(arr, {kShape, i});
    llvm::Value* same = b_.CreateICmpEQ(s, target[j]);
    raiseIf(b_.CreateAnd(b_.CreateNot(same), b_.CreateICmpNE(s, b_.getInt64(1))), KILN_VALUE_ERROR,
            "operands could not be broadcast together with remapped shapes [original->remapped]");
    p.strides.push_back(b_.CreateSelect(same, strideOf(arr, at, i), b_.getInt64(0)));
  }
  return viewOf(p, result);
}

llvm::Value* FunctionLowering::ndAsStrided(const std::vector<const ir::Value*>& args, const typing::Type* result) {
  llvm::Value* arr = value(args[0]);
  Place p{b_.CreateExtractValue(arr, kMeminfo), b_.CreateExtractValue(arr, kData),
          broadcastDims(value(args[1]), args[1]->type, false), broadcastDims(value(args[2]), args[2]->type, false)};
  return viewOf(p, result);
}

llvm::Value* FunctionLowering::ndBroadcastShape(const std::vector<const ir::Value*>& args, const typing::Type* result,
                                                bool array_like) {
  const typing::Type* t = args[0]->type;
  llvm::Value* items = value(args[0]);
  const size_t rank = result->items.size();
  std::vector<llvm::Value*> out(rank, b_.getInt64(1));
  llvm::Value* one = b_.getInt64(1);
  for (unsigned k = 0; k < t->items.size(); ++k) {
    std::vector<llvm::Value*> dims = broadcastDims(b_.CreateExtractValue(items, k), t->items[k], array_like);
    if (!array_like)
      for (llvm::Value* d : dims)
        raiseIf(b_.CreateICmpSLT(d, b_.getInt64(0)), KILN_VALUE_ERROR, "negative dimensions are not allowed");
    for (size_t i = 0; i < dims.size(); ++i) {
      llvm::Value*& r = out[rank - dims.size() + i];
      llvm::Value* d = dims[i];
      llvm::Value* d_one = b_.CreateICmpEQ(d, one);
      llvm::Value* r_one = b_.CreateICmpEQ(r, one);
      llvm::Value* bad = b_.CreateAnd(b_.CreateAnd(b_.CreateNot(d_one), b_.CreateNot(r_one)), b_.CreateICmpNE(d, r));
      raiseIf(bad, KILN_VALUE_ERROR, "shape mismatch: objects cannot be broadcast to a single shape");
      r = b_.CreateSelect(d_one, r, d);
    }
  }
  llvm::Value* tuple = llvm::PoisonValue::get(valueType(ctx_, result));
  for (unsigned d = 0; d < rank; ++d) tuple = b_.CreateInsertValue(tuple, out[d], d);
  return tuple;
}

}  // namespace kiln::lowering
