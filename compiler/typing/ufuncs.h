#pragma once
// NumPy's ufuncs (ufuncs.def): what each row computes and which of NumPy's
// loops a call runs. Typing picks the loop (rules_ufuncs.cpp) and records
// it on the call's ir::Resolution (compute); lowering (lowering/lower_ufuncs.cpp)
// runs the row's implementation on the loop's types.
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/ir.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/types.h"

namespace kiln::typing {

/// The body a ufunc row runs (aliases such as numpy.mod and
/// numpy.remainder share one).
enum class UfuncImpl : uint8_t {
#define KILN_UFUNC(Id, name, nin, nout, impl, kinds, loops)
#define KILN_UFUNC_IMPL(impl) k##impl,
#include "compiler/typing/ufuncs.def"
};

struct UfuncInfo {
  int nin;
  int nout;
  UfuncImpl impl;
  const char* kinds;  // the loop kinds implemented: b bool, i int, f float, c complex
  const char* loops;  // NumPy's loops, "ff->f dd->d ..."
};

/// The ufuncs.def row of a kUfunc builtin row.
const UfuncInfo& ufuncInfo(BuiltinId id);

/// The type of numpy.NAME(inputs..., [outs...]): picks NumPy's loop for the
/// inputs (NEP 50: a Python scalar beside arrays is weak), checks that each
/// output array can take the loop's result (casting='same_kind'), and
/// records the loop on res.compute as a tuple: its input types, then its
/// output types. The result is
/// the out array(s) when given, else new arrays (scalars for scalar inputs);
/// a tuple for two outputs.
absl::StatusOr<const Type*> ufuncCall(TypeContext& tc, ir::Resolution& res, const std::vector<const Type*>& args);

}  // namespace kiln::typing
