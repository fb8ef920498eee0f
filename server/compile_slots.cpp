#include "server/compile_slots.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace kiln::server {

CompileSlots::CompileSlots(int slots, int max_queued, int max_queued_per_client)
    : slots_(std::max(1, slots)),
      max_queued_(std::max(0, max_queued)),
      max_queued_per_client_(std::max(0, max_queued_per_client)),
      free_(std::max(1, slots)) {}

CompileSlots::Lease& CompileSlots::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    slots_ = other.slots_;
    other.slots_ = nullptr;
  }
  return *this;
}

void CompileSlots::Lease::release() {
  if (slots_ != nullptr) slots_->releaseSlot();
  slots_ = nullptr;
}

absl::StatusOr<CompileSlots::Lease> CompileSlots::acquire(const std::string& client, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  if (closed_) return absl::UnavailableError("the server is shutting down");
  if (free_ > 0 && queued_ == 0) {
    --free_;
    return Lease(this);
  }
  if (queued_ >= max_queued_)
    return absl::ResourceExhaustedError(absl::StrCat("compile queue is full: ", queued_,
                                                     " compiles are waiting for a slot (limit "
                                                     "--max-queued-compiles=",
                                                     max_queued_, ")"));
  std::deque<std::shared_ptr<Waiter>>& mine = waiting_[client];
  if (const size_t n = mine.size(); static_cast<int>(n) >= max_queued_per_client_) {
    if (n == 0) waiting_.erase(client);
    return absl::ResourceExhaustedError(absl::StrCat("compile queue is full for client ", client, ": ",
                                                     n, " of its compiles are waiting for a slot (limit "
                                                     "--max-queued-per-client=",
                                                     max_queued_per_client_, ")"));
  }
  auto me = std::make_shared<Waiter>();
  if (mine.empty()) turns_.push_back(client);
  mine.push_back(me);
  ++queued_;
  auto ready = [this, &me]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return me->granted || closed_; };
  mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  if (me->granted) return Lease(this);  // granted by releaseSlot, which dequeued us
  // Not granted: leave the queue.
  std::deque<std::shared_ptr<Waiter>>& q = waiting_[client];
  q.erase(std::find(q.begin(), q.end(), me));
  if (q.empty()) {
    waiting_.erase(client);
    turns_.remove(client);
  }
  --queued_;
  if (closed_) return absl::UnavailableError("the server is shutting down");
  return absl::DeadlineExceededError(
      absl::StrCat("compile waited for a slot past its deadline (", queued_ + 1, " compiles queued)"));
}

void CompileSlots::releaseSlot() {
  absl::MutexLock lock(&mu_);
  if (turns_.empty()) {
    ++free_;
    return;
  }
  // The slot passes straight to the next client in turn (it never becomes
  // free, so nobody can jump the queue).
  const std::string client = turns_.front();
  turns_.pop_front();
  std::deque<std::shared_ptr<Waiter>>& q = waiting_[client];
  q.front()->granted = true;
  q.pop_front();
  --queued_;
  if (q.empty()) {
    waiting_.erase(client);
  } else {
    turns_.push_back(client);
  }
}

void CompileSlots::close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

int CompileSlots::freeSlots() const {
  absl::MutexLock lock(&mu_);
  return free_;
}

int CompileSlots::queued() const {
  absl::MutexLock lock(&mu_);
  return queued_;
}

}  // namespace kiln::server
