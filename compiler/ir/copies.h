#pragma once
// The value a copy stands for: copies are inserted by passes and folded
// later, so what a value is (a call's callee, an iterator's origin) is read
// through them. Typing (inference.cpp) and the parallel-loops pass use it.

#include "compiler/ir/ir.h"

namespace kiln::ir {

/// v, or the value it is a copy of (through any number of copies).
inline const Value* throughCopies(const Value* v) {
  while (v->def && v->def->op == Op::kCopy) v = v->def->operands[0];
  return v;
}

}  // namespace kiln::ir
