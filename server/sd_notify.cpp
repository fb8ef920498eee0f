#include "server/sd_notify.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace kiln::server {
namespace {

// STATUS= is one line: newlines would start new assignments.
std::string oneLine(absl::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

}  // namespace

SdNotifier SdNotifier::fromEnvironment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  std::string address = socket != nullptr ? socket : "";
  unsetenv("NOTIFY_SOCKET");
  return SdNotifier(std::move(address));
}

absl::Status SdNotifier::notify(absl::string_view state) const {
  if (address_.empty()) return absl::OkStatus();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (address_.size() >= sizeof addr.sun_path)
    return absl::InvalidArgumentError(absl::StrCat("NOTIFY_SOCKET is too long: ", address_));
  if (address_[0] != '/' && address_[0] != '@')
    return absl::InvalidArgumentError(absl::StrCat("NOTIFY_SOCKET is neither a path nor '@name': ", address_));
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  if (address_[0] == '@') {
    addr.sun_path[0] = '\0';  // the abstract namespace: no terminating NUL counted
  } else {
    length += 1;
  }
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("sd_notify: socket(): ", std::strerror(errno)));
  ssize_t sent;
  do {
    sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), length);
  } while (sent < 0 && errno == EINTR);
  const int error = errno;
  close(fd);
  if (sent < 0)
    return absl::UnavailableError(absl::StrCat("sd_notify to ", address_, ": ", std::strerror(error)));
  if (static_cast<size_t>(sent) != state.size())
    return absl::UnavailableError(absl::StrCat("sd_notify to ", address_, ": short send"));
  return absl::OkStatus();
}

absl::Status SdNotifier::ready(absl::string_view status) const {
  return notify(absl::StrCat("READY=1\nSTATUS=", oneLine(status), "\nMAINPID=", getpid()));
}

absl::Status SdNotifier::reloading(absl::string_view status) const {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const uint64_t usec = static_cast<uint64_t>(now.tv_sec) * 1000000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
  return notify(absl::StrCat("RELOADING=1\nMONOTONIC_USEC=", usec, "\nSTATUS=", oneLine(status)));
}

absl::Status SdNotifier::stopping(absl::string_view status) const {
  return notify(absl::StrCat("STOPPING=1\nSTATUS=", oneLine(status)));
}

std::vector<int> takeListenFds() {
  constexpr int kFirst = 3;  // SD_LISTEN_FDS_START
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  std::vector<int> out;
  if (pid != nullptr && fds != nullptr && std::strtol(pid, nullptr, 10) == getpid()) {
    const long n = std::strtol(fds, nullptr, 10);
    for (int fd = kFirst; n > 0 && n < 64 && fd < kFirst + n; ++fd) {
      fcntl(fd, F_SETFD, FD_CLOEXEC);
      out.push_back(fd);
    }
  }
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  return out;
}

}  // namespace kiln::server
