#include "compiler/frontend/decoder.h"

#include <array>
#include <limits>
#include <unordered_set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kiln::frontend {

namespace {

absl::Status malformed(const compiler::CodeObject& code, uint32_t offset, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed bytecode in ", code.qualname, " at offset ", offset, ": ", what));
}

}  // namespace

absl::StatusOr<std::vector<Instruction>> decode(const compiler::CodeObject& code,
                                                const OpcodeTable& table) {
  const std::string& bytes = code.code;
  if (bytes.size() % 2 != 0)
    return malformed(code, bytes.size(), "odd code length (code units are two bytes)");
  if (bytes.size() > std::numeric_limits<int32_t>::max())
    return malformed(code, 0, "code object too large");

  std::array<const OpcodeRow*, 256> rows{};
  for (int n = 0; n < 256; ++n) rows[n] = table.row(static_cast<uint8_t>(n));

  std::vector<Instruction> out;
  uint64_t ext = 0;  // accumulated EXTENDED_ARG payload
  uint32_t start = 0;
  bool in_prefix = false;
  for (uint32_t pos = 0; pos < bytes.size();) {
    const uint8_t opcode = static_cast<uint8_t>(bytes[pos]);
    const uint8_t byte_arg = static_cast<uint8_t>(bytes[pos + 1]);
    const OpcodeRow* row = rows[opcode];
    if (!row)
      return malformed(code, pos, absl::StrCat("unknown opcode ", opcode, " for CPython ",
                                               table.major, ".", table.minor));
    if (!in_prefix) start = pos;
    const uint64_t arg = (ext << 8) | byte_arg;
    if (arg > std::numeric_limits<int32_t>::max())
      return malformed(code, pos, "EXTENDED_ARG overflows the argument");
    if (row->form == Form::kExtendedArg) {
      ext = arg;
      in_prefix = true;
      pos += 2;
      if (pos >= bytes.size()) return malformed(code, start, "EXTENDED_ARG at the end of the code");
      continue;
    }
    Instruction in;
    in.start = start;
    in.offset = pos;
    in.opcode = opcode;
    in.row = row;
    in.arg = opcode >= table.have_argument ? static_cast<uint32_t>(arg) : 0;
    in.line = code.lineAt(pos);
    const uint64_t next = pos + 2 + 2ull * row->caches;
    if (next > bytes.size()) return malformed(code, pos, "inline caches run past the end of the code");
    in.next = static_cast<uint32_t>(next);
    if (row->jump != JumpKind::kNone) {
      const int64_t base =
          table.jump_base == JumpBase::kAfterCaches ? static_cast<int64_t>(next) : pos + 2;
      const int64_t units = static_cast<int64_t>(in.arg) * 2;
      int64_t target = 0;
      switch (row->jump) {
        case JumpKind::kForward: target = base + units; break;
        case JumpKind::kBackward: target = base - units; break;
        case JumpKind::kAbsolute: target = units; break;
        case JumpKind::kNone: break;
      }
      target += 2 * row->target_skip;
      if (target < 0 || target >= static_cast<int64_t>(bytes.size()))
        return malformed(code, pos, absl::StrCat(row->name, " jumps outside the code (to ", target, ")"));
      in.target = target;
    }
    out.push_back(in);
    ext = 0;
    in_prefix = false;
    pos = in.next;
  }

  // Every jump must land where an instruction (or its EXTENDED_ARG prefix) starts.
  std::unordered_set<int64_t> starts;
  for (const Instruction& in : out) starts.insert(in.start);
  for (const Instruction& in : out)
    if (in.target >= 0 && !starts.count(in.target))
      return malformed(code, in.offset,
                       absl::StrCat(in.row->name, " jumps into the middle of an instruction (to ",
                                    in.target, ")"));
  return out;
}

}  // namespace kiln::frontend
