#pragma once
// pysub4: reads of a local that no store may reach. CPython raises
// UnboundLocalError at such a read (LOAD_FAST, LOAD_FAST_CHECK, DELETE_FAST)
// at run time; compiled code must too, and never read the value the local
// does not have.
//
// The SSA builder records every read whose value is not plainly defined (an
// `undef`, or a block param) and hands the list here once the function is
// built, when every edge is known. A param is "maybe unbound" when an undef
// reaches it along some path (the least fixpoint over the block edges).
//  - A read of an undef (no store on any path reaching it) ends its block
//    with `raise UnboundLocalError(...)`; what follows it is unreachable
//    (SimplifyBlockParams drops it, so typing never sees the undef used).
//  - A read of a maybe-unbound param checks a companion bool param that
//    every edge sets (False from an undef, True from a value, the companion
//    of a maybe-unbound param passed on): the block is split at the read and
//    a branch on the flag goes on, or to a block that raises.
// Inside a try block the raise takes the handler edge of the read's block.
// A capture of a local that may be unbound (an
// inner function captures values; it would read the one the local lacks).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "compiler/bundle.h"
#include "compiler/ir/ir.h"

namespace kiln::frontend {

/// One read of a local, where the builder met it.
struct LocalRead {
  ir::Block* block = nullptr;  // the block being built at the read
  ir::Instr* after = nullptr;  // the last instruction of `block` before it, or null
  ir::Value* value = nullptr;  // what the local held: an undef or a block param
  std::string name;            // the local, as the user wrote it
  int32_t line = 0;
  uint32_t offset = 0;
  bool protected_by_try = false;  // the read's block has an except handler
  bool capture = false;           // LOAD_CLOSURE: an inner function captures the value
};

/// Guards the reads that may find their local unbound. `entry` is the entry
/// block and `entry_top` the number of position-free constants at its top
/// (the builder's undefs; the flags' constants join them).
absl::Status guardUnboundReads(ir::Function& fn, ir::Block* entry, size_t& entry_top,
                               const std::vector<LocalRead>& reads, const compiler::CodeObject& code);

}  // namespace kiln::frontend
