#include "server/server.h"

#include <malloc.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <filesystem>

#include <grpcpp/resource_quota.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/log.h"
#include "server/status_map.h"

namespace kiln::server {
namespace {

// Removes a socket file that no server answers on. One that a live server
// answers on is left alone and reported: two servers must not share it.
absl::Status clearStaleSocket(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return absl::OkStatus();  // nothing there
  if (!S_ISSOCK(st.st_mode)) return absl::FailedPreconditionError(absl::StrCat(path, " exists and is not a socket"));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket(): ", std::strerror(errno)));
  const bool live = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  if (live) return absl::AlreadyExistsError(absl::StrCat("another server is listening on ", path));
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    return absl::PermissionDeniedError(absl::StrCat("removing stale socket ", path, ": ", std::strerror(errno)));
  return absl::OkStatus();
}

}  // namespace

std::string defaultCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return absl::StrCat(xdg, "/kiln");
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr && *home != '\0' ? home : "/tmp", "/.cache/kiln");
}

KilnServer::KilnServer(const Config& config) : config_(config) {}

absl::StatusOr<std::unique_ptr<KilnServer>> KilnServer::start(const Config& config) {
  if (config.socket_path.empty() && config.listen_address.empty())
    return absl::InvalidArgumentError("nothing to listen on: give a socket path or a listen address");
  std::unique_ptr<KilnServer> self(new KilnServer(config));
  Config& c = self->config_;
  if (c.cache_dir.empty()) c.cache_dir = defaultCacheDir();

  std::error_code ec;
  std::filesystem::create_directories(c.cache_dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("creating cache dir ", c.cache_dir, ": ", ec.message()));
  if (!c.socket_path.empty()) {
    if (const auto parent = std::filesystem::path(c.socket_path).parent_path(); !parent.empty())
      std::filesystem::create_directories(parent, ec);  // a failure shows up below
    // One server per socket: its lock before anything else (the cache, the
    // socket file) is touched.
    absl::StatusOr<SocketLock> lock = SocketLock::acquire(c.socket_path);
    if (!lock.ok()) return lock.status();
    self->socket_lock_ = *std::move(lock);
  }
  cache::StoreOptions store_options;
  store_options.max_total_wal_size = c.max_total_wal_size;
  store_options.max_bytes = c.cache_max_bytes;
  store_options.retry_interval = absl::Seconds(c.cache_retry_seconds);
  absl::StatusOr<std::unique_ptr<cache::Store>> store = cache::Store::open(c.cache_dir + "/cache.db", store_options);
  if (!store.ok()) return store.status();
  self->store_ = *std::move(store);
  self->engine_ = std::make_unique<CompileEngine>(c, *self->store_);
  KilnServer* raw = self.get();
  self->service_ = std::make_unique<KilnService>(
      *self->engine_, [raw] { raw->requestShutdown("Shutdown RPC"); }, c.max_concurrent_rpcs);

  grpc::ServerBuilder builder;
  // One thread per RPC in gRPC's sync server: the pool is capped a little
  // above --max-concurrent-rpcs (pollers and Shutdown need some), so the
  // service's own cap, which names the flag, trips first.
  if (c.max_concurrent_rpcs > 0) {
    grpc::ResourceQuota quota("kilnd");
    quota.SetMaxThreads(c.max_concurrent_rpcs + 16);
    builder.SetResourceQuota(quota);
  }
  builder.SetMaxReceiveMessageSize(c.max_message_bytes);
  builder.SetMaxSendMessageSize(c.max_message_bytes);
  builder.RegisterService(self->service_.get());
  {
    // Clear statuses for every RPC, including requests gRPC cannot parse.
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(makeStatusInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  if (!c.socket_path.empty()) {
    if (absl::Status s = clearStaleSocket(c.socket_path); !s.ok()) return s;
    builder.AddListeningPort("unix:" + c.socket_path, grpc::InsecureServerCredentials());
  }
  int tcp_port = 0;
  if (!c.listen_address.empty())
    builder.AddListeningPort(c.listen_address, grpc::InsecureServerCredentials(), &tcp_port);
  self->server_ = builder.BuildAndStart();
  if (self->server_ == nullptr)
    return absl::UnavailableError(absl::StrCat("could not listen on ",
                                               c.socket_path.empty() ? "" : "unix:" + c.socket_path,
                                               c.socket_path.empty() || c.listen_address.empty() ? "" : " and ",
                                               c.listen_address));
  if (!c.socket_path.empty()) {
    self->targets_.push_back("unix:" + c.socket_path);
    struct stat st;
    if (lstat(c.socket_path.c_str(), &st) == 0) self->socket_inode_ = st.st_ino;
  }
  if (!c.listen_address.empty()) {
    // Report the real port when the address asked for port 0.
    const std::string host = c.listen_address.substr(0, c.listen_address.rfind(':'));
    self->targets_.push_back(absl::StrCat(host, ":", tcp_port));
  }
  self->shutdown_thread_ = std::thread([raw] { raw->shutdownLoop(); });
  return self;
}

void KilnServer::requestShutdown(std::string reason) {
  absl::MutexLock lock(&mu_);
  if (shutdown_requested_) return;
  shutdown_requested_ = true;
  shutdown_reason_ = std::move(reason);
}

void KilnServer::shutdownLoop() {
  const absl::Duration idle_timeout = absl::Seconds(config_.idle_timeout_seconds);
  {
    absl::MutexLock lock(&mu_);
    // Wake every second to check the idle timeout; otherwise only on request.
    while (!mu_.AwaitWithTimeout(absl::Condition(&shutdown_requested_), absl::Seconds(1))) {
      // Bundle uploads free tens of megabytes at once; glibc keeps freed
      // memory in its per-thread arenas unless asked to give it back.
      if (service_->takeLargeUpload()) malloc_trim(0);
      if (config_.idle_timeout_seconds > 0 && service_->idleFor() >= idle_timeout) {
        shutdown_requested_ = true;
        shutdown_reason_ = absl::StrCat("idle for ", config_.idle_timeout_seconds, " s");
      }
    }
    KILN_LOG(kInfo) << "shutting down: " << shutdown_reason_;
  }
  // Drain: no new RPCs, queued compiles fail now, running ones get
  // --drain-seconds to finish; then they are cancelled (each stops at its
  // next check) and their RPCs too.
  engine_->beginDrain();
  const absl::Duration drain = absl::Seconds(std::max(0.0, config_.drain_seconds));
  absl::Notification drained;
  std::thread canceller([&] {
    if (drained.WaitForNotificationWithTimeout(drain)) return;
    KILN_LOG(kWarning) << "drain time of " << config_.drain_seconds << " s is over: cancelling running compiles";
    engine_->cancelAll(absl::UnavailableError(absl::StrCat(
        "the server is shutting down: its drain time of ", config_.drain_seconds, " s (--drain-seconds) is over")));
  });
  server_->Shutdown(absl::ToChronoTime(absl::Now() + drain));
  server_->Wait();
  drained.Notify();
  canceller.join();
  // Only the socket this server bound (and still locks) is removed.
  if (!config_.socket_path.empty() && socket_lock_.held()) {
    struct stat st;
    if (lstat(config_.socket_path.c_str(), &st) == 0 && st.st_ino == socket_inode_)
      unlink(config_.socket_path.c_str());
  }
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

std::string KilnServer::wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&stopped_));
  return shutdown_reason_;
}

KilnServer::~KilnServer() {
  if (shutdown_thread_.joinable()) {
    requestShutdown("server destroyed");
    shutdown_thread_.join();
  }
  // Members go in reverse order: grpc server, service, engine, then the store.
}

}  // namespace kiln::server
