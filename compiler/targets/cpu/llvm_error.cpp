#include "compiler/targets/cpu/llvm_error.h"

#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "llvm/IR/DiagnosticHandler.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

// In an AddressSanitizer build, ASan leaves threads' alternate signal stacks
// alone (use_sigaltstack=0), whatever the environment says or fails to pass
// on (systemd-socket-activate starts kilnd with an empty one). Enable()
// below registers LLVM's signal handlers, which give the calling thread an
// alternate stack from malloc; ASan, by default, unmaps whatever alternate
// stack a thread has when it exits, and aborts with "unable to unmap" on
// that heap address. LLVM skips its own alternate stack when LLVM itself is
// built with ASan; ours is a prebuilt LLVM. Defaults only: ASAN_OPTIONS
// still overrides each flag it names.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
extern "C" const char* __asan_default_options() { return "use_sigaltstack=0"; }
#endif
#endif

namespace kiln::compiler::cpu {
namespace {

// The message of the fatal error that ended the guarded work on this thread.
thread_local std::string* t_fatal_message = nullptr;
std::atomic<int> g_recovered{0};

// Called by LLVM in place of printing "LLVM ERROR: ..." and exiting. Inside a
// recovery context (runGuarded, or lld's own): record and jump back. Outside
// one there is nowhere to return to: say so on stderr and let LLVM end the
// process, as it would without a handler.
void onFatalError(void*, const char* reason, bool) {
  if (llvm::CrashRecoveryContext* crc = llvm::CrashRecoveryContext::GetCurrent()) {
    if (t_fatal_message != nullptr) *t_fatal_message = reason;
    crc->HandleExit(1);  // does not return
  }
  // write(2) only: the heap or a lock may be what failed.
  static const char kPrefix[] = "LLVM ERROR (outside any recovery point): ";
  (void)!::write(2, kPrefix, sizeof kPrefix - 1);
  (void)!::write(2, reason, std::char_traits<char>::length(reason));
  (void)!::write(2, "\n", 1);
}

void onBadAlloc(void*, const char* reason, bool) {
  if (llvm::CrashRecoveryContext* crc = llvm::CrashRecoveryContext::GetCurrent()) {
    if (t_fatal_message != nullptr) t_fatal_message->assign("out of memory: ").append(reason);
    crc->HandleExit(1);
  }
  static const char kMessage[] = "LLVM ERROR: out of memory (outside any recovery point)\n";
  (void)!::write(2, kMessage, sizeof kMessage - 1);
  ::abort();
}

// Collects the context's error diagnostics; the default handler would print
// them and call exit(1).
class CollectErrors final : public llvm::DiagnosticHandler {
 public:
  explicit CollectErrors(std::string* errors) : errors_(errors) {}
  bool handleDiagnostics(const llvm::DiagnosticInfo& info) override {
    if (info.getSeverity() != llvm::DS_Error) return true;  // warnings, remarks: dropped
    std::string text;
    llvm::raw_string_ostream os(text);
    llvm::DiagnosticPrinterRawOStream printer(os);
    info.print(printer);
    if (!errors_->empty()) errors_->append("; ");
    errors_->append(os.str());
    return true;
  }

 private:
  std::string* errors_;
};

}  // namespace

absl::Status toStatus(llvm::Error error, absl::StatusCode code, std::string_view context) {
  if (!error) return absl::OkStatus();
  std::string message = llvm::toString(std::move(error));
  if (!context.empty()) message = std::string(context) + ": " + message;
  return absl::Status(code, message);
}

void installLlvmErrorHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::install_fatal_error_handler(onFatalError, nullptr);
    llvm::install_bad_alloc_error_handler(onBadAlloc, nullptr);
    // RunSafely only sets a recovery point when recovery is enabled; this
    // also catches crash signals on threads inside a recovery context (and
    // re-raises them on any other thread).
    llvm::CrashRecoveryContext::Enable();
  });
}

absl::Status runGuarded(llvm::LLVMContext& context, std::string_view what, llvm::function_ref<void()> work) {
  installLlvmErrorHandlers();
  std::string errors;
  context.setDiagnosticHandler(std::make_unique<CollectErrors>(&errors));
  // After a recovery, what the work's own frames held is leaked (their
  // destructors never ran); the caller destroys the LLVM objects it owns.
  std::string fatal;
  t_fatal_message = &fatal;
  llvm::CrashRecoveryContext crc;
  const bool finished = crc.RunSafely(work);
  t_fatal_message = nullptr;
  // Back to LLVM's default (a compile's context has no handler of its own).
  context.setDiagnosticHandler(std::make_unique<llvm::DiagnosticHandler>());
  if (!finished) {
    g_recovered.fetch_add(1);
    if (fatal.empty()) fatal = "LLVM crashed (a signal inside the compiler)";
    return absl::InternalError(absl::StrCat(std::string(what), " failed: LLVM ERROR: ", fatal));
  }
  if (!errors.empty()) return absl::InternalError(absl::StrCat(std::string(what), " failed: ", errors));
  return absl::OkStatus();
}

int recoveredFatalErrors() { return g_recovered.load(); }

}  // namespace kiln::compiler::cpu
