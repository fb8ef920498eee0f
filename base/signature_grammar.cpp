#include "base/signature_grammar.h"

#include <utility>

#include "base/type_parser.h"

namespace kiln::base {

absl::StatusOr<SignatureSyntax> parseSignature(absl::string_view text) {
  internal::TypeParser p(text);
  SignatureSyntax out;
  if (p.atEnd()) return out;
  if (!p.peek('(')) {
    absl::StatusOr<TypeSyntax> first = p.type();
    if (!first.ok()) return first.status();
    if (!p.peek('(')) {
      // A bare argument list: "float64, int64".
      out.args.push_back(*std::move(first));
      if (p.atEnd()) return out;
      if (absl::Status s = p.expect(','); !s.ok()) return p.error("expected '(' or ',' after a type");
      absl::StatusOr<std::vector<TypeSyntax>> more = p.bareList();
      if (!more.ok()) return more.status();
      for (TypeSyntax& t : *more) out.args.push_back(std::move(t));
      return out;
    }
    out.return_type = *std::move(first);
  }
  absl::StatusOr<std::vector<TypeSyntax>> args = p.parenthesisedList();
  if (!args.ok()) return args.status();
  if (!p.atEnd()) return p.error("unexpected text after the argument list");
  out.args = *std::move(args);
  return out;
}

std::string printSignature(const SignatureSyntax& sig) {
  std::string out = sig.return_type ? printType(*sig.return_type) : "";
  out += "(";
  for (size_t i = 0; i < sig.args.size(); ++i) {
    if (i > 0) out += ", ";
    out += printType(sig.args[i]);
  }
  out += ")";
  return out;
}

}  // namespace kiln::base
