#pragma once
// The embedded default: with KILN_SERVER unset, a private kilnd on a Unix
// socket under the user's cache folder ($XDG_CACHE_HOME/kiln, default
// ~/.cache/kiln), started on first need and reused, as sccache does.
// Each kilnd build has a folder of its own there, kiln/server-<id> (id: a hash
// of the binary's path, size and mtime), holding its socket, lock, log and
// RocksDB cache: a client never talks to the embedded server of another build.
//
// Start-up is race-free across processes: a process that cannot connect takes
// an flock on server-<id>/kilnd.lock, connects again (another process may
// have won), and only then spawns kilnd, detached (double fork + setsid,
// output to server-<id>/kilnd.log), waits until the socket accepts, and
// releases the lock.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kiln/client/client.h"

namespace kiln::client {

struct LocalServerOptions {
  /// Where to look for kilnd after $KILN_KILND and before $PATH (the Python
  /// package passes its own kiln/bin/kilnd). Empty: skipped.
  std::string kilnd_hint;
  int idle_timeout_seconds = 3600;
  double start_timeout_seconds = 10;
  /// Empty: the embedded server. "fallback": the one defaultClient starts
  /// in server-<id>/fallback (own socket, lock and cache) when the embedded
  /// server accepts connections but does not answer (stopped, wedged).
  std::string instance;
};

/// $XDG_CACHE_HOME/kiln or ~/.cache/kiln.
std::string localCacheDir();

/// The kilnd the local server runs, and its folder (socket, log, cache.db),
/// whether or not it runs now: for tools that read the cache's files
/// (`kilnctl cache verify`).
struct LocalServerPaths {
  std::string kilnd;
  std::string dir;
};
absl::StatusOr<LocalServerPaths> localServerPaths(const LocalServerOptions& options = {});

/// Makes sure the local kilnd runs; returns its gRPC target ("unix:/...").
absl::StatusOr<std::string> ensureLocalServer(const LocalServerOptions& options = {});

/// $KILN_SERVER if set (a "unix:PATH" or "host:port"), else the local server.
/// With `start` false a local server that is not running is NOT_FOUND.
absl::StatusOr<std::string> defaultServerTarget(const LocalServerOptions& options = {}, bool start = true);

/// The connection settings of the environment (docs/security-config.md):
///   KILN_TLS=1            TLS with the system's CA roots
///   KILN_TLS_CA=FILE      TLS, trusting these PEM CA certificates
///   KILN_TLS_CERT=FILE, KILN_TLS_KEY=FILE   client certificate (mTLS)
///   KILN_TLS_SERVER_NAME  the name in the server's certificate, if not the host
///   KILN_TOKEN=TOKEN or KILN_TOKEN_FILE=FILE   bearer token
///   KILN_SERVER_KEY       the server's Ed25519 public key: PEM text or a file
/// TLS applies to host:port targets only. INVALID_ARGUMENT names the
/// variable whose file cannot be read.
absl::StatusOr<ConnectOptions> connectOptionsFromEnv(const std::string& target);

/// The client of $KILN_SERVER, or of the embedded server (started if need
/// be when `start`), with the settings of connectOptionsFromEnv. The
/// embedded server signs its artifacts with a key it creates at first start
/// (server-<id>/kilnd.key, 0600); its client trusts that key's public half
/// (kilnd.key.pub) unless KILN_SERVER_KEY says otherwise. For the embedded
/// default only: the client's retry after a server lost mid-call
/// (Client::setBeforeRetry) first restarts it; and when it does not answer
/// within KILN_CONNECT_TIMEOUT, a fallback embedded server (instance
/// "fallback", with its own key) is started and used for the rest of the
/// process, with a warning on stderr. A configured KILN_SERVER is never
/// replaced: it fails with UNAVAILABLE after the connect timeout. With
/// `start` false a local server that is not running is NOT_FOUND.
absl::StatusOr<std::shared_ptr<Client>> defaultClient(const LocalServerOptions& options = {}, bool start = true);

/// Whether this process has fallen back from the embedded server (drills, tests).
bool usingFallbackServer();

}  // namespace kiln::client
