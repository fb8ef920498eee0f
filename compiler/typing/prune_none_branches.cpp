#include "compiler/typing/prune_none_branches.h"

#include <set>

namespace kiln::typing {

namespace {

bool isNoneConstant(const ir::Value* v) {
  return v->def && v->def->op == ir::Op::kConst && v->def->const_value.kind == compiler::Constant::Kind::kNone;
}

}  // namespace

bool pruneNoneBranches(ir::Function& f, const std::vector<const Type*>& args) {
  if (f.blocks.empty()) return false;
  ir::Block* entry = f.blocks[0].get();
  // Whether v is an entry parameter of a known type; *none: it is None.
  auto knownParam = [&](const ir::Value* v, bool* none) {
    if (v->def || v->param_of != entry) return false;
    for (size_t k = 0; k < entry->params.size() && k < args.size(); ++k) {
      if (entry->params[k].get() != v) continue;
      if (!args[k] || args[k]->kind == Kind::kUnknown) return false;
      *none = args[k]->kind == Kind::kNone;
      return true;
    }
    return false;
  };
  bool changed = false;
  for (auto& b : f.blocks) {
    ir::Instr* t = b->terminator();
    if (!t || t->op != ir::Op::kBranch || t->succs.size() != 2) continue;
    const ir::Value* c = t->operands[0];
    bool negate = false;
    while (c->def && (c->def->op == ir::Op::kTruth ||
                      (c->def->op == ir::Op::kUnaryOp && c->def->unary_op == ir::UnaryOp::kNot))) {
      if (c->def->op == ir::Op::kUnaryOp) negate = !negate;
      c = c->def->operands[0];
    }
    if (!c->def || c->def->op != ir::Op::kCompare) continue;
    ir::CompareOp op = c->def->compare_op;
    if (op != ir::CompareOp::kIs && op != ir::CompareOp::kIsNot) continue;
    const ir::Value* lhs = c->def->operands[0];
    const ir::Value* rhs = c->def->operands[1];
    bool none = false;
    if (!(isNoneConstant(rhs) && knownParam(lhs, &none)) && !(isNoneConstant(lhs) && knownParam(rhs, &none)))
      continue;
    bool taken = (op == ir::CompareOp::kIs) == none;
    if (negate) taken = !taken;
    ir::Edge keep = t->succs[taken ? 0 : 1];
    t->op = ir::Op::kJump;
    t->operands.clear();
    t->succs = {keep};
    changed = true;
  }
  if (!changed) return false;
  // Drop the blocks the entry no longer reaches.
  std::set<const ir::Block*> live;
  std::vector<ir::Block*> work{entry};
  while (!work.empty()) {
    ir::Block* b = work.back();
    work.pop_back();
    if (!live.insert(b).second) continue;
    if (ir::Instr* t = b->terminator())
      for (ir::Edge& e : t->succs) work.push_back(e.target);
  }
  std::vector<std::unique_ptr<ir::Block>> kept;
  for (auto& b : f.blocks)
    if (live.count(b.get())) kept.push_back(std::move(b));
  f.blocks = std::move(kept);
  return true;
}

}  // namespace kiln::typing
