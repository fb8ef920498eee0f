#include "compiler/typing/prune_none_branches.h"

#include <optional>
#include <set>

namespace kiln::typing {

namespace {

bool isNoneConstant(const ir::Value* v) {
  return v->def && v->def->op == ir::Op::kConst && v->def->const_value.kind == compiler::Constant::Kind::kNone;
}

// linalg: `p.ndim == k` / `p.ndim != k` (either way round) for an entry
// parameter p of an array type and an integer constant k: its value, so a
// library function returns a scalar for 1-d operands and an array for 2-d
// ones (np.dot) from one definition.
// npfun3: the orderings too (`p.ndim < 2`), so a library function refuses
// an operand of too few dimensions at compile time, as Numba does.
std::optional<bool> ndimCompare(ir::CompareOp op, int64_t lhs, int64_t rhs) {
  switch (op) {
    case ir::CompareOp::kLt: return lhs < rhs;
    case ir::CompareOp::kLe: return lhs <= rhs;
    case ir::CompareOp::kEq: return lhs == rhs;
    case ir::CompareOp::kNe: return lhs != rhs;
    case ir::CompareOp::kGt: return lhs > rhs;
    case ir::CompareOp::kGe: return lhs >= rhs;
    case ir::CompareOp::kIs:
    case ir::CompareOp::kIsNot:
    case ir::CompareOp::kIn:
    case ir::CompareOp::kNotIn: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<bool> ndimTest(const ir::Instr& cmp, const ir::Block* entry, const std::vector<const Type*>& args) {
  for (int side = 0; side < 2; ++side) {
    const ir::Value* attr = cmp.operands[side];
    const ir::Value* k = cmp.operands[1 - side];
    if (!attr->def || attr->def->op != ir::Op::kGetAttr || attr->def->name != "ndim") continue;
    if (!k->def || k->def->op != ir::Op::kConst || k->def->const_value.kind != compiler::Constant::Kind::kInt) continue;
    const ir::Value* p = attr->def->operands[0];
    if (p->def || p->param_of != entry) continue;
    for (size_t q = 0; q < entry->params.size() && q < args.size(); ++q)
      if (entry->params[q].get() == p && args[q] && args[q]->kind == Kind::kArray)
        return side == 0 ? ndimCompare(cmp.compare_op, args[q]->ndim, k->def->const_value.i)
                         : ndimCompare(cmp.compare_op, k->def->const_value.i, args[q]->ndim);
  }
  return std::nullopt;
}

// npmore: `len(p) == k` / `len(p) != k` for an entry parameter p of a tuple
// type (a library function's *args): its value, so np.atleast_1d(*arys)
// returns one array for one argument and a tuple for more.
std::optional<bool> lenTest(const ir::Instr& cmp, const ir::Block* entry, const std::vector<const Type*>& args) {
  if (cmp.compare_op != ir::CompareOp::kEq && cmp.compare_op != ir::CompareOp::kNe) return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    const ir::Value* call = cmp.operands[side];
    const ir::Value* k = cmp.operands[1 - side];
    if (!call->def || call->def->op != ir::Op::kCall || call->def->operands.size() != 2 || !call->def->kwnames.empty())
      continue;
    const ir::Value* callee = call->def->operands[0];
    if (!callee->def || callee->def->op != ir::Op::kLoadGlobal || callee->def->name != "len") continue;
    if (!k->def || k->def->op != ir::Op::kConst || k->def->const_value.kind != compiler::Constant::Kind::kInt) continue;
    const ir::Value* p = call->def->operands[1];
    if (p->def || p->param_of != entry) continue;
    for (size_t q = 0; q < entry->params.size() && q < args.size(); ++q)
      if (entry->params[q].get() == p && args[q] && args[q]->kind == Kind::kTuple)
        return (static_cast<int64_t>(args[q]->items.size()) == k->def->const_value.i) ==
               (cmp.compare_op == ir::CompareOp::kEq);
  }
  return std::nullopt;
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
      // optional: an optional argument is None or not only at run time.
      if (!args[k] || args[k]->kind == Kind::kUnknown || args[k]->kind == Kind::kOptional) return false;
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
    std::optional<bool> known = ndimTest(*c->def, entry, args);  // linalg: `a.ndim == 1`
    if (!known) known = lenTest(*c->def, entry, args);             // npmore: `len(arys) == 1`
    if (known) {
      ir::Edge keep = t->succs[*known != negate ? 0 : 1];
      t->op = ir::Op::kJump;
      t->operands.clear();
      t->succs = {keep};
      changed = true;
      continue;
    }
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
