// The service pieces that need no server: the config file's parser, the
// log line formats, and sd_notify over a real datagram socket.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "server/config_file.h"
#include "server/log_format.h"
#include "server/sd_notify.h"

namespace kiln::server {
namespace {

TEST(ConfigFile, ParsesKeysValuesQuotesAndComments) {
  absl::StatusOr<std::vector<ConfigEntry>> e = parseConfigText(
      "# kilnd\n"
      "\n"
      "  listen = \"0.0.0.0:7070\"  # the team's port\n"
      "cache-max-bytes=20G\r\n"
      "tls_cert = /etc/kiln/tls.pem\n"
      "tokens = \"/etc/kiln/a \\\"b\\\" \\\\c\"\n"
      "insecure = false # trailing",
      "k.conf");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->size(), 5u);
  EXPECT_EQ((*e)[0].key, "listen");
  EXPECT_EQ((*e)[0].value, "0.0.0.0:7070");
  EXPECT_EQ((*e)[0].line, 3);
  EXPECT_EQ((*e)[1].key, "cache_max_bytes");
  EXPECT_EQ((*e)[1].value, "20G");
  EXPECT_EQ((*e)[2].key, "tls_cert");
  EXPECT_EQ((*e)[3].value, "/etc/kiln/a \"b\" \\c");
  EXPECT_EQ((*e)[4].value, "false");
  EXPECT_EQ((*e)[4].line, 7);
}

TEST(ConfigFile, ErrorsNameFileAndLine) {
  const auto error = [](const char* text) {
    absl::StatusOr<std::vector<ConfigEntry>> e = parseConfigText(text, "/etc/kiln/kilnd.conf");
    EXPECT_FALSE(e.ok());
    return std::string(e.status().message());
  };
  EXPECT_EQ(error("a = 1\nb 2\n"), "/etc/kiln/kilnd.conf:2: expected '=' after 'b'");
  EXPECT_EQ(error("[server]\n"),
            "/etc/kiln/kilnd.conf:1: sections ('[...]') are not supported: write every setting at the top level");
  EXPECT_EQ(error("threads = 1\n# x\nthreads = 2\n"), "/etc/kiln/kilnd.conf:3: 'threads' is already set on line 1");
  EXPECT_EQ(error("cache-dir = 1\ncache_dir = 2\n"), "/etc/kiln/kilnd.conf:2: 'cache_dir' is already set on line 1");
  EXPECT_EQ(error("listen = \"x\n"), "/etc/kiln/kilnd.conf:1: unterminated quoted value");
  EXPECT_EQ(error("listen = \"x\" y\n"), "/etc/kiln/kilnd.conf:1: unexpected 'y' after the quoted value");
  EXPECT_EQ(error("listen = a b\n"),
            "/etc/kiln/kilnd.conf:1: the value 'a b' has a space or a quote in it: quote it (\"...\")");
  EXPECT_EQ(error("listen =   # nothing\n"),
            "/etc/kiln/kilnd.conf:1: 'listen' has no value (write \"\" for an empty string)");
  EXPECT_EQ(error("Listen = 1\n"), "/etc/kiln/kilnd.conf:1: expected a setting 'key = value', got 'Listen = 1'");
  EXPECT_EQ(error("x = \"a\\n\"\n"), "/etc/kiln/kilnd.conf:1: in a quoted value only \\\" and \\\\ are escapes");
}

TEST(ConfigFile, RestartOnlyChangesListTheFieldsThatDoNotReload) {
  Config a;
  Config b = a;
  b.max_compile_seconds = 1;  // reloads
  b.max_instances = 2;
  b.log_level = LogSeverity::kDebug;
  b.cache_max_bytes = 1 << 20;  // opsrest: reloads
  EXPECT_TRUE(restartOnlyChanges(a, b).empty());
  b.threads = 7;
  b.tls_cert_path = "x.pem";
  b.log_format = LogFormat::kJson;
  EXPECT_EQ(restartOnlyChanges(a, b), (std::vector<std::string>{"threads", "tls-cert", "log-format"}));
}

TEST(LogFormat, TextAndJsonLines) {
  const absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 12, 5, 13, 40, 0), absl::UTCTimeZone()) +
                       absl::Microseconds(123456);
  const LogRecord r{LogSeverity::kWarning, t, "server.cpp", 82, "bad \"value\"\n\x01 caf\xc3\xa9 \xff"};
  EXPECT_EQ(formatLogLine(r, LogFormat::kJson, "5f0c", 4242),
            "{\"time\":\"2026-12-05T13:40:00.123456Z\",\"level\":\"warning\",\"pid\":4242,\"source\":\"server.cpp:82\","
            "\"request_id\":\"5f0c\",\"msg\":\"bad \\\"value\\\"\\n\\u0001 caf\xc3\xa9 \\ufffd\"}");
  EXPECT_EQ(formatLogLine(r, LogFormat::kJson, "", 1).find("request_id"), std::string::npos);
  const std::string text = formatLogLine(r, LogFormat::kText, "5f0c", 4242);
  EXPECT_EQ(text.substr(0, 1), "W");
  EXPECT_NE(text.find(" 4242 server.cpp:82] request_id=5f0c bad \"value\"\\n"), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

TEST(LogFormat, RequestIds) {
  EXPECT_EQ(currentRequestId(), "");
  {
    ScopedRequestId a("abc");
    EXPECT_EQ(currentRequestId(), "abc");
    {
      ScopedRequestId b("def");
      EXPECT_EQ(currentRequestId(), "def");
    }
    EXPECT_EQ(currentRequestId(), "abc");
  }
  EXPECT_EQ(currentRequestId(), "");
  EXPECT_NE(newRequestId(), newRequestId());
  EXPECT_EQ(newRequestId().size(), 16u);
  EXPECT_TRUE(validRequestId("trace-1.a_B"));
  EXPECT_FALSE(validRequestId(""));
  EXPECT_FALSE(validRequestId("a b"));
  EXPECT_FALSE(validRequestId(std::string(65, 'a')));
  EXPECT_TRUE(parseLogLevel("warning").ok());
  EXPECT_FALSE(parseLogLevel("WARN").ok());
  EXPECT_FALSE(parseLogFormat("xml").ok());
}

// A datagram socket bound at a temporary path, as systemd's.
class NotifySocket {
 public:
  NotifySocket() {
    char dir[] = "/tmp/kiln-notify-XXXXXX";
    EXPECT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/notify";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() {
    close(fd_);
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  std::string receive() {
    char buf[4096];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
  }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
  int fd_ = -1;
};

TEST(SdNotify, SendsEachMessageAsOneDatagram) {
  NotifySocket systemd;
  setenv("NOTIFY_SOCKET", systemd.path().c_str(), 1);
  const SdNotifier n = SdNotifier::fromEnvironment();
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);  // not passed on
  ASSERT_TRUE(n.enabled());
  ASSERT_TRUE(n.ready("serving on\nunix:/x").ok());
  EXPECT_EQ(systemd.receive(), "READY=1\nSTATUS=serving on unix:/x\nMAINPID=" + std::to_string(getpid()));
  ASSERT_TRUE(n.reloading("reloading").ok());
  const std::string reloading = systemd.receive();
  EXPECT_EQ(reloading.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << reloading;
  EXPECT_NE(reloading.find("\nSTATUS=reloading"), std::string::npos);
  ASSERT_TRUE(n.stopping("draining (SIGTERM)").ok());
  EXPECT_EQ(systemd.receive(), "STOPPING=1\nSTATUS=draining (SIGTERM)");
}

TEST(SdNotify, DisabledWithoutTheVariableAndErrorsWithoutAListener) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(SdNotifier::fromEnvironment().enabled());
  EXPECT_TRUE(SdNotifier("").ready("x").ok());
  EXPECT_FALSE(SdNotifier("/nonexistent/notify").ready("x").ok());
  EXPECT_FALSE(SdNotifier("relative").ready("x").ok());
}

}  // namespace
}  // namespace kiln::server
