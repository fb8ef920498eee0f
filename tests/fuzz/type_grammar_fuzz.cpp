// Fuzz target: the type and signature grammar of base/ (parseType,
// printType, parseSignature), as every type string a client sends reaches it.
// Properties: no crash, hang or leak on any text; a type that parses prints a
// canonical spelling that parses back to the same type and prints the same
// (printing is a fixpoint), and stays within the documented bounds.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "base/signature_grammar.h"
#include "base/type_grammar.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void checkCanonical(const kiln::base::TypeSyntax& type) {
  std::string printed = kiln::base::printType(type);
  auto again = kiln::base::parseType(printed);
  FUZZ_CHECK(again.ok(), "canonical spelling '" + printed + "' does not parse: " + again.status().ToString());
  FUZZ_CHECK(*again == type, "canonical spelling '" + printed + "' parses to another type");
  FUZZ_CHECK(kiln::base::printType(*again) == printed, "printing is not a fixpoint for '" + printed + "'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto type = kiln::base::parseType(text); type.ok()) {
    checkCanonical(*type);
  } else {
    FUZZ_CHECK(!type.status().message().empty(), "a type error without a message");
  }
  if (auto sig = kiln::base::parseSignature(text); sig.ok()) {
    if (sig->return_type) checkCanonical(*sig->return_type);
    for (const auto& arg : sig->args) checkCanonical(arg);
  }
  return 0;
}
