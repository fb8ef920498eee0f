#pragma once
// The compile path behind the gRPC service, in domain terms:
//
//   artifact key = cache::artifactKey(bundle hash, signature, target,
//                                     options, emit, compiler build id)
//   L1 hit                -> the stored result
//   bundle unknown        -> kNeedBundle (the client uploads it); with L2 a
//                            bundle any server of the cluster was sent is
//                            known (read through, verified by its SHA-256)
//   L1 miss, L2 hit       -> the shared tier's value, verified, stored in L1
//                            (cache/shared_tier.h; only with --shared-cache)
//   miss                  -> single-flight: one compiler::compile per key,
//                            concurrent requests for that key share it; with
//                            L2, the cluster lock makes it one per cluster
//   OK                    -> stored in L1, returned
//   user error            -> kError with its diagnostic, never stored
//   any other error       -> kError, KIND_INTERNAL, counted; never a crash
//   over budget           -> an error status: DEADLINE_EXCEEDED (the
//                            client's deadline or --max-compile-seconds),
//                            CANCELLED/UNAVAILABLE (shutdown),
//                            RESOURCE_EXHAUSTED (a cap, named), never stored
//   exception             -> RESOURCE_EXHAUSTED (std::bad_alloc) or
//                            INTERNAL; the slot is returned and the
//                            single-flight entry completed (RAII)
//
// Compiles run on the calling (gRPC) thread, at most Config::threads at once,
// behind a fair, bounded queue (server/compile_slots.h); there is no global
// compiler lock. Thread-safe.

#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cache/cache_key.h"
#include "cache/shared_tier.h"
#include "cache/single_flight.h"
#include "cache/store.h"
#include "compiler/budget.h"
#include "compiler/diagnostic.h"
#include "compiler/driver/compile.h"
#include "kiln/v1/kiln.pb.h"
#include "server/artifact_record.h"
#include "server/bundle_lru.h"
#include "server/compile_slots.h"
#include "server/config.h"

namespace kiln::server {

/// A compile request with the bundle named by its hash.
struct CompileJob {
  cache::CacheKey bundle_hash;
  std::vector<std::string> arg_types;
  std::string return_type;
  compiler::Target target;
  compiler::Options options;
  compiler::Emit emit = compiler::Emit::kBinary;
  // Not part of the key:
  /// Who asked (the queue's fairness unit).
  std::string client = "local";
  /// The client's deadline (gRPC), or InfiniteFuture.
  absl::Time deadline = absl::InfiniteFuture();
  /// True once the client cancelled its call (null: never asked). Called
  /// from the compiling thread only, which is the request's own.
  std::function<bool()> client_gone;
};

struct CompileOutcome {
  CompileOutcome() = default;
  CompileOutcome(const CompileOutcome&) = delete;  // `artifact` points into `record`
  CompileOutcome& operator=(const CompileOutcome&) = delete;

  enum class Status { kOk, kNeedBundle, kError };
  Status status = Status::kError;
  /// kOk: the artifact record (server/artifact_record.h), the very bytes
  /// stored in (or read from) the cache, and views into it.
  std::string record;
  ArtifactView artifact;
  compiler::Diagnostic diagnostic;  // kError
  cache::CacheKey key;
  bool cache_hit = false;
  double compile_seconds = 0;
};

struct EngineStats {
  uint64_t compile_requests = 0, cache_hits = 0, cache_misses = 0, compiles = 0;
  uint64_t compile_errors = 0;   // user errors and internal errors
  uint64_t internal_errors = 0;  // of which compiler bugs
  uint64_t bundle_uploads = 0, bundles_stored = 0, cache_entries = 0, corrupt_values = 0;
  cache::StoreStats store;  // the cache's health
  double compile_seconds_total = 0;
  // Not (yet) in StatsResponse:
  uint64_t stopped_compiles = 0;  // deadline, cancellation or a size cap
  uint64_t exceptions = 0;        // thrown inside a compile, caught here
  // metrics:
  uint64_t single_flight_waits = 0;  // requests that joined another's compile of their key
  absl::Time zeroed_at = absl::Now();  // the start, or the last zeroStats()
  // redis-l2: the shared tier's counters (all zero without --shared-cache).
  bool l2_enabled = false;
  cache::SharedTierStats l2;
};

class Metrics;

class CompileEngine {
 public:
  /// `shared` (may be null: no L2) must outlive the engine.
  CompileEngine(const Config& config, cache::Store& store, cache::SharedTier* shared = nullptr);

  /// metrics: where lookups, waits and compiles are counted (may be null).
  /// Set before the first compile.
  void setMetrics(Metrics* metrics) { metrics_ = metrics; }
  /// metrics: `kilnctl zero-stats`: stats() counts from zero again (the
  /// store's counters from their current values); Prometheus counters go on.
  void zeroStats();
  /// metrics: `kilnctl cache evict|clear`.
  absl::StatusOr<cache::EvictResult> evictCache(const cache::EvictFilter& filter) { return store_.evict(filter); }
  /// metrics: compiles holding a slot now.
  int runningCompiles() const { return slots_.slots() - slots_.freeSlots(); }

  /// Records an uploaded bundle, already verified against `hash` and
  /// converted. `serialized` is its deterministic serialization.
  absl::Status addBundle(const cache::CacheKey& hash, std::string serialized, compiler::Bundle bundle);

  /// Compiles (or finds) the job's artifact. An error status only for a
  /// failure of the server itself (the store), never for the request.
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> compile(const CompileJob& job);

  EngineStats stats();

  /// Shutdown, step 1: queued and new compiles fail with UNAVAILABLE;
  /// running ones go on.
  void beginDrain();
  /// Shutdown, step 2: running compiles stop at their next check with `why`.
  void cancelAll(absl::Status why);

  /// SIGHUP: the limits that reload (config.h: max_compile_seconds,
  /// max_instances, max_ir_instructions), for compiles that start after it.
  void setLimits(const Config& next);

  int freeSlots() const { return slots_.freeSlots(); }
  size_t compilesInFlight() const { return flight_.inFlight(); }
  size_t compilesWaiting() const { return flight_.waiting(); }
  int queuedCompiles() const { return slots_.queued(); }
  const BundleLru& bundleMemory() const { return bundles_; }

 private:
  using Shared = std::shared_ptr<const CompileOutcome>;

  // Memory, then L1, then (when there is one) the shared tier.
  std::shared_ptr<const compiler::Bundle> findBundle(const cache::CacheKey& hash);
  // Decodes a stored bundle and keeps it in memory; null when unusable.
  std::shared_ptr<const compiler::Bundle> holdBundle(const cache::CacheKey& hash, const std::string& serialized,
                                                     bool from_l2);
  // L1, then (when `through_l2` and there is one) the shared tier.
  absl::StatusOr<Shared> lookup(const cache::CacheKey& key, bool through_l2 = true);
  // The outcome of a stored artifact record (L1's or L2's); null when the
  // record does not decode.
  Shared hitOf(const cache::CacheKey& key, std::string record);
  absl::StatusOr<Shared> compileHitOrMiss(const CompileJob& job);
  absl::StatusOr<Shared> compileMiss(const CompileJob& job, const cache::CacheKey& key,
                                     std::shared_ptr<const compiler::Bundle> bundle);
  void step(const char* stage) const {
    if (config_.fault_injection) config_.fault_injection(stage);
  }

  const Config config_;
  cache::Store& store_;
  cache::SharedTier* const shared_;  // redis-l2: null without --shared-cache
  cache::SingleFlight<absl::StatusOr<Shared>> flight_;
  BundleLru bundles_;
  CompileSlots slots_;
  /// The parent of every compile's CancelToken: cancelled at shutdown.
  compiler::CancelToken shutdown_;

  absl::Mutex stats_mu_;
  EngineStats stats_ ABSL_GUARDED_BY(stats_mu_);
  cache::StoreStats store_baseline_ ABSL_GUARDED_BY(stats_mu_);  // metrics: at the last zeroStats()
  Metrics* metrics_ = nullptr;

  // The reloadable limits (setLimits); config_ keeps their start-up values.
  struct Limits {
    double max_compile_seconds;
    size_t max_instances;
    size_t max_ir_instructions;
  };
  mutable absl::Mutex limits_mu_;
  Limits limits_ ABSL_GUARDED_BY(limits_mu_);
};

}  // namespace kiln::server
