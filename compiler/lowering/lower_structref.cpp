// structref: a StructRef value is {meminfo}; the block's data holds the
// fields as the C struct of their memory types (the tuple of the fields'
// layout, which the client reads the same way: client/python/src/
// value_types.cpp). The block's destructor drops what the fields hold.
// A read (s.x) gives a new reference to what the field holds (GetAttr of a
// StructRef is a root: ownership.cpp); a write drops what the field held.
#include <cstddef>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/lowering/ownership.h"
#include "kiln_rt.h"

namespace kiln::lowering {

namespace {
llvm::StructType* fieldsType(llvm::LLVMContext& ctx, const typing::Type* st) {
  std::vector<llvm::Type*> fields;
  for (const typing::Type* f : st->items) fields.push_back(memoryType(ctx, f));
  return llvm::StructType::get(ctx, fields);
}
}  // namespace

llvm::Value* FunctionLowering::structRefData(llvm::Value* s) {
  // KilnMemInfo's data field, at its offsetof in kiln_rt.h (the one definition of the header).
  llvm::Value* mi = b_.CreateExtractValue(s, 0);
  return b_.CreateLoad(b_.getPtrTy(), b_.CreateConstGEP1_64(b_.getInt8Ty(), mi, offsetof(KilnMemInfo, data)),
                       "structref.data");
}

llvm::Function* FunctionLowering::structRefDtor(const typing::Type* st) {
  bool any = false;
  for (const typing::Type* f : st->items) any = any || holdsRefs(f);
  if (!any) return nullptr;
  std::string name = absl::StrCat("kiln.structref.dtor.", st->str());
  if (llvm::Function* f = mod_.getFunction(name)) return f;
  auto* dtor = llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy()}, false),
                                      llvm::Function::InternalLinkage, name, &mod_);
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  llvm::Function* saved = fn_;
  fn_ = dtor;
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", dtor));
  llvm::StructType* ft = fieldsType(ctx_, st);
  for (unsigned k = 0; k < st->items.size(); ++k) {
    const typing::Type* f = st->items[k];
    if (!holdsRefs(f)) continue;
    llvm::Value* at = b_.CreateStructGEP(ft, dtor->getArg(0), k);
    release(fromMemory(b_, b_.CreateLoad(memoryType(ctx_, f), at), f), f);
  }
  b_.CreateRetVoid();
  fn_ = saved;
  return dtor;
}

llvm::Value* FunctionLowering::structRefNew(const typing::Type* st, const std::vector<const ir::Value*>& args) {
  llvm::StructType* ft = fieldsType(ctx_, st);
  const llvm::DataLayout& dl = mod_.getDataLayout();
  llvm::Value* data = nullptr;
  llvm::Value* mi = allocObject(b_.getInt64(static_cast<int64_t>(dl.getTypeAllocSize(ft))), structRefDtor(st), &data);
  temps_.push_back(mi);  // the result takes it over (finishInstr)
  llvm::Value* s = b_.CreateInsertValue(llvm::PoisonValue::get(valueType(ctx_, st)), mi, 0);
  llvm::Value* at = structRefData(s);  // through the meminfo, as every later access (see listNew)
  for (unsigned k = 0; k < st->items.size(); ++k) {
    llvm::Value* v = converted(args[k], st->items[k]);
    retain(v, st->items[k]);
    b_.CreateStore(toMemory(b_, v, st->items[k]), b_.CreateStructGEP(ft, at, k));
  }
  return s;
}

llvm::Value* FunctionLowering::structRefGet(llvm::Value* s, const typing::Type* st, int field) {
  const typing::Type* f = st->items[static_cast<size_t>(field)];
  llvm::Value* at = b_.CreateStructGEP(fieldsType(ctx_, st), structRefData(s), static_cast<unsigned>(field));
  llvm::Value* v = fromMemory(b_, b_.CreateLoad(memoryType(ctx_, f), at), f);
  retain(v, f);  // the result is a root with its own reference
  return v;
}

void FunctionLowering::structRefSet(llvm::Value* s, const typing::Type* st, int field, const ir::Value* v) {
  const typing::Type* f = st->items[static_cast<size_t>(field)];
  llvm::Value* nv = converted(v, f);
  retain(nv, f);  // first: the old value may be the one stored again
  llvm::Value* at = b_.CreateStructGEP(fieldsType(ctx_, st), structRefData(s), static_cast<unsigned>(field));
  llvm::Value* old = fromMemory(b_, b_.CreateLoad(memoryType(ctx_, f), at), f);
  b_.CreateStore(toMemory(b_, nv, f), at);
  release(old, f);
}

}  // namespace kiln::lowering
