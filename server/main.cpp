// kilnd: the Kiln compile server. See docs/operations.md.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "base/log.h"
#include "server/server.h"

ABSL_FLAG(std::string, socket, "", "Unix domain socket to serve on (a stale socket file is removed)");
ABSL_FLAG(std::string, listen, "", "TCP address HOST:PORT to serve on");
ABSL_FLAG(std::string, cache_dir, "", "cache directory (default $XDG_CACHE_HOME/kiln or ~/.cache/kiln)");
ABSL_FLAG(int, threads, 0, "compiles run at once (0 = hardware threads)");
ABSL_FLAG(int, idle_timeout, 0, "exit after this many seconds without requests (0 = never)");
ABSL_FLAG(std::string, cache_max_bytes, "0",
          "bound on the cache's stored bytes, least recently used evicted beyond it; "
          "a number with an optional K, M, G or T suffix (powers of 1024); 0 = unbounded");
ABSL_FLAG(int, cache_retry_seconds, 10,
          "while the cache is read-only (a full disk), how often a write tries to reopen it read-write");
ABSL_FLAG(bool, verify_cache, false,
          "check every value of the cache at --cache-dir (opened read-only, so a running server may hold it), "
          "print a JSON report and exit: 0 clean, 3 damage found, 1 could not check");
ABSL_FLAG(bool, verify_each, kiln::compiler::kVerifyEachDefault,
          "verify the IR after every compiler pass (default: on in debug builds)");

namespace {

int signal_pipe[2] = {-1, -1};

// "0", "123", "512K", "10G": bytes, powers of 1024. nullopt if malformed.
std::optional<uint64_t> parseBytes(const std::string& text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (value > (UINT64_MAX - 9) / 10) return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  if (i == 0) return std::nullopt;
  int shift = 0;
  if (i + 1 == text.size()) {
    switch (text[i]) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      case 't': case 'T': shift = 40; break;
      default: return std::nullopt;
    }
  } else if (i != text.size()) {
    return std::nullopt;
  }
  if (shift > 0 && value > (UINT64_MAX >> shift)) return std::nullopt;
  return value << shift;
}

// kilnd --verify-cache: the offline check behind `kilnctl cache verify`.
int verifyCache(const std::string& cache_dir) {
  const std::string path = cache_dir + "/cache.db";
  absl::StatusOr<kiln::cache::VerifyReport> report = kiln::cache::Store::verifyPath(path);
  if (!report.ok()) {
    std::fprintf(stderr, "kilnd: cannot check the cache: %s\n", report.status().ToString().c_str());
    return 1;
  }
  std::printf("%s\n", kiln::cache::toJson(*report, path).c_str());
  return report->clean() ? 0 : 3;
}

// Async-signal-safe: only write(2). A thread reads the pipe and shuts down.
extern "C" void onSignal(int signo) {
  const char byte = static_cast<char>(signo);
  ssize_t ignored = write(signal_pipe[1], &byte, 1);
  (void)ignored;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("kilnd [--socket PATH] [--listen HOST:PORT] [--cache-dir DIR] [--threads N] "
                               "[--idle-timeout SECONDS]");
  // Accept the documented dashed spellings (--cache-dir, --verify-each) as
  // well as absl's underscores: dashes in a flag's name (before any '=').
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) continue;
    const size_t name_end = std::min(arg.find('='), arg.size());
    for (size_t k = 2; k < name_end; ++k)
      if (arg[k] == '-') arg[k] = '_';
    if (arg != argv[i]) argv[i] = strdup(arg.c_str());
  }
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::fprintf(stderr, "kilnd: unexpected argument '%s'\n", rest[1]);
    return 2;
  }

  kiln::server::Config config;
  config.socket_path = absl::GetFlag(FLAGS_socket);
  config.listen_address = absl::GetFlag(FLAGS_listen);
  config.cache_dir = absl::GetFlag(FLAGS_cache_dir);
  if (config.cache_dir.empty()) config.cache_dir = kiln::server::defaultCacheDir();
  config.threads = absl::GetFlag(FLAGS_threads);
  config.idle_timeout_seconds = absl::GetFlag(FLAGS_idle_timeout);
  config.verify_each = absl::GetFlag(FLAGS_verify_each);
  if (std::optional<uint64_t> bytes = parseBytes(absl::GetFlag(FLAGS_cache_max_bytes)); bytes) {
    config.cache_max_bytes = *bytes;
  } else {
    std::fprintf(stderr, "kilnd: --cache-max-bytes: expected a number with an optional K, M, G or T suffix, got '%s'\n",
                 absl::GetFlag(FLAGS_cache_max_bytes).c_str());
    return 2;
  }
  config.cache_retry_seconds = absl::GetFlag(FLAGS_cache_retry_seconds);
  if (config.cache_retry_seconds < 0) {
    std::fprintf(stderr, "kilnd: --cache-retry-seconds must not be negative\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_verify_cache)) return verifyCache(config.cache_dir);
  if (config.threads < 0 || config.idle_timeout_seconds < 0) {
    std::fprintf(stderr, "kilnd: --threads and --idle-timeout must not be negative\n");
    return 2;
  }
  if (config.socket_path.empty() && config.listen_address.empty())
    config.socket_path = config.cache_dir + "/kilnd.sock";

  if (pipe2(signal_pipe, O_CLOEXEC) != 0) {
    std::perror("kilnd: pipe");
    return 1;
  }
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<std::unique_ptr<kiln::server::KilnServer>> server = kiln::server::KilnServer::start(config);
  if (!server.ok()) {
    KILN_LOG(kError) << "kilnd: " << server.status();
    return 1;
  }
  KILN_LOG(kInfo) << "kilnd pid " << getpid() << " serving on " << absl::StrJoin((*server)->targets(), ", ")
                  << ", cache " << config.cache_dir << "/cache.db";

  kiln::server::KilnServer* raw = server->get();
  std::thread signal_thread([raw] {
    char byte = 0;
    while (read(signal_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    // byte 0 is main's own wake-up after a shutdown that was not a signal.
    if (byte != 0) raw->requestShutdown(byte == SIGINT ? "SIGINT" : "SIGTERM");
  });
  const std::string reason = (*server)->wait();
  const char zero = 0;
  ssize_t ignored = write(signal_pipe[1], &zero, 1);
  (void)ignored;
  signal_thread.join();
  server->reset();  // closes the cache cleanly
  KILN_LOG(kInfo) << "kilnd stopped (" << reason << ")";
  return 0;
}
