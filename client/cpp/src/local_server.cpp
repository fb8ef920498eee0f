#include "kiln/client/local_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "unix_socket.h"

namespace kiln::client {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

absl::StatusOr<std::string> readFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

bool isExecutable(const std::string& path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

absl::Status mkdirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      return absl::PermissionDeniedError(absl::StrCat("cannot create ", prefix, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

bool socketAccepts(const std::string& path) { return connectUnix(path) == 0; }

absl::StatusOr<std::string> findKilnd(const LocalServerOptions& options) {
  if (std::string p = env("KILN_KILND"); !p.empty()) {
    if (!isExecutable(p)) return absl::NotFoundError(absl::StrCat("KILN_KILND=", p, " is not an executable"));
    return p;
  }
  if (isExecutable(options.kilnd_hint)) return options.kilnd_hint;
  for (absl::string_view dir : absl::StrSplit(env("PATH"), ':', absl::SkipEmpty())) {
    std::string p = absl::StrCat(dir, "/kilnd");
    if (isExecutable(p)) return p;
  }
  return absl::NotFoundError(
      "cannot find kilnd: set KILN_KILND, install it next to the kiln package (kiln/bin/kilnd) or on PATH, "
      "or point KILN_SERVER at a running server");
}

// The folder of the embedded server that runs `kilnd`: <cache>/kiln/server-<id>,
// where id hashes the binary's real path, size and modification time. A client
// therefore never reaches the embedded server of another build (after an
// upgrade, or from a second checkout): that server's artifacts follow its own
// ABI. Each build also gets its own RocksDB folder, which only one process may
// open. FNV-1a, 64 bits: stable across processes and builds of the client.
absl::StatusOr<std::string> serverDir(const std::string& cache_dir, const std::string& kilnd) {
  char resolved[PATH_MAX];
  const std::string path = realpath(kilnd.c_str(), resolved) ? std::string(resolved) : kilnd;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    return absl::NotFoundError(absl::StrCat("cannot stat kilnd at ", path, ": ", std::strerror(errno)));
  const std::string identity = absl::StrCat(path, "|", st.st_size, "|", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec);
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : identity) h = (h ^ c) * 1099511628211ull;
  return absl::StrCat(cache_dir, "/server-", absl::Hex(h, absl::kZeroPad16));
}

// Double fork + setsid, so the server is nobody's child and outlives us.
// Returns the server's pid, or the error of exec.
absl::StatusOr<pid_t> spawnDetached(const std::vector<std::string>& argv, const std::string& log_path) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  pid_t child = fork();
  if (child < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (child == 0) {
    // Only async-signal-safe calls from here on.
    setsid();
    pid_t grandchild = fork();
    if (grandchild != 0) {
      (void)!write(pipefd[1], &grandchild, sizeof grandchild);
      _exit(grandchild < 0 ? 1 : 0);
    }
    int devnull = open("/dev/null", O_RDONLY);
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (devnull >= 0) dup2(devnull, 0);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    // Nothing else of the parent's (its lock file above all, which would keep
    // the start-up lock held for the server's lifetime) may survive exec.
    for (int fd = 3; fd < 1024; ++fd)
      if (fd != pipefd[1]) close(fd);
    execv(cargv[0], cargv.data());
    int e = errno;
    (void)!write(pipefd[1], &e, sizeof e);
    _exit(127);
  }
  close(pipefd[1]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  pid_t server = -1;
  ssize_t n = read(pipefd[0], &server, sizeof server);
  int exec_errno = 0;
  ssize_t m = n == sizeof server ? read(pipefd[0], &exec_errno, sizeof exec_errno) : 0;
  close(pipefd[0]);
  if (n != sizeof server || server <= 0) return absl::InternalError("fork of kilnd failed");
  if (m == sizeof exec_errno)
    return absl::InternalError(absl::StrCat("cannot run ", argv[0], ": ", std::strerror(exec_errno)));
  return server;
}

class FileLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {}
  ~FileLock() {
    if (fd_ >= 0) {
      flock(fd_, LOCK_UN);
      close(fd_);
    }
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace

std::string localCacheDir() {
  std::string base = env("XDG_CACHE_HOME");
  if (base.empty()) {
    std::string home = env("HOME");
    if (home.empty()) {
      if (passwd* pw = getpwuid(getuid())) home = pw->pw_dir;
    }
    base = home + "/.cache";
  }
  return base + "/kiln";
}

absl::StatusOr<LocalServerPaths> localServerPaths(const LocalServerOptions& options) {
  absl::StatusOr<std::string> kilnd = findKilnd(options);
  if (!kilnd.ok()) return kilnd.status();
  absl::StatusOr<std::string> dir = serverDir(localCacheDir(), *kilnd);
  if (!dir.ok()) return dir.status();
  return LocalServerPaths{*kilnd, *dir};
}

absl::StatusOr<std::string> ensureLocalServer(const LocalServerOptions& options) {
  absl::StatusOr<std::string> kilnd = findKilnd(options);
  if (!kilnd.ok()) return kilnd.status();
  absl::StatusOr<std::string> server_dir = serverDir(localCacheDir(), *kilnd);
  if (!server_dir.ok()) return server_dir.status();
  if (options.instance.find('/') != std::string::npos || options.instance == "..")
    return absl::InvalidArgumentError(absl::StrCat("bad local server instance name '", options.instance, "'"));
  const std::string dir = options.instance.empty() ? *server_dir : *server_dir + "/" + options.instance;
  const std::string socket_path = dir + "/kilnd.sock";
  const std::string target = "unix:" + socket_path;
  if (socketAccepts(socket_path)) return target;

  if (absl::Status s = mkdirs(dir); !s.ok()) return s;
  const std::string lock_path = dir + "/kilnd.lock";
  int lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) return absl::PermissionDeniedError(absl::StrCat("cannot open ", lock_path, ": ", std::strerror(errno)));
  FileLock lock(lock_fd);
  while (flock(lock_fd, LOCK_EX) != 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("flock ", lock_path, ": ", std::strerror(errno)));
  }
  // Whoever held the lock before us may have started it.
  if (socketAccepts(socket_path)) return target;

  // Under the lock and refusing connections: a stale socket of a dead server.
  unlink(socket_path.c_str());
  const std::string log_path = dir + "/kilnd.log";
  absl::StatusOr<pid_t> pid =
      spawnDetached({*kilnd, "--socket", socket_path, "--cache-dir", dir, "--idle-timeout",
                     std::to_string(options.idle_timeout_seconds), "--signing-key", dir + "/kilnd.key"},
                    log_path);
  if (!pid.ok()) return pid.status();

  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(options.start_timeout_seconds * 1000));
  while (!socketAccepts(socket_path)) {
    if (kill(*pid, 0) != 0 && errno == ESRCH)
      return absl::UnavailableError(
          absl::StrCat("kilnd (", *kilnd, ") exited during start-up; see ", log_path));
    if (std::chrono::steady_clock::now() > deadline)
      return absl::DeadlineExceededError(absl::StrCat("kilnd (", *kilnd, ", pid ", *pid, ") did not accept on ",
                                                      socket_path, " within ", options.start_timeout_seconds,
                                                      " s; see ", log_path));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return target;
}

absl::StatusOr<std::string> defaultServerTarget(const LocalServerOptions& options, bool start) {
  if (std::string server = env("KILN_SERVER"); !server.empty()) return server;
  if (!start) {
    absl::StatusOr<std::string> kilnd = findKilnd(options);
    if (!kilnd.ok()) return kilnd.status();
    absl::StatusOr<std::string> dir = serverDir(localCacheDir(), *kilnd);
    if (!dir.ok()) return dir.status();
    const std::string instance_dir = options.instance.empty() ? *dir : *dir + "/" + options.instance;
    std::string socket_path = instance_dir + "/kilnd.sock";
    if (!socketAccepts(socket_path)) return absl::NotFoundError("no local kilnd is running on " + socket_path);
    return "unix:" + socket_path;
  }
  return ensureLocalServer(options);
}

absl::StatusOr<ConnectOptions> connectOptionsFromEnv(const std::string& target) {
  ConnectOptions o;
  const bool unix_target = target.rfind("unix:", 0) == 0;
  auto readVar = [](const char* var, std::string* out) -> absl::Status {
    const std::string path = env(var);
    if (path.empty()) return absl::OkStatus();
    absl::StatusOr<std::string> text = readFile(path);
    if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat(var, "=", path, ": ", text.status().message()));
    *out = *std::move(text);
    return absl::OkStatus();
  };
  if (!unix_target) {
    o.tls = env("KILN_TLS") == "1";
    if (absl::Status s = readVar("KILN_TLS_CA", &o.tls_ca_pem); !s.ok()) return s;
    if (absl::Status s = readVar("KILN_TLS_CERT", &o.tls_cert_pem); !s.ok()) return s;
    if (absl::Status s = readVar("KILN_TLS_KEY", &o.tls_key_pem); !s.ok()) return s;
    o.tls = o.tls || !o.tls_ca_pem.empty() || !o.tls_cert_pem.empty();
    o.tls_server_name = env("KILN_TLS_SERVER_NAME");
  }
  o.token = env("KILN_TOKEN");
  if (o.token.empty()) {
    if (absl::Status s = readVar("KILN_TOKEN_FILE", &o.token); !s.ok()) return s;
    o.token = std::string(absl::StripAsciiWhitespace(o.token.substr(0, o.token.find('\n'))));
  }
  if (const std::string key = env("KILN_SERVER_KEY"); !key.empty()) {
    if (key.rfind("-----BEGIN", 0) == 0) {
      o.server_key_pem = key;
    } else if (absl::Status s = readVar("KILN_SERVER_KEY", &o.server_key_pem); !s.ok()) {
      return s;
    }
  }
  return o;
}

namespace {
std::atomic<bool> fell_back{false};

// The client of an embedded server at `target` with the environment's
// settings; it trusts the key that server made at first start (kept beside
// its socket) unless KILN_SERVER_KEY names another.
absl::StatusOr<std::shared_ptr<Client>> embeddedClient(const std::string& target) {
  absl::StatusOr<ConnectOptions> connect_options = connectOptionsFromEnv(target);
  if (!connect_options.ok()) return connect_options.status();
  if (connect_options->server_key_pem.empty()) {
    const std::string socket_path = target.substr(5);
    const std::string pub = socket_path.substr(0, socket_path.rfind('/')) + "/kilnd.key.pub";
    if (absl::StatusOr<std::string> pem = readFile(pub); pem.ok()) connect_options->server_key_pem = *std::move(pem);
  }
  return Client::connect(target, *connect_options);
}

// The embedded server's client, whose retry restarts that server first.
absl::StatusOr<std::shared_ptr<Client>> localClient(const LocalServerOptions& options) {
  absl::StatusOr<std::string> target = ensureLocalServer(options);
  if (!target.ok()) return target.status();
  absl::StatusOr<std::shared_ptr<Client>> client = embeddedClient(*target);
  if (!client.ok()) return client.status();
  (*client)->setBeforeRetry([options] { return ensureLocalServer(options).status(); });
  return client;
}
}  // namespace

bool usingFallbackServer() { return fell_back.load(); }

absl::StatusOr<std::shared_ptr<Client>> defaultClient(const LocalServerOptions& options, bool start) {
  if (std::string server = env("KILN_SERVER"); !server.empty()) {
    absl::StatusOr<ConnectOptions> connect_options = connectOptionsFromEnv(server);
    if (!connect_options.ok()) return connect_options.status();
    return Client::connect(server, *connect_options);
  }
  LocalServerOptions fallback = options;
  fallback.instance = "fallback";
  if (!start && !fell_back.load()) {
    // Only a server that is running: no start, no probe.
    absl::StatusOr<std::string> target = defaultServerTarget(options, false);
    if (!target.ok()) return target.status();
    return embeddedClient(*target);
  }
  if (!fell_back.load()) {
    absl::Status s;
    // Twice: a server that exited between the socket check and the
    // handshake (idle timeout) is restarted by the second localClient.
    for (int attempt = 0; attempt < 2; ++attempt) {
      absl::StatusOr<std::shared_ptr<Client>> client = localClient(options);
      if (!client.ok()) return client.status();
      // A probe, not just a connection: a stopped server keeps its
      // connections open and never answers.
      s = (*client)->probe();
      if (s.ok()) return client;
      if (s.code() != absl::StatusCode::kUnavailable) return s;
    }
    if (!fell_back.exchange(true))
      std::fprintf(stderr, "kiln: %s; starting a fallback embedded server for this process\n",
                   std::string(s.message()).c_str());
  }
  return localClient(fallback);
}

}  // namespace kiln::client
