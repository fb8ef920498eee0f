#include "compiler/transforms/refcount_prune.h"

#include <vector>

#include "llvm/IR/Instructions.h"

namespace kiln::transforms {

namespace {

enum class RefKind { kNone, kIncref, kDecref };

RefKind refKind(const llvm::Instruction& inst) {
  const auto* call = llvm::dyn_cast<llvm::CallInst>(&inst);
  if (call == nullptr) return RefKind::kNone;
  const llvm::Function* callee = call->getCalledFunction();
  if (callee == nullptr) return RefKind::kNone;
  if (callee->getName() == kIncrefFunction) return RefKind::kIncref;
  if (callee->getName() == kDecrefFunction) return RefKind::kDecref;
  return RefKind::kNone;
}

// Whether two pointers are one value: the same SSA value, or the same
// field extracted from one aggregate (lowering extracts a meminfo where it
// needs it, so one array's meminfo may be several extractvalues).
bool samePointer(const llvm::Value* a, const llvm::Value* b) {
  if (a == b) return true;
  const auto* ea = llvm::dyn_cast<llvm::ExtractValueInst>(a);
  const auto* eb = llvm::dyn_cast<llvm::ExtractValueInst>(b);
  return ea != nullptr && eb != nullptr && ea->getIndices() == eb->getIndices() &&
         samePointer(ea->getAggregateOperand(), eb->getAggregateOperand());
}

}  // namespace

int RefcountPrune::run(llvm::Function& f) {
  int removed = 0;
  for (llvm::BasicBlock& bb : f) {
    std::vector<llvm::CallInst*> open;  // increfs since the last barrier, oldest first
    std::vector<llvm::Instruction*> dead;
    for (llvm::Instruction& inst : bb) {
      switch (refKind(inst)) {
        case RefKind::kIncref:
          open.push_back(llvm::cast<llvm::CallInst>(&inst));
          continue;
        case RefKind::kDecref: {
          llvm::Value* p = llvm::cast<llvm::CallInst>(&inst)->getArgOperand(0);
          for (size_t k = open.size(); k-- > 0;) {
            if (!samePointer(open[k]->getArgOperand(0), p)) continue;
            dead.push_back(open[k]);
            dead.push_back(&inst);
            open.erase(open.begin() + static_cast<std::ptrdiff_t>(k));
            ++removed;
            break;
          }
          continue;
        }
        case RefKind::kNone:
          break;
      }
      if (inst.mayReadOrWriteMemory() || inst.mayHaveSideEffects()) open.clear();
    }
    for (llvm::Instruction* inst : dead) inst->eraseFromParent();
  }
  return removed;
}

int RefcountPrune::run(llvm::Module& m) {
  int removed = 0;
  for (llvm::Function& f : m)
    if (!f.isDeclaration()) removed += run(f);
  return removed;
}

}  // namespace kiln::transforms
