#pragma once
// The one place LLVM's ways of failing become absl::Status:
//  - llvm::Error / llvm::Expected (toStatus, toStatusOr);
//  - fatal errors (report_fatal_error, "LLVM ERROR: ...", and LLVM's
//    out-of-memory reports), which would end the process;
//  - error diagnostics sent to the LLVMContext (the code generator's
//    "unsupported" errors), whose default handler calls exit(1).
// LLVM's errors arising here are our bugs or a bad target description, never
// the user's Python, so callers pick the code.
//
// Fatal errors: requests are validated first so that the known ones cannot
// happen (targets/cpu/cpu_target.cpp's target allow-list). For the rest,
// runGuarded runs the LLVM work inside an llvm::CrashRecoveryContext and
// installs (once, process-wide) LLVM's fatal-error and bad-alloc handlers:
// on a thread inside such a context they record LLVM's message and return to
// the recovery point (CrashRecoveryContext::HandleExit, a longjmp); anywhere
// else they log and let LLVM end the process as before. A crash signal
// (SIGSEGV, SIGABRT, ...) inside the context is recovered the same way. The
// frames between the recovery point and the failure never run their
// destructors (what they held leaks); the LLVM objects the caller owns (the
// pass manager, the module) are destroyed as usual and never reused: the
// compile fails.

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

namespace llvm {
class LLVMContext;
}  // namespace llvm

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

/// Installs LLVM's fatal-error and bad-alloc handlers and enables crash
/// recovery, once per process; safe from any thread, any number of times.
void installLlvmErrorHandlers();

/// Runs `work` (an optimisation pipeline or code generation over modules of
/// `context`) so that an LLVM fatal error, a crash signal or an error
/// diagnostic inside it becomes INTERNAL "<what> failed: <LLVM's message>"
/// instead of ending the process. Warnings and remarks are dropped.
absl::Status runGuarded(llvm::LLVMContext& context, std::string_view what, llvm::function_ref<void()> work);

/// How many fatal errors or crashes runGuarded has recovered from (each
/// leaks what the failed work held).
int recoveredFatalErrors();

}  // namespace kiln::compiler::cpu
