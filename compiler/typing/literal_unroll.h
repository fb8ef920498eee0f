#pragma once
// tuples: unrolling `for x in literal_unroll(t)` over a heterogeneous tuple
// (literal_unroll.cpp).
#include <functional>

#include "absl/status/statusor.h"
#include "compiler/ir/ir.h"
#include "compiler/typing/types.h"

namespace kiln::typing {

/// Unrolls the for loop iterating `call` (a call of literal_unroll whose
/// tuple argument has n items) in f. False when `call` is not the iterable
/// of a for loop (the caller then uses the tuple itself); an error (its
/// message for the user) when the loop's shape cannot be unrolled. New
/// values get the type `unknown`.
/// `nests` says whether an instruction of the loop body runs another
/// literal_unroll loop (a call of an inner function that has one): refused
/// when the body uses its item, as Numba refuses nested literal_unroll loops.
absl::StatusOr<bool> unrollLiteralLoop(ir::Function& f, ir::Instr& call, size_t n, const Type* unknown,
                                       const std::function<bool(const ir::Instr&)>& nests);

/// A branch on a constant (`if isinstance(x, str):` once typing answered
/// it, in a loop body unrolled per item) becomes a jump to the side taken,
/// and the blocks no longer reachable are removed, so that they are never
/// typed (as Numba prunes them). True when f changed.
bool pruneConstantBranch(ir::Function& f, ir::Instr& branch);

}  // namespace kiln::typing
