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
#include <cstring>

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

}  // namespace

struct GpuPool::Worker {
  int device = 0;
  mutable std::mutex mu;  // one request at a time per device
  pid_t pid = 0;
  int fd = -1;
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
    std::string how;
    if (w->pid != 0) reap(*w, /*kill_first=*/true, &how);
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
  w.pid = pid;
  w.fd = sv[0];
  w.generation.fetch_add(1);
  return absl::OkStatus();
}

void GpuPool::reap(Worker& w, bool kill_first, std::string* how) {
  if (w.fd >= 0) close(w.fd);
  w.fd = -1;
  if (w.pid == 0) return;
  if (kill_first) kill(w.pid, SIGKILL);
  int status = 0;
  // A worker whose socket closed is exiting; one that closed it and lives on
  // is not a worker any more.
  pid_t r;
  for (int i = 0; i < 200 && (r = waitpid(w.pid, &status, WNOHANG)) == 0; ++i) usleep(5000);
  if (r == 0) {
    kill(w.pid, SIGKILL);
    r = waitpid(w.pid, &status, 0);
  }
  *how = r == w.pid ? describeExit(status) : "lost";
  w.pid = 0;
}

absl::Status GpuPool::start() {
  for (auto& w : workers_) {
    std::lock_guard<std::mutex> lock(w->mu);
    if (w->pid == 0)
      if (absl::Status s = spawn(*w); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GpuPool::run(int device, const std::string& kernel, const std::string& payload,
                                         std::chrono::milliseconds timeout, Outcome* outcome, uint64_t* ran_on,
                                         uint64_t required_generation) {
  if (device < 0 || device >= static_cast<int>(workers_.size()))
    return absl::InvalidArgumentError(absl::StrCat("there is no GPU ", device, " (the pool has ",
                                                   workers_.size(), ")"));
  Worker& w = *workers_[device];
  std::lock_guard<std::mutex> lock(w.mu);
  if (outcome != nullptr) *outcome = Outcome::kOk;
  if (w.pid == 0)
    if (absl::Status s = spawn(w); !s.ok()) return s;
  if (required_generation != 0 && w.generation.load() != required_generation)
    return absl::FailedPreconditionError(absl::StrCat("a device array of GPU ", device, " worker generation ",
                                                      required_generation, " is gone: that worker was restarted (now ",
                                                      w.generation.load(), ") after a kernel fault"));
  const Clock::time_point deadline = Clock::now() + timeout;
  std::string reply;
  int r = writeFrame(w.fd, payload) ? readFrame(w.fd, &reply, deadline) : 0;
  if (r == 1 && !reply.empty() && (reply[0] == kReplyOk || reply[0] == kReplyError)) {
    if (ran_on != nullptr) *ran_on = w.generation.load();  // w.mu is held: no restart since it answered
    if (reply[0] == kReplyOk) return reply.substr(1);
    return absl::InternalError(absl::StrCat("kernel '", kernel, "' on GPU ", device, ": ", reply.substr(1)));
  }
  // The worker faulted (died, or answered garbage) or ran past the deadline:
  // it is replaced, and this request fails naming the kernel.
  std::string how;
  reap(w, /*kill_first=*/r == -1 || r == 1, &how);
  w.restarts.fetch_add(1);
  absl::Status respawned = spawn(w);
  std::string fresh = respawned.ok() ? "a fresh worker was started; device arrays made before are gone"
                                     : absl::StrCat("its restart failed: ", respawned.message());
  if (r == -1) {
    if (outcome != nullptr) *outcome = Outcome::kDeadline;
    return absl::DeadlineExceededError(absl::StrCat("kernel '", kernel, "' ran past its deadline of ",
                                                    timeout.count(), " ms on GPU ", device,
                                                    ": its worker was killed (", how, "); ", fresh));
  }
  if (outcome != nullptr) *outcome = Outcome::kFault;
  return absl::FailedPreconditionError(absl::StrCat("kernel '", kernel, "' faulted on GPU ", device, " (its worker ",
                                                    how, "); ", fresh));
}

uint64_t GpuPool::refresh(int device) {
  if (device < 0 || device >= static_cast<int>(workers_.size())) return 0;
  Worker& w = *workers_[device];
  std::lock_guard<std::mutex> lock(w.mu);
  if (w.pid != 0) {
    int status = 0;
    if (waitpid(w.pid, &status, WNOHANG) != w.pid) return w.generation.load();
    close(w.fd);
    w.fd = -1;
    w.pid = 0;
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
  return w.pid;
}

uint64_t GpuPool::restarts(int device) const { return workers_.at(device)->restarts.load(); }

int runGpuWorker(int fd, const WorkerHandler& handler) {
  for (;;) {
    std::string request;
    int r = readFrame(fd, &request, Clock::time_point::max());
    if (r != 1) return 0;
    absl::StatusOr<std::string> reply = handler(request);
    std::string frame(1, reply.ok() ? kReplyOk : kReplyError);
    frame += reply.ok() ? *reply : std::string(reply.status().message());
    if (!writeFrame(fd, frame)) return 1;
  }
}

}  // namespace kiln::gpu
