#pragma once
// Signatures and argument types as the server takes them, in the one
// grammar of base/signature_grammar.h, turned into canonical spellings:
// two spellings of one type ("f8", "float64") become one string, so they
// share one cache key.

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::server {

struct Signature {
  std::string return_type;  // canonical; "" = inferred
  std::vector<std::string> arg_types;  // canonical
};

/// kilnc's --sig: "float64(f8, int64)", "(int64,)", "float64, int64".
absl::StatusOr<Signature> parseSignature(absl::string_view text);

/// Replaces each type of a request with its canonical spelling (an empty
/// return type stays empty: inferred). INVALID_ARGUMENT names the bad one.
absl::Status canonicalizeTypes(std::vector<std::string>& arg_types, std::string& return_type);

}  // namespace kiln::server
