#include "compiler/frontend/cfg.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kiln::frontend {

namespace {

struct RawBlock {
  size_t first = 0, end = 0;
  std::vector<size_t> succs;  // raw block indices
  int entry = -1;             // exceptions: the exception-table entry covering it
};

}  // namespace

absl::StatusOr<std::vector<ExceptionEntry>> parseExceptionTable(const std::string& table) {
  // Varints of 6-bit groups, most significant first; 0x40 continues, 0x80
  // marks an entry's first byte. Values are in code units.
  size_t pos = 0;
  auto varint = [&](uint32_t* out) {
    uint64_t v = 0;
    for (int n = 0; pos < table.size() && n < 6; ++n) {
      const uint8_t byte = static_cast<uint8_t>(table[pos++]);
      v = (v << 6) | (byte & 0x3f);
      if (!(byte & 0x40)) {
        *out = static_cast<uint32_t>(v);
        return v <= 0x7fffffff;
      }
    }
    return false;
  };
  std::vector<ExceptionEntry> out;
  while (pos < table.size()) {
    uint32_t start, length, target, dl;
    if (!varint(&start) || !varint(&length) || !varint(&target) || !varint(&dl))
      return absl::InvalidArgumentError("malformed bytecode: bad exception table");
    out.push_back({start * 2, (start + length) * 2, target * 2, dl >> 1, (dl & 1) != 0});
  }
  return out;
}

bool isGeneratorOnlyHandler(const OpcodeRow& row, uint32_t arg, const OpcodeTable& table) {
  if (std::string_view(row.name) == "CLEANUP_THROW") return true;
  return table.intrinsic_stopiteration_error >= 0 && row.form == Form::kCallIntrinsic1 &&
         static_cast<int64_t>(arg) == table.intrinsic_stopiteration_error;
}

absl::StatusOr<Cfg> buildCfg(const compiler::CodeObject& code, std::vector<Instruction> instrs,
                             const OpcodeTable& table) {
  if (instrs.empty())
    return absl::InvalidArgumentError(absl::StrCat("malformed bytecode in ", code.qualname, ": empty code"));

  // Leaders: the first instruction, every jump target, whatever follows a jump or exit.
  std::vector<bool> leader(instrs.size(), false);
  std::map<int64_t, size_t> index_of_start;  // instruction start offset -> index
  for (size_t k = 0; k < instrs.size(); ++k) index_of_start[instrs[k].start] = k;
  leader[0] = true;
  // exceptions: which entry of the exception table covers each instruction;
  // a block lies within one, and a protected block ends at every store to a
  // local, so the locals at its entry are those wherever it raises.
  absl::StatusOr<std::vector<ExceptionEntry>> entries = parseExceptionTable(code.exceptiontable);
  if (!entries.ok()) return entries.status();
  // generators: 3.12 covers a generator's body with a handler that turns a
  // StopIteration into RuntimeError and re-raises. Kiln's generator frames do
  // that for every generator (3.11 has no such handler), so the entries that
  // lead to it go: an error in the body leaves the function as in 3.11, and
  // the handler, unreachable, is dropped with the other dead blocks.
  // genpy: likewise the CLEANUP_THROW handler of a yield from's YIELD_VALUE,
  // which only an exception thrown into the generator at that yield reaches
  // (gen.throw(), which Kiln's generators do not have; 3.11 does that in the
  // interpreter, with no handler).
  std::erase_if(*entries, [&](const ExceptionEntry& e) {
    auto it = index_of_start.find(e.target);
    if (it == index_of_start.end()) return false;  // reported below
    const Instruction& h = instrs[it->second];
    return isGeneratorOnlyHandler(*h.row, h.arg, table);
  });
  std::vector<int> entry_of(instrs.size(), -1);
  for (size_t k = 0; k < instrs.size(); ++k) {
    for (size_t e = 0; e < entries->size(); ++e)
      if (instrs[k].start >= (*entries)[e].start && instrs[k].start < (*entries)[e].end) {
        entry_of[k] = static_cast<int>(e);
        break;
      }
    if (k > 0 && entry_of[k] != entry_of[k - 1]) leader[k] = true;
    const Form form = instrs[k].form();
    if (entry_of[k] >= 0 && (form == Form::kStoreFast || form == Form::kDeleteFast || form == Form::kLoadFastAndClear)) {
      leader[k] = true;
      if (k + 1 < instrs.size()) leader[k + 1] = true;
    }
  }
  for (const ExceptionEntry& e : *entries) {
    auto it = index_of_start.find(e.target);
    if (it == index_of_start.end())
      return absl::InvalidArgumentError(absl::StrCat("malformed bytecode in ", code.qualname,
                                                     ": exception handler at offset ", e.target));
    leader[it->second] = true;
  }
  for (size_t k = 0; k < instrs.size(); ++k) {
    const Flow flow = flowOf(instrs[k].form());
    if (flow != Flow::kNext && k + 1 < instrs.size()) leader[k + 1] = true;
    if ((flow == Flow::kConditional || flow == Flow::kJump) && instrs[k].target >= 0)
      leader[index_of_start.at(instrs[k].target)] = true;  // the decoder checked it exists
  }

  std::vector<RawBlock> raw;
  std::vector<size_t> block_of(instrs.size());
  for (size_t k = 0; k < instrs.size(); ++k) {
    if (leader[k]) raw.push_back({k, k, {}, entry_of[k]});
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
    if (raw[b].entry >= 0)  // exceptions: the handler comes last
      raw[b].succs.push_back(block_of[index_of_start.at((*entries)[raw[b].entry].target)]);
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
    if (raw[b].entry >= 0) {
      const ExceptionEntry& e = (*entries)[raw[b].entry];
      nb.handler = nb.succs.back();
      nb.handler_depth = e.depth;
      nb.handler_lasti = e.lasti;
    }
  }
  for (size_t b = 0; b < cfg.blocks.size(); ++b)
    for (int s : cfg.blocks[b].succs) cfg.blocks[s].preds.push_back(static_cast<int>(b));
  cfg.instrs = std::move(instrs);
  return cfg;
}

}  // namespace kiln::frontend
