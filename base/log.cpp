#include "base/log.h"

#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace kiln {

LogMessage::LogMessage(LogSeverity severity, const char* file, int line) {
  const char letter = severity == LogSeverity::kInfo ? 'I' : severity == LogSeverity::kWarning ? 'W' : 'E';
  const char* base = std::strrchr(file, '/');
  stream_ << letter << absl::FormatTime("%m%d %H:%M:%E6S", absl::Now(), absl::LocalTimeZone()) << ' '
          << getpid() << ' ' << (base ? base + 1 : file) << ':' << line << "] ";
}

LogMessage::~LogMessage() {
  std::string text = stream_.str();
  text.push_back('\n');
  // One write(2) per line so lines from concurrent threads do not interleave.
  ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
  (void)ignored;
}

}  // namespace kiln
