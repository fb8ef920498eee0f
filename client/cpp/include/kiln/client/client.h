#pragma once
// kiln::client — the C++ client of a kilnd server.
//
// One gRPC channel per server target per process: Client::connect returns the
// same Client for the same target (and options) in one process; a forked child
// gets a Client of its own, never its parent's connection, whose HTTP/2
// stream the parent still uses. Compile is by content hash: the bundle is
// uploaded only when the server answers STATUS_NEED_BUNDLE, and the Client
// remembers which hashes each server already has, so later compiles of the
// same bundle (other signatures) send only the 32-byte hash.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kiln/v1/artifact_seal.h"
#include "kiln/v1/kiln.grpc.pb.h"
#include "kiln/v1/kiln.pb.h"

namespace kiln::client {

/// SHA-256 of a bundle's deterministic serialization (32 bytes, raw).
using BundleHash = std::array<uint8_t, 32>;

/// The id of a bundle, exactly as the server recomputes it: SHA-256 of the
/// protobuf serialization with SetSerializationDeterministic(true).
BundleHash bundleHash(const kiln::v1::Bundle& bundle);
std::string hexHash(const BundleHash& hash);

/// The machine this process runs on, as an LLVM target: triple, cpu
/// "x86-64" and the CPU's features ("+avx2", ...), sorted (the "host" tier).
kiln::v1::Target hostTarget();

/// Target tiers (docs/cache.md, "Target tiers"): "host" (hostTarget()),
/// "x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4" (cpu "x86-64" with
/// exactly the level's features: every CPU of a level shares one cache key),
/// and "best" (the highest level this CPU runs). The levels are
/// client/cpp/src/x86_tiers.def.
inline constexpr std::string_view kDefaultTargetTier = "best";  // docs/cache.md says why

/// The target for a tier name; "" is $KILN_TARGET_TIER, else
/// kDefaultTargetTier. INVALID_ARGUMENT for any other name.
absl::StatusOr<kiln::v1::Target> tierTarget(std::string_view tier);

/// The highest x86-64 level this CPU runs ("x86-64-v4" on AVX-512 machines).
std::string bestTier();

/// The CPU's features, "+name" in LLVM's spelling, sorted.
/// KILN_TEST_HOST_FEATURES (tests only: "sse3,avx2,...") replaces them.
std::vector<std::string> hostFeatures();

/// OK when this CPU runs code built for `target` (an x86_64 target whose cpu
/// is "x86-64" or a level's processor name, "x86-64-v3", and whose level and
/// "+" features this CPU has; targets of other triples
/// are not loaded as host code and pass). FAILED_PRECONDITION naming what it
/// lacks otherwise: Client::compile refuses such a binary before asking for
/// it, so it is never loaded (never SIGILL).
absl::Status checkRunsHere(const kiln::v1::Target& target);

struct CompileArgs {
  std::vector<std::string> arg_types;  // Numba spellings: "int64", "UniTuple(float64, 2)"
  std::string return_type;             // declared; empty: inferred by the server
  kiln::v1::Options options;
  kiln::v1::Emit emit = kiln::v1::EMIT_BINARY;
  bool has_target = false;             // false: tierTarget("")
  kiln::v1::Target target;
};

/// How to reach and trust a server (docs/security-config.md; the
/// environment variables that fill it are read by local_server.h).
struct ConnectOptions {
  /// TLS: verify the server against `tls_ca_pem` (PEM CA certificates; empty:
  /// the system's roots). Never for "unix:" targets.
  bool tls = false;
  std::string tls_ca_pem;
  /// mTLS: this client's certificate chain and key (PEM), both or neither.
  std::string tls_cert_pem, tls_key_pem;
  /// The name the server's certificate must carry when it is not the
  /// target's host name. Empty: the host name.
  std::string tls_server_name;
  /// Bearer token sent with every RPC ("authorization: Bearer TOKEN").
  std::string token;
  /// The server's Ed25519 public key, PEM. Set: every artifact must carry a
  /// valid signature by it. Unset: only its digest is checked.
  std::string server_key_pem;

  /// One string that differs when any field does (the connection cache key).
  std::string fingerprint() const;
};
/// How long the client waits (docs/security.md). From the environment:
///   KILN_CONNECT_TIMEOUT  seconds to reach a server and finish the HTTP/2
///                         handshake before a call (default 5): a stopped or
///                         wedged server is noticed this fast.
///   KILN_CALL_TIMEOUT     seconds one Compile may take (default 300); the
///                         small RPCs (info, stats, shutdown) use at most 10.
/// A value that is not a positive number is INVALID_ARGUMENT naming the
/// variable.
struct Timeouts {
  double connect_seconds = 5;
  double call_seconds = 300;
};
absl::StatusOr<Timeouts> timeoutsFromEnv();

class Client {
 public:
  /// "unix:/path/to.sock" or "host:port". The channel is created lazily; a
  /// server that is not there shows up as UNAVAILABLE on the first RPC.
  /// INVALID_ARGUMENT for a bad target or options (a server key that is not
  /// an Ed25519 PEM public key).
  static absl::StatusOr<std::shared_ptr<Client>> connect(std::string target, const ConnectOptions& options = {});

  const std::string& target() const { return target_; }

  absl::StatusOr<kiln::v1::ServerInfo> info();
  absl::StatusOr<kiln::v1::StatsResponse> stats();
  absl::Status shutdown();
  // metrics: operator commands (the admin right).
  absl::Status zeroStats();
  absl::StatusOr<kiln::v1::EvictCacheResponse> evictCache(const kiln::v1::EvictCacheRequest& request);

  /// Compile by hash, uploading the bundle when the server lacks it. A user
  /// error in the code comes back as an OK StatusOr whose response has
  /// STATUS_ERROR and a diagnostic; a non-OK status is a transport or
  /// protocol failure. An artifact comes back only after its seal checked
  /// (kiln/v1/artifact_seal.h) and its argument count matched the request:
  /// else DATA_LOSS or PERMISSION_DENIED, and nothing is returned to load.
  absl::StatusOr<kiln::v1::CompileResponse> compile(const kiln::v1::Bundle& bundle,
                                                    const BundleHash& hash, const CompileArgs& args);

  /// gpu: a launch on the server's GPU pool (docs/cuda.md "Remote
  /// launches"): `request.kernel` without its hash, target or emit (set
  /// here and by the server); the bundle is uploaded when the server lacks
  /// it. A kernel's own error and a compile error come back as an OK
  /// StatusOr with STATUS_KERNEL_ERROR / STATUS_COMPILE_ERROR.
  absl::StatusOr<kiln::v1::LaunchResponse> launch(const kiln::v1::Bundle& bundle, const BundleHash& hash,
                                                  kiln::v1::LaunchRequest request);
  /// gpu: device memory of the pool (handles; the launch right).
  absl::StatusOr<kiln::v1::AllocDeviceResponse> allocDevice(const kiln::v1::AllocDeviceRequest& request);
  absl::StatusOr<kiln::v1::ReadDeviceResponse> readDevice(const kiln::v1::ReadDeviceRequest& request);
  absl::Status writeDevice(const kiln::v1::WriteDeviceRequest& request);
  absl::Status freeDevice(const kiln::v1::FreeDeviceRequest& request);
  /// gpu: waits for a session's queued launches (LaunchRequest.session);
  /// a kernel's own error comes back in the response, a fault as the status.
  absl::StatusOr<kiln::v1::SyncLaunchesResponse> syncLaunches(const kiln::v1::SyncLaunchesRequest& request);
  /// Whether this process has seen the server accept `hash` (tests, metrics).
  bool serverHasBundle(const BundleHash& hash) const;

  /// Waits up to the connect timeout for the channel to be ready (a fresh
  /// channel when the old one is failing, so no reconnect backoff delays a
  /// server that came back). UNAVAILABLE naming KILN_CONNECT_TIMEOUT if not.
  absl::Status awaitConnected();

  /// A GetServerInfo within the connect timeout, not retried: whether the
  /// server answers at all. A channel stays READY while its server is
  /// stopped (the connection is open), so only a call notices.
  absl::Status probe();
  /// The same within at most `max_seconds` (the background warm-up: its
  /// first call also readies gRPC's call path).
  absl::Status probe(double max_seconds);

  /// Run before the one retry of an RPC that failed UNAVAILABLE (the server
  /// went away mid-call): the embedded default sets one that restarts its
  /// server. The retry itself always uses a fresh channel.
  void setBeforeRetry(std::function<absl::Status()> hook);

  /// RPCs retried once after UNAVAILABLE, since this process started.
  static int64_t retries();
  /// gRPC channels this process has created (tests: a channel made early is
  /// the one the first RPC uses).
  static int64_t channelsCreated();

  Client(std::string target, const ConnectOptions& options, std::optional<kiln::v1::VerifyKey> server_key);

 private:
  struct Connection {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<kiln::v1::Kiln::Stub> stub;
  };
  std::shared_ptr<Connection> connection();
  std::shared_ptr<Connection> reconnect(const std::shared_ptr<Connection>& failed);
  absl::Status awaitConnected(std::shared_ptr<Connection>& conn, const Timeouts& t);
  // One RPC: connect within the connect timeout, call, and on UNAVAILABLE
  // once more on a fresh channel (after the before-retry hook).
  template <typename Reply, typename Call>
  absl::StatusOr<Reply> rpc(const char* what, double seconds, Call call);
  absl::Status beforeRetry();
  void addToken(grpc::ClientContext& ctx) const;
  std::string silent(double connect_seconds) const;  // the message when the server does not answer  // the bearer token, if any
  bool hasBeforeRetry();

  std::string target_;
  ConnectOptions options_;  // the channel's credentials, for every reconnect
  std::optional<kiln::v1::VerifyKey> server_key_;
  mutable absl::Mutex mu_;
  std::shared_ptr<Connection> connection_ ABSL_GUARDED_BY(mu_);
  std::function<absl::Status()> before_retry_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> known_bundles_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kiln::client
