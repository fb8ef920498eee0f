#pragma once
// The L1 artifact store: one RocksDB database holding artifacts ("a/" + key)
// and bundles ("b/" + hash), each value in the self-describing format of
// value_format.h, plus one LRU index entry per value ("u/" + storage key ->
// access sequence number and value size) and a marker ("m/index-v1").
//
// Storage faults degrade the cache, they never break the server:
//  - get() never returns a payload that fails any check. A value that does,
//    or a read that RocksDB reports as Corruption, is counted in
//    corrupt_values(), logged, deleted where possible, and reported as a miss;
//    the caller recompiles (or asks for the bundle again). A RocksDB
//    Corruption means a damaged table file, so the store then rebuilds the
//    database: every value still readable is copied into a fresh database
//    and the damaged one is moved aside to "<path>.corrupt-<UTC time>".
//  - A database that does not open because it is damaged (MANIFEST, CURRENT,
//    a table file) is moved aside the same way and a fresh one created.
//  - A write that fails with an I/O error (a full disk) makes the store
//    read-only: reads go on, writes are dropped and counted. At most once per
//    StoreOptions::retry_interval a write reopens the database read-write,
//    so the store recovers by itself when space returns. A database that
//    cannot even be opened read-only runs as an empty, read-only cache.
//  - With max_bytes set, values are evicted least recently used first.
//
// RocksDB's own info log is routed to kiln's log (warnings and up): its file
// logger aborts the process on a full disk (Debian builds keep assertions).
// Thread-safe.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cache/cache_key.h"
#include "cache/value_format.h"

namespace rocksdb {
class DB;
struct Options;
}  // namespace rocksdb

namespace kiln::cache {

struct StoreOptions {
  /// Upper bound on the write-ahead log before memtables are flushed, so that
  /// reopening (which replays the WAL, on the auto-started server's start-up
  /// path) stays fast. Default: 64 MiB.
  uint64_t max_total_wal_size = 64ull << 20;
  /// RocksDB block cache for reads. Default: 32 MiB.
  uint64_t block_cache_bytes = 32ull << 20;
  /// Bound on the bytes of stored values (artifacts and bundles, as stored,
  /// headers included); beyond it the least recently used values are evicted
  /// down to 90% of it. 0 = unbounded. Default: 0.
  uint64_t max_bytes = 0;
  /// How often a read-only store (full disk, failed open) tries to become
  /// writable again, on the next write. Default: 10 s.
  absl::Duration retry_interval = absl::Seconds(10);
};

/// A snapshot of the store's health and counters.
struct StoreStats {
  uint64_t corrupt_values = 0;  // values that failed their checks or RocksDB's (since open)
  uint64_t moved_aside = 0;     // damaged databases moved aside (at open or by a rebuild)
  uint64_t rebuilds = 0;        // rebuilds after a Corruption met at run time
  uint64_t evictions = 0;       // values evicted for max_bytes
  uint64_t dropped_writes = 0;  // writes not stored because the store was read-only
  uint64_t bytes = 0;           // bytes of stored values (by the LRU index)
  uint64_t max_bytes = 0;       // StoreOptions::max_bytes
  bool read_only = false;
  std::string read_only_reason;  // why, while read_only
};

/// What verify() found. Clean when nothing failed.
struct VerifyReport {
  uint64_t values = 0;          // artifacts and bundles read
  uint64_t corrupt_values = 0;  // values that failed a check of value_format.h
  uint64_t read_errors = 0;     // damaged regions RocksDB refused to read (skipped)
  bool tables_ok = true;        // RocksDB's block checksums of every table file
  std::vector<std::string> problems;  // the first few, human-readable
  bool clean() const { return corrupt_values == 0 && read_errors == 0 && tables_ok; }
};

/// The report as one JSON object: {"path", "clean", "values",
/// "corrupt_values", "read_errors", "tables_ok", "problems": [...]}.
std::string toJson(const VerifyReport& report, std::string_view path);

/// metrics: what `kilnctl cache evict|clear` removes. A value goes when it
/// matches every filter given; `all` takes every artifact and bundle.
struct EvictFilter {
  bool all = false;
  /// Lower-case hex: values whose key starts with it ("" = any).
  std::string key_prefix_hex;
  /// Values whose index entry (their last write, or last use when max_bytes
  /// is set) is at least this old; entries of unknown age are kept.
  std::optional<uint64_t> older_than_seconds;
  /// Of the matching values, evict least recently used first only until the
  /// cache holds at most this many bytes.
  std::optional<uint64_t> down_to_bytes;
};

struct EvictResult {
  uint64_t values = 0, bytes = 0;  // evicted
  uint64_t remaining_bytes = 0;    // stored after
};

class Store {
 public:
  /// Opens (creating if missing) the database at `path`. Fails only when the
  /// database is unusable for a reason that moving it aside cannot cure: held
  /// by another process, or a directory that cannot be created or renamed.
  static absl::StatusOr<std::unique_ptr<Store>> open(const std::string& path, const StoreOptions& options = {});
  ~Store();

  /// The payload stored under (kind, key); nullopt on a miss, including a
  /// value that failed its checks and a read RocksDB could not do. Never an
  /// error today; StatusOr is kept for callers.
  absl::StatusOr<std::optional<std::string>> get(Kind kind, const CacheKey& key);
  /// Stores `payload` under (kind, key), replacing any previous value. The
  /// value is written whole (one RocksDB write batch) or not at all; while
  /// the store is read-only it is dropped (counted in dropped_writes) and the
  /// result is OK: a cache that cannot store is not an error for the caller.
  absl::Status put(Kind kind, const CacheKey& key, std::string_view payload);
  /// The number of entries of `kind` (a scan of its prefix: for stats and
  /// tests, not for hot paths).
  absl::StatusOr<uint64_t> count(Kind kind) const;
  /// Deletes the values `filter` selects (counted in evictions), safe while
  /// serving; FAILED_PRECONDITION while the store is read-only.
  absl::StatusOr<EvictResult> evict(const EvictFilter& filter);
  /// opsrest: a new bound for StoreOptions::max_bytes (SIGHUP). Below what
  /// is stored, evicts least recently used values down to 90% of it before
  /// returning; above, only raises the bound. 0 = unbounded.
  void setMaxBytes(uint64_t max_bytes);
  /// Values found corrupt since open.
  uint64_t corrupt_values() const { return corrupt_values_.load(std::memory_order_relaxed); }
  StoreStats stats() const;
  /// Reads every value and checks it (value format and RocksDB's table
  /// checksums). Reports, deletes nothing.
  absl::StatusOr<VerifyReport> verify() const;
  /// verify() of the database at `path`, opened read-only: works on a cache
  /// that a running server holds, and on one no server runs on.
  static absl::StatusOr<VerifyReport> verifyPath(const std::string& path);

  /// The RocksDB key of (kind, key): "a/" or "b/" then the 32 raw key bytes.
  static std::string storageKey(Kind kind, const CacheKey& key);

 private:
  Store(std::string path, const StoreOptions& options);

  // Opens path_ into db_; moves a damaged database aside; falls back to
  // read-only (or no database) on an I/O error such as a full disk.
  absl::Status openDb() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void closeDb() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status moveAside(const std::string& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void setReadOnly(std::string reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Loads the LRU index (bytes, next sequence), backfilling it for a
  // database written before it existed.
  absl::Status loadIndex() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A write failed with `s` (I/O error: read-only; Corruption: rebuild).
  void writeFailed(const std::string& what, const std::string& s, bool corruption) ABSL_LOCKS_EXCLUDED(mu_);
  // Reopens a read-only store read-write when the retry interval has passed.
  void maybeRecover() ABSL_LOCKS_EXCLUDED(mu_);
  // After a Corruption from RocksDB: copies what is readable into a fresh
  // database and moves the damaged one aside. `generation` is the database
  // generation the caller saw; a later one means another thread rebuilt.
  void rebuild(uint64_t generation, const std::string& why) ABSL_LOCKS_EXCLUDED(mu_);
  void dropCorrupt(const std::string& db_key) ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void touch(const std::string& db_key, uint64_t size) ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void evictLocked() ABSL_SHARED_LOCKS_REQUIRED(mu_) ABSL_EXCLUSIVE_LOCKS_REQUIRED(index_mu_);
  bool writable() const;

  const std::string path_;
  const StoreOptions options_;
  std::shared_ptr<rocksdb::Options> db_options_;

  // Readers and writers of the database hold mu_ shared; reopening, moving
  // aside and rebuilding hold it exclusively.
  mutable absl::Mutex mu_;
  std::unique_ptr<rocksdb::DB> db_ ABSL_GUARDED_BY(mu_);  // null: no database could be opened
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;

  // Read-only state: written under state_mu_ (with mu_ held either way).
  mutable absl::Mutex state_mu_;
  bool read_only_ ABSL_GUARDED_BY(state_mu_) = false;
  std::string read_only_reason_ ABSL_GUARDED_BY(state_mu_);
  absl::Time last_recovery_attempt_ ABSL_GUARDED_BY(state_mu_) = absl::InfinitePast();
  std::atomic<bool> read_only_flag_{false};  // read_only_, for the lock-free fast path

  // The LRU index: puts, deletes and evictions keep bytes_ in step with it.
  absl::Mutex index_mu_ ABSL_ACQUIRED_AFTER(mu_);
  uint64_t next_sequence_ ABSL_GUARDED_BY(index_mu_) = 1;
  std::atomic<uint64_t> bytes_{0};
  // StoreOptions::max_bytes, which setMaxBytes() changes (options_ keeps the
  // opening value).
  std::atomic<uint64_t> max_bytes_;

  std::atomic<uint64_t> corrupt_values_{0};
  std::atomic<uint64_t> moved_aside_{0};
  std::atomic<uint64_t> rebuilds_{0};
  std::atomic<uint64_t> evictions_{0};
  std::atomic<uint64_t> dropped_writes_{0};
};

}  // namespace kiln::cache
