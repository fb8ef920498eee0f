#pragma once
// Stage 2: instructions -> basic blocks. A block starts at offset 0, at every
// jump target and after every jump or exit; it ends at a jump, an exit, or
// just before the next block's first instruction. Blocks that cannot be
// reached from the entry are dropped; the rest are in reverse post-order
// (successors visited fall-through first, so the order follows the source),
// which the SSA builder relies on: every block but a loop header has all its
// predecessors before it.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/bundle.h"
#include "compiler/frontend/decoder.h"

namespace kiln::frontend {

struct BasicBlock {
  uint32_t offset = 0;      // byte offset of its first instruction
  size_t first = 0, end = 0;  // its instructions: Cfg::instrs[first, end)
  // Successors by block index. For a conditional (or FOR_ITER): {fall-through,
  // jump target}; for an unconditional jump: {target}; for falling into the
  // next block: {next}; for an exit: {}. One entry per edge, so two edges to
  // the same block appear twice, here and in `preds`.
  std::vector<int> succs;
  std::vector<int> preds;
};

struct Cfg {
  std::vector<Instruction> instrs;
  std::vector<BasicBlock> blocks;  // reachable blocks in reverse post-order; blocks[0] is the entry
};

/// Splits `instrs` into blocks. Control falling off the end of the code is
/// INVALID_ARGUMENT.
absl::StatusOr<Cfg> buildCfg(const compiler::CodeObject& code, std::vector<Instruction> instrs);

}  // namespace kiln::frontend
