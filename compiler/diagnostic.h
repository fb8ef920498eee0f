#pragma once
// User errors ("your input") versus compiler bugs ("our bug"). A user error is
// an absl::Status carrying a Diagnostic payload: the kind (shown to the user
// as kiln.errors.TypingError, UnsupportedError, ...), the message, and the
// Python file, line and function it is about. Any other non-OK status from the
// compiler is an internal error.

#include <optional>
#include <string>

#include "absl/status/status.h"

namespace kiln::compiler {

struct Diagnostic {
  /// base/diagnostic_kinds.def; base::diagnosticKindTable() row i is value i.
  enum class Kind {
#define KILN_DIAGNOSTIC_KIND(Name, name, proto_value, python_error) k##Name,
#include "base/diagnostic_kinds.def"
  };
  Kind kind = Kind::kInternal;
  std::string message;   // lower-case, no trailing period (LLVM style)
  std::string filename;
  int line = 0;
  std::string function;
};

/// A located user error as a Status (code kInvalidArgument + payload).
absl::Status userError(Diagnostic::Kind kind, std::string message, std::string filename, int line,
                       std::string function);
/// The diagnostic of a status made by userError, if it is one.
std::optional<Diagnostic> diagnosticOf(const absl::Status& status);

const char* kindName(Diagnostic::Kind kind);  // "TypingError", "UnsupportedError", ...

}  // namespace kiln::compiler
