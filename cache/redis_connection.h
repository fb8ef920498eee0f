#pragma once
// One connection to one redis-server: a non-blocking socket driven by
// poll(2) so that every step (connect, TLS handshake, AUTH, each command)
// ends by a deadline, with OpenSSL for rediss://. RESP framing is
// cache/redis_resp.h. Not thread-safe: one user at a time (the pool of
// cache/shared_tier.cpp hands connections out).

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cache/redis_resp.h"

namespace kiln::cache {

/// Where a redis-server is and how to talk to it, from a URL
///   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]    (rediss:// for TLS)
/// HOST may be a bracketed IPv6 address. PORT defaults to 6379.
struct RedisEndpoint {
  std::string host;
  int port = 6379;
  bool tls = false;
  std::string username;  // "" = the default user
  std::string password;  // "" = no AUTH
  int db = 0;
  /// "host:port", the instance's identity for rendezvous hashing and logs
  /// (never the password).
  std::string name() const;
};

/// Parses one URL; INVALID_ARGUMENT naming what is wrong (never echoing a
/// password).
absl::StatusOr<RedisEndpoint> parseRedisUrl(std::string_view url);

/// A client-side TLS context: verifies the server against `ca_path` (the
/// system's CAs when empty) and presents `cert_path`/`key_path` when given.
absl::StatusOr<std::shared_ptr<SSL_CTX>> makeRedisTlsContext(const std::string& ca_path, const std::string& cert_path,
                                                              const std::string& key_path);

class RedisConnection {
 public:
  /// Why a call failed, for counting; every failure leaves the connection
  /// unusable (drop it).
  enum class Failure { kNone, kTimeout, kConnect, kProtocol };

  /// Connects, handshakes (TLS when endpoint.tls; `tls` must then be set),
  /// authenticates and selects the database, all by `deadline`.
  static absl::StatusOr<std::unique_ptr<RedisConnection>> connect(const RedisEndpoint& endpoint, SSL_CTX* tls,
                                                                   size_t max_reply_bytes, absl::Time deadline);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Sends one command and reads its reply by `deadline`. An error reply
  /// (-ERR ...) is a RespValue of type kError, not a failed status: the
  /// connection stays usable. A failed status says why in failure().
  absl::StatusOr<RespValue> command(const std::vector<std::string_view>& args, absl::Time deadline);

  Failure failure() const { return failure_; }

 private:
  RedisConnection(int fd, size_t max_reply_bytes) : fd_(fd), parser_(max_reply_bytes) {}
  absl::Status fail(Failure why, absl::Status status) {
    failure_ = why;
    return status;
  }
  // Waits until fd_ is readable (or writable) or the deadline passes.
  absl::Status waitFor(bool write, absl::Time deadline);
  absl::Status handshake(const std::string& host, SSL_CTX* tls, absl::Time deadline);
  absl::Status writeAll(std::string_view bytes, absl::Time deadline);
  // Reads what is available (at least one byte) into the parser.
  absl::Status readSome(absl::Time deadline);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  RespParser parser_;
  Failure failure_ = Failure::kNone;
};

}  // namespace kiln::cache
