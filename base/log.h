#pragma once
// Minimal leveled logging to stderr, in the same line format as absl's LOG
// ("I0102 15:04:05.123456 1234 file.cpp:42] message"). Debian's Abseil
// (20220623) predates absl/log; when it is available, this header becomes
// a thin alias of it and call sites do not change.
//
//   KILN_LOG(kWarning) << "bad value for key " << key.hex();

#include <sstream>

namespace kiln {

enum class LogSeverity { kInfo, kWarning, kError };

/// One log line; written (atomically, as one write) when destroyed.
class LogMessage {
 public:
  LogMessage(LogSeverity severity, const char* file, int line);
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;

  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

}  // namespace kiln

#define KILN_LOG(severity) ::kiln::LogMessage(::kiln::LogSeverity::severity, __FILE__, __LINE__).stream()
