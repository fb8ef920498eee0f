// kilnd: the Kiln compile server. See docs/operations.md.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
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
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain of the TCP listener (TLS)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert");
ABSL_FLAG(std::string, tls_client_ca, "", "PEM CA certificates; TCP clients must present a certificate they signed (mTLS)");
ABSL_FLAG(bool, insecure, false, "allow plaintext TCP on a non-loopback address (logged as a warning)");
ABSL_FLAG(std::string, tokens, "", "bearer tokens file, lines 'TOKEN NAME RIGHT[,RIGHT]' (compile, admin, launch); "
          "SIGHUP reloads it");
ABSL_FLAG(std::string, signing_key, "", "Ed25519 private key (PEM) signing every artifact; created when missing, "
          "public key at PATH.pub");
ABSL_FLAG(bool, verify_each, kiln::compiler::kVerifyEachDefault,
          "verify the IR after every compiler pass (default: on in debug builds)");

namespace {

int signal_pipe[2] = {-1, -1};

// Async-signal-safe: only write(2). A thread reads the pipe and shuts down.
extern "C" void onSignal(int signo) {
  const char byte = static_cast<char>(signo);
  ssize_t ignored = write(signal_pipe[1], &byte, 1);
  (void)ignored;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("kilnd [--socket PATH] [--listen HOST:PORT] [--cache-dir DIR] [--threads N] "
                               "[--idle-timeout SECONDS] [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]] "
                               "[--tokens FILE] [--signing-key PEM] [--insecure]");
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
  config.tls_cert_path = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key_path = absl::GetFlag(FLAGS_tls_key);
  config.tls_client_ca_path = absl::GetFlag(FLAGS_tls_client_ca);
  config.insecure = absl::GetFlag(FLAGS_insecure);
  config.tokens_path = absl::GetFlag(FLAGS_tokens);
  config.signing_key_path = absl::GetFlag(FLAGS_signing_key);
  // Everything kilnd creates (socket, cache, keys) is its user's alone,
  // whatever umask it was started with.
  umask(077);
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
  sigaction(SIGHUP, &action, nullptr);  // reloads the tokens file
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
    for (;;) {
      byte = 0;
      while (read(signal_pipe[0], &byte, 1) < 0 && errno == EINTR) {
      }
      if (byte != SIGHUP) break;
      if (absl::Status s = raw->reloadTokens(); !s.ok())
        KILN_LOG(kError) << "SIGHUP: keeping the old tokens: " << s;
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
