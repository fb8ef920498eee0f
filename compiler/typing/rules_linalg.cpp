// linalg: the typing of kiln.linalg.call(op, a, b, c, d, e), the one
// primitive the library's np.linalg, np.dot and matmul are written over
// (kiln/library/numpy_linalg.py, runtime/cpu/kiln_linalg.h). `op` is an
// integer; the others are arrays of at most two dimensions (the library
// passes an unused one again where an op takes fewer); the result is the
// op's status (0, LAPACK's info, or one of KILN_LINALG_*), an int64.
#include "absl/strings/str_cat.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

absl::StatusOr<const Type*> linalgBuiltinCall(TypeContext& tc, const std::vector<const Type*>& args) {
  if (args.size() != 6) return absl::InvalidArgumentError("'kiln.linalg.call' takes an op and five arrays");
  if (args[0]->kind != Kind::kInt)
    return absl::InvalidArgumentError(absl::StrCat("'kiln.linalg.call' op must be an integer, not ", args[0]->str()));
  for (size_t k = 1; k < args.size(); ++k)
    if (args[k]->kind != Kind::kArray || args[k]->ndim > 2)
      return absl::InvalidArgumentError(
          absl::StrCat("'kiln.linalg.call' takes arrays of at most 2 dimensions, not ", args[k]->str()));
  return tc.integer(64, true);
}

// same_dtype(name, a, b): None when a and b are arrays of one dtype; the
// message is prefixed with `name` by inference.cpp.
absl::StatusOr<const Type*> linalgSameDtype(TypeContext& tc, const std::vector<const Type*>& args) {
  if (args.size() != 3 || args[0]->kind != Kind::kStr || args[1]->kind != Kind::kArray ||
      args[2]->kind != Kind::kArray)
    return absl::InvalidArgumentError("arguments must be arrays");
  if (args[1]->dtype() != args[2]->dtype()) return absl::InvalidArgumentError("arguments must all have the same dtype");
  return tc.none();
}

}  // namespace kiln::typing
