// The default server's gRPC channel, connected in the background from
// `import kiln` on (kiln/__init__.py calls _preconnect), so that the first
// call of a jitted function in a fresh process finds it ready instead of
// paying for gRPC's start-up, the connection and the HTTP/2 handshake
// (docs/performance.md, "A fresh process"). It also makes OpenSSL's first
// SHA-256, which reads its configuration file.
//
// One native thread, which never holds the GIL, runs defaultClient with
// start=false (it never starts an embedded server; a KILN_SERVER, or an
// embedded server already running) and waits at most kWarmUpSeconds for the
// channel to be READY and one GetServerInfo to come back. Nothing waits for
// it: the first Compile asks Client::connect for the same Client (one per
// target per process) and picks the connection up wherever it is. The
// thread is joined before fork(), so no child inherits a thread that was
// inside gRPC with its locks held (the child then makes its own channel:
// Client::connect keys by pid), and at interpreter exit.
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "kiln/client/client.h"
#include "kiln/client/local_server.h"
#include "kiln/v1/bundle_hash.h"
#include "native.h"

namespace kiln::python {
namespace {

// Long enough for a TLS handshake with a distant server; a warm-up that runs
// out leaves the rest to the first RPC's own wait (KILN_CONNECT_TIMEOUT).
constexpr double kWarmUpSeconds = 2;

// Guards the thread. Held across fork() (pthread_atfork), so a child never
// inherits it locked; the worker itself never takes it.
absl::Mutex thread_mu(absl::kConstInit);
std::thread worker ABSL_GUARDED_BY(thread_mu);
bool started ABSL_GUARDED_BY(thread_mu) = false;

// The worker's outcome, for _preconnect_status.
std::atomic<bool> finished{false};
absl::Mutex result_mu(absl::kConstInit);
std::string result_target ABSL_GUARDED_BY(result_mu), result_message ABSL_GUARDED_BY(result_mu);
bool result_ok ABSL_GUARDED_BY(result_mu) = false;
// Seconds the warm-up took, and its thread's CPU time.
double result_wall ABSL_GUARDED_BY(result_mu) = 0, result_cpu ABSL_GUARDED_BY(result_mu) = 0;

double seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void warmUp(client::LocalServerOptions options) {
  const double wall0 = seconds(CLOCK_MONOTONIC);
  // OpenSSL's first SHA-256 loads its configuration (about 1 ms): the first
  // bundle's hash and the artifact's digest check then find it done.
  (void)kiln::v1::bundleHash(kiln::v1::Bundle());
  std::string target, message;
  absl::StatusOr<std::shared_ptr<client::Client>> c = client::defaultClient(options, /*start=*/false);
  // A GetServerInfo, not only a READY channel: the first call on a channel
  // pays for gRPC's call path once, here rather than in the first Compile.
  absl::Status s = c.ok() ? (*c)->probe(kWarmUpSeconds) : c.status();
  if (c.ok()) target = (*c)->target();
  {
    absl::MutexLock lock(&result_mu);
    result_target = target;
    result_message = std::string(s.message());
    result_ok = s.ok();
    result_wall = seconds(CLOCK_MONOTONIC) - wall0;
    result_cpu = seconds(CLOCK_THREAD_CPUTIME_ID);
  }
  finished.store(true);
}

void joinLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(thread_mu) {
  if (worker.joinable()) worker.join();
}

void join() {
  absl::MutexLock lock(&thread_mu);
  joinLocked();
}

// Locked in the prepare handler, unlocked in the parent's and the child's.
void beforeFork() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  thread_mu.Lock();
  joinLocked();
}
void afterFork() ABSL_NO_THREAD_SAFETY_ANALYSIS { thread_mu.Unlock(); }

// _preconnect(): starts the warm-up once per process; True if it started now.
PyObject* preconnect(PyObject*, PyObject*) {
  absl::MutexLock lock(&thread_mu);
  if (started) Py_RETURN_FALSE;
  started = true;
  static bool hooks = [] {
    pthread_atfork(beforeFork, afterFork, afterFork);
    Py_AtExit(join);
    return true;
  }();
  (void)hooks;
  worker = std::thread(warmUp, serverOptions());
  Py_RETURN_TRUE;
}

// _preconnect_status(join=False) -> {"started", "finished", "ok", "target",
// "message", "channels", "wall_seconds", "cpu_seconds"}: tests and benchmarks
// (channels: Client::channelsCreated; the seconds: the warm-up's, and its
// thread's CPU time).
PyObject* preconnectStatus(PyObject*, PyObject* args) {
  int wait = 0;
  if (!PyArg_ParseTuple(args, "|p", &wait)) return nullptr;
  if (wait) {
    Py_BEGIN_ALLOW_THREADS
    join();
    Py_END_ALLOW_THREADS
  }
  bool was_started;
  {
    absl::MutexLock lock(&thread_mu);
    was_started = started;
  }
  absl::MutexLock lock(&result_mu);
  return Py_BuildValue("{s:O,s:O,s:O,s:s,s:s,s:L,s:d,s:d}", "started", was_started ? Py_True : Py_False, "finished",
                       finished.load() ? Py_True : Py_False, "ok", result_ok ? Py_True : Py_False, "target",
                       result_target.c_str(), "message", result_message.c_str(), "channels",
                       static_cast<long long>(client::Client::channelsCreated()), "wall_seconds", result_wall,
                       "cpu_seconds", result_cpu);
}

}  // namespace

PyMethodDef kPreconnectFunctions[] = {
    {"_preconnect", preconnect, METH_NOARGS,
     "start connecting to the default server in the background (once per process; kiln/__init__.py)"},
    {"_preconnect_status", preconnectStatus, METH_VARARGS,
     "_preconnect_status(join=False) -> {started, finished, ok, target, message, channels, wall_seconds, "
     "cpu_seconds}"},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace kiln::python
