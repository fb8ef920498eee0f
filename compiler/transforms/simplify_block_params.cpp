#include "compiler/transforms/simplify_block_params.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace kiln::transforms {

namespace {

void dropUnreachable(ir::Function& f) {
  if (f.blocks.empty()) return;
  std::unordered_set<const ir::Block*> seen{f.blocks[0].get()};
  std::vector<const ir::Block*> work{f.blocks[0].get()};
  while (!work.empty()) {
    const ir::Block* b = work.back();
    work.pop_back();
    if (const ir::Instr* t = b->terminator())
      for (const ir::Edge& e : t->succs)
        if (e.target && seen.insert(e.target).second) work.push_back(e.target);
  }
  std::erase_if(f.blocks, [&](const std::unique_ptr<ir::Block>& b) { return !seen.count(b.get()); });
}

// One round: every param whose incoming args (after this round's earlier
// replacements) are one value besides itself is replaced by that value; uses
// are rewritten once at the end, so a round is linear in the function's size.
bool simplifyOnce(ir::Function& f) {
  std::unordered_map<const ir::Block*, std::vector<ir::Edge*>> incoming;
  for (auto& b : f.blocks)
    if (ir::Instr* t = b->terminator())
      for (ir::Edge& e : t->succs) incoming[e.target].push_back(&e);

  std::unordered_map<const ir::Value*, ir::Value*> replaced;
  auto resolve = [&](ir::Value* v) {
    for (auto it = replaced.find(v); it != replaced.end(); it = replaced.find(v)) v = it->second;
    return v;
  };
  std::vector<std::pair<ir::Block*, size_t>> removed;  // (block, param index), indices descending per block
  for (size_t bi = 1; bi < f.blocks.size(); ++bi) {
    ir::Block* b = f.blocks[bi].get();
    const std::vector<ir::Edge*>& edges = incoming[b];
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
      replaced[p] = only;
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
    for (ir::Edge* e : incoming[b]) e->args.erase(e->args.begin() + k);
    b->params.erase(b->params.begin() + k);
  }
  return true;
}

void dropUnusedUndefs(ir::Function& f) {
  std::unordered_set<const ir::Value*> used;
  for (auto& b : f.blocks)
    for (auto& i : b->instrs) {
      used.insert(i->operands.begin(), i->operands.end());
      for (const ir::Edge& e : i->succs) used.insert(e.args.begin(), e.args.end());
    }
  for (auto& b : f.blocks)
    std::erase_if(b->instrs, [&](const std::unique_ptr<ir::Instr>& i) {
      return i->op == ir::Op::kUndef && !used.count(i->result.get());
    });
}

}  // namespace

void SimplifyBlockParams::run(ir::Function& f) {
  dropUnreachable(f);
  while (simplifyOnce(f)) {
  }
  dropUnusedUndefs(f);
}

}  // namespace kiln::transforms
