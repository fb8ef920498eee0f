#pragma once
// Decoded bundles kept in memory, bounded by bytes (their serialized size),
// least recently used evicted first. The cache's RocksDB holds every bundle
// too, so an evicted one reloads from there. Thread-safe.

#include <cstdint>
#include <list>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "cache/cache_key.h"
#include "compiler/bundle.h"

namespace kiln::server {

class BundleLru {
 public:
  explicit BundleLru(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  /// The bundle, now the most recently used; null when not held.
  std::shared_ptr<const compiler::Bundle> find(const cache::CacheKey& hash);
  /// Holds `bundle` (replacing one of the same hash), evicting the least
  /// recently used until the total fits. One larger than the whole budget is
  /// not held. A compile that holds a bundle keeps it alive after eviction.
  void insert(const cache::CacheKey& hash, std::shared_ptr<const compiler::Bundle> bundle, uint64_t bytes);

  uint64_t bytes() const;
  size_t size() const;
  uint64_t evictions() const;

 private:
  struct Entry {
    cache::CacheKey hash;
    std::shared_ptr<const compiler::Bundle> bundle;
    uint64_t bytes;
  };
  void eraseLocked(std::list<Entry>::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const uint64_t max_bytes_;
  mutable absl::Mutex mu_;
  std::list<Entry> order_ ABSL_GUARDED_BY(mu_);  // most recently used first
  absl::flat_hash_map<cache::CacheKey, std::list<Entry>::iterator> index_ ABSL_GUARDED_BY(mu_);
  uint64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace kiln::server
