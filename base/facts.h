#pragma once
// Names that the server, the compiler and the clients must agree on, as
// tables over base/emit_names.def, base/diagnostic_kinds.def,
// base/status_errors.def and base/cuda_sms.def. The Python extension exports
// them (kiln._kiln.EMITS, DIAGNOSTIC_KINDS, STATUS_ERRORS, CUDA_SMS) so that
// the package copies nothing by hand.

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

struct CudaSmRow {
  absl::string_view name;  // "sm_86"
  int ptx_isa;             // the PTX ISA version it is written in: 10 * major + minor
};
/// base/cuda_sms.def: the SMs the CUDA target compiles for, oldest first.
std::span<const CudaSmRow> cudaSmTable();
/// The SM to compile for a GPU of compute capability major.minor: the
/// newest of the table not above it (an arch-specific SM such as sm_90a is
/// only ever chosen by name); nullopt for a GPU older than them all.
std::optional<absl::string_view> cudaSmFor(int major, int minor);

}  // namespace kiln::base
