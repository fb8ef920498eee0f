#pragma once
// Serving on sockets systemd made (socket activation, deploy/systemd/
// kilnd.socket). gRPC 1.51 cannot listen on a socket it did not bind, so a
// thread accepts the connections itself and hands each one to the server
// as a plaintext channel (grpc::AddInsecureChannelFromFd). No TLS on such a
// socket: it is meant for a local Unix socket. Its peers are not "unix:"
// peers to the authorizer (server/auth.h), so without a token they may
// compile but not administer, whoever can open the socket.

#include <atomic>
#include <thread>

#include <grpcpp/server.h>

#include "absl/status/status.h"

namespace kiln::server {

class ActivatedListener {
 public:
  /// Whether `fd` is a listening stream socket (what a .socket unit's
  /// ListenStream= passes).
  static absl::Status check(int fd);

  /// Starts accepting on `fd` (which this object now owns) for `server`.
  ActivatedListener(grpc::Server* server, int fd);
  /// Stops accepting and closes the socket (the drain's first step).
  ~ActivatedListener();
  ActivatedListener(const ActivatedListener&) = delete;
  ActivatedListener& operator=(const ActivatedListener&) = delete;

 private:
  void acceptLoop();

  grpc::Server* server_;
  int fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kiln::server
