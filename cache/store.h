#pragma once
// The L1 artifact store: one RocksDB database holding artifacts ("a/" + key)
// and bundles ("b/" + hash), each value in the self-describing format of
// value_format.h.
//
// Invariant: get() never returns a payload that fails any check. A value that
// does is deleted, counted in corrupt_values(), logged, and reported as a
// miss; the caller recompiles (or asks for the bundle again). Thread-safe.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cache/cache_key.h"
#include "cache/value_format.h"

namespace rocksdb {
class DB;
}

namespace kiln::cache {

struct StoreOptions {
  /// Upper bound on the write-ahead log before memtables are flushed, so that
  /// reopening (which replays the WAL, on the auto-started server's start-up
  /// path) stays fast. Default: 64 MiB.
  uint64_t max_total_wal_size = 64ull << 20;
  /// RocksDB block cache for reads. Default: 32 MiB.
  uint64_t block_cache_bytes = 32ull << 20;
};

class Store {
 public:
  /// Opens (creating if missing) the database at `path`.
  static absl::StatusOr<std::unique_ptr<Store>> open(const std::string& path, const StoreOptions& options = {});
  ~Store();

  /// The payload stored under (kind, key); nullopt on a miss, including a
  /// value that failed its checks. An error only when RocksDB itself fails.
  absl::StatusOr<std::optional<std::string>> get(Kind kind, const CacheKey& key);
  /// Stores `payload` under (kind, key), replacing any previous value. The
  /// value is written whole (one RocksDB Put) or not at all.
  absl::Status put(Kind kind, const CacheKey& key, std::string_view payload);
  /// The number of entries of `kind` (a scan of its prefix: for stats and
  /// tests, not for hot paths).
  absl::StatusOr<uint64_t> count(Kind kind) const;
  /// Values found corrupt (and deleted) since open.
  uint64_t corrupt_values() const { return corrupt_values_.load(std::memory_order_relaxed); }

  /// The RocksDB key of (kind, key): "a/" or "b/" then the 32 raw key bytes.
  static std::string storageKey(Kind kind, const CacheKey& key);

 private:
  explicit Store(std::unique_ptr<rocksdb::DB> db);

  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> corrupt_values_{0};
};

}  // namespace kiln::cache
