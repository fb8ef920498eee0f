#include "cache/redis_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kiln::cache {
namespace {

// Debian's Abseil has its own string_view.
absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX-decoding of a URL's user or password.
std::optional<std::string> percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || hexDigit(s[i + 1]) < 0 || hexDigit(s[i + 2]) < 0) return std::nullopt;
    out.push_back(static_cast<char>(hexDigit(s[i + 1]) * 16 + hexDigit(s[i + 2])));
    i += 2;
  }
  return out;
}

std::string openSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

int remainingMs(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1 << 30));
}

bool isIpLiteral(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

}  // namespace

std::string RedisEndpoint::name() const {
  return host.find(':') != std::string::npos ? absl::StrCat("[", host, "]:", port) : absl::StrCat(host, ":", port);
}

absl::StatusOr<RedisEndpoint> parseRedisUrl(std::string_view url) {
  RedisEndpoint e;
  std::string_view rest;
  if (url.substr(0, 8) == "redis://") {
    rest = url.substr(8);
  } else if (url.substr(0, 9) == "rediss://") {
    rest = url.substr(9);
    e.tls = true;
  } else {
    return absl::InvalidArgumentError("a shared cache URL must start with redis:// or rediss://");
  }
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      return absl::InvalidArgumentError("a shared cache URL's credentials must be ':PASSWORD@' or 'USER:PASSWORD@'");
    std::optional<std::string> user = percentDecode(userinfo.substr(0, colon));
    std::optional<std::string> password = percentDecode(userinfo.substr(colon + 1));
    if (!user || !password) return absl::InvalidArgumentError("a shared cache URL has a malformed %-escape in its credentials");
    e.username = *user;
    e.password = *password;
  }
  std::string_view hostport = rest;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!absl::SimpleAtoi(av(db), &e.db) || e.db < 0))
      return absl::InvalidArgumentError(absl::StrCat("shared cache URL: the database '", av(db), "' is not a number"));
  }
  std::string_view port;
  if (!hostport.empty() && hostport[0] == '[') {
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos) return absl::InvalidArgumentError("shared cache URL: unclosed '[' in the host");
    e.host = std::string(hostport.substr(1, close - 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return absl::InvalidArgumentError("shared cache URL: expected ':PORT' after ']'");
      port = after.substr(1);
    }
  } else {
    const size_t colon = hostport.rfind(':');
    e.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (e.host.empty()) return absl::InvalidArgumentError("shared cache URL: no host");
  if (!port.empty() && (!absl::SimpleAtoi(av(port), &e.port) || e.port <= 0 || e.port > 65535))
    return absl::InvalidArgumentError(absl::StrCat("shared cache URL: '", av(port), "' is not a port"));
  return e;
}

absl::StatusOr<std::shared_ptr<SSL_CTX>> makeRedisTlsContext(const std::string& ca_path, const std::string& cert_path,
                                                              const std::string& key_path) {
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (ctx == nullptr) return absl::InternalError(absl::StrCat("SSL_CTX_new: ", openSslErrors()));
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  const int loaded = ca_path.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                                     : SSL_CTX_load_verify_locations(ctx.get(), ca_path.c_str(), nullptr);
  if (loaded != 1)
    return absl::InvalidArgumentError(
        absl::StrCat("--shared-cache-tls-ca: cannot load CA certificates from '", ca_path, "': ", openSslErrors()));
  if (cert_path.empty() != key_path.empty())
    return absl::InvalidArgumentError("--shared-cache-tls-cert and --shared-cache-tls-key go together");
  if (!cert_path.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_path.c_str()) != 1)
      return absl::InvalidArgumentError(
          absl::StrCat("--shared-cache-tls-cert: cannot load '", cert_path, "': ", openSslErrors()));
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_path.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1)
      return absl::InvalidArgumentError(
          absl::StrCat("--shared-cache-tls-key: cannot load '", key_path, "': ", openSslErrors()));
  }
  return ctx;
}

RedisConnection::~RedisConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) close(fd_);
}

absl::Status RedisConnection::waitFor(bool write, absl::Time deadline) {
  for (;;) {
    const int ms = remainingMs(deadline);
    if (ms <= 0) return fail(Failure::kTimeout, absl::DeadlineExceededError("timed out"));
    pollfd p{fd_, static_cast<short>(write ? POLLOUT : POLLIN), 0};
    const int n = poll(&p, 1, ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Failure::kConnect, absl::UnavailableError(absl::StrCat("poll: ", std::strerror(errno))));
    if (n == 0) continue;  // re-checks the deadline
    return absl::OkStatus();  // readable/writable, or an error the next call reports
  }
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::connect(const RedisEndpoint& endpoint, SSL_CTX* tls,
                                                                           size_t max_reply_bytes,
                                                                           absl::Time deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  if (int rc = getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return absl::UnavailableError(absl::StrCat("cannot resolve ", endpoint.host, ": ", gai_strerror(rc)));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> addresses(found, freeaddrinfo);
  absl::Status last = absl::UnavailableError("no address");
  std::unique_ptr<RedisConnection> conn;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
      continue;
    }
    conn.reset(new RedisConnection(fd, max_reply_bytes));
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = absl::UnavailableError(absl::StrCat("connect: ", std::strerror(errno)));
        conn.reset();
        continue;
      }
      if (absl::Status s = conn->waitFor(/*write=*/true, deadline); !s.ok()) return s;
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) {
        last = absl::UnavailableError(absl::StrCat("connect: ", std::strerror(error)));
        conn.reset();
        continue;
      }
    }
    break;
  }
  if (conn == nullptr) return last;
  if (endpoint.tls) {
    if (tls == nullptr) return absl::InvalidArgumentError("rediss:// without a TLS context");
    if (absl::Status s = conn->handshake(endpoint.host, tls, deadline); !s.ok()) return s;
  }
  if (!endpoint.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!endpoint.username.empty()) auth.push_back(endpoint.username);
    auth.push_back(endpoint.password);
    absl::StatusOr<RespValue> r = conn->command(auth, deadline);
    if (!r.ok()) return r.status();
    if (!r->isOk()) return absl::PermissionDeniedError(absl::StrCat("AUTH refused: ", r->str));
  }
  if (endpoint.db != 0) {
    const std::string db = std::to_string(endpoint.db);
    absl::StatusOr<RespValue> r = conn->command({"SELECT", db}, deadline);
    if (!r.ok()) return r.status();
    if (!r->isOk()) return absl::InvalidArgumentError(absl::StrCat("SELECT ", db, " refused: ", r->str));
  }
  return conn;
}

absl::Status RedisConnection::handshake(const std::string& host, SSL_CTX* tls, absl::Time deadline) {
  ERR_clear_error();
  ssl_ = SSL_new(tls);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1)
    return fail(Failure::kConnect, absl::InternalError(absl::StrCat("SSL_new: ", openSslErrors())));
  if (isIpLiteral(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_, host.c_str());
    SSL_set1_host(ssl_, host.c_str());
  }
  for (;;) {
    const int r = SSL_connect(ssl_);
    if (r == 1) return absl::OkStatus();
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (absl::Status s = waitFor(e == SSL_ERROR_WANT_WRITE, deadline); !s.ok()) return s;
      continue;
    }
    const long verify = SSL_get_verify_result(ssl_);
    std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : openSslErrors();
    return fail(Failure::kConnect, absl::UnavailableError(absl::StrCat("TLS handshake: ", why)));
  }
}

absl::Status RedisConnection::writeAll(std::string_view bytes, absl::Time deadline) {
  size_t done = 0;
  while (done < bytes.size()) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int chunk = static_cast<int>(std::min<size_t>(bytes.size() - done, 1 << 30));
      const int r = SSL_write(ssl_, bytes.data() + done, chunk);
      if (r > 0) {
        done += static_cast<size_t>(r);
        continue;
      }
      const int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (absl::Status s = waitFor(e == SSL_ERROR_WANT_WRITE, deadline); !s.ok()) return s;
        continue;
      }
      return fail(Failure::kConnect, absl::UnavailableError(absl::StrCat("TLS write: ", openSslErrors())));
    }
    const ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (absl::Status s = waitFor(/*write=*/true, deadline); !s.ok()) return s;
      continue;
    }
    return fail(Failure::kConnect, absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno))));
  }
  return absl::OkStatus();
}

absl::Status RedisConnection::readSome(absl::Time deadline) {
  char buf[64 << 10];
  for (;;) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int r = SSL_read(ssl_, buf, sizeof buf);
      if (r > 0) {
        parser_.feed(std::string_view(buf, static_cast<size_t>(r)));
        return absl::OkStatus();
      }
      const int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (absl::Status s = waitFor(e == SSL_ERROR_WANT_WRITE, deadline); !s.ok()) return s;
        continue;
      }
      if (e == SSL_ERROR_ZERO_RETURN) return fail(Failure::kConnect, absl::UnavailableError("connection closed"));
      return fail(Failure::kConnect, absl::UnavailableError(absl::StrCat("TLS read: ", openSslErrors())));
    }
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      parser_.feed(std::string_view(buf, static_cast<size_t>(n)));
      return absl::OkStatus();
    }
    if (n == 0) return fail(Failure::kConnect, absl::UnavailableError("connection closed"));
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (absl::Status s = waitFor(/*write=*/false, deadline); !s.ok()) return s;
      continue;
    }
    return fail(Failure::kConnect, absl::UnavailableError(absl::StrCat("recv: ", std::strerror(errno))));
  }
}

absl::StatusOr<RespValue> RedisConnection::command(const std::vector<std::string_view>& args, absl::Time deadline) {
  if (failure_ != Failure::kNone) return absl::FailedPreconditionError("connection already failed");
  if (parser_.buffered() != 0)
    return fail(Failure::kProtocol, absl::DataLossError("unexpected bytes from the server before a command"));
  if (absl::Status s = writeAll(encodeCommand(args), deadline); !s.ok()) return s;
  for (;;) {
    absl::StatusOr<std::optional<RespValue>> reply = parser_.next();
    if (!reply.ok()) return fail(Failure::kProtocol, absl::DataLossError(reply.status().message()));
    if (reply->has_value()) {
      if (parser_.buffered() != 0)
        return fail(Failure::kProtocol, absl::DataLossError("more than one reply to one command"));
      return **std::move(reply);
    }
    if (absl::Status s = readSome(deadline); !s.ok()) return s;
  }
}

}  // namespace kiln::cache
