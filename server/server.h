#pragma once
// A running kilnd: the cache store, the engine, the gRPC server on a Unix
// socket and/or TCP, and the thread that shuts it all down, whether asked by
// the Shutdown RPC, a signal (via main.cpp) or the idle timeout.

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/server.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cache/shared_tier.h"
#include "cache/store.h"
#include "kiln/v1/artifact_seal.h"
#include "server/activated_listener.h"
#include "server/auth.h"
#include "server/compile_engine.h"
#include "server/config.h"
#include "server/kiln_service.h"
#include "server/metrics.h"
#include "server/socket_lock.h"

namespace kiln::server {

class KilnServer {
 public:
  /// Opens the cache, listens, and serves. Returns once it is serving.
  static absl::StatusOr<std::unique_ptr<KilnServer>> start(const Config& config);
  /// Shuts down (if not already) and waits.
  ~KilnServer();

  /// Starts a shutdown; returns at once. Thread-safe; not async-signal-safe.
  void requestShutdown(std::string reason);
  /// Blocks until the server has shut down; returns why.
  std::string wait();

  /// Rereads the tokens file (SIGHUP); the old tokens stay on failure.
  absl::Status reloadTokens() { return authorizer_->reload(); }
  /// SIGHUP: applies the fields of `next` that reload (config.h, "Reloads:
  /// yes") and rereads the tokens file. An error only for the tokens file
  /// (its old tokens stay); the rest is applied regardless.
  absl::Status reload(const Config& next);
  const Config& config() const { return config_; }

  /// The addresses served on, as gRPC targets ("unix:/path", "127.0.0.1:5123").
  const std::vector<std::string>& targets() const { return targets_; }

  /// metrics: the port /metrics is served on (--metrics-listen), 0 if none.
  int metricsPort() const { return metrics_->port(); }

 private:
  explicit KilnServer(const Config& config);
  void shutdownLoop();

  Config config_;
  SocketLock socket_lock_;  // held while serving on config_.socket_path
  ino_t socket_inode_ = 0;  // of the socket file this server bound
  std::unique_ptr<cache::Store> store_;
  std::unique_ptr<cache::SharedTier> shared_;  // redis-l2: null without --shared-cache
  std::unique_ptr<CompileEngine> engine_;
  // metrics: after the engine (its sampler reads it), before the gRPC server.
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Authorizer> authorizer_;
  std::optional<kiln::v1::SigningKey> signing_key_;
  std::unique_ptr<GpuService> gpu_;  // gpu: null without --gpu-pool
  std::unique_ptr<KilnService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<ActivatedListener>> activated_;  // on config_.listen_fds
  std::vector<std::string> targets_;
  std::thread shutdown_thread_;

  absl::Mutex mu_;
  std::string shutdown_reason_ ABSL_GUARDED_BY(mu_);
  bool shutdown_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

/// The default cache directory: $XDG_CACHE_HOME/kiln, else $HOME/.cache/kiln.
std::string defaultCacheDir();

}  // namespace kiln::server
