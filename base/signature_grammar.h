#pragma once
// The one grammar of signatures (Numba's, plus a bare list for kilnc):
//
//   "float64(float64, int64)"   return type float64, two arguments
//   "void(int64[:])"            returns none
//   "(int64,)"                  arguments only, return type inferred
//   "()"                        no arguments
//   "float64, int64"            a bare argument list (kilnc's --sig)
//   ""                          no arguments
//
// A leading "(" always opens the argument list, so a tuple return type is
// written Tuple(...) or UniTuple(...). Trailing commas are allowed.

#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "base/type_grammar.h"

namespace kiln::base {

struct SignatureSyntax {
  std::optional<TypeSyntax> return_type;  // nullopt: inferred
  std::vector<TypeSyntax> args;
};

absl::StatusOr<SignatureSyntax> parseSignature(absl::string_view text);
/// "float64(float64, int64)", or "(float64, int64)" with no return type.
std::string printSignature(const SignatureSyntax& sig);

}  // namespace kiln::base
