// cudahost: the GPU pool's process supervision (gpu_pool.h).
#include "gpu_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace kiln::gpu {
namespace {

using Clock = std::chrono::steady_clock;

// Reply frames start with one status byte.
constexpr char kReplyOk = 0;
constexpr char kReplyError = 1;
// A frame over this is a broken peer, not a request.
constexpr uint32_t kMaxFrame = 1u << 30;

bool writeAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

bool writeFrame(int fd, const std::string& bytes) {
  uint32_t n = static_cast<uint32_t>(bytes.size());
  char header[4] = {static_cast<char>(n), static_cast<char>(n >> 8), static_cast<char>(n >> 16),
                    static_cast<char>(n >> 24)};
  return writeAll(fd, header, 4) && writeAll(fd, bytes.data(), bytes.size());
}

// Reads exactly n bytes before `deadline` (Clock::time_point::max(): no
// deadline). 1: done, 0: the peer closed or failed, -1: the deadline passed.
int readAll(int fd, char* p, size_t n, Clock::time_point deadline) {
  while (n > 0) {
    int wait_ms = -1;
    if (deadline != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return -1;
      wait_ms = static_cast<int>(std::min<int64_t>(left, 1 << 30));
    }
    pollfd pfd{fd, POLLIN, 0};
    int r = poll(&pfd, 1, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return 0;
    if (r == 0) return -1;
    ssize_t k = recv(fd, p, n, 0);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (k <= 0) return 0;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return 1;
}

int readFrame(int fd, std::string* out, Clock::time_point deadline) {
  unsigned char h[4];
  int r = readAll(fd, reinterpret_cast<char*>(h), 4, deadline);
  if (r != 1) return r;
  uint32_t n = h[0] | (h[1] << 8) | (h[2] << 16) | (static_cast<uint32_t>(h[3]) << 24);
  if (n > kMaxFrame) return 0;
  out->resize(n);
  return n == 0 ? 1 : readAll(fd, out->data(), n, deadline);
}

std::string describeExit(int status) {
  if (WIFSIGNALED(status))
    return absl::StrCat("killed by signal ", WTERMSIG(status), ": ", strsignal(WTERMSIG(status)));
  if (WIFEXITED(status)) return absl::StrCat("exited with status ", WEXITSTATUS(status));
  return "stopped";
}

std::string tagBytes(uint64_t tag) {
  std::string out(8, '\0');
  for (int k = 0; k < 8; ++k) out[k] = static_cast<char>(tag >> (8 * k));
  return out;
}

uint64_t readTag(const std::string& frame) {
  uint64_t tag = 0;
  for (int k = 0; k < 8; ++k) tag |= static_cast<uint64_t>(static_cast<unsigned char>(frame[k])) << (8 * k);
  return tag;
}

}  // namespace

// One worker process, from its spawn to its reaping. The reader thread hands
// each reply frame to the request with its tag; when the socket closes (the
// worker died) or a frame is broken, every waiting request is woken.
struct GpuPool::Conn {
  pid_t pid = 0;
  int fd = -1;
  uint64_t generation = 0;
  std::thread reader;
  std::mutex write_mu;  // one frame at a time on the socket
  struct Pending {
    bool done = false;
    std::string reply;  // the status byte, then the payload
  };
  std::mutex mu;
  std::condition_variable cv;
  uint64_t next_tag = 1;                                           // guarded by mu
  std::unordered_map<uint64_t, std::shared_ptr<Pending>> pending;  // guarded by mu
  bool dead = false;       // guarded by mu: the socket closed or a frame was broken
  bool garbage = false;    // guarded by mu: a broken frame (the process may live on)
  std::string killed_for;  // guarded by mu: the kernel whose deadline killed it
  // Set under Worker::mu when it is reaped.
  bool waited = false;
  int exit_status = 0;
  std::string how;

  void readReplies() {
    for (;;) {
      std::string frame;
      const int r = readFrame(fd, &frame, Clock::time_point::max());
      std::lock_guard<std::mutex> lock(mu);
      const bool ok = r == 1 && frame.size() >= 9 && (frame[8] == kReplyOk || frame[8] == kReplyError);
      auto it = ok ? pending.find(readTag(frame)) : pending.end();
      if (!ok || it == pending.end()) {
        garbage = r == 1;
        dead = true;
        cv.notify_all();
        return;
      }
      it->second->done = true;
      it->second->reply = frame.substr(8);
      pending.erase(it);
      cv.notify_all();
    }
  }
};

struct GpuPool::Worker {
  int device = 0;
  mutable std::mutex mu;  // the worker's life: spawn, reap, the generation check
  std::mutex serial;      // held by a request that is not concurrent, for its whole run
  std::shared_ptr<Conn> conn;  // null: none runs
  std::atomic<uint64_t> generation{0};
  std::atomic<uint64_t> restarts{0};
};

GpuPool::GpuPool(GpuPoolOptions options) : options_(std::move(options)) {
  for (int d = 0; d < options_.devices; ++d) {
    workers_.push_back(std::make_unique<Worker>());
    workers_.back()->device = d;
  }
}

GpuPool::~GpuPool() {
  for (auto& w : workers_) {
    std::lock_guard<std::mutex> lock(w->mu);
    if (w->conn != nullptr) reap(*w, /*kill_first=*/true);
  }
}

absl::Status GpuPool::spawn(Worker& w) {
  if (options_.worker_argv.empty()) return absl::FailedPreconditionError("no GPU worker command is configured");
  // Everything the child needs is made before fork: after it, only
  // async-signal-safe calls (the supervisor has other threads).
  std::vector<std::string> args;
  for (const std::string& a : options_.worker_argv)
    args.push_back(absl::StrReplaceAll(a, {{"{device}", absl::StrCat(w.device)}}));
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return absl::InternalError(absl::StrCat("socketpair for GPU worker ", w.device, ": ", strerror(errno)));
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    return absl::InternalError(absl::StrCat("fork for GPU worker ", w.device, ": ", strerror(e)));
  }
  if (pid == 0) {
    if (sv[1] == kWorkerFd) {
      fcntl(kWorkerFd, F_SETFD, 0);  // keep it across exec
    } else if (dup2(sv[1], kWorkerFd) < 0) {
      _exit(126);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(sv[1]);
  auto c = std::make_shared<Conn>();
  c->pid = pid;
  c->fd = sv[0];
  c->generation = w.generation.fetch_add(1) + 1;
  c->reader = std::thread([raw = c.get()] { raw->readReplies(); });
  w.conn = std::move(c);
  return absl::OkStatus();
}

void GpuPool::reap(Worker& w, bool kill_first) {
  std::shared_ptr<Conn> c = std::move(w.conn);
  if (c == nullptr) return;
  if (kill_first) kill(c->pid, SIGKILL);
  // The reader wakes from its read when the socket is shut down; the
  // descriptor is closed only after it left, so its number is not reused
  // under it.
  shutdown(c->fd, SHUT_RDWR);
  if (c->reader.joinable()) c->reader.join();
  close(c->fd);
  c->fd = -1;
  {
    std::lock_guard<std::mutex> lock(c->mu);
    c->dead = true;
    c->cv.notify_all();
  }
  int status = c->exit_status;
  pid_t r = c->waited ? c->pid : 0;
  // A worker whose socket closed is exiting; one that closed it and lives on
  // is not a worker any more.
  for (int i = 0; i < 200 && r == 0 && (r = waitpid(c->pid, &status, WNOHANG)) == 0; ++i) usleep(5000);
  if (r == 0) {
    kill(c->pid, SIGKILL);
    r = waitpid(c->pid, &status, 0);
  }
  c->waited = true;
  c->how = r == c->pid ? describeExit(status) : "lost";
}

absl::Status GpuPool::start() {
  for (auto& w : workers_) {
    std::lock_guard<std::mutex> lock(w->mu);
    if (w->conn == nullptr)
      if (absl::Status s = spawn(*w); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GpuPool::run(int device, const std::string& kernel, const std::string& payload,
                                         std::chrono::milliseconds timeout, Outcome* outcome, uint64_t* ran_on,
                                         uint64_t required_generation, bool concurrent) {
  if (device < 0 || device >= static_cast<int>(workers_.size()))
    return absl::InvalidArgumentError(absl::StrCat("there is no GPU ", device, " (the pool has ",
                                                   workers_.size(), ")"));
  Worker& w = *workers_[device];
  std::unique_lock<std::mutex> turn(w.serial, std::defer_lock);
  if (!concurrent) turn.lock();
  if (outcome != nullptr) *outcome = Outcome::kOk;
  std::shared_ptr<Conn> c;
  auto pending = std::make_shared<Conn::Pending>();
  uint64_t tag = 0;
  {
    std::lock_guard<std::mutex> lock(w.mu);
    if (w.conn == nullptr)
      if (absl::Status s = spawn(w); !s.ok()) return s;
    if (required_generation != 0 && w.generation.load() != required_generation)
      return absl::FailedPreconditionError(absl::StrCat("a device array of GPU ", device, " worker generation ",
                                                        required_generation,
                                                        " is gone: that worker was restarted (now ",
                                                        w.generation.load(), ") after a kernel fault"));
    c = w.conn;
    // Registered under w.mu: no restart comes between the generation check
    // and the request's place on this worker.
    std::lock_guard<std::mutex> clock(c->mu);
    tag = c->next_tag++;
    if (!c->dead) c->pending[tag] = pending;
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  bool sent;
  {
    std::lock_guard<std::mutex> lock(c->write_mu);
    sent = writeFrame(c->fd, tagBytes(tag) + payload);
  }
  bool timed_out = false;
  {
    std::unique_lock<std::mutex> lock(c->mu);
    if (sent) c->cv.wait_until(lock, deadline, [&] { return pending->done || c->dead; });
    c->pending.erase(tag);
    if (pending->done) {
      if (ran_on != nullptr) *ran_on = c->generation;
      if (pending->reply[0] == kReplyOk) return pending->reply.substr(1);
      return absl::InternalError(absl::StrCat("kernel '", kernel, "' on GPU ", device, ": ", pending->reply.substr(1)));
    }
    timed_out = sent && !c->dead;
    // Said before the kill, so the other requests in flight on it can tell why.
    if (timed_out) c->killed_for = kernel;
  }
  if (timed_out) kill(c->pid, SIGKILL);
  // The worker faulted (died, or answered garbage) or ran past the deadline:
  // it is replaced (by whichever of its requests gets here first), and this
  // request fails naming the kernel.
  std::string fresh;
  {
    std::lock_guard<std::mutex> lock(w.mu);
    if (w.conn == c) {
      bool garbage;
      {
        std::lock_guard<std::mutex> clock(c->mu);
        garbage = c->garbage;
      }
      reap(w, /*kill_first=*/timed_out || garbage);
      w.restarts.fetch_add(1);
      absl::Status respawned = spawn(w);
      fresh = respawned.ok() ? "a fresh worker was started; device arrays made before are gone"
                             : absl::StrCat("its restart failed: ", respawned.message());
    } else {
      fresh = w.conn != nullptr ? "a fresh worker was started; device arrays made before are gone"
                                : "its restart failed";
    }
  }
  std::string killed_for;
  {
    std::lock_guard<std::mutex> clock(c->mu);
    killed_for = c->killed_for;
  }
  if (timed_out) {
    if (outcome != nullptr) *outcome = Outcome::kDeadline;
    return absl::DeadlineExceededError(absl::StrCat("kernel '", kernel, "' ran past its deadline of ",
                                                    timeout.count(), " ms on GPU ", device,
                                                    ": its worker was killed (", c->how, "); ", fresh));
  }
  if (outcome != nullptr) *outcome = Outcome::kFault;
  if (!killed_for.empty())
    return absl::FailedPreconditionError(absl::StrCat("kernel '", kernel, "' on GPU ", device,
                                                      " was lost: its worker was killed when kernel '", killed_for,
                                                      "' ran past its deadline; ", fresh));
  return absl::FailedPreconditionError(absl::StrCat("kernel '", kernel, "' faulted on GPU ", device, " (its worker ",
                                                    c->how, "); ", fresh));
}

uint64_t GpuPool::refresh(int device) {
  if (device < 0 || device >= static_cast<int>(workers_.size())) return 0;
  Worker& w = *workers_[device];
  std::lock_guard<std::mutex> lock(w.mu);
  if (w.conn != nullptr) {
    Conn& c = *w.conn;
    bool dead;
    {
      std::lock_guard<std::mutex> clock(c.mu);
      dead = c.dead;
    }
    if (!dead) {
      int status = 0;
      if (waitpid(c.pid, &status, WNOHANG) != c.pid) return w.generation.load();
      c.waited = true;
      c.exit_status = status;
    }
    reap(w, /*kill_first=*/!c.waited);
    w.restarts.fetch_add(1);
  }
  if (!spawn(w).ok()) return 0;
  return w.generation.load();
}

uint64_t GpuPool::generation(int device) const { return workers_.at(device)->generation.load(); }

absl::Status GpuPool::checkGeneration(int device, uint64_t generation) const {
  uint64_t now = this->generation(device);
  if (generation == now) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("a device array of GPU ", device, " worker generation ",
                                                    generation, " is gone: that worker was restarted (now ",
                                                    now, ") after a kernel fault"));
}

pid_t GpuPool::workerPid(int device) const {
  const Worker& w = *workers_.at(device);
  std::lock_guard<std::mutex> lock(w.mu);
  return w.conn != nullptr ? w.conn->pid : 0;
}

uint64_t GpuPool::restarts(int device) const { return workers_.at(device)->restarts.load(); }

int runGpuWorkerAsync(int fd, const AsyncWorkerHandler& handler) {
  // The writer outlives the loop: a launch may answer after the supervisor
  // closed the socket.
  struct Writer {
    std::mutex mu;
    std::atomic<bool> failed{false};
  };
  auto writer = std::make_shared<Writer>();
  for (;;) {
    std::string request;
    int r = readFrame(fd, &request, Clock::time_point::max());
    if (r != 1 || request.size() < 8) return writer->failed.load() ? 1 : 0;
    const std::string tag = request.substr(0, 8);
    request.erase(0, 8);
    handler(std::move(request), [writer, fd, tag](absl::StatusOr<std::string> reply) {
      std::string frame = tag;
      frame.push_back(reply.ok() ? kReplyOk : kReplyError);
      frame += reply.ok() ? *reply : std::string(reply.status().message());
      std::lock_guard<std::mutex> lock(writer->mu);
      if (!writeFrame(fd, frame)) writer->failed.store(true);
    });
  }
}

int runGpuWorker(int fd, const WorkerHandler& handler) {
  return runGpuWorkerAsync(fd, [&handler](std::string request, WorkerRespond respond) {
    respond(handler(request));
  });
}

}  // namespace kiln::gpu
