// kilnd: the Kiln compile server. See docs/operations.md.

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <string_view>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/log.h"
#include "server/config_file.h"
#include "server/gpu_worker.h"
#include "server/log_format.h"
#include "server/sd_notify.h"
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
ABSL_FLAG(double, max_compile_seconds, 300, "longest a compile may run (the client's deadline applies too; 0 = none)");
ABSL_FLAG(int, max_queued_compiles, 1024, "compiles that may wait for a slot, in all");
ABSL_FLAG(int, max_queued_per_client, 256, "compiles that may wait for a slot, per client");
ABSL_FLAG(int, max_concurrent_rpcs, 1024, "RPCs served at once (0 = no cap)");
ABSL_FLAG(uint64_t, max_bundle_memory_bytes, 256ull << 20, "bytes of uploaded bundles kept in memory (LRU)");
ABSL_FLAG(uint64_t, max_instances, 10000, "typed instances one compile may make (0 = no cap)");
ABSL_FLAG(uint64_t, max_ir_instructions, 2000000, "instructions one compile's IR may have (0 = no cap)");
ABSL_FLAG(double, drain_seconds, 10,
          "after SIGTERM, running compiles get this long before they are cancelled; kilnd exits at most a few "
          "seconds later");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain of the TCP listener (TLS)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert");
ABSL_FLAG(std::string, tls_client_ca, "", "PEM CA certificates; TCP clients must present a certificate they signed (mTLS)");
ABSL_FLAG(bool, insecure, false, "allow plaintext TCP on a non-loopback address (logged as a warning)");
ABSL_FLAG(std::string, tokens, "", "bearer tokens file, lines 'TOKEN NAME RIGHT[,RIGHT]' (compile, admin, launch); "
          "SIGHUP reloads it");
ABSL_FLAG(std::string, signing_key, "", "Ed25519 private key (PEM) signing every artifact; created when missing, "
          "public key at PATH.pub");
ABSL_FLAG(std::string, metrics_listen, "",
          "HOST:PORT to serve Prometheus metrics on (GET /metrics, plain HTTP); off by default");
// redis-l2: the shared L2 tier (docs/cache.md, "L2")
ABSL_FLAG(std::string, shared_cache, "",
          "shared L2 cache: comma-separated redis://[:PASSWORD@]HOST:PORT URLs (rediss:// for TLS)");
ABSL_FLAG(std::string, shared_cache_password_file, "", "file whose first line is the shared cache's AUTH password");
ABSL_FLAG(std::string, shared_cache_tls_ca, "", "rediss://: PEM CA certificates (default: the system's)");
ABSL_FLAG(std::string, shared_cache_tls_cert, "", "rediss://: PEM client certificate chain (optional)");
ABSL_FLAG(std::string, shared_cache_tls_key, "", "rediss://: PEM private key of --shared-cache-tls-cert");
ABSL_FLAG(int, shared_cache_timeout_ms, 50, "bound on each shared cache round trip; past it, an L2 miss");
ABSL_FLAG(int, shared_cache_ttl_seconds, 0, "expiry of values stored in the shared cache (0 = none)");
ABSL_FLAG(int, shared_cache_lock_ms, 30000,
          "the cluster compile lock's expiry, and how long other servers wait on its holder");
ABSL_FLAG(uint64_t, shared_cache_max_value_bytes, 64ull << 20, "largest value stored in the shared cache");
// opsrest: tests only (a compile slower than the cluster lock's expiry,
// without a function that takes that long to compile): every compile sleeps
// this long after taking the lock and before its slot. Never in production.
ABSL_FLAG(int, test_only_compile_delay_ms, 0, "TESTS ONLY: sleep this long before each compile (default 0)");
ABSL_FLAG(bool, verify_each, kiln::compiler::kVerifyEachDefault,
          "verify the IR after every compiler pass (default: on in debug builds)");
// service: the config file and the log lines.
ABSL_FLAG(std::string, config, "",
          "config file of 'key = value' lines keyed by these flags' names (flags given here override it); "
          "SIGHUP rereads it (docs/operations.md)");
ABSL_FLAG(std::string, log_format, "text", "log lines as 'text' or 'json' (one object per line)");
ABSL_FLAG(std::string, log_level, "info",
          "least severe log lines written: debug (adds a line per RPC), info, warning or error; SIGHUP reloads it");

// gpu: the GPU pool (docs/cuda.md "Remote launches").
ABSL_FLAG(std::string, gpu_pool, "off",
          "GPU pool: off, driver (one `kilnd --gpu-worker N` process per device, libcuda loaded at run time) or "
          "emulation (the workers run kernels in the CPU emulation)");
ABSL_FLAG(int, gpu_devices, 1, "devices (worker processes) of the GPU pool");
ABSL_FLAG(std::string, gpu_max_bytes, "1G", "device memory each GPU worker lends in all (K, M, G, T suffixes)");
ABSL_FLAG(double, gpu_max_launch_seconds, 60, "longest one launch may run; past it its worker is killed and replaced");
ABSL_FLAG(int, gpu_max_queued_launches, 64,
          "asynchronous launches one client may have queued and not started; past it a launch waits for room");
ABSL_FLAG(double, gpu_session_idle_seconds, 300,
          "a client with asynchronous launches that makes no call for this long is taken as gone: its queued "
          "launches are dropped");
ABSL_FLAG(std::string, gpu_libcuda, "", "the GPU workers' libcuda (default $KILN_LIBCUDA, else libcuda.so.1)");

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

// Fills `config` from the flags (which hold the config file's values
// where no flag was given): at start-up and on SIGHUP.
absl::Status configFromFlags(kiln::server::Config& config) {
  config.socket_path = absl::GetFlag(FLAGS_socket);
  config.listen_address = absl::GetFlag(FLAGS_listen);
  config.cache_dir = absl::GetFlag(FLAGS_cache_dir);
  if (config.cache_dir.empty()) config.cache_dir = kiln::server::defaultCacheDir();
  config.threads = absl::GetFlag(FLAGS_threads);
  config.idle_timeout_seconds = absl::GetFlag(FLAGS_idle_timeout);
  config.verify_each = absl::GetFlag(FLAGS_verify_each);
  config.tls_cert_path = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key_path = absl::GetFlag(FLAGS_tls_key);
  config.tls_client_ca_path = absl::GetFlag(FLAGS_tls_client_ca);
  config.insecure = absl::GetFlag(FLAGS_insecure);
  config.tokens_path = absl::GetFlag(FLAGS_tokens);
  config.signing_key_path = absl::GetFlag(FLAGS_signing_key);
  config.metrics_listen_address = absl::GetFlag(FLAGS_metrics_listen);  // metrics
  if (std::optional<uint64_t> bytes = parseBytes(absl::GetFlag(FLAGS_cache_max_bytes)); bytes) {
    config.cache_max_bytes = *bytes;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cache-max-bytes: expected a number with an optional K, M, G or T suffix, got '",
        absl::GetFlag(FLAGS_cache_max_bytes), "'"));
  }
  config.cache_retry_seconds = absl::GetFlag(FLAGS_cache_retry_seconds);
  config.max_compile_seconds = absl::GetFlag(FLAGS_max_compile_seconds);
  config.max_queued_compiles = absl::GetFlag(FLAGS_max_queued_compiles);
  config.max_queued_per_client = absl::GetFlag(FLAGS_max_queued_per_client);
  config.max_concurrent_rpcs = absl::GetFlag(FLAGS_max_concurrent_rpcs);
  config.max_bundle_memory_bytes = absl::GetFlag(FLAGS_max_bundle_memory_bytes);
  config.max_instances = absl::GetFlag(FLAGS_max_instances);
  config.max_ir_instructions = absl::GetFlag(FLAGS_max_ir_instructions);
  config.drain_seconds = absl::GetFlag(FLAGS_drain_seconds);
  // redis-l2:
  config.shared_cache = absl::GetFlag(FLAGS_shared_cache);
  config.shared_cache_password_file = absl::GetFlag(FLAGS_shared_cache_password_file);
  config.shared_cache_tls_ca = absl::GetFlag(FLAGS_shared_cache_tls_ca);
  config.shared_cache_tls_cert = absl::GetFlag(FLAGS_shared_cache_tls_cert);
  config.shared_cache_tls_key = absl::GetFlag(FLAGS_shared_cache_tls_key);
  config.shared_cache_timeout_ms = absl::GetFlag(FLAGS_shared_cache_timeout_ms);
  config.shared_cache_ttl_seconds = absl::GetFlag(FLAGS_shared_cache_ttl_seconds);
  config.shared_cache_lock_ms = absl::GetFlag(FLAGS_shared_cache_lock_ms);
  config.shared_cache_max_value_bytes = absl::GetFlag(FLAGS_shared_cache_max_value_bytes);
  // gpu:
  config.gpu_pool = absl::GetFlag(FLAGS_gpu_pool);
  config.gpu_devices = absl::GetFlag(FLAGS_gpu_devices);
  config.gpu_max_launch_seconds = absl::GetFlag(FLAGS_gpu_max_launch_seconds);
  config.gpu_libcuda = absl::GetFlag(FLAGS_gpu_libcuda);
  config.gpu_max_queued_launches = absl::GetFlag(FLAGS_gpu_max_queued_launches);
  config.gpu_session_idle_seconds = absl::GetFlag(FLAGS_gpu_session_idle_seconds);
  if (config.gpu_max_queued_launches < 1 || config.gpu_max_queued_launches > 65536 ||
      !(config.gpu_session_idle_seconds > 0))
    return absl::InvalidArgumentError(
        "--gpu-max-queued-launches must be 1 to 65536 and --gpu-session-idle-seconds positive");
  if (std::optional<uint64_t> bytes = parseBytes(absl::GetFlag(FLAGS_gpu_max_bytes)); bytes) {
    config.gpu_max_bytes = *bytes;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("--gpu-max-bytes: expected a number with an optional K, M, G or "
                                                   "T suffix, got '", absl::GetFlag(FLAGS_gpu_max_bytes), "'"));
  }
  if (config.gpu_pool != "off" && config.gpu_pool != "driver" && config.gpu_pool != "emulation")
    return absl::InvalidArgumentError(
        absl::StrCat("--gpu-pool: expected off, driver or emulation, got '", config.gpu_pool, "'"));
  if (config.gpu_devices < 1 || config.gpu_devices > 64 || !(config.gpu_max_launch_seconds > 0))
    return absl::InvalidArgumentError("--gpu-devices must be 1 to 64 and --gpu-max-launch-seconds positive");
  if (const int delay_ms = absl::GetFlag(FLAGS_test_only_compile_delay_ms); delay_ms > 0) {
    config.fault_injection = [delay_ms](const char* stage) {
      if (std::string_view(stage) == "acquire-slot") absl::SleepFor(absl::Milliseconds(delay_ms));
    };
  }
  if (config.shared_cache_timeout_ms <= 0 || config.shared_cache_ttl_seconds < 0 || config.shared_cache_lock_ms <= 0) {
    return absl::InvalidArgumentError(
        "--shared-cache-timeout-ms and --shared-cache-lock-ms must be positive, "
        "--shared-cache-ttl-seconds not negative");
  }
  if (config.threads < 0 || config.idle_timeout_seconds < 0 || config.max_compile_seconds < 0 ||
      config.max_queued_compiles < 0 || config.max_queued_per_client < 0 || config.max_concurrent_rpcs < 0 ||
      config.drain_seconds < 0 || config.cache_retry_seconds < 0) {
    return absl::InvalidArgumentError(
        "--threads, --idle-timeout, --max-compile-seconds, --max-queued-compiles, "
        "--max-queued-per-client, --max-concurrent-rpcs, --drain-seconds and --cache-retry-seconds "
        "must not be negative");
  }
  if (config.socket_path.empty() && config.listen_address.empty() && config.listen_fds.empty())
    config.socket_path = config.cache_dir + "/kilnd.sock";
  config.config_path = absl::GetFlag(FLAGS_config);
  absl::StatusOr<kiln::server::LogFormat> format = kiln::server::parseLogFormat(absl::GetFlag(FLAGS_log_format));
  if (!format.ok()) return absl::InvalidArgumentError(absl::StrCat("--log-format: ", format.status().message()));
  config.log_format = *format;
  absl::StatusOr<kiln::LogSeverity> level = kiln::server::parseLogLevel(absl::GetFlag(FLAGS_log_level));
  if (!level.ok()) return absl::InvalidArgumentError(absl::StrCat("--log-level: ", level.status().message()));
  config.log_level = *level;
  return absl::OkStatus();
}

// The flags a config file may set: kilnd's own (not absl's --help and
// such), except the file itself and the one-shot --verify-cache.
absl::CommandLineFlag* configurableFlag(const std::string& name) {
  if (name == "config" || name == "verify_cache") return nullptr;
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr) return nullptr;
  const std::string file = flag->Filename();
  constexpr std::string_view kHere = "server/main.cpp";
  if (file.size() < kHere.size() || file.compare(file.size() - kHere.size(), kHere.size(), kHere) != 0)
    return nullptr;
  return flag;
}

// Sets the flags from the config file at `path`, except those given on the
// command line (which win). With `reset`, every other configurable flag
// first goes back to its default, so a line removed from the file stops
// applying (SIGHUP).
absl::Status applyConfigFile(const std::string& path, const std::set<std::string>& on_command_line, bool reset) {
  absl::StatusOr<std::vector<kiln::server::ConfigEntry>> entries = kiln::server::readConfigFile(path);
  if (!entries.ok()) return entries.status();
  // Every line is checked before any flag changes: a bad file changes nothing.
  std::vector<std::pair<absl::CommandLineFlag*, const kiln::server::ConfigEntry*>> todo;
  for (const kiln::server::ConfigEntry& e : *entries) {
    absl::CommandLineFlag* flag = configurableFlag(e.key);
    if (flag == nullptr)
      return absl::InvalidArgumentError(absl::StrCat(path, ":", e.line, ": unknown key '", e.key,
                                                     "' (the keys are kilnd's flags; see kilnd --help)"));
    // absl has no dry run: parse into the flag and put its value back.
    const std::string before = flag->CurrentValue();
    std::string error, ignored;
    const bool parsed = flag->ParseFrom(e.value, &error);
    flag->ParseFrom(before, &ignored);
    if (!parsed) return absl::InvalidArgumentError(absl::StrCat(path, ":", e.line, ": ", e.key, ": ", error));
    todo.emplace_back(flag, &e);
  }
  if (reset) {
    for (const auto& [name, flag] : absl::GetAllFlags()) {
      std::string ignored;
      if (configurableFlag(std::string(name)) != nullptr && on_command_line.count(std::string(name)) == 0)
        flag->ParseFrom(flag->DefaultValue(), &ignored);
    }
  }
  for (auto& [flag, e] : todo) {
    if (on_command_line.count(e->key) != 0) continue;
    std::string ignored;
    flag->ParseFrom(e->value, &ignored);
  }
  return absl::OkStatus();
}

// Async-signal-safe: only write(2). A thread reads the pipe and shuts down.
extern "C" void onSignal(int signo) {
  const char byte = static_cast<char>(signo);
  ssize_t ignored = write(signal_pipe[1], &byte, 1);
  (void)ignored;
}

}  // namespace

int main(int argc, char** argv) {
  // gpu: a GPU worker of this binary's pool (server/gpu_worker.h): its own
  // small argument list, none of the server's set-up.
  if (argc > 1 && std::string_view(argv[1]) == "--gpu-worker") return kiln::server::gpuWorkerMain(argc, argv);
  absl::SetProgramUsageMessage("kilnd [--socket PATH] [--listen HOST:PORT] [--cache-dir DIR] [--threads N] "
                               "[--idle-timeout SECONDS] [--max-compile-seconds S] [--drain-seconds S] [limits...] "
                               "[--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]] [--tokens FILE] [--signing-key PEM] "
                               "[--insecure] [--metrics-listen HOST:PORT]; see docs/operations.md");
  // Accept the documented dashed spellings (--cache-dir, --verify-each) as
  // well as absl's underscores: dashes in a flag's name (before any '=').
  // The flags named here override the config file, now and on SIGHUP.
  std::set<std::string> on_command_line;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.rfind("--", 0) != 0) continue;
    const size_t name_end = std::min(arg.find('='), arg.size());
    for (size_t k = 2; k < name_end; ++k)
      if (arg[k] == '-') arg[k] = '_';
    std::string name = arg.substr(2, name_end - 2);
    if (name.rfind("no", 0) == 0 && absl::FindCommandLineFlag(name) == nullptr) name = name.substr(2);  // --noinsecure
    on_command_line.insert(name);
    if (arg != argv[i]) argv[i] = strdup(arg.c_str());
  }
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::fprintf(stderr, "kilnd: unexpected argument '%s'\n", rest[1]);
    return 2;
  }
  const std::string config_path = absl::GetFlag(FLAGS_config);
  if (!config_path.empty()) {
    if (absl::Status s = applyConfigFile(config_path, on_command_line, /*reset=*/false); !s.ok()) {
      std::fprintf(stderr, "kilnd: %s\n", std::string(s.message()).c_str());
      return 2;
    }
  }

  // Everything kilnd creates (socket, cache, keys) is its user's alone,
  // whatever umask it was started with.
  umask(077);
  kiln::server::Config config;
  config.listen_fds = kiln::server::takeListenFds();  // socket activation
  if (absl::Status s = configFromFlags(config); !s.ok()) {
    std::fprintf(stderr, "kilnd: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (absl::GetFlag(FLAGS_verify_cache)) return verifyCache(config.cache_dir);
  kiln::server::configureLogging(config.log_format, config.log_level);
  const kiln::server::SdNotifier notifier = kiln::server::SdNotifier::fromEnvironment();

  if (pipe2(signal_pipe, O_CLOEXEC) != 0) {
    std::perror("kilnd: pipe");
    return 1;
  }
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);  // reloads the config file's reloadable fields and the tokens
  std::signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<std::unique_ptr<kiln::server::KilnServer>> server = kiln::server::KilnServer::start(config);
  if (!server.ok()) {
    KILN_LOG(kError) << "kilnd: " << server.status();
    return 1;
  }
  const std::string serving = absl::StrCat("serving on ", absl::StrJoin((*server)->targets(), ", "));
  KILN_LOG(kInfo) << "kilnd pid " << getpid() << " " << serving << ", cache " << config.cache_dir << "/cache.db";
  if (absl::Status s = notifier.ready(serving); !s.ok()) KILN_LOG(kWarning) << s;

  kiln::server::KilnServer* raw = server->get();
  // A signal starts the drain (server.cpp). Its bound is enforced here: a
  // compile inside one LLVM pass cannot be cancelled, so if the server has
  // not stopped a few seconds after --drain-seconds, or a second signal
  // comes, kilnd exits at once (RocksDB's log makes that safe).
  const double hard_stop_seconds = config.drain_seconds + 5;
  // SIGHUP: the config file and the flags again; the fields that reload are
  // applied (config.h), a change to any other is logged as needing a restart.
  auto reload = [raw, &notifier, &serving, &on_command_line] {
    if (absl::Status s = notifier.reloading("reloading the configuration (SIGHUP)"); !s.ok()) KILN_LOG(kWarning) << s;
    kiln::server::Config next = raw->config();
    absl::Status read = absl::OkStatus();
    if (!next.config_path.empty()) read = applyConfigFile(next.config_path, on_command_line, /*reset=*/true);
    if (read.ok()) read = configFromFlags(next);
    if (!read.ok()) {
      KILN_LOG(kError) << "SIGHUP: keeping the running configuration: " << read.message();
      next = raw->config();
    } else {
      for (const std::string& flag : kiln::server::restartOnlyChanges(raw->config(), next))
        KILN_LOG(kWarning) << "SIGHUP: " << flag << " changed; it takes effect on a restart (kept as it was)";
    }
    if (absl::Status s = raw->reload(next); !s.ok()) KILN_LOG(kError) << "SIGHUP: keeping the old tokens: " << s;
    KILN_LOG(kInfo) << "SIGHUP: configuration reloaded (log level " << kiln::server::logLevelName(next.log_level)
                    << ", max-compile-seconds " << next.max_compile_seconds << ", max-instances " << next.max_instances
                    << ", max-ir-instructions " << next.max_ir_instructions << ", cache-max-bytes "
                    << next.cache_max_bytes << ")";
    if (absl::Status s = notifier.ready(serving); !s.ok()) KILN_LOG(kWarning) << s;
  };
  std::thread signal_thread([raw, hard_stop_seconds, &reload, &notifier] {
    auto next = [](int timeout_ms) -> int {  // the byte read, or -1 on timeout
      for (;;) {
        pollfd p{signal_pipe[0], POLLIN, 0};
        const int n = poll(&p, 1, timeout_ms);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        char byte = 0;
        const ssize_t r = read(signal_pipe[0], &byte, 1);
        if (r < 0 && errno == EINTR) continue;
        return r == 1 ? byte : -1;
      }
    };
    int first = next(-1);
    while (first == SIGHUP) {
      reload();
      first = next(-1);
    }
    // byte 0 is main's own wake-up after a shutdown that was not a signal.
    if (first <= 0) return;
    const char* why = first == SIGINT ? "SIGINT" : "SIGTERM";
    if (absl::Status s = notifier.stopping(absl::StrCat("draining (", why, ")")); !s.ok()) KILN_LOG(kWarning) << s;
    raw->requestShutdown(why);
    int then = next(static_cast<int>(hard_stop_seconds * 1000));
    while (then == SIGHUP) then = next(static_cast<int>(hard_stop_seconds * 1000));  // no reload while draining
    if (then == 0) return;  // stopped in time
    KILN_LOG(kError) << "kilnd: "
                     << (then < 0 ? absl::StrCat("still busy ", hard_stop_seconds, " s after the signal")
                                  : std::string("a second signal"))
                     << "; exiting now";
    _exit(1);
  });
  const std::string reason = (*server)->wait();
  // After a signal STOPPING=1 went out when the drain began; after the idle
  // timeout or the Shutdown RPC it goes out now, once the drain is done.
  if (reason != "SIGTERM" && reason != "SIGINT")
    if (absl::Status s = notifier.stopping(absl::StrCat("stopped (", reason, ")")); !s.ok()) KILN_LOG(kWarning) << s;
  const char zero = 0;
  ssize_t ignored = write(signal_pipe[1], &zero, 1);
  (void)ignored;
  signal_thread.join();
  server->reset();  // closes the cache cleanly
  KILN_LOG(kInfo) << "kilnd stopped (" << reason << ")";
  return 0;
}
