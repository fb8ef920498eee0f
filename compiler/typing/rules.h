#pragma once
// Typing rules by family, shared by inference (what type) and lowering (which
// conversions). Numba's scalar rules: integer arithmetic on scalars widens to
// 64 bits, int with float gives float64, float32 stays float32 only with
// float32, bool arithmetic gives int64, `/` always gives a float.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/ir.h"
#include "compiler/typing/types.h"

namespace kiln::typing {

/// The least type both a and b convert to at a join (Unknown is bottom);
/// nullptr if there is none (int64 and unicode_type, say).
const Type* unify(TypeContext& tc, const Type* a, const Type* b);

/// The common numeric type of an arithmetic operation on a and b.
const Type* promote(TypeContext& tc, const Type* a, const Type* b);

/// Result types; nullptr when the operands are not supported. Unknown in,
/// Unknown out.
const Type* binaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b);
const Type* unaryResult(TypeContext& tc, ir::UnaryOp op, const Type* a);
const Type* compareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b);
/// The type both sides of a comparison are converted to before comparing.
const Type* compareOperandType(TypeContext& tc, const Type* a, const Type* b);

/// A module attribute: a constant (math.pi: float64) or a function
/// (math.sin: Builtin "math.sin"); nullptr if unknown.
const Type* moduleAttr(TypeContext& tc, const std::string& module, const std::string& attr);
/// The value of a constant module attribute (math.pi), if it is one.
bool moduleConstant(const std::string& module, const std::string& attr, double* value);

/// The result type of calling a builtin (or module function); an error
/// message (not located) when the arguments do not fit.
absl::StatusOr<const Type*> builtinCall(TypeContext& tc, const std::string& name,
                                        const std::vector<const Type*>& args);

bool isExceptionClassName(const std::string& name);

}  // namespace kiln::typing
