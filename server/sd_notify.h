#pragma once
// systemd's readiness protocol (sd_notify(3)), written out so kilnd needs
// no libsystemd: when systemd starts a Type=notify service it sets
// $NOTIFY_SOCKET to a Unix datagram socket (a path, or "@name" for the
// abstract namespace), and the service sends it newline-separated
// "KEY=VALUE" assignments, one datagram per message:
//
//   READY=1       start-up is complete: kilnd is serving
//   RELOADING=1   SIGHUP received, rereading the configuration (with
//                 MONOTONIC_USEC, as Type=notify-reload wants); READY=1 ends it
//   STOPPING=1    the drain has begun
//   STATUS=...    one line of free text shown by `systemctl status`
//   MAINPID=N     the service's main process
//
// Without $NOTIFY_SOCKET every call does nothing.
//
// And socket activation (sd_listen_fds(3)): a .socket unit makes the
// listening sockets and starts the service with them as fds 3, 4, ...,
// with $LISTEN_FDS (their number) and $LISTEN_PID (the process they are
// for) set.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace kiln::server {

class SdNotifier {
 public:
  /// Reads $NOTIFY_SOCKET and unsets it, so that processes kilnd starts do
  /// not talk to systemd in its name.
  static SdNotifier fromEnvironment();
  /// A notifier for the socket at `address` ("" = disabled).
  explicit SdNotifier(std::string address) : address_(std::move(address)) {}

  bool enabled() const { return !address_.empty(); }
  /// Sends `state` ("READY=1\nSTATUS=serving") as one datagram.
  absl::Status notify(absl::string_view state) const;

  /// The messages kilnd sends, with its STATUS line.
  absl::Status ready(absl::string_view status) const;
  absl::Status reloading(absl::string_view status) const;
  absl::Status stopping(absl::string_view status) const;

 private:
  std::string address_;
};

/// The listening sockets systemd passed (fds 3 .. 3+$LISTEN_FDS-1) when
/// $LISTEN_PID is this process, made close-on-exec; the variables are unset
/// either way. Empty when not socket-activated.
std::vector<int> takeListenFds();

}  // namespace kiln::server
