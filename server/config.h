#pragma once
// kilnd's configuration: one struct, filled from flags by main.cpp (and by
// tests directly). Nothing here reloads at run time; a change needs a restart.

#include <cstdint>
#include <string>

#include "compiler/driver/compile.h"

namespace kiln::server {

struct Config {
  /// Unix domain socket to serve on ("" = none). A stale socket file (one no
  /// server answers on) is removed first. Default: "" (main.cpp uses
  /// <cache_dir>/kilnd.sock when neither this nor listen is given).
  std::string socket_path;
  /// TCP address "host:port" to serve on ("" = none; port 0 picks one).
  /// Default: "".
  std::string listen_address;
  /// Directory of the cache; RocksDB lives at <cache_dir>/cache.db.
  /// Default: $XDG_CACHE_HOME/kiln, else ~/.cache/kiln.
  std::string cache_dir;
  /// Compiles that may run at once; more requests wait for a slot (cache
  /// hits never do). Default: 0 = the number of hardware threads.
  int threads = 0;
  /// Seconds without requests after which the server shuts itself down
  /// (for the client's auto-started server). Default: 0 = never.
  int idle_timeout_seconds = 0;
  /// Largest request or reply message. Default: 64 MiB.
  int max_message_bytes = 64 << 20;
  /// Bound on RocksDB's write-ahead log, to keep start-up fast. Default: 64 MiB.
  uint64_t max_total_wal_size = 64ull << 20;
  /// Verify the IR after every compiler pass (a failure is an INTERNAL error
  /// naming the pass). Costs a little compile time; the tests turn it on.
  /// Default: on in debug builds, off in release builds.
  bool verify_each = compiler::kVerifyEachDefault;
  /// Bundles kept decoded in memory; beyond this the map is dropped and
  /// bundles reload from RocksDB on demand. Default: 1024.
  size_t max_memory_bundles = 1024;

  // ---- trust (docs/security-config.md) ----
  /// TLS for the TCP listener: PEM files of the server's certificate chain
  /// and private key. Both or neither. Default: "" (plaintext).
  std::string tls_cert_path, tls_key_path;
  /// PEM CA certificates: when set, TCP clients must present a certificate
  /// signed by one of them (mTLS). Needs tls_cert_path. Default: "".
  std::string tls_client_ca_path;
  /// Serve plaintext TCP on a non-loopback address (logged as a warning);
  /// without it such a listen address is refused. Default: false.
  bool insecure = false;
  /// Bearer tokens and their rights (server/auth.h); "" = none: Unix-socket
  /// peers have every right, TCP peers compile only. Default: "".
  std::string tokens_path;
  /// Ed25519 private key (PEM) that signs every artifact; created (0600,
  /// with its public key at PATH.pub) when missing. "" = unsigned artifacts
  /// (they still carry their digest). Default: "".
  std::string signing_key_path;
};

}  // namespace kiln::server
