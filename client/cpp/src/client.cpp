#include "kiln/client/client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "unix_socket.h"

namespace kiln::client {
namespace {

// gRPC's status when the reply could not be parsed as the response message.
constexpr char kGrpcNoMessage[] = "No message returned for unary request";

absl::Status fromGrpc(const grpc::Status& s, const std::string& target, const char* what) {
  if (s.ok()) return absl::OkStatus();
  auto code = static_cast<absl::StatusCode>(s.error_code());
  std::string message = s.error_message();
  // A reply that could not be read is the server's fault, not a missing
  // method: INTERNAL, saying so instead of gRPC's words.
  if (code == absl::StatusCode::kUnimplemented && message == kGrpcNoMessage) {
    code = absl::StatusCode::kInternal;
    message = "the server's reply could not be read as a kiln.v1 message (a kiln server bug, or a server of "
              "another version)";
  } else if (message.empty()) {
    message = absl::StrCat("the server ended the call with ", absl::StatusCodeToString(code),
                           " and no message");
  }
  return absl::Status(code, absl::StrCat(what, " on kiln server ", target, ": ", message));
}

std::chrono::system_clock::time_point after(double seconds) {
  return std::chrono::system_clock::now() +
         std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

constexpr double kShortRpcSeconds = 10;

absl::Status secondsFromEnv(const char* name, double* out) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return absl::OkStatus();
  double seconds = 0;
  if (!absl::SimpleAtod(v, &seconds) || !(seconds > 0) || seconds > 1e6)
    return absl::InvalidArgumentError(
        absl::StrCat(name, "='", absl::CHexEscape(absl::string_view(v).substr(0, 64)),
                     "' is not a number of seconds (a positive number, at most 1e6)"));
  *out = seconds;
  return absl::OkStatus();
}

std::atomic<int64_t> retry_count{0};
std::atomic<int64_t> channel_count{0};

// Whether a plain connect() to the target is refused right now (nothing
// listens there): the one channel failure not worth waiting out. Anything
// else (accepted, pending after 200 ms, a name that does not resolve) is no.
bool connectionRefused(const std::string& target) {
  if (target.rfind("unix:", 0) == 0) {
    const int err = connectUnix(target.substr(5));
    return err == ECONNREFUSED || err == ENOENT;
  }
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = target.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = target.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;  // no DNS lookups from here
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) return false;
  bool refused = false;
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd >= 0) {
    if (::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
      if (errno == ECONNREFUSED) {
        refused = true;
      } else if (errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        if (poll(&p, 1, 200) == 1) {
          int err = 0;
          socklen_t len = sizeof err;
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
          refused = err == ECONNREFUSED;
        }
      }
    }
    close(fd);
  }
  freeaddrinfo(res);
  return refused;
}

}  // namespace

absl::StatusOr<Timeouts> timeoutsFromEnv() {
  Timeouts t;
  if (absl::Status s = secondsFromEnv("KILN_CONNECT_TIMEOUT", &t.connect_seconds); !s.ok()) return s;
  if (absl::Status s = secondsFromEnv("KILN_CALL_TIMEOUT", &t.call_seconds); !s.ok()) return s;
  return t;
}

std::string ConnectOptions::fingerprint() const {
  std::string out;
  for (const std::string* f : {&tls_ca_pem, &tls_cert_pem, &tls_key_pem, &tls_server_name, &token, &server_key_pem})
    absl::StrAppend(&out, f->size(), ":", *f, "|");
  absl::StrAppend(&out, tls ? "tls" : "plain");
  return out;
}

Client::Client(std::string target, const ConnectOptions& options, std::optional<kiln::v1::VerifyKey> server_key)
    : target_(std::move(target)), options_(options), server_key_(std::move(server_key)) {
  reconnect(nullptr);
}

std::shared_ptr<Client::Connection> Client::connection() {
  absl::MutexLock lock(&mu_);
  return connection_;
}

// A new channel, unless another thread already replaced `failed`.
std::shared_ptr<Client::Connection> Client::reconnect(const std::shared_ptr<Connection>& failed) {
  absl::MutexLock lock(&mu_);
  if (connection_ != failed) return connection_;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // artifacts and emitted text can be large
  args.SetMaxSendMessageSize(-1);
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  // A private channel: a fresh one must not share a subchannel (and its
  // reconnect backoff) with the one that failed.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options_.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options_.tls_ca_pem;
    ssl.pem_cert_chain = options_.tls_cert_pem;
    ssl.pem_private_key = options_.tls_key_pem;
    credentials = grpc::SslCredentials(ssl);
    if (!options_.tls_server_name.empty()) args.SetSslTargetNameOverride(options_.tls_server_name);
  }
  auto conn = std::make_shared<Connection>();
  conn->channel = grpc::CreateCustomChannel(target_, credentials, args);
  channel_count.fetch_add(1);
  conn->stub = kiln::v1::Kiln::NewStub(conn->channel);
  connection_ = conn;
  return conn;
}

absl::Status Client::awaitConnected(std::shared_ptr<Connection>& conn, const Timeouts& t) {
  grpc_connectivity_state state = conn->channel->GetState(/*try_to_connect=*/true);
  if (state == GRPC_CHANNEL_READY) return absl::OkStatus();
  if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
    conn = reconnect(conn);
    state = conn->channel->GetState(/*try_to_connect=*/true);
  }
  const auto deadline = after(t.connect_seconds);
  while (state != GRPC_CHANNEL_READY) {
    // A refused connection fails now; a server that accepts and then says
    // nothing (stopped, wedged) costs the whole connect timeout; a handshake
    // that failed otherwise (a server too busy to finish it) is tried again
    // on a fresh channel within the timeout.
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
      if (connectionRefused(target_))
        return absl::UnavailableError(
            absl::StrCat("cannot connect to kiln server ", target_, ": no server is listening"));
      if (std::chrono::system_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      conn = reconnect(conn);
      state = conn->channel->GetState(/*try_to_connect=*/true);
      continue;
    }
    if (!conn->channel->WaitForStateChange(state, deadline))
      return absl::UnavailableError(silent(t.connect_seconds));
    state = conn->channel->GetState(/*try_to_connect=*/true);
  }
  if (state == GRPC_CHANNEL_READY) return absl::OkStatus();
  return absl::UnavailableError(silent(t.connect_seconds));
}

absl::Status Client::awaitConnected() {
  absl::StatusOr<Timeouts> t = timeoutsFromEnv();
  if (!t.ok()) return t.status();
  std::shared_ptr<Connection> conn = connection();
  return awaitConnected(conn, *t);
}

absl::Status Client::probe() { return probe(std::numeric_limits<double>::infinity()); }

absl::Status Client::probe(double max_seconds) {
  absl::StatusOr<Timeouts> t = timeoutsFromEnv();
  if (!t.ok()) return t.status();
  t->connect_seconds = std::min(t->connect_seconds, max_seconds);
  std::shared_ptr<Connection> conn = connection();
  if (absl::Status s = awaitConnected(conn, *t); !s.ok()) return s;
  grpc::ClientContext ctx;
  ctx.set_deadline(after(t->connect_seconds));
  addToken(ctx);
  kiln::v1::ServerInfo reply;
  grpc::Status s = conn->stub->GetServerInfo(&ctx, {}, &reply);
  if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
    return absl::UnavailableError(silent(t->connect_seconds));
  return fromGrpc(s, target_, "GetServerInfo");
}

std::string Client::silent(double connect_seconds) const {
  std::string m = absl::StrCat("kiln server ", target_, " did not answer within ", connect_seconds,
                               " s (KILN_CONNECT_TIMEOUT): it is stopped or overloaded");
  // A failed TLS handshake looks the same from here (gRPC keeps retrying it).
  if (options_.tls)
    absl::StrAppend(&m, ", or the TLS handshake failed (is its certificate signed by KILN_TLS_CA, and for this name?)");
  else if (target_.rfind("unix:", 0) != 0)
    absl::StrAppend(&m, ", or it speaks TLS and this client does not (KILN_TLS_CA)");
  return m;
}

void Client::addToken(grpc::ClientContext& ctx) const {
  if (!options_.token.empty()) ctx.AddMetadata("authorization", "Bearer " + options_.token);
}

void Client::setBeforeRetry(std::function<absl::Status()> hook) {
  absl::MutexLock lock(&mu_);
  before_retry_ = std::move(hook);
}

int64_t Client::retries() { return retry_count.load(); }
int64_t Client::channelsCreated() { return channel_count.load(); }

template <typename Reply, typename Call>
absl::StatusOr<Reply> Client::rpc(const char* what, double seconds, Call call) {
  absl::StatusOr<Timeouts> t = timeoutsFromEnv();
  if (!t.ok()) return t.status();
  std::shared_ptr<Connection> conn = connection();
  for (int attempt = 0;; ++attempt) {
    absl::Status s = awaitConnected(conn, *t);
    if (!s.ok() && attempt == 1 && hasBeforeRetry()) {
      // The retry's connection to a server the hook restarts: it may take a
      // moment (the dying one can still hold its socket), so within the
      // connect timeout the hook runs again and a fresh channel tries again.
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::microseconds(static_cast<int64_t>(t->connect_seconds * 1e6));
      while (!s.ok() && s.code() == absl::StatusCode::kUnavailable && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (absl::Status h = beforeRetry(); !h.ok())
          return absl::UnavailableError(absl::StrCat(s.message(), "; then: ", h.message()));
        conn = reconnect(conn);
        s = awaitConnected(conn, *t);
      }
    }
    if (s.ok()) {
      Reply reply;
      grpc::ClientContext ctx;
      ctx.set_deadline(after(std::min(seconds, t->call_seconds)));
      addToken(ctx);
      s = fromGrpc(call(*conn->stub, &ctx, &reply), target_, what);
      if (s.ok()) return reply;
      if (s.code() == absl::StatusCode::kDeadlineExceeded)
        return absl::DeadlineExceededError(
            absl::StrCat(s.message(), " (the limit is ", std::min(seconds, t->call_seconds), " s; KILN_CALL_TIMEOUT)"));
    }
    // Only a server that went away (UNAVAILABLE) is retried, once, on a
    // fresh channel: every kiln RPC is idempotent.
    if (s.code() != absl::StatusCode::kUnavailable || attempt == 1) return s;
    retry_count.fetch_add(1);
    if (absl::Status h = beforeRetry(); !h.ok())
      return absl::UnavailableError(absl::StrCat(s.message(), "; then: ", h.message()));
    conn = reconnect(conn);
  }
}

bool Client::hasBeforeRetry() {
  absl::MutexLock lock(&mu_);
  return static_cast<bool>(before_retry_);
}

absl::Status Client::beforeRetry() {
  std::function<absl::Status()> hook;
  {
    absl::MutexLock lock(&mu_);
    hook = before_retry_;
  }
  return hook ? hook() : absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<Client>> Client::connect(std::string target, const ConnectOptions& options) {
  if (target.empty()) return absl::InvalidArgumentError("empty kiln server target");
  if (target.rfind("unix:", 0) != 0 && target.find(':') == std::string::npos)
    return absl::InvalidArgumentError(
        absl::StrCat("kiln server target '", target, "' is neither unix:PATH nor host:port"));
  if (options.tls && target.rfind("unix:", 0) == 0)
    return absl::InvalidArgumentError(absl::StrCat("TLS is for host:port targets, not ", target));
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty())
    return absl::InvalidArgumentError("a TLS client certificate and its key go together (KILN_TLS_CERT, KILN_TLS_KEY)");
  std::optional<kiln::v1::VerifyKey> server_key;
  if (!options.server_key_pem.empty()) {
    absl::StatusOr<kiln::v1::VerifyKey> key = kiln::v1::VerifyKey::fromPem(options.server_key_pem);
    if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat("the server key: ", key.status().message()));
    server_key = *std::move(key);
  }
  static absl::Mutex mu(absl::kConstInit);
  static auto* clients = new absl::flat_hash_map<std::string, std::shared_ptr<Client>>();
  absl::MutexLock lock(&mu);
  // The pid: a forked child must not write on its parent's connection (both
  // would then read each other's HTTP/2 frames); the parent's Client is left
  // untouched (never destroyed) in the child.
  std::shared_ptr<Client>& slot = (*clients)[absl::StrCat(getpid(), "\n", target, "\n", options.fingerprint())];
  if (!slot) slot = std::make_shared<Client>(target, options, std::move(server_key));
  return slot;
}

absl::StatusOr<kiln::v1::ServerInfo> Client::info() {
  return rpc<kiln::v1::ServerInfo>("GetServerInfo", kShortRpcSeconds,
                                   [](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::ServerInfo* r) {
                                     return stub.GetServerInfo(ctx, {}, r);
                                   });
}

absl::StatusOr<kiln::v1::StatsResponse> Client::stats() {
  return rpc<kiln::v1::StatsResponse>(
      "GetStats", kShortRpcSeconds,
      [](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::StatsResponse* r) {
        return stub.GetStats(ctx, {}, r);
      });
}

absl::Status Client::zeroStats() {
  return rpc<kiln::v1::ZeroStatsResponse>(
             "ZeroStats", kShortRpcSeconds,
             [](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::ZeroStatsResponse* r) {
               return stub.ZeroStats(ctx, {}, r);
             })
      .status();
}

absl::StatusOr<kiln::v1::EvictCacheResponse> Client::evictCache(const kiln::v1::EvictCacheRequest& request) {
  // A scan of the whole cache: longer than the other small RPCs may take.
  return rpc<kiln::v1::EvictCacheResponse>(
      "EvictCache", 300, [&request](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::EvictCacheResponse* r) {
        return stub.EvictCache(ctx, request, r);
      });
}

absl::Status Client::shutdown() {
  // Not retried: a server that stops while answering has done what was asked.
  absl::StatusOr<Timeouts> t = timeoutsFromEnv();
  if (!t.ok()) return t.status();
  std::shared_ptr<Connection> conn = connection();
  if (absl::Status s = awaitConnected(conn, *t); !s.ok()) return s;
  grpc::ClientContext ctx;
  ctx.set_deadline(after(std::min(kShortRpcSeconds, t->call_seconds)));
  addToken(ctx);
  kiln::v1::ShutdownResponse reply;
  return fromGrpc(conn->stub->Shutdown(&ctx, {}, &reply), target_, "Shutdown");
}

bool Client::serverHasBundle(const BundleHash& hash) const {
  absl::MutexLock lock(&mu_);
  return known_bundles_.contains(std::string(hash.begin(), hash.end()));
}

absl::StatusOr<kiln::v1::CompileResponse> Client::compile(const kiln::v1::Bundle& bundle,
                                                          const BundleHash& hash,
                                                          const CompileArgs& args) {
  const std::string key(hash.begin(), hash.end());
  kiln::v1::CompileRequest request;
  request.set_bundle_hash(key);
  for (const std::string& t : args.arg_types) request.add_arg_types(t);
  request.set_return_type(args.return_type);
  if (args.has_target) {
    *request.mutable_target() = args.target;
  } else {
    absl::StatusOr<kiln::v1::Target> target = tierTarget("");
    if (!target.ok()) return target.status();
    *request.mutable_target() = *std::move(target);
  }
  // keys: code this CPU cannot run is never asked for, so never loaded.
  if (args.emit == kiln::v1::EMIT_BINARY)
    if (absl::Status runs = checkRunsHere(request.target()); !runs.ok()) return runs;
  *request.mutable_options() = args.options;
  request.set_emit(args.emit);

  // Always the hash alone first, even for a bundle this process never sent:
  // another client may have uploaded it already.
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<kiln::v1::CompileResponse> reply = rpc<kiln::v1::CompileResponse>(
        "Compile", std::numeric_limits<double>::infinity(),
        [&request](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::CompileResponse* r) {
          return stub.Compile(ctx, request, r);
        });
    if (!reply.ok()) return reply.status();
    if (reply->status() == kiln::v1::CompileResponse::STATUS_NEED_BUNDLE) {
      if (request.has_bundle())
        return absl::InternalError(
            absl::StrCat("kiln server ", target_, " asked for bundle ", hexHash(hash), " again after upload"));
      // The server may have lost it (restart, eviction): forget and upload.
      {
        absl::MutexLock lock(&mu_);
        known_bundles_.erase(key);
      }
      *request.mutable_bundle() = bundle;
      continue;
    }
    if (reply->status() == kiln::v1::CompileResponse::STATUS_UNSPECIFIED)
      return absl::InternalError(absl::StrCat("kiln server ", target_, " sent a compile reply without a status"));
    if (reply->status() == kiln::v1::CompileResponse::STATUS_OK &&
        (args.emit == kiln::v1::EMIT_BINARY || !reply->artifact().shared_object().empty())) {
      // Nothing is loaded that the server did not seal for this request.
      const kiln::v1::Artifact& a = reply->artifact();
      absl::Status sealed = kiln::v1::checkArtifactSeal(request, a, server_key_ ? &*server_key_ : nullptr);
      if (sealed.ok() && a.arg_types_size() != static_cast<int>(args.arg_types.size()))
        sealed = absl::DataLossError(absl::StrCat("the artifact takes ", a.arg_types_size(), " arguments, the request ",
                                                  args.arg_types.size()));
      if (!sealed.ok())
        return absl::Status(sealed.code(), absl::StrCat("refusing the compiled code from kiln server ", target_, ": ",
                                                        sealed.message(), "; nothing was loaded"));
    }
    absl::MutexLock lock(&mu_);
    known_bundles_.insert(key);
    return reply;
  }
  return absl::InternalError("unreachable");
}

// gpu: the server's GPU pool (docs/cuda.md "Remote launches").
absl::StatusOr<kiln::v1::LaunchResponse> Client::launch(const kiln::v1::Bundle& bundle, const BundleHash& hash,
                                                        kiln::v1::LaunchRequest request) {
  const std::string key(hash.begin(), hash.end());
  request.mutable_kernel()->set_bundle_hash(key);
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<kiln::v1::LaunchResponse> reply = rpc<kiln::v1::LaunchResponse>(
        "Launch", std::numeric_limits<double>::infinity(),
        [&request](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::LaunchResponse* r) {
          return stub.Launch(ctx, request, r);
        });
    if (!reply.ok()) return reply.status();
    if (reply->status() == kiln::v1::LaunchResponse::STATUS_NEED_BUNDLE) {
      if (request.kernel().has_bundle())
        return absl::InternalError(
            absl::StrCat("kiln server ", target_, " asked for bundle ", hexHash(hash), " again after upload"));
      *request.mutable_kernel()->mutable_bundle() = bundle;
      continue;
    }
    if (reply->status() == kiln::v1::LaunchResponse::STATUS_UNSPECIFIED)
      return absl::InternalError(absl::StrCat("kiln server ", target_, " sent a launch reply without a status"));
    absl::MutexLock lock(&mu_);
    known_bundles_.insert(key);
    return reply;
  }
  return absl::InternalError("unreachable");
}

absl::StatusOr<kiln::v1::AllocDeviceResponse> Client::allocDevice(const kiln::v1::AllocDeviceRequest& request) {
  return rpc<kiln::v1::AllocDeviceResponse>(
      "AllocDevice", std::numeric_limits<double>::infinity(),
      [&request](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::AllocDeviceResponse* r) {
        return stub.AllocDevice(ctx, request, r);
      });
}

absl::StatusOr<kiln::v1::ReadDeviceResponse> Client::readDevice(const kiln::v1::ReadDeviceRequest& request) {
  return rpc<kiln::v1::ReadDeviceResponse>(
      "ReadDevice", std::numeric_limits<double>::infinity(),
      [&request](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::ReadDeviceResponse* r) {
        return stub.ReadDevice(ctx, request, r);
      });
}

absl::Status Client::writeDevice(const kiln::v1::WriteDeviceRequest& request) {
  return rpc<kiln::v1::WriteDeviceResponse>(
             "WriteDevice", std::numeric_limits<double>::infinity(),
             [&request](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::WriteDeviceResponse* r) {
               return stub.WriteDevice(ctx, request, r);
             })
      .status();
}

absl::StatusOr<kiln::v1::SyncLaunchesResponse> Client::syncLaunches(const kiln::v1::SyncLaunchesRequest& request) {
  return rpc<kiln::v1::SyncLaunchesResponse>(
      "SyncLaunches", std::numeric_limits<double>::infinity(),
      [&request](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::SyncLaunchesResponse* r) {
        return stub.SyncLaunches(ctx, request, r);
      });
}

absl::Status Client::freeDevice(const kiln::v1::FreeDeviceRequest& request) {
  return rpc<kiln::v1::FreeDeviceResponse>(
             "FreeDevice", kShortRpcSeconds,
             [&request](kiln::v1::Kiln::Stub& stub, grpc::ClientContext* ctx, kiln::v1::FreeDeviceResponse* r) {
               return stub.FreeDevice(ctx, request, r);
             })
      .status();
}

}  // namespace kiln::client
