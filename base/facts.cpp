#include "base/facts.h"

namespace kiln::base {
namespace {

constexpr EmitRow kEmits[] = {
#define KILN_EMIT(Name, name, proto_value) {name, proto_value},
#include "base/emit_names.def"
};

constexpr DiagnosticKindRow kDiagnosticKinds[] = {
#define KILN_DIAGNOSTIC_KIND(Name, name, proto_value, python_error) {name, proto_value, python_error},
#include "base/diagnostic_kinds.def"
};

constexpr StatusErrorRow kStatusErrors[] = {
#define KILN_STATUS_ERROR(name, code, python_error) {#name, code, python_error},
#include "base/status_errors.def"
};

}  // namespace

std::span<const EmitRow> emitTable() { return kEmits; }

std::optional<int> emitIndex(absl::string_view name) {
  for (size_t i = 0; i < std::size(kEmits); ++i)
    if (kEmits[i].name == name) return static_cast<int>(i);
  return std::nullopt;
}

std::span<const DiagnosticKindRow> diagnosticKindTable() { return kDiagnosticKinds; }

std::span<const StatusErrorRow> statusErrorTable() { return kStatusErrors; }

}  // namespace kiln::base
