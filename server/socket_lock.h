#pragma once
// One server per socket: an exclusive flock(2) on "<socket>.lock", taken
// before the socket file is looked at and held for the server's life. The
// loser touches nothing (it never unlinks the winner's socket) and says who
// holds the lock. The kernel drops the lock when its holder dies, however
// it dies, so a stale lock file never blocks a restart; the file itself is
// never removed (removing it would let two servers lock two files).

#include <string>

#include "absl/status/statusor.h"

namespace kiln::server {

class SocketLock {
 public:
  /// ALREADY_EXISTS naming the holder's pid when another process holds it.
  static absl::StatusOr<SocketLock> acquire(const std::string& socket_path);

  SocketLock() = default;
  SocketLock(SocketLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  SocketLock& operator=(SocketLock&& other) noexcept;
  SocketLock(const SocketLock&) = delete;
  SocketLock& operator=(const SocketLock&) = delete;
  ~SocketLock();

  const std::string& path() const { return path_; }
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace kiln::server
