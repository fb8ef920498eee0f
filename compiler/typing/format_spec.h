#pragma once
// format: format specs and format strings, parsed at compile time
// (rules_format.cpp). A spec is always a constant: typing parses and checks
// it against the value's type with CPython's ValueError wording, and
// lowering parses it again to hand its fields to the runtime
// (runtime/cpu/kiln_format.h).
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/ir.h"
#include "compiler/typing/types.h"

namespace kiln::typing {

/// [[fill]align][sign][z][#][0][width][grouping][.precision][type], as
/// CPython reads it (a '0' before the width is fill '0', and align '=' for
/// numbers when none is given).
struct FormatSpec {
  uint32_t fill = ' ';
  char align = 0;  // '<', '>', '^', '=' or 0
  char sign = 0;   // '+', '-', ' ' or 0
  bool no_neg_zero = false;  // 'z'
  bool alternate = false;    // '#'
  int64_t width = -1;
  char grouping = 0;  // ',' or '_'
  int64_t precision = -1;
  char type = 0;
  bool empty = true;  // the spec was ""
};

/// How a value is laid out: str(x) of a bool is "True" with an empty spec
/// and 1 with another; an int with a float type is formatted as a float.
enum class FormatAs { kStrOfBool, kInt, kFloat, kStr };

/// The spec parsed and checked for a value of type t (after a conversion
/// !r/!s/!a, when conversion is not 0): how it is laid out, or CPython's
/// ValueError message (INVALID_ARGUMENT), or UNIMPLEMENTED for a type Kiln
/// does not format.
absl::StatusOr<FormatAs> checkFormat(const Type* t, char conversion, const std::string& spec_utf8, FormatSpec* out);

/// One piece of a str.format template: literal text, then (when `field`)
/// one replacement field.
struct FormatPiece {
  std::string literal;
  bool field = false;
  int index = -1;       // the positional argument, or -1 for a keyword
  std::string keyword;  // the keyword argument
  char conversion = 0;  // 'r', 's', 'a' or 0
  std::string spec;
};

/// A str.format template parsed into pieces; CPython's ValueError message,
/// or UNIMPLEMENTED for a field Kiln does not take (attributes, indexing, a
/// nested replacement field in a spec).
absl::StatusOr<std::vector<FormatPiece>> parseFormatTemplate(const std::string& utf8);

/// `a == b` / `a != b` where a side is an optional str and the other a
/// str, None or an optional str (rules_optional.cpp): compared whole, None
/// equal only to None.
bool optionalStrEquality(ir::CompareOp op, const Type* a, const Type* b);

}  // namespace kiln::typing
