#pragma once
// The builtin registry: one row per builtin, math and NumPy function, and
// per method and attribute of a receiver kind (builtins.def). Typing resolves a call to a row and binds its arguments
// here, once; the decision travels on the instruction (ir::Resolution) and
// lowering reads it instead of deciding again.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/typing/types.h"

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
  kUfunc,           // a NumPy ufunc: a row of ufuncs.def (typing/ufuncs.h)
  kMethod,          // a KILN_METHOD row: receiver.name(...)
  kAttribute,       // a KILN_ATTRIBUTE row: receiver.name
};

struct BuiltinInfo {
  BuiltinId id;
  const char* name;    // "numpy.zeros"
  const char* spec;    // "shape, dtype=None"
  BuiltinFamily family;
  const char* method;  // kReduction: the method row ("array.sum"); "" otherwise
  Kind receiver;       // kMethod, kAttribute: the receiver's kind; kUnknown otherwise
  bool exposed;        // kMethod, kAttribute: an attribute of the receiver (false: numpy.f only)
};

const BuiltinInfo& builtinInfo(BuiltinId id);
/// The function row of a qualified name ("abs", "math.sin", "numpy.zeros"),
/// if any (methods and attributes are not functions).
std::optional<BuiltinId> findBuiltin(const std::string& name);
inline const char* builtinName(BuiltinId id) { return builtinInfo(id).name; }
/// The exposed method or attribute row `name` of a receiver kind
/// (kArray, "sum"), if any.
std::optional<BuiltinId> findMember(Kind receiver, const std::string& name);
/// A method or attribute row's name without the receiver ("sum").
const char* memberName(BuiltinId id);
/// The method row a kReduction row is (numpy.amin: array.min).
BuiltinId reductionMethod(BuiltinId id);

bool isUfunc(BuiltinFamily f);

/// The binder, from the row's parameter spec: for each parameter up to the
/// last one given, the Call operand (1-based) that binds it, from `npos`
/// positional operands followed by keyword operands named `kwnames`. With
/// no keywords the positional operands are passed as they are (the rule
/// checks the count). After `*args`, the keyword-only arguments given
/// follow the positional ones. An error message (not located) when the
/// keywords do not fit. npcreate: for a row whose rule reads a None
/// argument as the parameter's default (defaultsAsNone: numpy.eye), a
/// parameter left out before one given by keyword is bound to 0, which
/// typing reads as None and lowering as no operand (nullptr).
absl::StatusOr<std::vector<int>> bindArguments(BuiltinId id, size_t npos, const std::vector<std::string>& kwnames);
/// npcreate: whether a parameter left out may be bound to 0 (see bindArguments).
bool defaultsAsNone(BuiltinId id);

}  // namespace kiln::typing
