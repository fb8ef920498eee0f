#pragma once
// Who may call what: bearer tokens with rights, checked at the top of every
// RPC handler (docs/security-config.md).
//
// The tokens file (kilnd --tokens FILE) has one token per line:
//
//   # comment
//   TOKEN NAME RIGHT[,RIGHT...]
//
// TOKEN: at least 16 characters of [A-Za-z0-9._~+/=-] (e.g. `openssl rand
// -hex 32`); NAME: who holds it, for the log; RIGHTs: compile, admin,
// launch. The file must not be readable by group or others. SIGHUP reloads it
// (a file that fails to parse keeps the old tokens and logs why).
//
// Policy. With a tokens file, every RPC on every listener must carry
// "authorization: Bearer TOKEN" naming one of its tokens (else
// UNAUTHENTICATED), and the token must hold the RPC's right (else
// PERMISSION_DENIED): Compile and GetStats need compile, Shutdown,
// ZeroStats and EvictCache need admin, Launch and the device-memory RPCs
// (AllocDevice, ReadDevice, WriteDevice, FreeDevice) need launch, GetServerInfo needs any valid token. Without a tokens file, a peer
// on the Unix socket (private to the server's user: the socket is 0600 in a
// 0700 directory) has every right, and a TCP peer has compile only.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include <grpcpp/server_context.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace kiln::server {

enum class Right : uint8_t { kCompile = 1, kAdmin = 2, kLaunch = 4 };

/// "compile", "admin", "launch".
absl::string_view rightName(Right right);

/// What each RPC of kiln.v1.Kiln needs, by method name: a right, or none
/// beyond a valid token (GetServerInfo). nullopt for a method this table
/// does not list, which authorize() refuses: a new RPC must be added here
/// (a test checks every method of the service is).
struct RpcRule {
  bool known = false;
  std::optional<Right> right;
};
RpcRule ruleFor(absl::string_view rpc);

struct TokenEntry {
  std::string name;
  uint8_t rights = 0;  // bits of Right
};

/// SHA-256 of a token (raw) -> who holds it. Lookups hash the presented
/// token, so comparing does not leak a token's bytes through timing.
using TokenTable = absl::flat_hash_map<std::string, TokenEntry>;

/// Parses a tokens file's text. INVALID_ARGUMENT names the line.
absl::StatusOr<TokenTable> parseTokens(absl::string_view text);

class Authorizer {
 public:
  /// No tokens file: the default policy above.
  Authorizer() = default;
  /// Loads `tokens_path` (the file's permissions are checked too).
  static absl::StatusOr<std::unique_ptr<Authorizer>> fromFile(std::string tokens_path);

  /// Rereads the tokens file (SIGHUP). On failure the old tokens stay.
  absl::Status reload();

  /// OK, or UNAUTHENTICATED / PERMISSION_DENIED with a message naming `rpc`
  /// (a method name of kiln.v1.Kiln) and the right ruleFor(rpc) needs.
  grpc::Status authorize(const grpc::ServerContext& context, absl::string_view rpc) const;

  bool hasTokens() const { return !tokens_path_.empty(); }

 private:
  std::string tokens_path_;
  mutable absl::Mutex mu_;
  TokenTable tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kiln::server
