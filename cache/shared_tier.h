#pragma once
// The cluster-shared L2 tier: one or more plain redis-server instances that
// every kilnd of a cluster reads and writes (docs/cache.md, "L2: the shared
// tier on Redis").
//
//  - Keys spread over the instances by rendezvous (highest-random-weight)
//    hashing of the cache key: each key has a preference order of the
//    instances, and while its first instance is down the next one up serves
//    it. Adding or removing an instance moves only the keys it wins or
//    loses.
//  - Values are the self-describing format of value_format.h (key echo and
//    XXH3 checksum), the very bytes L1 stores. A value that fails its checks
//    is deleted (DEL), counted and reported as a miss: never served.
//  - Cluster single-flight: `SET kiln:lock:<key> <server id> NX PX <ms>`.
//    The holder compiles and publishes; the others poll with backoff until
//    the value appears, the lock goes (they then take it) or their bound
//    passes (they then compile themselves). A lost holder's lock expires by
//    its PX, so nobody waits on it longer than lock_ttl.
//  - opsrest: while its compile runs, the holder renews its lock every
//    lock_ttl/3 with a compare-and-extend (PEXPIRE only while the lock holds
//    our id), from one background thread, so a compile longer than lock_ttl
//    still runs once in the cluster. A waiter's bound (lock_wait) restarts
//    each time it sees the lock's expiry move forward (PTTL grew: its holder
//    is alive); a lock that only counts down is a lost holder's.
//  - Everything is bounded: a timeout on every step, a maximum value size,
//    at most pool_size idle connections per instance. An instance that times
//    out, refuses connections or answers garbage is skipped (a circuit
//    breaker) for retry_after, then tried again; each change of state is
//    logged once. The tier never fails a compile: every error is a miss.
// Thread-safe.

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cache/cache_key.h"
#include "cache/redis_resp.h"
#include "cache/value_format.h"

namespace kiln::cache {

struct SharedTierOptions {
  /// redis:// or rediss:// URLs (cache/redis_connection.h), at least one.
  std::vector<std::string> urls;
  /// A file whose first line is the password for AUTH, for every instance
  /// (overrides a password in a URL). Default: "" (the URLs').
  std::string password_file;
  /// rediss://: CA certificates to verify the servers with (default: the
  /// system's), and a client certificate and key to present (optional).
  std::string tls_ca_path, tls_cert_path, tls_key_path;
  /// Bound on each round trip (and 4x this on connecting, TLS and AUTH
  /// included). Default: 50 ms.
  absl::Duration timeout = absl::Milliseconds(50);
  /// Expiry of stored values; zero = none (let Redis's maxmemory policy
  /// evict). Default: none.
  absl::Duration ttl = absl::ZeroDuration();
  /// Values larger than this are not stored, and a reply larger than this is
  /// a protocol error. Default: 64 MiB.
  size_t max_value_bytes = 64u << 20;
  /// The cluster lock's expiry (PX): the longest anyone waits on a holder
  /// that died. Default: 30 s.
  absl::Duration lock_ttl = absl::Seconds(30);
  /// How long a waiter polls before compiling itself. Default: 30 s.
  absl::Duration lock_wait = absl::Seconds(30);
  /// How long an instance that failed is skipped. Default: 3 s.
  absl::Duration retry_after = absl::Seconds(3);
  /// Idle connections kept per instance. Default: 8.
  size_t pool_size = 8;
  /// This server's name in the locks it holds; "" = host:pid:random.
  std::string server_id;
};

/// The tier's counters since start (and its state now).
struct SharedTierStats {
  enum Reason { kTimeout, kConnect, kProtocol, kDigest, kReasonCount };
  uint64_t hits = 0, misses = 0;
  std::array<uint64_t, kReasonCount> errors{};  // by Reason
  uint64_t writes = 0;          // values SET
  uint64_t oversize = 0;        // values not stored: over max_value_bytes
  uint64_t lock_acquired = 0;   // cluster locks taken (this server compiled)
  uint64_t lock_waits = 0;      // misses that waited on another server's lock
  uint64_t lock_wait_hits = 0;  // ... and got its value
  uint64_t corrupt_values = 0;  // values that failed their checks (deleted)
  uint64_t degraded_events = 0; // instance up -> down transitions
  // opsrest: bundles (Kind::kBundle) are looked up apart from artifacts, so
  // hits and misses above stay the artifact lookups.
  uint64_t bundle_hits = 0, bundle_misses = 0;
  uint64_t lock_renewals = 0;   // locks extended while their compile ran
  uint64_t locks_lost = 0;      // renewals that found the lock no longer ours
  uint64_t instances = 0, instances_down = 0;
  bool degraded = false;        // some instance is skipped now
  /// Each instance ("host:port") and whether it is up now (not skipped):
  /// the `instance` label of kiln_shared_tier_up (metrics-contract.md).
  std::vector<std::pair<std::string, bool>> instance_up;
  static const char* reasonName(Reason r);
};

class SharedTier {
 public:
  /// Checks the options (URLs, files, TLS material) and connects lazily:
  /// an instance that is down at start is just down, not an error.
  static absl::StatusOr<std::unique_ptr<SharedTier>> create(const SharedTierOptions& options);
  ~SharedTier();

  /// The verified payload under (kind, key), or nullopt (a miss, an error,
  /// a value that failed its checks). `check` (optional) is a further check
  /// of the payload (a bundle's SHA-256): a value failing it is treated as
  /// one failing the format's checks (counted, deleted, a miss).
  std::optional<std::string> get(Kind kind, const CacheKey& key,
                                 const std::function<absl::Status(std::string_view)>& check = nullptr);
  /// Stores the payload (whole or not at all; errors are counted, not
  /// returned).
  void put(Kind kind, const CacheKey& key, std::string_view payload);

  /// The outcome of claim(): either the value another server published while
  /// we waited, or whether we now hold the key's lock (false: compile without
  /// it — the tier is down, or the wait ran past its bound).
  struct Claim {
    std::optional<std::string> payload;
    bool locked = false;
  };
  /// Cluster single-flight for an artifact key that just missed: takes the
  /// lock, or waits for its holder's value (until lock_wait without the
  /// holder renewing, or `deadline`, or until `stop` — when given — says so:
  /// a shutdown, a client gone). A lock taken is renewed until release().
  Claim claim(const CacheKey& key, absl::Time deadline, const std::function<bool()>& stop = nullptr);
  /// Stops renewing and releases a lock claim() took (only if it is still
  /// ours: a compare-and-delete).
  void release(const CacheKey& key);

  SharedTierStats stats() const;
  const std::string& serverId() const { return options_.server_id; }
  /// "host:port" of each instance, in the order given.
  const std::vector<std::string>& instanceNames() const { return names_; }

  /// Rendezvous hashing: the indices of `instances` (their names) in the
  /// order `key` prefers them. Stable across processes and runs.
  static std::vector<size_t> preference(std::string_view key, const std::vector<std::string>& instances);
  /// The Redis key of a value and of its lock.
  static std::string valueKey(Kind kind, const CacheKey& key);
  static std::string lockKey(const CacheKey& key);

 private:
  struct Instance;
  class Lease;
  explicit SharedTier(SharedTierOptions options);
  // Runs one command on the first instance up in `key`'s preference order;
  // nullopt on failure (counted, the instance marked down).
  std::optional<RespValue> run(const CacheKey& key, const std::vector<std::string_view>& args);
  // One command on one instance: a pooled connection (or a fresh one when a
  // pooled one turns out stale), by the timeout.
  absl::StatusOr<RespValue> runOn(Instance& instance, const std::vector<std::string_view>& args);
  bool available(Instance& instance);
  void markDown(Instance& instance, SharedTierStats::Reason reason, const absl::Status& why);
  void markUp(Instance& instance);
  // The renewal thread: every lock_ttl/3, extends each lock in held_.
  void renewLoop();
  // get() without counting hits and misses (claim()'s polls).
  std::optional<std::string> fetch(Kind kind, const CacheKey& key, bool count,
                                   const std::function<absl::Status(std::string_view)>& check = nullptr);

  SharedTierOptions options_;
  std::shared_ptr<SSL_CTX> tls_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<std::string> names_;

  std::atomic<uint64_t> hits_{0}, misses_{0}, writes_{0}, oversize_{0}, lock_acquired_{0}, lock_waits_{0},
      lock_wait_hits_{0}, corrupt_values_{0}, degraded_events_{0}, bundle_hits_{0}, bundle_misses_{0},
      lock_renewals_{0}, locks_lost_{0};
  std::array<std::atomic<uint64_t>, SharedTierStats::kReasonCount> errors_{};

  // opsrest: the locks this server holds (their compiles run), renewed by
  // renewer_ until release() or the destructor.
  absl::Mutex held_mu_;
  absl::flat_hash_map<CacheKey, int> held_ ABSL_GUARDED_BY(held_mu_);
  bool stopping_ ABSL_GUARDED_BY(held_mu_) = false;
  std::thread renewer_;
};

}  // namespace kiln::cache
