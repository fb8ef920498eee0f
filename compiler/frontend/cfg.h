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
  // exceptions: a block inside try has its except handler (a block index) as
  // its last successor; an error raised in it goes there with the locals of
  // the block's entry (a protected block ends at every store to a local) and
  // the stack cut to `handler_depth`, plus the offset of the raising
  // instruction when `handler_lasti`, then the exception.
  int handler = -1;
  uint32_t handler_depth = 0;
  bool handler_lasti = false;
};

struct Cfg {
  std::vector<Instruction> instrs;
  std::vector<BasicBlock> blocks;  // reachable blocks in reverse post-order; blocks[0] is the entry
};

/// One entry of co_exceptiontable (Objects/exception_handling_notes.txt), in bytes.
struct ExceptionEntry {
  uint32_t start = 0, end = 0, target = 0, depth = 0;
  bool lasti = false;
};
/// The entries of a 3.11+ exception table; malformed tables are INVALID_ARGUMENT.
absl::StatusOr<std::vector<ExceptionEntry>> parseExceptionTable(const std::string& table);

/// generators: whether a handler whose first instruction is `row` with `arg`
/// is one that 3.12 puts round a generator's code for what Kiln's generator
/// frames do themselves (CALL_INTRINSIC_1 INTRINSIC_STOPITERATION_ERROR) or
/// cannot happen (CLEANUP_THROW: gen.throw()); buildCfg drops the entries
/// that lead to one.
bool isGeneratorOnlyHandler(const OpcodeRow& row, uint32_t arg, const OpcodeTable& table);

/// Splits `instrs` (decoded with `table`) into blocks. Control falling off the
/// end of the code is INVALID_ARGUMENT.
absl::StatusOr<Cfg> buildCfg(const compiler::CodeObject& code, std::vector<Instruction> instrs,
                             const OpcodeTable& table);

}  // namespace kiln::frontend
