#pragma once
// The builtin registry: one row per builtin, math and NumPy function
// (builtins.def). Typing resolves a call to a row and binds its arguments
// here, once; the decision travels on the instruction (ir::Resolution) and
// lowering reads it instead of deciding again.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::typing {

enum class BuiltinId : uint16_t {
#define KILN_BUILTIN(Id, name, spec) k##Id,
#define KILN_FAMILY(Id, name, spec, family, method) k##Id,
#include "compiler/typing/builtins.def"
};

/// How many rows builtins.def has (BuiltinId values are 0 .. count-1).
inline constexpr uint16_t kBuiltinCount = 0
#define KILN_BUILTIN(Id, name, spec) +1
#define KILN_FAMILY(Id, name, spec, family, method) +1
#include "compiler/typing/builtins.def"
    ;

/// What the rows of a family share (a column of builtins.def).
enum class BuiltinFamily {
  kOwn,             // a KILN_BUILTIN row: a rule of its own
  kMathUnary,       // math.f(x) -> float64, x real
  kMathBinary,      // math.f(x, y) -> float64, x and y real
  kReduction,       // np.f(a, axis=None) is a.method(axis)
  kUfuncFloat,      // computes in a float type
  kUfuncSame,       // keeps the dtype
  kUfuncPredicate,  // float compute, bool result
  kUfuncLogical,    // bool compute and result
};

struct BuiltinInfo {
  BuiltinId id;
  const char* name;    // "numpy.zeros"
  const char* spec;    // "shape, dtype=None"
  BuiltinFamily family;
  const char* method;  // kReduction: the array method; "" otherwise
};

const BuiltinInfo& builtinInfo(BuiltinId id);
/// The row of a qualified name ("abs", "math.sin", "numpy.zeros"), if any.
std::optional<BuiltinId> findBuiltin(const std::string& name);
inline const char* builtinName(BuiltinId id) { return builtinInfo(id).name; }

bool isUfunc(BuiltinFamily f);
/// The number of positional parameters a ufunc row takes (1 or 2).
int ufuncArity(BuiltinId id);

/// The binder, from the row's parameter spec: for each parameter up to the
/// last one given, the Call operand (1-based) that binds it, from `npos`
/// positional operands followed by keyword operands named `kwnames`. With
/// no keywords the positional operands are passed as they are (the rule
/// checks the count). After `*args`, the keyword-only arguments given
/// follow the positional ones. An error message (not located) when the
/// keywords do not fit.
absl::StatusOr<std::vector<int>> bindArguments(BuiltinId id, size_t npos, const std::vector<std::string>& kwnames);

}  // namespace kiln::typing
