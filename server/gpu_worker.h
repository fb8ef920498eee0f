#pragma once
// gpu: the GPU worker process, `kilnd --gpu-worker N` (DESIGN.md "GPUs
// through the driver API, loaded at run time, one process per GPU";
// docs/cuda.md "Remote launches").
//
// GpuPool (runtime/cuda/gpu_pool.h) starts one per device with its end of a
// socket pair on descriptor 3 and sends it kiln.v1.WorkerRequest frames
// (kiln/v1/gpu_worker.proto), several at a time. Launches run on the
// worker's StreamExecutor: one client stream's in order, different streams
// at the same time (docs/cuda.md "Streams"); the other requests (memory)
// are answered as they come, on the reading thread. The worker owns one Device
// (runtime/cuda/device.h: the driver, or the CPU emulation) and a table of
// the device buffers it lent: id -> (address, size). Every offset and array
// view a request names is checked against its buffer before the device sees
// it, and the buffers in all stay under the worker's memory limit
// (RESOURCE_EXHAUSTED beyond it). A buffer a running launch uses is pinned:
// freeing it makes it unknown at once, and its memory goes when the launch
// ends, so a launch never runs on freed memory. Errors travel in WorkerReply.code/message,
// so the supervisor can give the client the right gRPC code; a device that
// cannot be used again (a sticky CUDA fault) makes the worker exit without
// answering, and the supervisor replaces it.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "kiln/v1/gpu_worker.pb.h"
#include "runtime/cuda/device.h"
#include "server/stream_executor.h"

namespace kiln::server {

struct GpuWorkerOptions {
  int device = 0;
  std::string backend = "emulation";  // or "driver"
  std::string libcuda;                // the driver's path (empty: $KILN_LIBCUDA, else libcuda.so.1)
  uint64_t max_bytes = 1ull << 30;    // device memory lent in all (buffers and a launch's host copies)
};

/// `kilnd --gpu-worker N [--gpu-backend B] [--gpu-max-bytes BYTES] [--libcuda PATH]`:
/// serves descriptor 3 until the supervisor closes it. Returns the exit status.
int gpuWorkerMain(int argc, char** argv);

/// The worker's request handler, apart from its socket (tests drive it directly).
class GpuWorker {
 public:
  /// A worker whose device could not be opened answers every request with
  /// `open_error` (FAILED_PRECONDITION saying why), so it is not restarted in a loop.
  GpuWorker(GpuWorkerOptions options, std::unique_ptr<gpu::Device> device, absl::Status open_error);
  ~GpuWorker();

  /// One request, on this thread. `*exit_now` is set when the device is
  /// lost (the worker must exit).
  kiln::v1::WorkerReply handle(const kiln::v1::WorkerRequest& request, bool* exit_now);

  /// One request, answered through `done`: a launch on its stream's turn
  /// (from one of the executor's threads), anything else at once.
  using Done = std::function<void(kiln::v1::WorkerReply reply, bool exit_now)>;
  void submit(kiln::v1::WorkerRequest request, Done done);

  uint64_t bytesInUse() const;
  int device() const { return options_.device; }
  const StreamExecutor& executor() const { return *executor_; }

 private:
  struct Buffer {
    uint64_t address = 0;
    uint64_t size = 0;
    int pins = 0;        // running launches that use it
    bool freed = false;  // freed while pinned: unknown to requests, its memory goes at the last unpin
  };
  absl::StatusOr<uint64_t> allocate(uint64_t bytes, const std::string& data);
  absl::Status release(uint64_t id);
  absl::StatusOr<Buffer> find(uint64_t id) const;
  absl::StatusOr<Buffer> pin(uint64_t id);
  void unpin(uint64_t id);
  absl::Status launch(const kiln::v1::WorkerLaunch& launch, kiln::v1::WorkerReply& reply, bool* exit_now);
  absl::Status bindParams(const kiln::v1::WorkerLaunch& launch, bool loaded_now);

  GpuWorkerOptions options_;
  std::unique_ptr<gpu::Device> device_;
  absl::Status open_error_;
  mutable std::mutex mu_;  // the buffer table
  absl::flat_hash_map<uint64_t, Buffer> buffers_;  // guarded by mu_
  uint64_t next_id_ = 1;                           // guarded by mu_
  uint64_t in_use_ = 0;                            // guarded by mu_
  // The parameters of each module (cache key, entry) as the launch that
  // loaded it gave them. Bounded: starts over past kMaxModuleParams, and a
  // module loaded before is then bound again by its next launch.
  absl::flat_hash_map<std::string, std::vector<std::string>> params_;  // guarded by mu_
  // Last made, first stopped (the destructor stops it before anything else).
  std::unique_ptr<StreamExecutor> executor_;
};

/// How many modules' parameters a worker remembers.
inline constexpr size_t kMaxModuleParams = 4 * gpu::kModuleCacheSize;

/// The byte range [lo, hi) an array view reaches (empty when a dimension is
/// 0), checked to lie inside a buffer of `size` bytes; INVALID_ARGUMENT
/// naming `what` otherwise. An item is 1 to max_itemsize bytes (numbers: 64;
/// a record: its itemsize).
absl::Status checkView(const kiln::v1::ArrayView& view, uint64_t size, const std::string& what,
                       uint32_t max_itemsize = 64);

}  // namespace kiln::server
