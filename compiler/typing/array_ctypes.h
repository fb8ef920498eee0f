#pragma once
// pysub4: `a.ctypes` of an array, typed as the builtin of this name. Its
// `.data` is the array's data pointer as an int (as NumPy's and Numba's
// uintp); extfunc: passed where a native function takes a pointer (`void*`,
// `T*`: Numba's ArrayCTypes), it is the data pointer itself. Lowering reads
// the array from the ctypes getattr's operand (arrayOfCTypes), so `a.ctypes`
// is supported only as one expression on the array a.
#include "compiler/ir/ir.h"
#include "compiler/typing/types.h"

namespace kiln::typing {

inline constexpr const char* kArrayCTypes = "numpy.ndarray.ctypes";

/// The array whose `.ctypes` v is (the operand of the getattr that made v),
/// or null where v is not `a.ctypes` of an array read in one expression.
inline const ir::Value* arrayOfCTypes(const ir::Value* v) {
  const ir::Instr* from = v->def;
  if (from == nullptr || from->op != ir::Op::kGetAttr || from->name != "ctypes" || from->operands.empty() ||
      from->operands[0]->type == nullptr || !from->operands[0]->type->isArray())
    return nullptr;
  return from->operands[0];
}

}  // namespace kiln::typing
