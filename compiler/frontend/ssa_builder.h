#pragma once
// Stage 3: CFG -> untyped Kiln IR, by abstract interpretation of CPython's
// value stack. Blocks are visited in reverse post-order with a state of
// (locals, stack) whose entries are IR values; an instruction pops values,
// appends IR and pushes results. Conventions the typing pass relies on:
//
//  - blocks[0] is the entry; its params are the positional arguments. A local
//    read where no store reaches it on some path is an `undef` in the entry.
//  - The call protocol's NULL is tracked statically (a null entry on the
//    stack) and never reaches the IR: method loads become [NULL, getattr], so
//    every call is a plain `call %callee, args...`, self included when CPython
//    bound it; KW_NAMES names the last args of the next call.
//  - Conditions are `truth %v` (or `compare is %v, None`) feeding `branch`.
//  - At a block whose predecessors are all visited, a local or stack slot gets
//    a block param only where the incoming values differ; a loop header (a
//    predecessor is not yet visited) gets one for every local and stack slot.
//    transforms::SimplifyBlockParams then removes the redundant ones.
//
// Unsupported constructs are compiler::userError(kUnsupported) at the Python
// line; malformed bytecode (stack underflow, bad indices, stacks that disagree
// where paths meet) is INVALID_ARGUMENT.

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "compiler/bundle.h"
#include "compiler/frontend/cfg.h"
#include "compiler/frontend/opcodes/opcode_table.h"
#include "compiler/ir/ir.h"

namespace kiln::frontend {

/// The IR of `code`, before SimplifyBlockParams and renumbering.
///
/// Cells are values: a cell variable lives in its slot like a local (slots
/// are CPython's "fast locals plus": varnames, then the cells that are not
/// arguments, then the free variables), and an inner function captures the
/// values its closure tuple holds when MAKE_FUNCTION runs. That is exact
/// only when no captured variable is assigned after the capture, which the
/// builder checks (and refuses otherwise, located). The free variables of a
/// `nested` code object (one made by MAKE_FUNCTION in compiled code) are
/// extra parameters after its positional ones, in co_freevars order; those
/// of a top-level function (a closure made by a factory in Python) are
/// frozen into the bundle's globals under their names (LoadGlobal).
///
/// pycells: the names in `cells` are captured variables that live in a cell
/// instead: one the code assigns after an inner function captures it (or in
/// a loop that keeps such a function), or one an inner function assigns
/// (nonlocal). Such a cell is a one-item list(T) made at entry; a read is
/// `cell[0]`, an assignment `cell.clear(); cell.append(v)`, and the inner
/// functions capture the list itself, so every reader sees the last store.
/// For a nested code object the names are those of its free variables that
/// its enclosing function keeps in cells (frontend.cpp decides, for the
/// whole bundle, with captureFacts).
///
/// locals: `declared` maps the locals that Numba's jit(locals={name: type})
/// declares to their type spellings: each store to one converts the value
/// first (a `declare` instruction, typed and lowered as a conversion).
absl::StatusOr<std::unique_ptr<ir::Function>> buildSsa(const compiler::CodeObject& code, const Cfg& cfg,
                                                       const OpcodeTable& table, bool nested = false,
                                                       const std::set<std::string>& cells = {},
                                                       const std::map<std::string, std::string>& declared = {});

/// pycells: what a code object does with captured variables.
struct CaptureFacts {
  std::set<std::string> assigned_after_capture;  // its cell variables that need a cell
  std::set<std::string> nonlocal_stores;         // its free variables it assigns
};
CaptureFacts captureFacts(const compiler::CodeObject& code, const Cfg& cfg);

}  // namespace kiln::frontend
