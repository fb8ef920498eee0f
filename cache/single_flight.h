#pragma once
// Single-flight: concurrent requests for one key run the work once; the
// others wait for it and share its result (Go's x/sync/singleflight). The
// entry for a key lives only while its work runs, so a request that arrives
// after the work finished runs it again: callers re-check the cache inside
// the work to make that cheap.

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
  Result run(const CacheKey& key, absl::FunctionRef<Result()> work, bool* shared = nullptr) {
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
      absl::MutexLock lock(&call->mu);
      call->mu.Await(absl::Condition(&call->done));
      return *call->result;
    }
    Result result = work();
    {
      absl::MutexLock lock(&call->mu);
      call->result.emplace(result);
      call->done = true;
    }
    absl::MutexLock lock(&mu_);
    calls_.erase(key);
    return result;
  }

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

  mutable absl::Mutex mu_;
  absl::flat_hash_map<CacheKey, std::shared_ptr<Call>> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kiln::cache
