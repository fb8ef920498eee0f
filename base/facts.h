#pragma once
// Names that the server, the compiler and the clients must agree on, as
// tables over base/emit_names.def and base/diagnostic_kinds.def. The Python
// extension exports them (kiln._kiln.EMITS, DIAGNOSTIC_KINDS) so that the
// package copies nothing by hand.

#include <optional>
#include <span>
#include "absl/strings/string_view.h"

namespace kiln::base {

struct EmitRow {
  absl::string_view name;  // "binary", "llvm", ...
  int proto_value;        // kiln.v1.Emit
};
/// In declaration order; row i is compiler::Emit value i.
std::span<const EmitRow> emitTable();
/// The row index of an emit name, nullopt if unknown.
std::optional<int> emitIndex(absl::string_view name);

struct DiagnosticKindRow {
  absl::string_view name;          // "TypingError", ...
  int proto_value;                // kiln.v1.Diagnostic.Kind
  absl::string_view python_error;  // the kiln.errors class raised for it
};
/// In declaration order; row i is compiler::Diagnostic::Kind value i.
std::span<const DiagnosticKindRow> diagnosticKindTable();

struct StatusErrorRow {
  absl::string_view name;          // "INVALID_ARGUMENT", ...
  int code;                        // the gRPC (and absl) status code
  absl::string_view python_error;  // the kiln.errors class raised for it
};
/// base/status_errors.def: every non-OK status code, in code order.
std::span<const StatusErrorRow> statusErrorTable();

}  // namespace kiln::base
