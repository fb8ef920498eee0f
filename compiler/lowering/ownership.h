#pragma once
// Ownership of array references in one instance, decided on Kiln IR before
// it is lowered (lower_memory.cpp emits what it decides).
//
// Every SSA value whose type holds arrays (an array, a tuple or bound method
// holding one, an iterator over one) is either
//  - a root: it owns one reference per array it holds, from its definition
//    to the end of its live range (block parameters other than the entry's;
//    results of allocating ops and calls; anything not known to alias), or
//  - borrowed: a view, item, alias or iterator of other values (a slice, a.T,
//    a bound method, tuple packing and unpacking, getiter, a for item, a
//    copy), owning nothing. Its `deps` are the roots it borrows from; a use
//    of it counts as a use of them, so they live as long as it does.
// The entry block's parameters (the arguments) are borrowed from the caller
// for the whole call and have no deps.
//
// Liveness is computed over roots (bit vectors indexed by root, roots
// numbered in the order of the blocks given, so emission is deterministic):
// a root is released after its last use in a block it does not leave alive,
// on an edge into a block where it is not live, and on every return and
// error path where it is still held. An edge retains each argument it passes
// to a parameter that holds arrays.
#include <map>

#include "absl/status/status.h"
#include <vector>

#include "compiler/ir/ir.h"
#include "compiler/typing/types.h"

namespace kiln::lowering {

/// Whether values of type t hold references to arrays.
bool holdsRefs(const typing::Type* t);

/// recuaf: whether values of type t point into an array's memory without
/// holding a reference (records, subarray fields, tuples of them): when
/// borrowed from an array they get its deps (docs/records-memory.md).
bool pointsIntoArray(const typing::Type* t);

/// Whether i's result is borrowed from its operands (never a fresh block).
bool borrowsOperands(const ir::Instr& i);
/// genpy: whether i is a for_iter over a generator whose item holds
/// references: the item is then a root (it lives only until the next step).
bool ownsGeneratorItem(const ir::Instr& i);

struct Ownership {
  std::vector<const ir::Value*> roots;  // root index -> value
  std::vector<int> root_of;             // value id -> root index, or -1
  std::vector<std::vector<int>> deps;   // value id -> the roots it keeps alive (a root: itself)
  std::map<const ir::Block*, std::vector<bool>> live_in, live_out;  // lookup only, never iterated

  /// `order`: the blocks to lower (reachable, defs before uses).
  static Ownership analyze(const ir::Function& f, const std::vector<const ir::Block*>& order);
  const std::vector<int>& depsOf(const ir::Value* v) const;
  /// recret: whether v keeps alive an array this function made or got from
  /// a call (a root other than a global constant, which lives as long as the
  /// module): a record of it cannot outlive the function.
  bool dependsOnOwnArrays(const ir::Value* v) const;
  /// recuaf: a record (or subarray field) that points into an array made in
  /// this function and reaches a block parameter (a join or a loop), or is
  /// stored in a list or dict, has no deps there and no meminfo of its own:
  /// refused, located, rather than read after its array is released
  /// (docs/records-memory.md).
  /// recret: so is such a record returned as anything but a record (`ret`,
  /// the instance's return type: inside a tuple, an optional, a closure), or
  /// returned at all when `compiled_caller` (the instance is called from
  /// compiled code, where a returned record is a pointer: only Python's
  /// caller gets it as a copy).
  absl::Status checkRecordPointers(const ir::Function& f, const std::vector<const ir::Block*>& order,
                                   const typing::Type* ret, bool compiled_caller) const;
};

}  // namespace kiln::lowering
