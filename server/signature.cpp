#include "server/signature.h"

#include "absl/strings/str_cat.h"
#include "base/signature_grammar.h"
#include "base/type_grammar.h"

namespace kiln::server {

absl::StatusOr<Signature> parseSignature(absl::string_view text) {
  absl::StatusOr<base::SignatureSyntax> sig = base::parseSignature(text);
  if (!sig.ok()) return sig.status();
  Signature out;
  if (sig->return_type) out.return_type = base::printType(*sig->return_type);
  for (const base::TypeSyntax& t : sig->args) out.arg_types.push_back(base::printType(t));
  return out;
}

absl::Status canonicalizeTypes(std::vector<std::string>& arg_types, std::string& return_type) {
  for (size_t i = 0; i < arg_types.size(); ++i) {
    absl::StatusOr<std::string> c = base::canonicalType(arg_types[i]);
    if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat("argument type ", i, ": ", c.status().message()));
    arg_types[i] = *std::move(c);
  }
  if (!return_type.empty()) {
    absl::StatusOr<std::string> c = base::canonicalType(return_type);
    if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat("return type: ", c.status().message()));
    return_type = *std::move(c);
  }
  return absl::OkStatus();
}

}  // namespace kiln::server
