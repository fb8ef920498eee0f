#pragma once
// gpu: the server's side of the GPU pool RPCs (Launch, AllocDevice,
// ReadDevice, WriteDevice, FreeDevice; docs/cuda.md "Remote launches").
//
// Owns the GpuPool (runtime/cuda/gpu_pool.h) whose workers are this binary
// (`kilnd --gpu-worker N`, server/gpu_worker.h). Checks what the client sent
// against the kernel's argument types (every array argument an array of
// that dtype and dimension count, every scalar the type's size) and every
// handle against its device's current worker generation, turns the request
// into a kiln.v1.WorkerRequest, and sends it with a deadline: the smaller
// of --gpu-max-launch-seconds and the client's. A worker that dies or
// overruns is replaced by the pool and the request fails naming the kernel.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kiln/v1/gpu_worker.pb.h"
#include "kiln/v1/kiln.pb.h"
#include "runtime/cuda/gpu_pool.h"
#include "server/config.h"
#include "server/launch_queues.h"
#include "server/metrics.h"

namespace kiln::server {

class GpuService {
 public:
  /// The pool of `config` (gpu_pool "driver" or "emulation"), its workers
  /// started lazily; `worker_exe` is the binary the workers run
  /// (/proc/self/exe in kilnd).
  GpuService(const Config& config, std::string worker_exe);

  /// Stops the background describer (driver pool) before the members go.
  ~GpuService();

  /// What GetServerInfo tells clients, at once (it is their liveness probe:
  /// it never waits on a worker). Under the driver it names the compute
  /// capability of each GPU described so far, (0, 0) for one not yet: the
  /// background describer started with the pool asks each worker once.
  kiln::v1::GpuPoolInfo info();

  /// What a kernel launched on `device` is compiled for: under the driver,
  /// the SM of that GPU (its worker says its compute capability once; the
  /// newest allowed SM not above it), or $KILN_CUDA_ARCH when set; under
  /// the emulation, info().target (the host's code). Cached per device.
  absl::StatusOr<kiln::v1::Target> targetFor(uint32_t device, absl::Time deadline);

  absl::Status alloc(const kiln::v1::AllocDeviceRequest& request, kiln::v1::AllocDeviceResponse& reply,
                     absl::Time deadline);
  absl::Status read(const kiln::v1::ReadDeviceRequest& request, kiln::v1::ReadDeviceResponse& reply,
                    absl::Time deadline);
  absl::Status write(const kiln::v1::WriteDeviceRequest& request, absl::Time deadline);
  absl::Status free(const kiln::v1::FreeDeviceRequest& request, absl::Time deadline);

  /// Runs `artifact` (the kernel compiled for info().target with canonical
  /// argument types `arg_types`) as `request` says; fills host_data and, when
  /// the kernel reported an error, kernel_error with status KERNEL_ERROR.
  absl::Status launch(const kiln::v1::LaunchRequest& request, const kiln::v1::Artifact& artifact,
                      const std::vector<std::string>& arg_types, kiln::v1::LaunchResponse& reply,
                      absl::Time deadline);

  /// The same launch queued on the client's (session, stream) (LaunchRequest
  /// .session, docs/cuda.md "Streams"): checked now (a refusal is returned
  /// at once), run later in the stream's order by the device's runner, and
  /// answered STATUS_QUEUED. `artifact` is kept until the launch ran.
  absl::Status launchAsync(const kiln::v1::LaunchRequest& request, std::shared_ptr<const kiln::v1::Artifact> artifact,
                           const std::vector<std::string>& arg_types, kiln::v1::LaunchResponse& reply,
                           absl::Time deadline);
  /// SyncLaunches: waits for a session's queued launches (LaunchQueues::sync).
  absl::Status sync(const kiln::v1::SyncLaunchesRequest& request, kiln::v1::SyncLaunchesResponse& reply,
                    absl::Time deadline);

  gpu::GpuPool& pool() { return pool_; }

  /// The launch outcomes and worker restarts per device, for the metrics.
  std::vector<MetricsSample::GpuDevice> sample() const;

 private:
  absl::Status checkDevice(uint32_t device) const;
  // The session ended or expired (LaunchQueues' on_end): the workers let go
  // of its streams, and the device memory it allocated is freed.
  void endSession(const std::string& session);
  bool holdsMemory(const std::string& session);
  absl::Status checkHandle(const kiln::v1::DeviceArrayHandle& handle);
  absl::StatusOr<kiln::v1::WorkerReply> call(uint32_t device, const std::string& what,
                                             const kiln::v1::WorkerRequest& request, absl::Time deadline,
                                             gpu::Outcome* outcome = nullptr, uint64_t* ran_on = nullptr,
                                             uint64_t required_generation = 0);
  // A launch checked against its kernel's argument types and made into the
  // worker's request (without the module image: execute adds it when the
  // device's worker may lack it).
  struct PreparedLaunch {
    kiln::v1::WorkerRequest request;
    std::string kernel;                // for messages
    int args = 0;
    std::vector<int> host_arg;         // the argument of each host buffer
    uint64_t handles_generation = 0;   // of its device arrays (one device, so one generation)
  };
  absl::Status prepare(const kiln::v1::LaunchRequest& request, const kiln::v1::Artifact& artifact,
                       const std::vector<std::string>& arg_types, PreparedLaunch& p);
  absl::Status execute(uint32_t device, const kiln::v1::Artifact& artifact, PreparedLaunch& p,
                       kiln::v1::LaunchResponse& reply, absl::Time deadline, gpu::Outcome* outcome);
  void count(uint32_t device, gpu::Outcome outcome, const absl::Status& s, const kiln::v1::LaunchResponse& reply);

  std::string backend_;
  // What kernels are compiled for, decided once at start (poolTarget in
  // gpu_service.cpp): the host's under the emulation; nvptx64 with the SM of
  // KILN_CUDA_ARCH, or none (each GPU's own: targetFor), under the driver.
  kiln::v1::Target pool_target_;
  int devices_;
  uint64_t max_bytes_;
  double max_launch_seconds_;
  double session_idle_seconds_;
  uint64_t pool_id_;  // DeviceArrayHandle.pool
  gpu::GpuPool pool_;
  struct Counts {
    std::atomic<uint64_t> ok{0}, kernel_error{0}, fault{0}, deadline{0}, refused{0};
    std::atomic<uint64_t> module_hit{0}, module_loaded{0}, module_resent{0};
  };
  std::unique_ptr<Counts[]> counts_;  // per device
  // Per device: the modules (cache key + entry) sent to a worker, with the
  // generation of the worker that loaded them. A launch leaves the image out
  // for a module its device's current worker loaded.
  bool believesLoaded(uint32_t device, const kiln::v1::Artifact& artifact);
  void noteLoaded(uint32_t device, const kiln::v1::Artifact& artifact, uint64_t generation);
  absl::Mutex modules_mu_;
  std::vector<absl::flat_hash_map<std::string, uint64_t>> modules_ ABSL_GUARDED_BY(modules_mu_);
  // Per device: its GPU's compute capability ((0, 0) until its worker said).
  absl::StatusOr<std::pair<int, int>> describe(uint32_t device, absl::Time deadline);
  absl::Mutex targets_mu_;
  std::vector<std::pair<int, int>> ccs_ ABSL_GUARDED_BY(targets_mu_);
  // Driver pool: a thread per GPU describes it once, in the background from
  // the start (a worker's start takes up to seconds, the GPUs' in
  // parallel), retrying a failure with a backoff of up to a minute until the
  // pool stops.
  void describeUntilKnown(uint32_t device);
  bool stopping_ ABSL_GUARDED_BY(targets_mu_) = false;
  std::vector<std::thread> describers_;
  // Device memory by the session that allocated it (AllocDeviceRequest
  // .session), freed when the session ends: a client that dies gives its
  // memory back once its lease lapses. A buffer is (device, generation, id).
  // Never held while calling into queues_ (whose lock is taken first).
  using BufferKey = std::tuple<uint32_t, uint64_t, uint64_t>;
  static constexpr size_t kMaxBuffersPerSession = 1 << 16;
  absl::Mutex owned_mu_;
  absl::flat_hash_map<std::string, absl::flat_hash_set<BufferKey>> owned_ ABSL_GUARDED_BY(owned_mu_);
  absl::flat_hash_map<BufferKey, std::string> owner_ ABSL_GUARDED_BY(owned_mu_);
  // Last: its runners call into the members above, so it stops first.
  std::unique_ptr<LaunchQueues> queues_;
};

/// The parameter spec token (runtime/cuda/kiln_cuda.h) of a canonical kernel
/// argument type a remote launch can pass ("A2" for "array(float32, 2d, C)",
/// "f8", "i4", "b1", "c16", "M8", "(f8(i4b1))" for a tuple of scalars and
/// tuples), with the element size (arrays) or the bytes of the scalar items
/// (runtime/cuda/arg_spec.h); "R" for a record (size: its itemsize) and "U"
/// for a str (size 0: 1, 2 or 4-byte code units), both carried as host
/// bytes; INVALID_ARGUMENT for any other type (arrays of records, tuples
/// holding arrays...).
absl::StatusOr<std::string> launchSpec(const std::string& type, int* size);

}  // namespace kiln::server
