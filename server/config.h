#pragma once
// kilnd's configuration: one struct, filled by main.cpp from the config file
// (--config, server/config_file.h) and the flags, which override the file
// (and by tests directly). Each field names its flag, its default, and
// whether SIGHUP reloads it. SIGHUP rereads the config file and the flags
// and applies exactly the fields marked "Reloads: yes" (KilnServer::reload);
// a changed field marked "Reloads: no" is logged as needing a restart and
// keeps its running value. Flags given on the command line keep winning
// over the file on every reload.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/log.h"
#include "compiler/driver/compile.h"
#include "server/log_format.h"

namespace kiln::server {

struct Config {
  /// Unix domain socket to serve on ("" = none). A stale socket file (one no
  /// server answers on) is removed first. Default: "" (main.cpp uses
  /// <cache_dir>/kilnd.sock when neither this nor listen is given).
  /// Reloads: no.
  std::string socket_path;
  /// TCP address "host:port" to serve on ("" = none; port 0 picks one).
  /// Default: "".
  /// Reloads: no.
  std::string listen_address;
  /// Directory of the cache; RocksDB lives at <cache_dir>/cache.db.
  /// Default: $XDG_CACHE_HOME/kiln, else ~/.cache/kiln.
  /// Reloads: no.
  std::string cache_dir;
  /// Compiles that may run at once; more requests wait for a slot (cache
  /// hits never do). Default: 0 = the number of hardware threads.
  /// Reloads: no.
  int threads = 0;
  /// Seconds without requests after which the server shuts itself down
  /// (for the client's auto-started server). Default: 0 = never.
  /// Reloads: no.
  int idle_timeout_seconds = 0;
  /// Largest request or reply message. Default: 64 MiB. No flag. Reloads: no.
  int max_message_bytes = 64 << 20;
  /// Bound on RocksDB's write-ahead log, to keep start-up fast. Default: 64 MiB.
  /// No flag. Reloads: no.
  uint64_t max_total_wal_size = 64ull << 20;
  /// Bound on the bytes of values in the cache; least recently used values
  /// are evicted beyond it (docs/operations.md). Default: 0 = unbounded.
  /// Reloads: yes (a smaller bound evicts down to 90% of it at once; a
  /// larger one, or 0, only raises it).
  uint64_t cache_max_bytes = 0;
  /// While the cache is read-only (a full disk), how often a write tries to
  /// reopen it read-write. Default: 10 s.
  /// Reloads: no.
  int cache_retry_seconds = 10;
  /// Verify the IR after every compiler pass (a failure is an INTERNAL error
  /// naming the pass). Costs a little compile time; the tests turn it on.
  /// Default: on in debug builds, off in release builds. Reloads: no.
  bool verify_each = compiler::kVerifyEachDefault;
  /// Bytes of uploaded bundles kept decoded in memory (measured by their
  /// serialized size), least recently used evicted first; every bundle is
  /// also in RocksDB and reloads from there on demand. A single bundle
  /// larger than this is refused (RESOURCE_EXHAUSTED). Default: 256 MiB.
  /// Reloads: no.
  uint64_t max_bundle_memory_bytes = 256ull << 20;

  // Deadlines and resource caps (docs/operations.md). Each trips
  // RESOURCE_EXHAUSTED (DEADLINE_EXCEEDED for time) naming its flag.

  /// Longest a compile may run once it has a slot; the client's own gRPC
  /// deadline applies too, whichever is first. Checked between passes and
  /// in the typing fixpoint (an LLVM pass runs to its end). Default: 300 s.
  /// Reloads: yes (compiles that start after the SIGHUP).
  double max_compile_seconds = 300;
  /// Compiles that may wait for a slot, in all and per client (the peer's
  /// address without its port; all Unix-socket clients are one client).
  /// Free slots are handed out round-robin across clients. Defaults: 1024
  /// and 256. Reloads: no.
  int max_queued_compiles = 1024;
  int max_queued_per_client = 256;
  /// RPCs served at once; gRPC's thread pool is capped a little above this.
  /// Default: 1024. Reloads: no.
  int max_concurrent_rpcs = 1024;
  /// Typed instances one compile may make, and instructions its IR (Kiln or
  /// LLVM) may have after any pass. Defaults: 10,000 and 2,000,000.
  /// Reloads: yes (compiles that start after the SIGHUP).
  size_t max_instances = 10000;
  size_t max_ir_instructions = 2000000;
  /// After SIGTERM (or Shutdown), running compiles get this long to finish;
  /// then they are cancelled, and the server exits. Queued compiles fail at
  /// once with UNAVAILABLE. Default: 10 s. Reloads: no.
  double drain_seconds = 10;

  /// Test-only fault injection: called with the name of each step of a
  /// compile before it runs ("lookup", "find-bundle", "cluster-lock" with
  /// --shared-cache, "acquire-slot", every compiler pass, "store"); it may
  /// throw or block. Default: none. No
  /// flag. Reloads: no.
  std::function<void(const char* stage)> fault_injection;

  // ---- trust (docs/security-config.md) ----
  /// TLS for the TCP listener: PEM files of the server's certificate chain
  /// and private key. Both or neither. Default: "" (plaintext). Reloads: no.
  std::string tls_cert_path, tls_key_path;
  /// PEM CA certificates: when set, TCP clients must present a certificate
  /// signed by one of them (mTLS). Needs tls_cert_path. Default: "".
  /// Reloads: no (none of the TLS files; restart to rotate certificates).
  std::string tls_client_ca_path;
  /// Serve plaintext TCP on a non-loopback address (logged as a warning);
  /// without it such a listen address is refused. Default: false. Reloads: no.
  bool insecure = false;
  /// Bearer tokens and their rights (server/auth.h); "" = none: Unix-socket
  /// peers have every right, TCP peers compile only. Default: "".
  /// Reloads: the file's contents yes (a file that fails to parse keeps the
  /// old tokens); the path no.
  std::string tokens_path;
  /// Ed25519 private key (PEM) that signs every artifact; created (0600,
  /// with its public key at PATH.pub) when missing. "" = unsigned artifacts
  /// (they still carry their digest). Default: "". Reloads: no.
  std::string signing_key_path;

  // ---- metrics (docs/operations.md, "Metrics") ----
  /// "host:port" to serve Prometheus metrics on (GET /metrics, plain HTTP,
  /// its own listener; port 0 picks one). "" = off; the client's
  /// auto-started server never sets it. Default: "".
  std::string metrics_listen_address;
  // ---- service (docs/operations.md) ----
  /// The config file read at start-up and on SIGHUP (--config). Default: ""
  /// (none). Reloads: no (the same file is reread).
  std::string config_path;
  /// Log lines as text (absl's format) or one JSON object per line
  /// (--log-format, server/log_format.h). Default: text. Reloads: no.
  LogFormat log_format = LogFormat::kText;
  /// The least severe lines written: debug (adds a line per RPC), info,
  /// warning, error (--log-level). Default: info. Reloads: yes.
  LogSeverity log_level = LogSeverity::kInfo;
  /// Listening sockets made by systemd (socket activation: $LISTEN_FDS,
  /// server/activated_listener.h), served besides socket_path and
  /// listen_address. No flag: main.cpp takes them from the environment.
  /// Default: none. Reloads: no.
  std::vector<int> listen_fds;
  // ---- redis-l2: the shared L2 tier on Redis (docs/cache.md, "L2") ----
  /// Comma-separated redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] URLs
  /// (rediss:// for TLS); keys spread over them by rendezvous hashing.
  /// Default: "" (no L2).
  std::string shared_cache;
  /// A file whose first line is the Redis password (for every instance), so
  /// that it is not on the command line. Default: "".
  std::string shared_cache_password_file;
  /// rediss://: PEM CA certificates to verify the servers (default: the
  /// system's), and an optional client certificate and key. Default: "".
  std::string shared_cache_tls_ca, shared_cache_tls_cert, shared_cache_tls_key;
  /// Bound on each Redis round trip (4x for connecting); past it the request
  /// goes on as an L2 miss. Default: 50 ms.
  int shared_cache_timeout_ms = 50;
  /// Expiry of values stored in L2 (0 = none: Redis's maxmemory policy
  /// evicts). Default: 0.
  int shared_cache_ttl_seconds = 0;
  /// The cluster compile lock's expiry (its holder renews it every third of
  /// this while the compile runs), and how long other servers wait on a lock
  /// that is not renewed before compiling themselves. Default: 30000 ms.
  int shared_cache_lock_ms = 30000;
  /// Largest value stored in or read from L2. Default: 64 MiB.
  uint64_t shared_cache_max_value_bytes = 64ull << 20;
  // ---- gpu: the GPU pool (docs/cuda.md "Remote launches") ----
  /// Which device the pool's workers drive: "off" (no pool: Launch and the
  /// device-memory RPCs are FAILED_PRECONDITION), "driver" (libcuda in each
  /// worker, `kilnd --gpu-worker N`), or "emulation" (the CPU emulation of
  /// kernels in each worker: the whole path without a GPU). Default: "off".
  /// Reloads: no.
  std::string gpu_pool = "off";
  /// Devices (worker processes) of the pool. Default: 1. Reloads: no.
  int gpu_devices = 1;
  /// Device memory each worker lends in all (device arrays and a launch's
  /// host copies); beyond it RESOURCE_EXHAUSTED. Default: 1 GiB. Reloads: no.
  uint64_t gpu_max_bytes = 1ull << 30;
  /// The longest one launch or copy may take; past it the worker is killed
  /// and replaced (DEADLINE_EXCEEDED naming the kernel). The client's
  /// deadline applies too. Default: 60 s. Reloads: no.
  double gpu_max_launch_seconds = 60;
  /// Asynchronous launches (docs/cuda.md "Streams") one client may have
  /// queued and not yet started; a launch past it waits for room. Default:
  /// 64. Reloads: no.
  int gpu_max_queued_launches = 64;
  /// A client whose asynchronous launches were not followed by any call for
  /// this long is taken as gone: its queued launches are dropped. Default:
  /// 300 s. Reloads: no.
  double gpu_session_idle_seconds = 300;
  /// The worker's libcuda ("" = $KILN_LIBCUDA, else libcuda.so.1). Reloads: no.
  std::string gpu_libcuda;
};

}  // namespace kiln::server
