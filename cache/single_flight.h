#pragma once
// Single-flight: concurrent requests for one key run the work once; the
// others wait for it and share its result (Go's x/sync/singleflight). The
// entry for a key lives only while its work runs, so a request that arrives
// after the work finished runs it again: callers re-check the cache inside
// the work to make that cheap.

#include <atomic>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "cache/cache_key.h"

namespace kiln::cache {

template <typename Result>
class SingleFlight {
 public:
  /// Runs `work` unless a call for `key` is already running, in which case
  /// waits for that call and returns a copy of its result. `*shared` (when
  /// given) is set to whether the result came from another caller's work.
  ///
  /// Exception-safe: when `work` throws, the entry is removed and its
  /// waiters are woken before the exception leaves; they find no result and
  /// start over (one of them runs the work). Nobody waits forever.
  Result run(const CacheKey& key, absl::FunctionRef<Result()> work, bool* shared = nullptr) {
    for (;;) {
      std::shared_ptr<Call> call;
      bool leader = false;
      {
        absl::MutexLock lock(&mu_);
        auto [it, inserted] = calls_.try_emplace(key);
        if (inserted) it->second = std::make_shared<Call>();
        call = it->second;
        leader = inserted;
      }
      if (shared != nullptr) *shared = !leader;
      if (!leader) {
        waiting_.fetch_add(1);
        absl::MutexLock lock(&call->mu);
        call->mu.Await(absl::Condition(&call->done));
        waiting_.fetch_sub(1);
        if (call->result.has_value()) return *call->result;
        continue;  // the leader's work threw
      }
      Finish finish(*this, key, *call);
      Result result = work();
      finish.publish(result);
      return result;
    }
  }

  /// Callers waiting for another caller's work now.
  size_t waiting() const { return waiting_.load(); }

  /// Keys whose work is running now.
  size_t inFlight() const {
    absl::MutexLock lock(&mu_);
    return calls_.size();
  }

 private:
  struct Call {
    absl::Mutex mu;
    bool done ABSL_GUARDED_BY(mu) = false;
    std::optional<Result> result ABSL_GUARDED_BY(mu);
  };

  // RAII: the leader's call is completed (with its result, or with none if
  // the work threw) and removed from the map, whichever way the work ends.
  class Finish {
   public:
    Finish(SingleFlight& flight, const CacheKey& key, Call& call) : flight_(flight), key_(key), call_(call) {}
    Finish(const Finish&) = delete;
    Finish& operator=(const Finish&) = delete;
    void publish(const Result& result) {
      absl::MutexLock lock(&call_.mu);
      call_.result.emplace(result);
    }
    ~Finish() {
      {
        absl::MutexLock lock(&call_.mu);
        call_.done = true;
      }
      absl::MutexLock lock(&flight_.mu_);
      flight_.calls_.erase(key_);
    }

   private:
    SingleFlight& flight_;
    const CacheKey& key_;
    Call& call_;
  };

  std::atomic<size_t> waiting_{0};
  mutable absl::Mutex mu_;
  absl::flat_hash_map<CacheKey, std::shared_ptr<Call>> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kiln::cache
