#pragma once
// Minimal leveled logging to stderr, in the same line format as absl's LOG
// ("I0102 15:04:05.123456 1234 file.cpp:42] message"). Debian's Abseil
// (20220623) predates absl/log; when it is available, this header becomes
// a thin alias of it and call sites do not change.
//
//   KILN_LOG(kWarning) << "bad value for key " << key.hex();
//
// kilnd replaces how lines are filtered, formatted and written with
// setLogSink (server/log_format.h: --log-format, --log-level, request ids).

#include <sstream>
#include "absl/strings/string_view.h"

#include "absl/time/time.h"

namespace kiln {

enum class LogSeverity { kDebug, kInfo, kWarning, kError };

/// One line as written: what a sink formats.
struct LogRecord {
  LogSeverity severity;
  absl::Time time;
  const char* file;  // the basename of __FILE__
  int line;
  absl::string_view message;
};

/// Formats and writes one record; must be thread-safe.
using LogSink = void (*)(const LogRecord& record);
/// Routes every line to `sink` (nullptr: the default, absl's text format on
/// stderr with kDebug lines dropped). Thread-safe.
void setLogSink(LogSink sink);

/// One log line; written (atomically, as one write) when destroyed.
class LogMessage {
 public:
  LogMessage(LogSeverity severity, const char* file, int line);
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;

  std::ostream& stream() { return stream_; }

 private:
  LogSeverity severity_;
  absl::Time time_;
  const char* file_;
  int line_;
  std::ostringstream stream_;
};

}  // namespace kiln

#define KILN_LOG(severity) ::kiln::LogMessage(::kiln::LogSeverity::severity, __FILE__, __LINE__).stream()
