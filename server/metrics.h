#pragma once
// kilnd's Prometheus metrics (docs/operations.md, "Metrics"; the names are a
// contract with the alert rules and the dashboard in deploy/).
//
// One Metrics object per server owns a prometheus-cpp registry with every
// family of the contract registered at construction, so a scrape always shows
// every name (counters at 0 until they move). The rest of the server calls
// plain methods (countLookup, observeCompile, ...); nothing outside this file
// sees prometheus-cpp. Gauges that mirror state owned elsewhere (queue
// depth, cache bytes, ...) are read by a sampler at scrape time, so the hot
// path never updates them.
//
// serve() starts the pull listener (`kilnd --metrics-listen ADDR:PORT`,
// GET /metrics) on its own HTTP port; without it the counters still count
// and text() renders them (tests). Counters here are monotonic: `kilnctl
// zero-stats` resets the GetStats counters, never these (Prometheus handles
// resets only as restarts). Thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cache/shared_tier.h"

namespace grpc::experimental {
class ServerInterceptorFactoryInterface;
}

namespace kiln::server {

/// State owned by the engine and the store, read at each scrape.
struct MetricsSample {
  int64_t queue_depth = 0;         // compiles waiting for a slot
  int64_t compiles_in_flight = 0;  // compiles holding a slot
  uint64_t cache_bytes = 0;        // L1 bytes of stored values
  uint64_t cache_entries = 0;      // L1 artifacts stored
  bool cache_read_only = false;
  // Totals since the store opened (monotonic): the counters follow them.
  uint64_t l1_evictions = 0;
  uint64_t l1_corrupt_values = 0;
  // The shared (L2) tier's totals, when --shared-cache is set: the l2 series
  // of the lookup, corrupt-value, cluster-wait and shared-tier counters
  // follow them, and kiln_shared_tier_up gets a series per instance.
  bool l2_enabled = false;
  cache::SharedTierStats l2;
  // gpu: the GPU pool's totals per device (empty without --gpu-pool):
  // kiln_gpu_launches_total{device,outcome} and
  // kiln_gpu_worker_restarts_total{device} follow them.
  struct GpuDevice {
    uint64_t launches_ok = 0;
    uint64_t launches_kernel_error = 0;  // the kernel reported an error (the worker goes on)
    uint64_t launches_fault = 0;         // the worker died during the launch (replaced)
    uint64_t launches_deadline = 0;      // the launch ran past its deadline (worker killed, replaced)
    uint64_t launches_refused = 0;       // any other failure (a bad argument, a stale handle)
    uint64_t worker_restarts = 0;
    // kiln_gpu_modules_total{device,result}: how launches found their module
    // in the worker's cache (hit; loaded from the image sent; resent after
    // the worker turned out to lack it).
    uint64_t modules_hit = 0, modules_loaded = 0, modules_resent = 0;
    // Asynchronous launches dropped without running (their client went
    // away, or an earlier launch of their stream failed):
    // kiln_gpu_launches_total{outcome="dropped"}; and those queued now,
    // not yet started: the gauge kiln_gpu_queued_launches{device}.
    uint64_t launches_dropped = 0;
    uint64_t queued_launches = 0;
  };
  std::vector<GpuDevice> gpu;
};

class Metrics {
 public:
  enum class Tier { kL1, kL2 };
  enum class LookupResult { kHit, kMiss, kError };
  enum class WaitScope { kLocal, kCluster };
  enum class CompileResult { kOk, kError, kInternalError };

  /// `version` and `compiler_build_id` label kiln_build_info.
  Metrics(std::string version, std::string compiler_build_id);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// Serves GET /metrics on `address` ("host:port"; port 0 picks one).
  /// FAILED_PRECONDITION when the address cannot be bound.
  absl::Status serve(const std::string& address);
  /// The bound port of serve(), or 0 when not serving.
  int port() const;

  /// Called at every scrape (and text()) to refresh the sampled gauges.
  void setSampler(std::function<MetricsSample()> sampler);

  /// One finished RPC: its method ("Compile", or "pkg.Service/Method" for
  /// services other than kiln.v1.Kiln) and canonical status code (0..16).
  void countRequest(std::string_view rpc, int code);
  void addReceivedBytes(std::string_view rpc, uint64_t bytes);
  void addSentBytes(std::string_view rpc, uint64_t bytes);
  void countLookup(Tier tier, LookupResult result);
  void countSingleFlightWait(WaitScope scope);
  /// One compile that ran: its outcome, its wall time, and (when it
  /// succeeded) the driver's time per pass, which is folded into the
  /// contract's stages (stageOfPass).
  void observeCompile(CompileResult result, double seconds,
                      const std::vector<std::pair<std::string, double>>& pass_seconds);
  void setDraining(bool draining);
  /// The shared (L2) tier, for the code that wires cache/'s SharedTierStats
  /// in: its lookups go to countLookup(Tier::kL2, ...) and its lock waits to
  /// countSingleFlightWait(WaitScope::kCluster); these two cover the rest.
  /// `reason`: "timeout", "connect", "protocol" or "digest".
  void countSharedTierError(std::string_view reason);
  /// One series per instance ("redis://host:port"), 1 while it answers.
  void setSharedTierUp(std::string_view instance, bool up);

  /// The exposition text a scrape returns.
  std::string text() const;

  /// Counts every RPC of the server it is installed in (requests, bytes).
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> interceptorFactory();

  /// The stage of the contract ("frontend", "typing", "lowering",
  /// "optimize", "codegen", "link") a driver pass belongs to: the stages are
  /// passes of those names; any other pass belongs to the stage it follows
  /// (`previous`), e.g. simplify-block-params to frontend.
  static std::string_view stageOfPass(std::string_view pass, std::string_view previous);

  struct Impl;  // metrics.cpp: the registry, shared with the interceptors

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace kiln::server
