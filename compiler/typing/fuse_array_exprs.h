#pragma once
// FuseArrayExprs: array expressions as one loop, without temporary arrays.
//
// After typing, a tree of elementwise array operations, e.g. the three of
// `a * b + np.sin(c)`, whose inner results are each used once, by the next
// operation of the tree, becomes one `fused` op: its operands are the
// tree's leaves (arrays, scalars that broadcast, and the callee values of
// ufunc calls), and Instr::fused holds the tree's operations in order, the
// root last. Lowering (lowering/lower_fusion.cpp) runs them per element in
// one loop over the broadcast shape, writing only the root's new array.
// It lives in typing/ because it reads types and the ufunc table.
//
// What a node may be (each with a numeric dtype: bool, int, float, complex):
//  - binop (not in place, not @) with an array result;
//  - unaryop - or ~ of an array;
//  - compare <, <=, ==, !=, >, >= with an array result (not of a signed
//    beside an unsigned integer: those compare each in its own type, the
//    unfused op's business);
//  - a call of a NumPy ufunc (typing/ufuncs.def) with one output and no
//    out= or keyword argument, with an array result.
// Integer powers are left out: they raise on negative exponents, and a
// fused loop would raise in another order than the unfused ops.
//
// Why it computes what the unfused ops compute:
//  - each node converts its inputs to the types typing recorded for it and
//    its result to its array's dtype, as the unfused op stores it, so values
//    and result dtypes are the same;
//  - broadcasting the leaves together accepts exactly the shapes that
//    broadcasting them op by op does (each dimension: all sizes equal or 1),
//    with the same ValueError otherwise;
//  - the tree is in one block, and everything between its first op and its
//    root is either one of its ops or an op that neither writes memory nor
//    raises (constants, globals, attributes, tuples), so every leaf holds
//    the same elements at the root as at the op that read it;
//  - the result is a new array, so the loop never writes what it reads
//    (in place: see below).
// A tree of one op is left as it is.
//
// A sum ends a tree too: `x.sum()` with no argument, where x is the root
// of a tree (one op is enough: `(a > 0.5).sum()`) used only by the sum's
// GetAttr, and the sum an integer or float32/float64. Its GetAttr and call
// join the body, last, and the fused op's result is the sum: the loop adds
// the elements x would have held, in x's C order (lowering makes it flat
// only when that is memory order), so no array is made and the total is
// the unfused one, bit for bit.
//
// In place: the root may also be `a op= expr` on arrays (the fused op is
// then marked in place, printed `fused!`): the loop writes a's elements,
// over a's shape, as the unfused op does. a is a leaf that the loop reads
// and writes at the same element; another leaf whose memory overlaps a's
// (a view of a) would see elements already written, so lowering checks at
// run time and then runs the tree into a temporary first, as the unfused
// ops would have.

#include "compiler/ir/ir.h"

namespace kiln::typing {

class FuseArrayExprs {
 public:
  const char* name() const { return "fuse-array-exprs"; }
  void run(ir::Function& f);
};

}  // namespace kiln::typing
