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
  /// Bound on the bytes of values in the cache; least recently used values
  /// are evicted beyond it (docs/operations.md). Default: 0 = unbounded.
  uint64_t cache_max_bytes = 0;
  /// While the cache is read-only (a full disk), how often a write tries to
  /// reopen it read-write. Default: 10 s.
  int cache_retry_seconds = 10;
  /// Verify the IR after every compiler pass (a failure is an INTERNAL error
  /// naming the pass). Costs a little compile time; the tests turn it on.
  /// Default: on in debug builds, off in release builds.
  bool verify_each = compiler::kVerifyEachDefault;
  /// Bundles kept decoded in memory; beyond this the map is dropped and
  /// bundles reload from RocksDB on demand. Default: 1024.
  size_t max_memory_bundles = 1024;
};

}  // namespace kiln::server
