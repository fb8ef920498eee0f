#include "compiler/transforms/simplify_block_params.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <vector>

namespace kiln::transforms {

namespace {

// The pass runs on a renumbered function, so blocks and values have dense
// ids and its tables are vectors indexed by id: linear work and, unlike hash
// maps keyed by pointer, memory touched in order on functions of 10^5 values.
struct Sizes {
  size_t blocks = 0, values = 0;
  // Whether v is one of this function's values as renumbered (a malformed
  // input may name another; the verifier reports it after the pass).
  bool has(const ir::Value* v) const { return v && v->id >= 0 && static_cast<size_t>(v->id) < values; }
  bool has(const ir::Block* b) const { return b && b->id >= 0 && static_cast<size_t>(b->id) < blocks; }
};

Sizes renumbered(ir::Function& f) {
  f.renumber();
  Sizes n;
  n.blocks = f.blocks.size();
  for (const auto& b : f.blocks) {
    n.values += b->params.size();
    for (const auto& i : b->instrs) n.values += i->result ? 1 : 0;
  }
  return n;
}

// The dropped blocks move to `dropped`, which outlives the pass's tables: a
// malformed input may still name their values.
void dropUnreachable(ir::Function& f, const Sizes& n, std::vector<std::unique_ptr<ir::Block>>& dropped) {
  if (f.blocks.empty()) return;
  std::vector<char> seen(n.blocks, 0);
  seen[static_cast<size_t>(f.blocks[0]->id)] = 1;
  std::vector<const ir::Block*> work{f.blocks[0].get()};
  while (!work.empty()) {
    const ir::Block* b = work.back();
    work.pop_back();
    if (const ir::Instr* t = b->terminator())
      for (const ir::Edge& e : t->succs)
        if (n.has(e.target) && !seen[static_cast<size_t>(e.target->id)]) {
          seen[static_cast<size_t>(e.target->id)] = 1;
          work.push_back(e.target);
        }
  }
  auto live = std::stable_partition(f.blocks.begin(), f.blocks.end(), [&](const std::unique_ptr<ir::Block>& b) {
    return seen[static_cast<size_t>(b->id)] != 0;
  });
  std::move(live, f.blocks.end(), std::back_inserter(dropped));
  f.blocks.erase(live, f.blocks.end());
}

// One round: every param whose incoming args (after this round's earlier
// replacements) are one value besides itself is replaced by that value; uses
// are rewritten once at the end, so a round is linear in the function's size.
bool simplifyOnce(ir::Function& f, const Sizes& n) {
  std::vector<std::vector<ir::Edge*>> incoming(n.blocks);
  for (auto& b : f.blocks)
    if (ir::Instr* t = b->terminator())
      for (ir::Edge& e : t->succs)
        if (n.has(e.target)) incoming[static_cast<size_t>(e.target->id)].push_back(&e);

  std::vector<ir::Value*> replaced(n.values, nullptr);  // by value id
  auto resolve = [&](ir::Value* v) {
    while (n.has(v))
      if (ir::Value* r = replaced[static_cast<size_t>(v->id)]) v = r;
      else break;
    return v;
  };
  std::vector<std::pair<ir::Block*, size_t>> removed;  // (block, param index), indices descending per block
  for (size_t bi = 1; bi < f.blocks.size(); ++bi) {
    ir::Block* b = f.blocks[bi].get();
    const std::vector<ir::Edge*>& edges = incoming[static_cast<size_t>(b->id)];
    for (size_t k = b->params.size(); k-- > 0;) {
      ir::Value* p = b->params[k].get();
      ir::Value* only = nullptr;
      bool unique = true;
      for (const ir::Edge* e : edges) {
        if (k >= e->args.size()) return false;  // malformed edge; the verifier reports it
        ir::Value* a = resolve(e->args[k]);
        if (a == p || a == only) continue;
        if (only) {
          unique = false;
          break;
        }
        only = a;
      }
      if (!unique || !only) continue;
      replaced[static_cast<size_t>(p->id)] = only;
      removed.push_back({b, k});
    }
  }
  if (removed.empty()) return false;
  for (auto& b : f.blocks)
    for (auto& i : b->instrs) {
      for (ir::Value*& v : i->operands) v = resolve(v);
      for (ir::Edge& e : i->succs)
        for (ir::Value*& v : e.args) v = resolve(v);
    }
  for (auto [b, k] : removed) {
    for (ir::Edge* e : incoming[static_cast<size_t>(b->id)]) e->args.erase(e->args.begin() + k);
    b->params.erase(b->params.begin() + k);
  }
  return true;
}

void dropUnusedUndefs(ir::Function& f, const Sizes& n) {
  std::vector<char> used(n.values, 0);
  for (auto& b : f.blocks)
    for (auto& i : b->instrs) {
      for (const ir::Value* v : i->operands)
        if (n.has(v)) used[static_cast<size_t>(v->id)] = 1;
      for (const ir::Edge& e : i->succs)
        for (const ir::Value* v : e.args)
          if (n.has(v)) used[static_cast<size_t>(v->id)] = 1;
    }
  for (auto& b : f.blocks)
    std::erase_if(b->instrs, [&](const std::unique_ptr<ir::Instr>& i) {
      return i->op == ir::Op::kUndef && n.has(i->result.get()) && !used[static_cast<size_t>(i->result->id)];
    });
}

}  // namespace

void SimplifyBlockParams::run(ir::Function& f) {
  Sizes n = renumbered(f);
  std::vector<std::unique_ptr<ir::Block>> dropped;
  dropUnreachable(f, n, dropped);
  while (simplifyOnce(f, n)) {
  }
  dropUnusedUndefs(f, n);
}

}  // namespace kiln::transforms
