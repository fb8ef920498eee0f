#include "compiler/transforms/prune_dead_params.h"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace kiln::transforms {

void PruneDeadParams::run(ir::Function& f) {
  f.renumber();  // dense ids: the tables below are vectors indexed by id
  size_t values = 0, blocks = f.blocks.size();
  for (const auto& b : f.blocks) {
    values += b->params.size();
    for (const auto& i : b->instrs) {
      values += i->result ? 1 : 0;
      for (const auto& fused : i->fused) values += fused->result ? 1 : 0;
    }
  }
  auto has = [&](const ir::Value* v) { return v && v->id >= 0 && static_cast<size_t>(v->id) < values; };
  auto known = [&](const ir::Block* b) { return b && b->id >= 0 && static_cast<size_t>(b->id) < blocks; };

  std::vector<std::vector<ir::Edge*>> incoming(blocks);
  for (auto& b : f.blocks)
    if (ir::Instr* t = b->terminator())
      for (ir::Edge& e : t->succs)
        if (known(e.target)) incoming[static_cast<size_t>(e.target->id)].push_back(&e);

  // Live: read by an instruction; then, back along the edges, what a live
  // param receives.
  std::vector<char> live(values, 0);
  std::vector<ir::Value*> work;
  auto mark = [&](ir::Value* v) {
    if (!has(v) || live[static_cast<size_t>(v->id)]) return;
    live[static_cast<size_t>(v->id)] = 1;
    if (v->param_of) work.push_back(v);
  };
  for (auto& b : f.blocks)
    for (auto& i : b->instrs) {
      for (ir::Value* v : i->operands) mark(v);
      for (auto& fused : i->fused)  // fusion: not formed yet at this stage, but read them if present
        for (ir::Value* v : fused->operands) mark(v);
    }
  if (!f.blocks.empty())
    for (auto& p : f.blocks[0]->params) mark(p.get());  // the arguments stay
  while (!work.empty()) {
    ir::Value* p = work.back();
    work.pop_back();
    ir::Block* b = p->param_of;
    if (!known(b)) continue;
    size_t k = 0;
    while (k < b->params.size() && b->params[k].get() != p) ++k;
    for (ir::Edge* e : incoming[static_cast<size_t>(b->id)])
      if (k < e->args.size()) mark(e->args[k]);  // a malformed edge is the verifier's to report
  }

  for (size_t bi = 1; bi < f.blocks.size(); ++bi) {
    ir::Block* b = f.blocks[bi].get();
    const std::vector<ir::Edge*>& edges = incoming[static_cast<size_t>(b->id)];
    bool well_formed = true;
    for (const ir::Edge* e : edges) well_formed = well_formed && e->args.size() == b->params.size();
    if (!well_formed) continue;
    for (size_t k = b->params.size(); k-- > 0;) {
      if (!has(b->params[k].get()) || live[static_cast<size_t>(b->params[k]->id)]) continue;
      for (ir::Edge* e : edges) e->args.erase(e->args.begin() + static_cast<std::ptrdiff_t>(k));
      b->params.erase(b->params.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  // An undef only a removed param received is dropped too (as SimplifyBlockParams does).
  std::vector<char> used(values, 0);
  for (auto& b : f.blocks)
    for (auto& i : b->instrs) {
      for (const ir::Value* v : i->operands)
        if (has(v)) used[static_cast<size_t>(v->id)] = 1;
      for (const ir::Edge& e : i->succs)
        for (const ir::Value* v : e.args)
          if (has(v)) used[static_cast<size_t>(v->id)] = 1;
    }
  for (auto& b : f.blocks)
    std::erase_if(b->instrs, [&](const std::unique_ptr<ir::Instr>& i) {
      return i->op == ir::Op::kUndef && has(i->result.get()) && !used[static_cast<size_t>(i->result->id)];
    });
}

}  // namespace kiln::transforms
