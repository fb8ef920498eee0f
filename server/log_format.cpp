#include "server/log_format.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kiln::server {
namespace {

std::atomic<LogFormat> log_format{LogFormat::kText};
std::atomic<LogSeverity> min_severity{LogSeverity::kInfo};
thread_local std::string request_id;

char severityLetter(LogSeverity s) {
  switch (s) {
    case LogSeverity::kDebug: return 'D';
    case LogSeverity::kInfo: return 'I';
    case LogSeverity::kWarning: return 'W';
    case LogSeverity::kError: return 'E';
  }
  return '?';
}

// The length of the UTF-8 sequence at s[i], 0 if it is not valid UTF-8.
size_t utf8Length(absl::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((byte(i + k) >> 6) != 2) return 0;
  const uint32_t first = n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
  uint32_t cp = first;
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (byte(i + k) & 0x3f);
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

// A JSON string literal of `s`; bytes that are not UTF-8 become U+FFFD, so
// every line parses whatever a message quotes.
void appendJsonString(std::string& out, absl::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    const size_t n = utf8Length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s.data() + i, n);
      i += n;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
    ++i;
  }
  out.push_back('"');
}

void sink(const LogRecord& record) {
  if (!logEnabled(record.severity)) return;
  std::string text = formatLogLine(record, log_format.load(), request_id, static_cast<long>(getpid()));
  text.push_back('\n');
  // One write(2) per line so lines from concurrent threads do not interleave.
  ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
  (void)ignored;
}

}  // namespace

absl::StatusOr<LogFormat> parseLogFormat(absl::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(absl::StrCat("expected 'text' or 'json', got '", text, "'"));
}

absl::StatusOr<LogSeverity> parseLogLevel(absl::string_view text) {
  for (LogSeverity s : {LogSeverity::kDebug, LogSeverity::kInfo, LogSeverity::kWarning, LogSeverity::kError})
    if (text == logLevelName(s)) return s;
  return absl::InvalidArgumentError(
      absl::StrCat("expected 'debug', 'info', 'warning' or 'error', got '", text, "'"));
}

absl::string_view logLevelName(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kDebug: return "debug";
    case LogSeverity::kInfo: return "info";
    case LogSeverity::kWarning: return "warning";
    case LogSeverity::kError: return "error";
  }
  return "info";
}

void configureLogging(LogFormat format, LogSeverity min) {
  log_format.store(format);
  min_severity.store(min);
  setLogSink(&sink);
}

bool logEnabled(LogSeverity severity) { return static_cast<int>(severity) >= static_cast<int>(min_severity.load()); }

std::string formatLogLine(const LogRecord& r, LogFormat format, absl::string_view id, long pid) {
  std::string out;
  switch (format) {
    case LogFormat::kText:
      out = absl::StrCat(std::string(1, severityLetter(r.severity)),
                         absl::FormatTime("%m%d %H:%M:%E6S", r.time, absl::LocalTimeZone()), " ", pid, " ", r.file,
                         ":", r.line, "] ");
      if (!id.empty()) absl::StrAppend(&out, "request_id=", id, " ");
      // One event, one line: a message's own newlines are escaped.
      for (char c : r.message) {
        if (c == '\n') out += "\\n";
        else out.push_back(c);
      }
      return out;
    case LogFormat::kJson:
      out = absl::StrCat("{\"time\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", r.time, absl::UTCTimeZone()),
                         "\",\"level\":\"", logLevelName(r.severity), "\",\"pid\":", pid, ",\"source\":");
      appendJsonString(out, absl::StrCat(r.file, ":", r.line));
      if (!id.empty()) {
        out += ",\"request_id\":";
        appendJsonString(out, id);
      }
      out += ",\"msg\":";
      appendJsonString(out, r.message);
      out.push_back('}');
      return out;
  }
  return out;
}

absl::string_view currentRequestId() { return request_id; }

ScopedRequestId::ScopedRequestId(std::string id) : previous_(std::move(request_id)) { request_id = std::move(id); }
ScopedRequestId::~ScopedRequestId() { request_id = std::move(previous_); }

std::string newRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}() ^
                                   static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

bool validRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return false;
  return true;
}

namespace {

class RequestIdInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit RequestIdInterceptor(grpc::experimental::ServerRpcInfo* info) : method_(info->method()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA)) {
      start_ = absl::Now();
      if (auto* md = methods->GetRecvInitialMetadata(); md != nullptr) {
        auto it = md->find(kRequestIdHeader);
        if (it != md->end()) {
          const absl::string_view theirs(it->second.data(), it->second.size());
          if (validRequestId(theirs)) id_ = std::string(theirs);
        }
      }
      if (id_.empty()) id_ = newRequestId();
      request_id = id_;
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_INITIAL_METADATA)) {
      if (id_.empty()) id_ = newRequestId();
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader, id_);
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
      const grpc::Status s = methods->GetSendStatus();
      const LogSeverity severity = s.ok() ? LogSeverity::kDebug : LogSeverity::kInfo;
      if (logEnabled(severity)) {
        ScopedRequestId scoped(id_);  // in case gRPC sends the status from another thread
        const absl::string_view rpc =
            method_.rfind('/') == std::string::npos ? method_ : absl::string_view(method_).substr(method_.rfind('/') + 1);
        LogMessage(severity, __FILE__, __LINE__).stream()
            << "rpc " << rpc << " " << absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code()))
            << " in " << absl::FormatDuration(absl::Trunc(absl::Now() - start_, absl::Microseconds(1)))
            << (s.ok() ? "" : ": ") << s.error_message();
      }
      // The thread goes back to gRPC's pool: its next lines are no longer this RPC's.
      request_id.clear();
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  std::string id_;
  absl::Time start_ = absl::Now();
};

class RequestIdInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new RequestIdInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> makeRequestIdInterceptorFactory() {
  return std::make_unique<RequestIdInterceptorFactory>();
}

}  // namespace kiln::server
