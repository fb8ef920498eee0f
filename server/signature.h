#pragma once
// Signatures as developers write them on kilnc's command line, Numba-style:
//   "float64(float64, int64)"   return type float64, two arguments
//   "float64, int64"            arguments only, return type inferred
//   "(UniTuple(int64, 2))"      one argument; a leading "(" means no return type
// The argument list is the last top-level parenthesised group; commas inside
// (), [] and {} do not split.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::server {

struct Signature {
  std::string return_type;  // "" = inferred
  std::vector<std::string> arg_types;
};

absl::StatusOr<Signature> parseSignature(std::string_view text);

}  // namespace kiln::server
