#include "server/activated_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <grpcpp/server_posix.h>

#include "absl/strings/str_cat.h"
#include "base/log.h"

namespace kiln::server {

absl::Status ActivatedListener::check(int fd) {
  int type = 0, listening = 0;
  socklen_t length = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0)
    return absl::InvalidArgumentError(
        absl::StrCat("socket activation: fd ", fd, " is not a socket: ", std::strerror(errno)));
  length = sizeof listening;
  if (type != SOCK_STREAM || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening)
    return absl::InvalidArgumentError(absl::StrCat(
        "socket activation: fd ", fd, " is not a listening stream socket (the .socket unit needs ListenStream=)"));
  return absl::OkStatus();
}

ActivatedListener::ActivatedListener(grpc::Server* server, int fd)
    : server_(server), fd_(fd) {
  // A connection that goes away between poll() and accept() must not block
  // the loop (and so the drain) until the next one.
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  thread_ = std::thread([this] { acceptLoop(); });
}

ActivatedListener::~ActivatedListener() {
  stop_.store(true);
  thread_.join();
  close(fd_);
}

void ActivatedListener::acceptLoop() {
  while (!stop_.load()) {
    // Wakes every 200 ms to notice stop_: a blocked accept() has no portable
    // way to be interrupted.
    pollfd p{fd_, POLLIN, 0};
    const int n = poll(&p, 1, 200);
    if (n <= 0) continue;
    const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (conn < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        KILN_LOG(kWarning) << "socket activation: accept on fd " << fd_ << ": " << std::strerror(errno);
      if (errno == EMFILE || errno == ENFILE) usleep(100 * 1000);  // let some close
      continue;
    }
    if (stop_.load()) {
      close(conn);
      break;
    }
    grpc::AddInsecureChannelFromFd(server_, conn);  // gRPC owns conn now
  }
}

}  // namespace kiln::server
