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

std::vector<llvm::Value*> FunctionLowering::literalMatches(llvm::Value* x, const typing::Type* xt, llvm::Value* self,
                                                         const typing::Type* t) {
  std::vector<llvm::Value*> out;
  if (typing::isLiteralStrKeyDict(t)) {
    for (const std::string& key : typing::literalDictKeys(t))
      out.push_back(strCompareValues(ir::CompareOp::kEq, x, strConstant(key), nullptr, &key));
    return out;
  }
  for (unsigned k = 0; k < t->items.size(); ++k) {
    const typing::Type* it = t->items[k];
    if (!typing::literalItemsComparable(xt, it)) continue;  // never equal (typing refused what is ambiguous)
    llvm::Value* item = b_.CreateExtractValue(self, k);
    if (it->kind == typing::Kind::kStr) {
      out.push_back(strCompareValues(ir::CompareOp::kEq, x, item));
      continue;
    }
    const typing::Type* common = typing::unify(types(), xt, it);
    out.push_back(compareValues(ir::CompareOp::kEq, convert(b_, x, xt, common), convert(b_, item, it, common), common));
  }
  return out;
}

llvm::Value* FunctionLowering::literalMethod(const ir::Instr& i, const typing::Type* t, llvm::Value* self,
                                             const std::string& name, const typing::Type* result) {
  if (name == "count") {
    llvm::Value* n = b_.getInt64(0);
    for (llvm::Value* m : literalMatches(value(i.operands[1]), i.operands[1]->type, self, t))
      n = b_.CreateAdd(n, b_.CreateZExt(m, b_.getInt64Ty()));
    return n;
  }
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
