#include "server/socket_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace kiln::server {

absl::StatusOr<SocketLock> SocketLock::acquire(const std::string& socket_path) {
  SocketLock lock;
  lock.path_ = socket_path + ".lock";
  lock.fd_ = open(lock.path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock.fd_ < 0)
    return absl::PermissionDeniedError(absl::StrCat("opening lock file ", lock.path_, ": ", std::strerror(errno)));
  while (flock(lock.fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK)
      return absl::InternalError(absl::StrCat("locking ", lock.path_, ": ", std::strerror(errno)));
    char buf[32] = {};
    const ssize_t n = pread(lock.fd_, buf, sizeof buf - 1, 0);
    int pid = 0;
    const bool known = n > 0 && absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::string_view(buf, static_cast<size_t>(n))), &pid);
    return absl::AlreadyExistsError(absl::StrCat("another kilnd", known ? absl::StrCat(" (pid ", pid, ")") : "",
                                                 " is serving on ", socket_path, ": it holds ", lock.path_,
                                                 "; this one exits and leaves the socket alone"));
  }
  // Ours: record the pid for the next loser's message.
  const std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(lock.fd_, 0) != 0 || pwrite(lock.fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    return absl::InternalError(absl::StrCat("writing ", lock.path_, ": ", std::strerror(errno)));
  return lock;
}

SocketLock& SocketLock::operator=(SocketLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

SocketLock::~SocketLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock
}

}  // namespace kiln::server
