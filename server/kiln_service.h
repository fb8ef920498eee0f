#pragma once
// kiln.v1.Kiln over gRPC's sync API. Thin: each method checks and converts
// the proto into domain structs, hands them to CompileEngine, and converts
// the outcome back. Counts requests in flight and the time of the last one,
// for the idle timeout.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kiln/v1/artifact_seal.h"
#include "kiln/v1/kiln.grpc.pb.h"
#include "server/auth.h"
#include "server/compile_engine.h"
#include "server/gpu_service.h"

namespace kiln::server {

class KilnService final : public kiln::v1::Kiln::Service {
 public:
  /// `on_shutdown` is called (from the RPC's thread) by the Shutdown RPC; it
  /// must only start the shutdown, not wait for it. `authorizer` decides who
  /// may call what; `signing_key` (may be null) signs every artifact's digest.
  /// More than `max_concurrent_rpcs` at once (0 = no cap) are refused with
  /// RESOURCE_EXHAUSTED.
  KilnService(CompileEngine& engine, std::function<void()> on_shutdown, const Authorizer& authorizer,
              const kiln::v1::SigningKey* signing_key, int max_concurrent_rpcs = 0);

  grpc::Status GetServerInfo(grpc::ServerContext* context, const kiln::v1::ServerInfoRequest* request,
                             kiln::v1::ServerInfo* reply) override;
  grpc::Status Compile(grpc::ServerContext* context, const kiln::v1::CompileRequest* request,
                       kiln::v1::CompileResponse* reply) override;
  grpc::Status GetStats(grpc::ServerContext* context, const kiln::v1::StatsRequest* request,
                        kiln::v1::StatsResponse* reply) override;
  grpc::Status Shutdown(grpc::ServerContext* context, const kiln::v1::ShutdownRequest* request,
                        kiln::v1::ShutdownResponse* reply) override;
  // metrics: operator commands.
  grpc::Status ZeroStats(grpc::ServerContext* context, const kiln::v1::ZeroStatsRequest* request,
                         kiln::v1::ZeroStatsResponse* reply) override;
  grpc::Status EvictCache(grpc::ServerContext* context, const kiln::v1::EvictCacheRequest* request,
                          kiln::v1::EvictCacheResponse* reply) override;

  // gpu: the GPU pool (the launch right; FAILED_PRECONDITION without a pool).
  grpc::Status Launch(grpc::ServerContext* context, const kiln::v1::LaunchRequest* request,
                      kiln::v1::LaunchResponse* reply) override;
  grpc::Status AllocDevice(grpc::ServerContext* context, const kiln::v1::AllocDeviceRequest* request,
                           kiln::v1::AllocDeviceResponse* reply) override;
  grpc::Status ReadDevice(grpc::ServerContext* context, const kiln::v1::ReadDeviceRequest* request,
                          kiln::v1::ReadDeviceResponse* reply) override;
  grpc::Status WriteDevice(grpc::ServerContext* context, const kiln::v1::WriteDeviceRequest* request,
                           kiln::v1::WriteDeviceResponse* reply) override;
  grpc::Status SyncLaunches(grpc::ServerContext* context, const kiln::v1::SyncLaunchesRequest* request,
                            kiln::v1::SyncLaunchesResponse* reply) override;
  grpc::Status FreeDevice(grpc::ServerContext* context, const kiln::v1::FreeDeviceRequest* request,
                          kiln::v1::FreeDeviceResponse* reply) override;

  /// gpu: the pool the GPU RPCs use (null: none). Set before serving.
  void setGpuService(GpuService* gpu) { gpu_ = gpu; }

  /// How long no request has been running (zero while one is).
  absl::Duration idleFor() const;

  /// True (once) when a large bundle was uploaded since the last call: the
  /// server then returns freed memory to the system (malloc_trim).
  bool takeLargeUpload() { return large_upload_.exchange(false); }

 private:
  class Activity;  // RAII: one request in flight

  absl::Status compile(const kiln::v1::CompileRequest& request, kiln::v1::CompileResponse& reply,
                       std::string client, absl::Time deadline, std::function<bool()> client_gone);

  absl::Status launch(const kiln::v1::LaunchRequest& request, kiln::v1::LaunchResponse& reply, std::string client,
                      absl::Time deadline, std::function<bool()> client_gone);
  /// gpu: the pool, or FAILED_PRECONDITION saying how to start one.
  absl::StatusOr<GpuService*> gpu() const;
  /// gpu: a device-memory RPC: the request counted, authorized as `rpc`,
  /// then call(pool, the client's deadline) (kiln_service.cpp).
  template <typename Call>
  grpc::Status onGpu(grpc::ServerContext& context, const char* rpc, Call call);

  CompileEngine& engine_;
  GpuService* gpu_ = nullptr;
  std::function<void()> on_shutdown_;
  /// The signature of an artifact digest, remembered (a hit then costs a
  /// hash, not an Ed25519 signing): up to kMaxSignatures, then forgotten.
  std::string signatureOf(const std::string& digest);
  static constexpr size_t kMaxSignatures = 4096;

  const Authorizer& authorizer_;
  const kiln::v1::SigningKey* signing_key_;
  const int max_concurrent_rpcs_;
  absl::Mutex signatures_mu_;
  absl::flat_hash_map<std::string, std::string> signatures_ ABSL_GUARDED_BY(signatures_mu_);
  /// gpu: the kernels launches compiled, by their CompileRequest (without
  /// bundle; deterministic bytes), so a warm launch neither looks the cache
  /// up nor copies the artifact: up to kMaxLaunchKernels, then forgotten.
  struct LaunchKernel {
    kiln::v1::Artifact artifact;
    std::vector<std::string> arg_types;
  };
  static constexpr size_t kMaxLaunchKernels = 256;
  absl::Mutex launch_kernels_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const LaunchKernel>> launch_kernels_
      ABSL_GUARDED_BY(launch_kernels_mu_);
  const absl::Time started_ = absl::Now();
  std::atomic<int> in_flight_{0};
  std::atomic<bool> large_upload_{false};
  std::atomic<int64_t> last_activity_ns_;
};

}  // namespace kiln::server
