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
#include <fstream>
#include <sstream>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/log.h"
#include "server/log_format.h"
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

// mkdir -p with mode 0700 for every folder it creates, whatever the umask.
absl::Status makePrivateDirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0700) == 0) {
      chmod(prefix.c_str(), 0700);
    } else if (errno != EEXIST) {
      return absl::PermissionDeniedError(absl::StrCat("creating ", prefix, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

// The folder of the socket must be one that nobody else may write: else they
// could replace the socket with their own and collect our clients' code.
absl::Status checkSocketDir(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0)
    return absl::PermissionDeniedError(absl::StrCat("socket folder ", dir, ": ", std::strerror(errno)));
  if (!S_ISDIR(st.st_mode)) return absl::FailedPreconditionError(absl::StrCat(dir, " is not a folder"));
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return absl::PermissionDeniedError(absl::StrCat(
        "refusing the socket folder ", dir, ": group or others can write it (mode ", absl::Hex(st.st_mode & 07777),
        " hex), so they could replace the socket; use a private folder (chmod 700)"));
  if (st.st_uid != geteuid() && st.st_uid != 0)
    return absl::PermissionDeniedError(
        absl::StrCat("refusing the socket folder ", dir, ": owned by uid ", st.st_uid, ", not by this user"));
  return absl::OkStatus();
}

// Whether the host of "host:port" is a loopback address.
bool loopbackHost(const std::string& address) {
  std::string host = address.substr(0, address.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

absl::StatusOr<std::string> readPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", what, " ", path, ": ", std::strerror(errno)));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The TCP listener's credentials: TLS (mTLS with a client CA) or, where
// allowed, plaintext.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tcpCredentials(const Config& c) {
  if (c.tls_cert_path.empty() != c.tls_key_path.empty())
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  if (c.tls_cert_path.empty()) {
    if (!c.tls_client_ca_path.empty())
      return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
    if (!loopbackHost(c.listen_address) && !c.insecure)
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to serve plaintext on ", c.listen_address,
          ", which is not a loopback address: anyone who can reach it could compile and read code. Give "
          "--tls-cert and --tls-key (and --tokens), or --insecure on a network you trust"));
    if (!loopbackHost(c.listen_address))
      KILN_LOG(kWarning) << "--insecure: serving plaintext without TLS on " << c.listen_address;
    return grpc::InsecureServerCredentials();
  }
  KILN_LOG(kInfo) << "TLS on " << c.listen_address
                  << (c.tls_client_ca_path.empty() ? "" : ", client certificates required (mTLS)");
  grpc::SslServerCredentialsOptions options;
  absl::StatusOr<std::string> cert = readPem(c.tls_cert_path, "TLS certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = readPem(c.tls_key_path, "TLS key");
  if (!key.ok()) return key.status();
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!c.tls_client_ca_path.empty()) {
    absl::StatusOr<std::string> ca = readPem(c.tls_client_ca_path, "TLS client CA");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// redis-l2: the shared tier's options from the flags.
cache::SharedTierOptions sharedTierOptions(const Config& c) {
  cache::SharedTierOptions o;
  o.urls = absl::StrSplit(c.shared_cache, ',', absl::SkipWhitespace());
  o.password_file = c.shared_cache_password_file;
  o.tls_ca_path = c.shared_cache_tls_ca;
  o.tls_cert_path = c.shared_cache_tls_cert;
  o.tls_key_path = c.shared_cache_tls_key;
  o.timeout = absl::Milliseconds(c.shared_cache_timeout_ms);
  o.ttl = absl::Seconds(c.shared_cache_ttl_seconds);
  o.lock_ttl = o.lock_wait = absl::Milliseconds(c.shared_cache_lock_ms);
  o.max_value_bytes = c.shared_cache_max_value_bytes;
  return o;
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
  if (config.socket_path.empty() && config.listen_address.empty() && config.listen_fds.empty())
    return absl::InvalidArgumentError("nothing to listen on: give a socket path or a listen address");
  for (int fd : config.listen_fds)
    if (absl::Status s = ActivatedListener::check(fd); !s.ok()) return s;
  std::unique_ptr<KilnServer> self(new KilnServer(config));
  Config& c = self->config_;
  if (c.cache_dir.empty()) c.cache_dir = defaultCacheDir();

  if (absl::Status s = makePrivateDirs(c.cache_dir); !s.ok())
    return absl::PermissionDeniedError(absl::StrCat("cache dir: ", s.message()));
  if (!c.socket_path.empty()) {
    std::string parent = std::filesystem::path(c.socket_path).parent_path().string();
    if (parent.empty()) parent = ".";
    if (absl::Status s = makePrivateDirs(parent); !s.ok()) return s;
    if (absl::Status s = checkSocketDir(parent); !s.ok()) return s;
    // One server per socket: its lock before anything else (the cache, the
    // socket file) is touched.
    absl::StatusOr<SocketLock> lock = SocketLock::acquire(c.socket_path);
    if (!lock.ok()) return lock.status();
    self->socket_lock_ = *std::move(lock);
  }
  // Before anything listens: a bad tokens file, key or certificate stops start-up.
  if (c.tokens_path.empty()) {
    self->authorizer_ = std::make_unique<Authorizer>();
  } else {
    absl::StatusOr<std::unique_ptr<Authorizer>> authorizer = Authorizer::fromFile(c.tokens_path);
    if (!authorizer.ok()) return authorizer.status();
    self->authorizer_ = *std::move(authorizer);
    KILN_LOG(kInfo) << "bearer tokens required, from " << c.tokens_path << " (SIGHUP reloads it)";
  }
  if (!c.signing_key_path.empty()) {
    absl::StatusOr<kiln::v1::SigningKey> key = kiln::v1::SigningKey::loadOrCreate(c.signing_key_path);
    if (!key.ok()) return key.status();
    self->signing_key_ = *std::move(key);
    KILN_LOG(kInfo) << "signing artifacts with " << c.signing_key_path << " (public key " << c.signing_key_path
                    << ".pub)";
  }
  std::shared_ptr<grpc::ServerCredentials> tcp_credentials;
  if (!c.listen_address.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds = tcpCredentials(c);
    if (!creds.ok()) return creds.status();
    tcp_credentials = *std::move(creds);
  }
  cache::StoreOptions store_options;
  store_options.max_total_wal_size = c.max_total_wal_size;
  store_options.max_bytes = c.cache_max_bytes;
  store_options.retry_interval = absl::Seconds(c.cache_retry_seconds);
  absl::StatusOr<std::unique_ptr<cache::Store>> store = cache::Store::open(c.cache_dir + "/cache.db", store_options);
  if (!store.ok()) return store.status();
  self->store_ = *std::move(store);
  if (!c.shared_cache.empty()) {  // redis-l2
    absl::StatusOr<std::unique_ptr<cache::SharedTier>> shared = cache::SharedTier::create(sharedTierOptions(c));
    if (!shared.ok()) return shared.status();
    self->shared_ = *std::move(shared);
    KILN_LOG(kInfo) << "shared cache (L2) on " << absl::StrJoin(self->shared_->instanceNames(), ", ")
                    << ", server id " << self->shared_->serverId();
  }
  self->engine_ = std::make_unique<CompileEngine>(c, *self->store_, self->shared_.get());
  // metrics: counted always, served on --metrics-listen only.
  self->metrics_ = std::make_unique<Metrics>(KILN_VERSION, compiler::compilerBuildId());
  self->engine_->setMetrics(self->metrics_.get());
  self->metrics_->setSampler([raw = self.get()] {
    MetricsSample sample;
    sample.queue_depth = raw->engine_->queuedCompiles();
    sample.compiles_in_flight = raw->engine_->runningCompiles();
    const cache::StoreStats store = raw->store_->stats();
    sample.cache_bytes = store.bytes;
    if (absl::StatusOr<uint64_t> n = raw->store_->count(cache::Kind::kArtifact); n.ok()) sample.cache_entries = *n;
    sample.cache_read_only = store.read_only;
    sample.l1_evictions = store.evictions;
    sample.l1_corrupt_values = store.corrupt_values;
    if (raw->shared_ != nullptr) {  // the shared tier's counters (redis-l2)
      sample.l2_enabled = true;
      sample.l2 = raw->shared_->stats();
    }
    if (raw->gpu_ != nullptr) sample.gpu = raw->gpu_->sample();  // gpu: set before serving
    return sample;
  });
  if (!c.metrics_listen_address.empty()) {
    if (absl::Status s = self->metrics_->serve(c.metrics_listen_address); !s.ok()) return s;
    KILN_LOG(kInfo) << "metrics on http://" << c.metrics_listen_address.substr(0, c.metrics_listen_address.rfind(':'))
                    << ":" << self->metrics_->port() << "/metrics";
  }
  KilnServer* raw = self.get();
  self->service_ = std::make_unique<KilnService>(
      *self->engine_, [raw] { raw->requestShutdown("Shutdown RPC"); }, *self->authorizer_,
      self->signing_key_ ? &*self->signing_key_ : nullptr, c.max_concurrent_rpcs);
  // gpu: the pool's workers are this binary (`kilnd --gpu-worker N`), started
  // by the first request that needs one.
  if (c.gpu_pool != "off") {
    self->gpu_ = std::make_unique<GpuService>(c, "/proc/self/exe");
    self->service_->setGpuService(self->gpu_.get());
    KILN_LOG(kInfo) << "GPU pool: " << c.gpu_devices << " device(s), backend " << c.gpu_pool;
  }

  // The standard health service (grpc.health.v1.Health: SERVING, then
  // NOT_SERVING while draining) and server reflection (grpcurl), on every
  // listener and without a token: probes and tools carry none.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
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
    interceptors.push_back(self->metrics_->interceptorFactory());  // metrics: requests and bytes by RPC
    // service: request ids (x-kiln-request-id) on every RPC and its log lines.
    interceptors.push_back(makeRequestIdInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  if (!c.socket_path.empty()) {
    if (absl::Status s = clearStaleSocket(c.socket_path); !s.ok()) return s;
    builder.AddListeningPort("unix:" + c.socket_path, grpc::InsecureServerCredentials());
  }
  int tcp_port = 0;
  if (!c.listen_address.empty())
    builder.AddListeningPort(c.listen_address, tcp_credentials, &tcp_port);
  self->server_ = builder.BuildAndStart();
  if (self->server_ == nullptr)
    return absl::UnavailableError(absl::StrCat("could not listen on ",
                                               c.socket_path.empty() ? "" : "unix:" + c.socket_path,
                                               c.socket_path.empty() || c.listen_address.empty() ? "" : " and ",
                                               c.listen_address));
  if (!c.socket_path.empty()) {
    // Owner only, whatever the umask (the folder is private too).
    if (chmod(c.socket_path.c_str(), 0600) != 0)
      return absl::PermissionDeniedError(absl::StrCat("chmod 600 ", c.socket_path, ": ", std::strerror(errno)));
    self->targets_.push_back("unix:" + c.socket_path);
    struct stat st;
    if (lstat(c.socket_path.c_str(), &st) == 0) self->socket_inode_ = st.st_ino;
  }
  if (!c.listen_address.empty()) {
    // Report the real port when the address asked for port 0.
    const std::string host = c.listen_address.substr(0, c.listen_address.rfind(':'));
    self->targets_.push_back(absl::StrCat(host, ":", tcp_port));
  }
  if (grpc::HealthCheckServiceInterface* health = self->server_->GetHealthCheckService(); health != nullptr) {
    health->SetServingStatus(true);
    health->SetServingStatus(kiln::v1::Kiln::service_full_name(), true);
  }
  // service: sockets systemd made (socket activation).
  for (int fd : c.listen_fds) {
    self->activated_.push_back(std::make_unique<ActivatedListener>(self->server_.get(), fd));
    self->targets_.push_back(absl::StrCat("fd:", fd, " (socket-activated)"));
  }
  self->shutdown_thread_ = std::thread([raw] { raw->shutdownLoop(); });
  return self;
}

absl::Status KilnServer::reload(const Config& next) {
  // service: the reloadable fields (config.h). config_ is only read by this
  // server's own threads at start-up and shutdown, never these fields.
  engine_->setLimits(next);
  config_.max_compile_seconds = next.max_compile_seconds;
  config_.max_instances = next.max_instances;
  config_.max_ir_instructions = next.max_ir_instructions;
  config_.log_level = next.log_level;
  // opsrest: a smaller bound evicts down to it before this returns.
  store_->setMaxBytes(next.cache_max_bytes);
  config_.cache_max_bytes = next.cache_max_bytes;
  configureLogging(config_.log_format, config_.log_level);
  return config_.tokens_path.empty() ? absl::OkStatus() : authorizer_->reload();
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
  // metrics: health checks answer NOT_SERVING from here on, and the
  // listener stays open while running compiles finish (below), so probes
  // and load balancers see the drain rather than a refused connection.
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService(); health != nullptr)
    health->SetServingStatus(false);
  metrics_->setDraining(true);
  engine_->beginDrain();
  activated_.clear();  // stop accepting on systemd's sockets (systemd keeps them)
  const absl::Duration drain = absl::Seconds(std::max(0.0, config_.drain_seconds));
  const absl::Time drain_end = absl::Now() + drain;
  absl::Notification drained;
  std::thread canceller([&] {
    if (drained.WaitForNotificationWithTimeout(drain)) return;
    KILN_LOG(kWarning) << "drain time of " << config_.drain_seconds << " s is over: cancelling running compiles";
    engine_->cancelAll(absl::UnavailableError(absl::StrCat(
        "the server is shutting down: its drain time of ", config_.drain_seconds, " s (--drain-seconds) is over")));
  });
  while (engine_->compilesInFlight() > 0 && absl::Now() < drain_end) absl::SleepFor(absl::Milliseconds(20));
  server_->Shutdown(absl::ToChronoTime(drain_end));
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
