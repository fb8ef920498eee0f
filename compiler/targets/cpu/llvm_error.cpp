#include "compiler/targets/cpu/llvm_error.h"

#include <string>

namespace kiln::compiler::cpu {

absl::Status toStatus(llvm::Error error, absl::StatusCode code, std::string_view context) {
  if (!error) return absl::OkStatus();
  std::string message = llvm::toString(std::move(error));
  if (!context.empty()) message = std::string(context) + ": " + message;
  return absl::Status(code, message);
}

}  // namespace kiln::compiler::cpu
