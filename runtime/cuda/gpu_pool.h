// cudahost: the GPU pool's process supervision (DESIGN.md "GPUs through the
// driver API, loaded at run time, one process per GPU"; docs/cuda.md "GPU
// workers").
//
// A faulting kernel (an illegal address, a trap) poisons every CUDA context
// of its process, and a runaway kernel cannot be stopped from inside it, so
// each device is driven by its own worker process (`kilnd --gpu-worker N`,
// the same binary). GpuPool is the supervisor's side: it starts one worker
// per device and sends it requests over a socket pair (framed: a
// little-endian u32 length, then the bytes; each request and reply starts
// with a u64 tag, so several requests may be in flight at once and a worker
// may answer them in any order: launches on different client streams run
// at the same time, docs/cuda.md "Streams"). One reader thread per worker
// hands each reply to the request that waits for it. When a worker dies
// during a request (a fault) or overruns a request's deadline (a runaway
// kernel: it is killed), that request fails with an error naming the kernel
// and the device, so does every other request in flight on it (naming its
// own kernel and what killed the worker), and a fresh worker is started at
// once under the next generation.
// Device-resident handles carry the generation that made them;
// checkGeneration() refuses a stale one instead of letting it point at
// memory of a dead context. The other devices' workers are not touched.
//
// runGpuWorkerAsync() is the worker's side: it reads requests from its
// descriptor and hands each to a handler with a callback that answers it
// (from any thread) until the supervisor closes it; runGpuWorker() is the
// same for a handler that answers each request before the next is read.
//
// The payload of a request and of a reply is opaque here (the Launch request
// of the server is what goes in it).
#ifndef KILN_RUNTIME_CUDA_GPU_POOL_H_
#define KILN_RUNTIME_CUDA_GPU_POOL_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kiln::gpu {

/// The descriptor a worker process finds its end of the socket pair on.
inline constexpr int kWorkerFd = 3;

struct GpuPoolOptions {
  /// The command that starts device N's worker: argv with "{device}"
  /// replaced by N (kilnd: {"/proc/self/exe", "--gpu-worker", "{device}"}).
  std::vector<std::string> worker_argv;
  int devices = 1;
};

/// How a request ended, for metrics and messages.
enum class Outcome { kOk, kFault, kDeadline };

class GpuPool {
 public:
  explicit GpuPool(GpuPoolOptions options);
  ~GpuPool();  // stops the workers (closing their sockets, then SIGKILL)
  GpuPool(const GpuPool&) = delete;
  GpuPool& operator=(const GpuPool&) = delete;

  /// Starts every device's worker (also done lazily by the first request).
  absl::Status start();

  /// Runs one request on `device`'s worker and returns its reply; other
  /// threads' requests to the same worker may be in flight meanwhile. A worker
  /// that dies during the request is a FAILED_PRECONDITION "kernel 'NAME'
  /// faulted on GPU N (...)"; one that overruns `timeout` is killed and the
  /// request is DEADLINE_EXCEEDED naming the kernel. Either way a fresh
  /// worker (the next generation) is started before this returns. The other
  /// requests in flight on a worker that died or was killed fail too, as a
  /// FAILED_PRECONDITION naming their kernel (Outcome::kFault).
  /// `ran_on` (optional) gets the generation of the worker that answered.
  /// `required_generation` (0: any) is the generation the request's handles
  /// belong to: when the device's worker is another one by the time the
  /// request would be sent, it is not sent and the result is
  /// checkGeneration's FAILED_PRECONDITION (checked under the device's
  /// lock, so no restart can come between the check and the send).
  /// `concurrent`: the request may be in flight alongside the device's
  /// other requests (a launch on a client stream, which the worker runs on
  /// that stream); the others are sent one at a time, each after the one
  /// before it was answered, and `timeout` counts from its turn.
  absl::StatusOr<std::string> run(int device, const std::string& kernel, const std::string& payload,
                                  std::chrono::milliseconds timeout, Outcome* outcome = nullptr,
                                  uint64_t* ran_on = nullptr, uint64_t required_generation = 0,
                                  bool concurrent = false);

  /// Notices a worker that died between requests (killed, crashed): it is
  /// reaped and a fresh one started under the next generation, as after a
  /// fault, so handles of the dead one are refused before any request is
  /// sent to it. Returns the current generation (0: no worker could start).
  uint64_t refresh(int device);

  /// The generation of `device`'s current worker (1 for the first).
  uint64_t generation(int device) const;
  /// OK while `generation` is still `device`'s current worker's; otherwise
  /// FAILED_PRECONDITION: the memory the handle named died with its worker.
  absl::Status checkGeneration(int device, uint64_t generation) const;
  /// The pid of `device`'s worker (0 when none runs), for tests and metrics.
  pid_t workerPid(int device) const;
  /// How many times `device`'s worker was restarted after a fault or deadline.
  uint64_t restarts(int device) const;

 private:
  struct Conn;
  struct Worker;
  absl::Status spawn(Worker& w);
  void reap(Worker& w, bool kill_first);

  GpuPoolOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

/// Answers one request, once, from any thread (an error travels as its
/// message and becomes the supervisor's INTERNAL naming the kernel).
using WorkerRespond = std::function<void(absl::StatusOr<std::string> reply)>;
/// The worker's loop: reads each request from `fd` and calls
/// handler(request, respond). Returns 0 when the supervisor closes the
/// socket (or sends a broken frame), 1 when a reply could not be written.
/// Replies may still be written after it returns (the respond callbacks
/// keep the writer alive).
using AsyncWorkerHandler = std::function<void(std::string request, WorkerRespond respond)>;
int runGpuWorkerAsync(int fd, const AsyncWorkerHandler& handler);
/// The same with a handler that answers each request before the next is read.
using WorkerHandler = std::function<absl::StatusOr<std::string>(const std::string& request)>;
int runGpuWorker(int fd, const WorkerHandler& handler);

}  // namespace kiln::gpu

#endif  // KILN_RUNTIME_CUDA_GPU_POOL_H_
