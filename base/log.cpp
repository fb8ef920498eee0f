#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>

#include "absl/time/clock.h"

namespace kiln {
namespace {

std::atomic<LogSink> sink{nullptr};

void defaultSink(const LogRecord& r) {
  if (r.severity == LogSeverity::kDebug) return;
  const char letter = r.severity == LogSeverity::kInfo ? 'I' : r.severity == LogSeverity::kWarning ? 'W' : 'E';
  std::string text = std::string(1, letter) + absl::FormatTime("%m%d %H:%M:%E6S", r.time, absl::LocalTimeZone()) +
                     ' ' + std::to_string(getpid()) + ' ' + r.file + ':' + std::to_string(r.line) + "] ";
  text.append(r.message.data(), r.message.size());
  text.push_back('\n');
  // One write(2) per line so lines from concurrent threads do not interleave.
  ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
  (void)ignored;
}

}  // namespace

void setLogSink(LogSink s) { sink.store(s); }

LogMessage::LogMessage(LogSeverity severity, const char* file, int line)
    : severity_(severity), time_(absl::Now()), line_(line) {
  const char* base = std::strrchr(file, '/');
  file_ = base ? base + 1 : file;
}

LogMessage::~LogMessage() {
  const std::string text = stream_.str();
  const LogSink s = sink.load();
  (s ? s : defaultSink)(LogRecord{severity_, time_, file_, line_, text});
}

}  // namespace kiln
