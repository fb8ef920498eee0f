// optional: OptionalType(T) values, {T value, i1 present} (data_model.cpp).
// None is the all-zero value (its meminfos null, so releasing it does
// nothing); joins convert None and values to the optional (convert()).
#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "kiln_abi.h"

namespace kiln::lowering {

using typing::Kind;

llvm::Value* FunctionLowering::unwrapOptional(llvm::Value* v, const typing::Type* t) {
  raiseIf(b_.CreateNot(b_.CreateExtractValue(v, 1)), KILN_TYPE_ERROR,
          absl::StrCat("expected ", t->items[0]->str(), ", got None"));
  return b_.CreateExtractValue(v, 0);
}

llvm::Value* FunctionLowering::optionalIsNone(const ir::Instr& i) {
  const ir::Value* x = i.operands[0]->type->kind == Kind::kOptional ? i.operands[0] : i.operands[1];
  llvm::Value* present = b_.CreateExtractValue(value(x), 1);
  return i.compare_op == ir::CompareOp::kIs ? b_.CreateNot(present) : present;
}

}  // namespace kiln::lowering
