#pragma once
// What one compile may spend: a deadline and a cancellation flag
// (CancelToken), and caps on the size of what it builds (Budget). The driver
// checks the budget between passes and the typing fixpoint once per instance
// per round; LLVM's own passes cannot be interrupted, so a compile stuck in
// one stops at the check after it. A tripped budget is an error status, not
// a diagnostic: DEADLINE_EXCEEDED, CANCELLED or RESOURCE_EXHAUSTED, with a
// message naming the limit.

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace kiln::compiler {

/// A deadline plus a flag another thread may set. Thread-safe; set the
/// deadline before sharing the token. A token may have a parent (the
/// server's own, cancelled when it shuts down): cancelling the parent
/// cancels every child.
class CancelToken {
 public:
  CancelToken() = default;
  explicit CancelToken(const CancelToken* parent) : parent_(parent) {}
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  /// After `deadline`, check() is DEADLINE_EXCEEDED "... exceeded <what>".
  void setDeadline(absl::Time deadline, std::string what) {
    deadline_ = deadline;
    deadline_what_ = std::move(what);
  }
  absl::Time deadline() const { return deadline_; }

  /// Also stop when `gone()` says the requester went away (a cancelled
  /// RPC): check() is then CANCELLED "... <what>". Set before sharing.
  void watch(std::function<bool()> gone, std::string what) {
    gone_ = std::move(gone);
    gone_what_ = std::move(what);
  }

  /// From now on check() returns `why` (the first call wins).
  void cancel(absl::Status why) {
    absl::MutexLock lock(&mu_);
    if (cancelled_.load(std::memory_order_relaxed)) return;
    why_ = std::move(why);
    cancelled_.store(true, std::memory_order_release);
  }

  /// OK, or why the work must stop now.
  absl::Status check() const {
    if (cancelled_.load(std::memory_order_acquire)) {
      absl::MutexLock lock(&mu_);
      return why_;
    }
    if (parent_ != nullptr)
      if (absl::Status s = parent_->check(); !s.ok()) return s;
    // The deadline first: gRPC cancels a call whose deadline passed.
    if (deadline_ != absl::InfiniteFuture() && absl::Now() >= deadline_)
      return absl::DeadlineExceededError(absl::StrCat("compile stopped: it exceeded ", deadline_what_));
    if (gone_ && gone_()) return absl::CancelledError(absl::StrCat("compile stopped: ", gone_what_));
    return absl::OkStatus();
  }

 private:
  const CancelToken* parent_ = nullptr;
  absl::Time deadline_ = absl::InfiniteFuture();
  std::string deadline_what_;
  std::function<bool()> gone_;
  std::string gone_what_;
  std::atomic<bool> cancelled_{false};
  mutable absl::Mutex mu_;
  absl::Status why_ ABSL_GUARDED_BY(mu_);
};

/// The limits of one compile. Zero means unlimited.
struct Budget {
  const CancelToken* cancel = nullptr;
  /// Typed instances (function x argument types) the typing fixpoint may make.
  size_t max_instances = 0;
  /// Instructions in the Kiln IR (all functions or instances) or the LLVM
  /// module after any pass.
  size_t max_ir_instructions = 0;
  /// Test-only fault injection: called with a stage's name before it runs
  /// (every pass, and the server's own steps); it may throw or block.
  std::function<void(const char* stage)> before_stage;

  absl::Status check() const { return cancel != nullptr ? cancel->check() : absl::OkStatus(); }
  void enter(const char* stage) const {
    if (before_stage) before_stage(stage);
  }
};

}  // namespace kiln::compiler
