#pragma once
// Ownership of array references in one instance, decided on Kiln IR before
// it is lowered (lower_memory.cpp emits what it decides).
//
// Every SSA value whose type holds arrays (an array, a record of one, a
// tuple or bound method holding one, an iterator over one) is either
//  - a root: it owns one reference per array it holds, from its definition
//    to the end of its live range (block parameters other than the entry's;
//    results of allocating ops and calls; anything not known to alias), or
//  - borrowed: a view, item, alias or iterator of other values (a slice, a.T,
//    a record a[i] or r.inner, a bound method, tuple packing and unpacking,
//    getiter, a for item, a copy), owning nothing. Its `deps` are the roots
//    it borrows from; a use of it counts as a use of them, so they live as
//    long as it does. `a.ctypes` (extfunc) holds nothing but is borrowed
//    from a the same way: a native function given it writes a's memory.
// A record is {meminfo, data} (recown: docs/records-memory.md): borrowed
// while the pass can see its array, a root with its own reference to the
// array's block where it cannot (a list, a call's result, a join fed by
// roots that do not strictly dominate it). A record block parameter fed
// only by records of roots that strictly dominate its block is borrowed
// from them: every path to it made those roots, and no path re-makes one
// between taking a record of it and using the parameter.
// The entry block's parameters (the arguments) are borrowed from the caller
// for the whole call and have no deps.
//
// Liveness is computed over roots (bit vectors indexed by root, roots
// numbered in the order of the blocks given, so emission is deterministic):
// a root is released after its last use in a block it does not leave alive,
// on an edge into a block where it is not live, and on every return and
// error path where it is still held. An edge retains each argument it passes
// to a parameter that is a root.
#include <map>
#include <vector>

#include "compiler/ir/ir.h"
#include "compiler/typing/inference.h"
#include "compiler/typing/types.h"

namespace kiln::lowering {

/// Whether values of type t hold references to arrays.
bool holdsRefs(const typing::Type* t);

/// Whether i's result is borrowed from its operands (never a fresh block).
/// `calls`: the instance's calls of bundle functions (overload: a GetAttr
/// that calls an overload_attribute's implementation is one).
bool borrowsOperands(const ir::Instr& i, const std::map<const ir::Instr*, typing::CallBinding>& calls);
/// genpy: whether i is a for_iter over a generator whose item holds
/// references: the item is then a root (it lives only until the next step).
bool ownsGeneratorItem(const ir::Instr& i);

struct Ownership {
  std::vector<const ir::Value*> roots;  // root index -> value
  std::vector<int> root_of;             // value id -> root index, or -1
  std::vector<std::vector<int>> deps;   // value id -> the roots it keeps alive (a root: itself)
  std::map<const ir::Block*, std::vector<bool>> live_in, live_out;  // lookup only, never iterated

  /// `order`: the blocks to lower (reachable, defs before uses).
  /// `calls`: the instance's calls of bundle functions (borrowsOperands).
  static Ownership analyze(const ir::Function& f, const std::vector<const ir::Block*>& order,
                           const std::map<const ir::Instr*, typing::CallBinding>& calls);
  const std::vector<int>& depsOf(const ir::Value* v) const;
};

}  // namespace kiln::lowering
