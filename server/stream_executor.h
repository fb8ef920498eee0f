#pragma once
// gpu: the GPU worker's streams (docs/cuda.md "Streams").
//
// A worker runs the launches of one client stream in the order they came
// and the launches of different streams at the same time, as a GPU runs
// the work of its streams. StreamExecutor is that, apart from any device:
// tasks keyed by (session, stream) run in order per key, different keys on
// up to `threads` threads at once. A key's queue is forgotten once it ran
// dry; ending a session runs a last task once none of its streams runs
// anything (the driver device then destroys their CUstreams).
//
// Bounded by its callers: kilnd sends a worker at most one launch per
// stream at a time and at most kConcurrentStreams + 1 at once, so a queue
// holds one task and no task waits for a thread.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kiln::server {

class StreamExecutor {
 public:
  using Task = std::function<void()>;

  explicit StreamExecutor(int threads);
  /// Waits for the tasks running now; those queued are dropped unrun.
  ~StreamExecutor();
  StreamExecutor(const StreamExecutor&) = delete;
  StreamExecutor& operator=(const StreamExecutor&) = delete;

  /// Runs `task` after the tasks submitted before it on (session, stream).
  void submit(const std::string& session, uint64_t stream, Task task);
  /// Runs `then` (on this thread, or on the thread that ends the session's
  /// last running task) once no stream of `session` has a task.
  void endSession(const std::string& session, Task then);

  /// Streams with a task queued or running, and tasks running now (tests).
  size_t streams() const;
  size_t running() const;

 private:
  using Key = std::pair<std::string, uint64_t>;
  struct Queue {
    std::deque<Task> tasks;
    bool running = false;
  };
  void loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                               // guarded by mu_
  std::map<Key, Queue> queues_;                     // guarded by mu_
  std::deque<Key> ready_;                           // guarded by mu_: queues with a task and none running
  std::map<std::string, std::vector<Task>> ending_; // guarded by mu_: sessions waiting to end
  size_t running_ = 0;                              // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace kiln::server
