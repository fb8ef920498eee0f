#pragma once
// The one place llvm::Error / llvm::Expected become absl::Status. LLVM's
// errors arising here are our bugs or a bad target description, never the
// user's Python, so callers pick the code.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "llvm/Support/Error.h"

namespace kiln::compiler::cpu {

/// Consumes `error`; OK when it holds no failure. The message is LLVM's
/// (all payloads joined), prefixed with `context` when it is non-empty.
absl::Status toStatus(llvm::Error error, absl::StatusCode code = absl::StatusCode::kInternal,
                      std::string_view context = {});

template <typename T>
absl::StatusOr<T> toStatusOr(llvm::Expected<T> expected,
                             absl::StatusCode code = absl::StatusCode::kInternal,
                             std::string_view context = {}) {
  if (!expected) return toStatus(expected.takeError(), code, context);
  return std::move(*expected);
}

}  // namespace kiln::compiler::cpu
