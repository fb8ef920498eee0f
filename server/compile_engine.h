#pragma once
// The compile path behind the gRPC service, in domain terms:
//
//   artifact key = cache::artifactKey(bundle hash, signature, target,
//                                     options, emit, compiler build id)
//   L1 hit                -> the stored result
//   bundle unknown        -> kNeedBundle (the client uploads it)
//   miss                  -> single-flight: one compiler::compile per key,
//                            concurrent requests for that key share it
//   OK                    -> stored in L1, returned
//   user error            -> kError with its diagnostic, never stored
//   any other error       -> kError, KIND_INTERNAL, counted; never a crash
//
// Compiles run on the calling (gRPC) thread, at most Config::threads at once;
// there is no global compiler lock. Thread-safe.

#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cache/cache_key.h"
#include "cache/single_flight.h"
#include "cache/store.h"
#include "compiler/diagnostic.h"
#include "compiler/driver/compile.h"
#include "kiln/v1/kiln.pb.h"
#include "server/artifact_record.h"
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
};

class CompileEngine {
 public:
  CompileEngine(const Config& config, cache::Store& store);

  /// Records an uploaded bundle, already verified against `hash` and
  /// converted. `serialized` is its deterministic serialization.
  absl::Status addBundle(const cache::CacheKey& hash, std::string serialized, compiler::Bundle bundle);

  /// Compiles (or finds) the job's artifact. An error status only for a
  /// failure of the server itself (the store), never for the request.
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> compile(const CompileJob& job);

  EngineStats stats();

 private:
  using Shared = std::shared_ptr<const CompileOutcome>;

  std::shared_ptr<const compiler::Bundle> findBundle(const cache::CacheKey& hash);
  absl::StatusOr<Shared> lookup(const cache::CacheKey& key);
  absl::StatusOr<Shared> compileMiss(const CompileJob& job, const cache::CacheKey& key,
                                     std::shared_ptr<const compiler::Bundle> bundle);

  const Config config_;
  cache::Store& store_;
  cache::SingleFlight<absl::StatusOr<Shared>> flight_;

  absl::Mutex bundles_mu_;
  absl::flat_hash_map<cache::CacheKey, std::shared_ptr<const compiler::Bundle>> bundles_
      ABSL_GUARDED_BY(bundles_mu_);

  absl::Mutex slots_mu_;
  int free_slots_ ABSL_GUARDED_BY(slots_mu_);

  absl::Mutex stats_mu_;
  EngineStats stats_ ABSL_GUARDED_BY(stats_mu_);
};

}  // namespace kiln::server
