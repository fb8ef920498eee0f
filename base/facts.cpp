#include "base/facts.h"

#include "absl/strings/numbers.h"

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

constexpr CudaSmRow kCudaSms[] = {
#define KILN_CUDA_SM(name, ptx_isa) {name, ptx_isa},
#include "base/cuda_sms.def"
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

std::span<const CudaSmRow> cudaSmTable() { return kCudaSms; }

std::optional<absl::string_view> cudaSmFor(int major, int minor) {
  const int want = 10 * major + minor;
  std::optional<absl::string_view> best;
  int best_number = 0;
  for (const CudaSmRow& row : kCudaSms) {
    int number = 0;
    if (row.name.back() == 'a' || !absl::SimpleAtoi(row.name.substr(3), &number)) continue;  // sm_90a: by name only
    if (number <= want && number > best_number) {
      best = row.name;
      best_number = number;
    }
  }
  return best;
}

}  // namespace kiln::base
