#include "compiler/frontend/cfg.h"

#include <algorithm>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kiln::frontend {

namespace {

struct RawBlock {
  size_t first = 0, end = 0;
  std::vector<size_t> succs;  // raw block indices
};

}  // namespace

absl::StatusOr<Cfg> buildCfg(const compiler::CodeObject& code, std::vector<Instruction> instrs) {
  if (instrs.empty())
    return absl::InvalidArgumentError(absl::StrCat("malformed bytecode in ", code.qualname, ": empty code"));

  // Leaders: the first instruction, every jump target, whatever follows a jump or exit.
  std::vector<bool> leader(instrs.size(), false);
  std::map<int64_t, size_t> index_of_start;  // instruction start offset -> index
  for (size_t k = 0; k < instrs.size(); ++k) index_of_start[instrs[k].start] = k;
  leader[0] = true;
  for (size_t k = 0; k < instrs.size(); ++k) {
    const Flow flow = flowOf(instrs[k].form());
    if (flow != Flow::kNext && k + 1 < instrs.size()) leader[k + 1] = true;
    if ((flow == Flow::kConditional || flow == Flow::kJump) && instrs[k].target >= 0)
      leader[index_of_start.at(instrs[k].target)] = true;  // the decoder checked it exists
  }

  std::vector<RawBlock> raw;
  std::vector<size_t> block_of(instrs.size());
  for (size_t k = 0; k < instrs.size(); ++k) {
    if (leader[k]) raw.push_back({k, k, {}});
    raw.back().end = k + 1;
    block_of[k] = raw.size() - 1;
  }
  std::vector<bool> falls_off(raw.size(), false);
  for (size_t b = 0; b < raw.size(); ++b) {
    const Instruction& last = instrs[raw[b].end - 1];
    const Flow flow = flowOf(last.form());
    const bool has_next = raw[b].end < instrs.size();
    if (flow == Flow::kNext || flow == Flow::kConditional) {
      if (has_next) raw[b].succs.push_back(b + 1);
      else falls_off[b] = true;
    }
    if (flow == Flow::kConditional || flow == Flow::kJump)
      raw[b].succs.push_back(block_of[index_of_start.at(last.target)]);
  }

  // Reverse post-order by an explicit-stack DFS (bytecode can be long). Pushing
  // successors so that the fall-through is explored last puts it first in RPO.
  std::vector<int> state(raw.size(), 0);  // 0 new, 1 on stack, 2 done
  std::vector<size_t> post;
  std::vector<std::pair<size_t, size_t>> stack{{0, 0}};  // (block, next succ to try, from the back)
  state[0] = 1;
  while (!stack.empty()) {
    auto& [b, i] = stack.back();
    if (i < raw[b].succs.size()) {
      const size_t s = raw[b].succs[raw[b].succs.size() - 1 - i++];
      if (state[s] == 0) {
        state[s] = 1;
        stack.push_back({s, 0});
      }
      continue;
    }
    state[b] = 2;
    post.push_back(b);
    stack.pop_back();
  }

  Cfg cfg;
  std::vector<int> new_index(raw.size(), -1);
  for (size_t k = post.size(); k-- > 0;) new_index[post[k]] = static_cast<int>(post.size() - 1 - k);
  cfg.blocks.resize(post.size());
  for (size_t b = 0; b < raw.size(); ++b) {
    if (new_index[b] < 0) continue;
    if (falls_off[b]) {
      const Instruction& last = instrs[raw[b].end - 1];
      return absl::InvalidArgumentError(absl::StrCat("malformed bytecode in ", code.qualname,
                                                     " at offset ", last.offset,
                                                     ": control falls off the end of the code"));
    }
    BasicBlock& nb = cfg.blocks[new_index[b]];
    nb.offset = instrs[raw[b].first].start;
    nb.first = raw[b].first;
    nb.end = raw[b].end;
    for (size_t s : raw[b].succs) nb.succs.push_back(new_index[s]);
  }
  for (size_t b = 0; b < cfg.blocks.size(); ++b)
    for (int s : cfg.blocks[b].succs) cfg.blocks[s].preds.push_back(static_cast<int>(b));
  cfg.instrs = std::move(instrs);
  return cfg;
}

}  // namespace kiln::frontend
