#include "compiler/diagnostic.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_split.h"
#include "absl/strings/numbers.h"
#include "base/facts.h"
#include <vector>

namespace kiln::compiler {

namespace {
constexpr char kPayloadUrl[] = "type.kiln.dev/kiln.Diagnostic";
}

const char* kindName(Diagnostic::Kind kind) {
  return base::diagnosticKindTable()[static_cast<size_t>(kind)].name.data();
}

absl::Status userError(Diagnostic::Kind kind, std::string message, std::string filename, int line,
                       std::string function) {
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  // Fields separated by NUL; the message is last so it may hold anything.
  std::string payload = std::to_string(static_cast<int>(kind)) + '\0' + filename + '\0' +
                        std::to_string(line) + '\0' + function + '\0' + message;
  status.SetPayload(kPayloadUrl, absl::Cord(payload));
  return status;
}

std::optional<Diagnostic> diagnosticOf(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(std::string(*payload), absl::MaxSplits('\0', 4));
  if (parts.size() != 5) return std::nullopt;
  Diagnostic d;
  int kind = 0;
  if (!absl::SimpleAtoi(parts[0], &kind) || !absl::SimpleAtoi(parts[2], &d.line)) return std::nullopt;
  d.kind = static_cast<Diagnostic::Kind>(kind);
  d.filename = parts[1];
  d.function = parts[3];
  d.message = parts[4];
  return d;
}

}  // namespace kiln::compiler
