#pragma once
// A plain connect() to a Unix socket: cheap, and unlike a gRPC channel it has
// no reconnect backoff that would delay noticing a server that just came up
// or went away. Internal to the client library.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kiln::client {

/// 0 when a server accepted the connection on `path`, else the errno of the
/// failure (ENAMETOOLONG for a path that does not fit a sockaddr_un).
inline int connectUnix(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return ENAMETOOLONG;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  const int err = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? 0 : errno;
  close(fd);
  return err;
}

}  // namespace kiln::client
