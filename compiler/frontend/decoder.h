#pragma once
// Stage 1: co_code bytes -> instructions. Folds EXTENDED_ARG prefixes into the
// instruction they extend, skips inline CACHE entries, resolves every jump to
// the byte offset where it lands and attaches the source line. Malformed code
// (odd length, unknown opcode, truncated caches, a jump outside the code or
// into the middle of an instruction) is INVALID_ARGUMENT; nothing here knows
// what an instruction means beyond its table row.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/bundle.h"
#include "compiler/frontend/opcodes/opcode_table.h"

namespace kiln::frontend {

struct Instruction {
  uint32_t start = 0;   // byte offset of the first EXTENDED_ARG prefix (== offset if none)
  uint32_t offset = 0;  // byte offset of the opcode itself
  uint32_t next = 0;    // byte offset of the following instruction (after the caches)
  uint8_t opcode = 0;
  const OpcodeRow* row = nullptr;
  uint32_t arg = 0;     // the full oparg, EXTENDED_ARG prefixes included
  int32_t line = 0;
  int64_t target = -1;  // where a jump lands (byte offset of an instruction start); -1 if none

  Form form() const { return row->form; }
};

/// Decodes the whole of `code.code` with `table`.
absl::StatusOr<std::vector<Instruction>> decode(const compiler::CodeObject& code,
                                                const OpcodeTable& table);

}  // namespace kiln::frontend
