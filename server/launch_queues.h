#pragma once
// gpu: asynchronous remote launches (docs/cuda.md "Streams").
//
// A client launch on a stream other than 0 is checked by GpuService, then
// queued here behind the earlier launches of the same (session, stream) and
// answered at once; `concurrent_streams` runner threads per device take the
// queues of their device in turn (one launch of a queue at a time, so a
// stream's launches run in the order made; up to that many streams'
// launches are on the device at once, and the GPU worker runs them at the
// same time, each on its stream). The first failure
// of a queue (a kernel's own error, a fault, a deadline) is kept and the
// launches queued behind it are dropped, never run on what the failed one
// left; SyncLaunches waits for the queue to empty and reports that failure
// once, as CUDA reports an asynchronous error at the next synchronizing call.
//
// Bounded: a session holds at most `max_queued` launches not yet run (an
// enqueue past it waits for room until its deadline: backpressure, not
// memory), at most kMaxStreams streams, and at most kMaxSessions sessions
// live. A session ends when its client says so (SyncLaunches end, at client
// exit) or when no call named it for `session_idle` and none of its launches
// is running (a client that died; a live one renews its lease): its launches
// not yet started are dropped and their memory freed, and `on_end` frees
// what else it held (GpuService: its device memory). When that lost launches or an unreported failure,
// a later call naming it is FAILED_PRECONDITION, never a silent success;
// otherwise it is forgotten and a later call starts it afresh.
//
// The queue knows nothing of workers: an entry is the work to run (a
// closure GpuService built from the checked request).

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kiln/v1/kiln.pb.h"

namespace kiln::server {

class LaunchQueues {
 public:
  /// Runs one queued launch: OK with `kernel_error` kind 0 when it ran
  /// cleanly, a kernel's own error in `kernel_error`, or a failure status
  /// (a fault, a deadline, a stale handle) naming the kernel.
  using Work = std::function<absl::Status(kiln::v1::KernelError* kernel_error)>;

  static constexpr size_t kMaxSessions = 4096;
  static constexpr size_t kMaxStreams = 1024;  // per session
  static constexpr size_t kMaxSessionBytes = 64;  // a session key (clients send 16 random bytes)

  /// `on_end` (optional) is called with each session that ended or expired,
  /// outside the lock, once its running launches are done or abandoned (the
  /// workers then release the session's streams, and the session's device
  /// memory is freed). `holds` (optional) says whether a session holds
  /// something outside the queues (device memory), which an expiry loses: it
  /// is called under the queues' lock and must not call back into them.
  LaunchQueues(int devices, size_t max_queued, absl::Duration session_idle, int concurrent_streams = 1,
               std::function<void(const std::string& session)> on_end = nullptr,
               std::function<bool(const std::string& session)> holds = nullptr);
  ~LaunchQueues();  // stops the runners after the launch each is running
  LaunchQueues(const LaunchQueues&) = delete;
  LaunchQueues& operator=(const LaunchQueues&) = delete;

  /// Queues `work` (a launch of `kernel` on `device`) on (session, stream).
  /// Waits for room (the session's cap) and, when the stream's earlier
  /// launches went to another device, for them to finish, until `deadline`
  /// (DEADLINE_EXCEEDED then). Never runs `work` itself.
  absl::Status enqueue(const std::string& session, uint64_t stream, uint32_t device, const std::string& kernel,
                       Work work, absl::Time deadline);

  /// Waits until (session, stream)'s queue (stream 0: every queue of the
  /// session) has run, then reports its first failure once: a kernel error
  /// in `reply`, any other failure as the returned status (the others of
  /// what it waited for are cleared). A session never
  /// seen is OK (nothing was queued); an ended or expired one is
  /// FAILED_PRECONDITION. `end` then forgets the session (the client exits).
  absl::Status sync(const std::string& session, uint64_t stream, bool end, absl::Time deadline,
                    kiln::v1::SyncLaunchesResponse& reply);

  /// Renews `session`'s lease: a call that names it without queueing
  /// (AllocDevice, SyncLaunches keepalive). `create` starts a session never
  /// seen (an allocation makes it the session's); otherwise an unknown
  /// session is left unknown. An ended or expired one is
  /// FAILED_PRECONDITION; RESOURCE_EXHAUSTED past kMaxSessions.
  absl::Status touch(const std::string& session, bool create);

  /// Launches queued and not yet started on `device` (a gauge), and those
  /// dropped without running (their session ended or expired, or an
  /// earlier launch of their stream failed).
  uint64_t queued(uint32_t device) const;
  uint64_t dropped(uint32_t device) const;

 private:
  struct Entry {
    std::string kernel;
    Work work;
  };
  struct Session;
  struct Queue {
    std::weak_ptr<Session> owner;
    std::deque<Entry> entries;
    uint32_t device = 0;
    bool running = false;    // a runner holds its front launch
    bool scheduled = false;  // in ready_[device]
    bool dropped = false;    // its session ended
    // The first failure since the last sync (kind 0 and OK: none).
    absl::Status failure;
    kiln::v1::KernelError kernel_error;
    std::string failed_kernel;
    bool idle() const { return entries.empty() && !running; }
  };
  struct Session {
    std::string key;
    absl::flat_hash_map<uint64_t, std::shared_ptr<Queue>> streams;
    size_t queued = 0;  // launches of all its streams not yet started
    absl::Time last_call;
    bool ended = false;
  };

  void runner(uint32_t device);
  void sweeper();  // ends sessions silent for session_idle_
  void dropLocked(Session& session) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void expireLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void schedule(const std::shared_ptr<Queue>& q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The session `session` (made when `create`; else end() when unknown),
  // its lease renewed, or the error a call naming it gets.
  absl::StatusOr<std::shared_ptr<Session>> sessionLocked(const std::string& session, bool create)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void reportEnded();  // calls on_end_ for the sessions in ended_
  absl::Status syncOrEnd(const std::string& session, uint64_t stream, bool end, absl::Time deadline,
                          kiln::v1::SyncLaunchesResponse& reply) ABSL_LOCKS_EXCLUDED(mu_);

  const size_t max_queued_;
  const absl::Duration session_idle_;
  const std::function<void(const std::string&)> on_end_;
  const std::function<bool(const std::string&)> holds_;
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, std::shared_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
  // Sessions ended or expired, so a later call is refused rather than taken
  // for a fresh session with nothing to report. Bounded: starts over.
  absl::flat_hash_set<std::string> gone_ ABSL_GUARDED_BY(mu_);
  std::vector<std::deque<std::shared_ptr<Queue>>> ready_ ABSL_GUARDED_BY(mu_);  // per device
  std::vector<uint64_t> queued_ ABSL_GUARDED_BY(mu_);                           // per device
  std::vector<uint64_t> dropped_ ABSL_GUARDED_BY(mu_);                          // per device
  std::vector<std::string> ended_ ABSL_GUARDED_BY(mu_);  // sessions ended, for on_end_
  std::vector<std::thread> runners_;  // concurrent_streams per device, then the sweeper
};

}  // namespace kiln::server
