#pragma once
// The compile slots and the queue in front of them.
//
//   slots              compiles that run at once (Config::threads)
//   queue cap          compiles that may wait for a slot, in all
//                      (Config::max_queued_compiles)
//   per-client cap     of which from one client (Config::max_queued_per_client)
//   fairness           a freed slot goes to the next client in round-robin
//                      order, oldest request of that client first: one client
//                      with a hundred queued compiles delays another client's
//                      one by at most one compile per slot
//
// A slot is held by a Lease (RAII): it returns the slot however the compile
// ends, exception included. A full queue is RESOURCE_EXHAUSTED naming the
// limit; a wait past the caller's deadline is DEADLINE_EXCEEDED; closing the
// queue (shutdown) fails every waiter with UNAVAILABLE. Thread-safe.

#include <deque>
#include <list>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kiln::server {

class CompileSlots {
 public:
  /// `max_queued` and `max_queued_per_client` of 0 mean no queue at all: a
  /// request that finds no free slot is refused.
  CompileSlots(int slots, int max_queued, int max_queued_per_client);
  CompileSlots(const CompileSlots&) = delete;
  CompileSlots& operator=(const CompileSlots&) = delete;

  /// Holds one slot until destroyed or moved from.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept : slots_(other.slots_) { other.slots_ = nullptr; }
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { release(); }
    void release();

   private:
    friend class CompileSlots;
    explicit Lease(CompileSlots* slots) : slots_(slots) {}
    CompileSlots* slots_ = nullptr;
  };

  /// A slot for `client`, waiting in the fair queue until `deadline`.
  absl::StatusOr<Lease> acquire(const std::string& client, absl::Time deadline);

  /// From now on acquire() fails with UNAVAILABLE, and so do current waiters.
  void close();

  int freeSlots() const;
  int queued() const;
  int slots() const { return slots_; }  // metrics: the slot count

 private:
  struct Waiter {
    bool granted = false;
  };
  void releaseSlot();

  const int slots_;
  const int max_queued_;
  const int max_queued_per_client_;
  mutable absl::Mutex mu_;
  int free_ ABSL_GUARDED_BY(mu_);
  int queued_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Per client, its waiters oldest first; `turns_` the clients with waiters
  // in the order they are served (front next).
  absl::flat_hash_map<std::string, std::deque<std::shared_ptr<Waiter>>> waiting_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> turns_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kiln::server
