// gpu: one device as a GPU worker drives it (DESIGN.md "GPUs through the
// driver API, loaded at run time, one process per GPU"; docs/cuda.md "Remote
// launches").
//
// A worker process (`kilnd --gpu-worker N`) owns one Device. The interface
// is the little a worker needs: device memory by address, host copies, a
// module cache keyed by the artifact's cache key, and a launch that returns
// what the kernel reported. Two backends:
//
//  - the driver (device_driver.cpp): libcuda opened with dlopen through
//    kiln_cuda.h, the device's primary context, and one CUstream per client
//    stream (created at its first launch, destroyed when its session ends;
//    past kMaxDriverStreams, and for launches of no client stream, the
//    device's own stream); a launch waits for its stream before it returns,
//    copies are ordered on the device's own stream. A kernel's error record (`kiln_kernel_error`, 8 int32 words)
//    is read and cleared after each launch; launches of one such kernel running at once each use a load of the
//    module of their own, so each has its own record. A sticky fault (illegal address,
//    trap) leaves the context unusable: launch() then returns INTERNAL with
//    `fatal` set, and the worker exits so its supervisor starts a fresh one;
//  - the emulation (device_emulation.cpp): "device memory" is this process's
//    memory, and a module is the CPU emulation's shared object for the kernel
//    (the same artifact kiln.cuda runs in the client under KILN_CUDA_SIM),
//    loaded from memory with the runtime hook set, launched through
//    kiln_cuda_sim_configure and its entry. It lets the whole remote path
//    (client, RPC, supervisor, worker, launch) run on machines with no GPU.
//
// Invariants: addresses are only ever those alloc() returned (the worker's
// buffer table checks every offset and view before it reaches a Device);
// every method may be called from several threads at once (the worker runs
// launches of different client streams at the same time, on up to
// kConcurrentStreams + 1 threads); a kernel handle keeps its module loaded
// while a launch holds it, even when the cache evicts it.
#ifndef KILN_RUNTIME_CUDA_DEVICE_H_
#define KILN_RUNTIME_CUDA_DEVICE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kiln::gpu {

/// One kernel argument, as the worker resolved it.
struct KernelArg {
  /// The parameter spec token (kiln_cuda.h): "A<nd>" for an array, else the
  /// scalar's ("f8", "i4", "b1", "c16", "M8"); the emulation also takes "R"
  /// (a record: data is its bytes) and "U" (a str: data, shape[0] code
  /// units of itemsize bytes), passed as the host ABI does, by pointer.
  std::string spec;
  /// Arrays: the device address of element 0, the shape and the strides in bytes.
  uint64_t data = 0;
  uint32_t itemsize = 0;
  std::vector<int64_t> shape, strides;
  /// Scalars: the native bytes.
  std::string scalar;
};

struct LaunchConfig {
  uint32_t grid[3] = {1, 1, 1};
  uint32_t block[3] = {1, 1, 1};
  uint32_t shared_bytes = 0;
};

/// What a kernel reported: kiln_abi.h's error kind (0: nothing), the Python
/// line, the first failing thread and block, and a message where the backend
/// has one (the emulation's).
struct KernelReport {
  int32_t kind = 0;
  int32_t line = 0;
  int32_t thread[3] = {0, 0, 0};
  int32_t block[3] = {0, 0, 0};
  std::string message;
};

/// A loaded kernel (opaque; the backend's module stays loaded while held).
using KernelHandle = std::shared_ptr<const void>;

/// The client stream a launch was made on: (session, stream). An empty
/// session is no client stream (the worker's own).
struct StreamKey {
  std::string session;
  uint64_t stream = 0;
};

class Device {
 public:
  virtual ~Device() = default;
  /// "emulation" or "driver".
  virtual const char* backend() const = 0;
  /// `bytes` of zeroed device memory (at least one byte is reserved).
  virtual absl::StatusOr<uint64_t> alloc(uint64_t bytes) = 0;
  virtual absl::Status free(uint64_t address) = 0;
  virtual absl::Status copyIn(uint64_t dst, const void* src, uint64_t bytes) = 0;
  virtual absl::Status copyOut(void* dst, uint64_t src, uint64_t bytes) = 0;
  /// Loads the module of `image` (or finds it loaded: `key` is the
  /// artifact's cache key) and resolves `entry`. The module cache keeps the
  /// most recently used modules.
  virtual absl::StatusOr<KernelHandle> kernel(const std::string& key, const std::string& image,
                                              const std::string& entry) = 0;
  /// Whether the module of `key` with `entry` is loaded (kernel() would not
  /// need its image). Does not touch the recency order.
  virtual bool hasModule(const std::string& key, const std::string& entry) const = 0;
  /// Runs `kernel` on `stream` and waits for it. OK with report.kind == 0
  /// when it ran clean; OK with the report filled in when it reported an
  /// error; an error status when the launch itself failed (`*fatal` set
  /// when the device cannot be used again in this process). The caller
  /// runs one launch of a stream at a time.
  virtual absl::StatusOr<KernelReport> launch(const KernelHandle& kernel, const LaunchConfig& config,
                                              const std::vector<KernelArg>& args, const StreamKey& stream,
                                              bool* fatal) = 0;
  /// Releases what the streams of `session` hold (the driver's CUstreams).
  /// Called once none of them runs a launch.
  virtual void endSession(const std::string& session) = 0;
  /// How many client streams hold a backend stream now (0 for the emulation).
  virtual size_t streams() const = 0;
  /// The GPU's compute capability (major, minor); (0, 0) for the emulation,
  /// which runs the host's code.
  virtual std::pair<int, int> computeCapability() const { return {0, 0}; }
};

/// The CPU emulation as device `ordinal` (any ordinal: it is this CPU).
absl::StatusOr<std::unique_ptr<Device>> openEmulationDevice(int ordinal);
/// Device `ordinal` through libcuda (`libcuda_path`; empty: $KILN_LIBCUDA,
/// else libcuda.so.1). FAILED_PRECONDITION saying why when there is no
/// driver, only the toolkit's stub, or no such device.
absl::StatusOr<std::unique_ptr<Device>> openDriverDevice(int ordinal, const std::string& libcuda_path);

/// How many modules a device keeps loaded.
inline constexpr size_t kModuleCacheSize = 64;
/// How many client streams' launches a worker runs at once (kilnd sends no
/// more: it runs this many queues per device at a time); the worker has one
/// thread more, for the launch of no client stream.
inline constexpr int kConcurrentStreams = 4;
/// The most CUstreams a driver device keeps for client streams; past it a
/// client stream's launches go on the device's own stream (in order, not
/// overlapping).
inline constexpr size_t kMaxDriverStreams = 256;

}  // namespace kiln::gpu

#endif  // KILN_RUNTIME_CUDA_DEVICE_H_
