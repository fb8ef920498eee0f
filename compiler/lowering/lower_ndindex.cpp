// ndindex: kiln.nd.unravel(k, shape) (builtins.def; typing in
// rules_ndindex.cpp): the index tuple of flat position k in shape, in C
// order (the last dimension varies fastest), as np.ndindex yields them.
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"

namespace kiln::lowering {

llvm::Value* FunctionLowering::ndUnravel(const std::vector<const ir::Value*>& args, const typing::Type* result) {
  const typing::Type* i64t = types().integer(64, true);
  const typing::Type* s = args[1]->type;
  llvm::Value* shape = value(args[1]);
  llvm::Value* rest = converted(args[0], i64t);
  llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
  // k < prod(shape) (the library's loop), so every division is by a positive
  // extent and the first index is what is left.
  for (unsigned d = static_cast<unsigned>(s->items.size()); d-- > 0;) {
    llvm::Value* dim = convert(b_, b_.CreateExtractValue(shape, d), s->items[d], i64t);
    llvm::Value* i = d == 0 ? rest : b_.CreateURem(rest, dim);
    if (d > 0) rest = b_.CreateUDiv(rest, dim);
    out = b_.CreateInsertValue(out, i, d);
  }
  return out;
}

}  // namespace kiln::lowering
