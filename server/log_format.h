#pragma once
// kilnd's log lines: one line per event on stderr, as text (absl's format)
// or JSON (--log-format), filtered by --log-level (SIGHUP reloads the
// level), and each line written while a thread serves an RPC carries that
// RPC's request id. Every RPC gets an id (the client's own
// x-kiln-request-id when it sent a well-formed one, else a fresh random
// one), echoed in the response's initial metadata as x-kiln-request-id.
//
//   text: I1205 13:40:00.123456 4242 server.cpp:82] request_id=5f0c… message
//   json: {"time":"2026-12-05T13:40:00.123456Z","level":"info","pid":4242,
//          "source":"server.cpp:82","request_id":"5f0c…","msg":"message"}

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include <grpcpp/support/server_interceptor.h>

#include "absl/status/statusor.h"
#include "base/log.h"

namespace kiln::server {

enum class LogFormat { kText, kJson };

/// "text" or "json".
absl::StatusOr<LogFormat> parseLogFormat(absl::string_view text);
/// "debug", "info", "warning" or "error". At debug every RPC also gets one
/// line when it ends (an access log); at info only the RPCs that failed.
absl::StatusOr<LogSeverity> parseLogLevel(absl::string_view text);
absl::string_view logLevelName(LogSeverity severity);

/// Installs the sink (base/log.h) with this format and minimum severity.
/// Thread-safe; SIGHUP calls it again with the reloaded level.
void configureLogging(LogFormat format, LogSeverity min_severity);
/// Whether a line of `severity` is written now.
bool logEnabled(LogSeverity severity);

/// The line `record` becomes (without its newline): a pure function, for
/// tests.
std::string formatLogLine(const LogRecord& record, LogFormat format, absl::string_view request_id, long pid);

/// The request id of the RPC this thread serves ("" = none).
absl::string_view currentRequestId();
/// Sets this thread's request id for its lifetime, restoring the previous.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

/// The metadata key of request ids, in requests and responses.
inline constexpr char kRequestIdHeader[] = "x-kiln-request-id";
/// A fresh id: 16 random hex digits.
std::string newRequestId();
/// Whether a client's id may be taken over: 1 to 64 of [A-Za-z0-9._-].
bool validRequestId(absl::string_view id);

/// The gRPC interceptor that gives each RPC its id (see above) and logs its
/// end. gRPC's sync server runs the handler on the thread that ran the
/// interceptor's receive hooks, which is what makes the thread-local id
/// reach the handler's log lines.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> makeRequestIdInterceptorFactory();

}  // namespace kiln::server
