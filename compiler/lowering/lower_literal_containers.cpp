// litcont: the read-only methods of Numba's literal containers (typing:
// rules_literal_containers.cpp). A LiteralList or LiteralStrKeyDict is a
// tuple of its items (values), so indexing and the rest are the tuple's;
// here: copy() (the value itself), and a dict's keys(), values(), items()
// as tuples. The call's result owns what it holds: the items taken from
// the receiver are retained, the keys are new strings.
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

llvm::Value* FunctionLowering::literalMethod(const typing::Type* t, llvm::Value* self, const std::string& name,
                                             const typing::Type* result) {
  if (name == "copy" || name == "values") {
    retain(self, t);
    return self;  // a tuple of the same items: the same value
  }
  std::vector<std::string> keys = typing::literalDictKeys(t);
  llvm::Value* out = llvm::PoisonValue::get(valueType(ctx_, result));
  for (unsigned k = 0; k < keys.size(); ++k) {
    llvm::Value* key = strConstant(keys[k]);
    if (name == "keys") {
      out = b_.CreateInsertValue(out, key, k);
      continue;
    }
    llvm::Value* item = b_.CreateExtractValue(self, k);
    retain(item, t->items[k]);
    llvm::Value* pair = llvm::PoisonValue::get(valueType(ctx_, result->items[k]));
    pair = b_.CreateInsertValue(pair, key, 0);
    pair = b_.CreateInsertValue(pair, item, 1);
    out = b_.CreateInsertValue(out, pair, k);
  }
  return out;
}

}  // namespace kiln::lowering
