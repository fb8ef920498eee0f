#include "server/auth.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/log.h"
#include "cache/cache_key.h"

namespace kiln::server {
namespace {

constexpr size_t kMinTokenLength = 16;

std::string tokenId(absl::string_view token) {
  const cache::CacheKey h = cache::sha256(std::string_view(token.data(), token.size()));
  return std::string(h.raw().data(), h.raw().size());
}

bool tokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || std::strchr("._~+/=-", c) != nullptr;
}

std::optional<Right> parseRight(absl::string_view s) {
  for (Right r : {Right::kCompile, Right::kAdmin, Right::kLaunch})
    if (s == rightName(r)) return r;
  return std::nullopt;
}

absl::StatusOr<TokenTable> readTokensFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    return absl::NotFoundError(absl::StrCat("tokens file ", path, ": ", std::strerror(errno)));
  if ((st.st_mode & 077) != 0)
    return absl::PermissionDeniedError(
        absl::StrCat("tokens file ", path, " is accessible by group or others; chmod 600 it"));
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("tokens file ", path, ": ", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<TokenTable> table = parseTokens(text.str());
  if (!table.ok()) return absl::InvalidArgumentError(absl::StrCat("tokens file ", path, ": ", table.status().message()));
  return table;
}

// "unix:..." for the Unix socket; "ipv4:..."/"ipv6:..." for TCP.
bool unixPeer(const grpc::ServerContext& context) { return absl::StartsWith(context.peer(), "unix:"); }

}  // namespace

absl::string_view rightName(Right right) {
  switch (right) {
    case Right::kCompile: return "compile";
    case Right::kAdmin: return "admin";
    case Right::kLaunch: return "launch";
  }
  return "?";
}

RpcRule ruleFor(absl::string_view rpc) {
  if (rpc == "GetServerInfo") return {true, std::nullopt};
  if (rpc == "Compile" || rpc == "GetStats") return {true, Right::kCompile};
  if (rpc == "Shutdown") return {true, Right::kAdmin};
  if (rpc == "ZeroStats" || rpc == "EvictCache") return {true, Right::kAdmin};  // metrics: operator commands
  if (rpc == "Launch" || rpc == "AllocDevice" || rpc == "ReadDevice" || rpc == "WriteDevice" || rpc == "FreeDevice" ||
      rpc == "SyncLaunches")
    return {true, Right::kLaunch};  // gpu: the GPU pool
  return {};
}

absl::StatusOr<TokenTable> parseTokens(absl::string_view text) {
  TokenTable table;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 3)
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_no, ": expected TOKEN NAME RIGHT[,RIGHT...], got ", fields.size(), " fields"));
    const absl::string_view token = fields[0];
    if (token.size() < kMinTokenLength)
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_no, ": the token is shorter than ", kMinTokenLength, " characters"));
    for (char c : token)
      if (!tokenChar(c))
        return absl::InvalidArgumentError(absl::StrCat("line ", line_no, ": the token has a character outside "
                                                       "[A-Za-z0-9._~+/=-]"));
    TokenEntry entry;
    entry.name = std::string(fields[1]);
    for (absl::string_view r : absl::StrSplit(fields[2], ',', absl::SkipEmpty())) {
      std::optional<Right> right = parseRight(r);
      if (!right)
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line_no, ": unknown right '", r, "' (compile, admin, launch)"));
      entry.rights |= static_cast<uint8_t>(*right);
    }
    if (!table.emplace(tokenId(token), std::move(entry)).second)
      return absl::InvalidArgumentError(absl::StrCat("line ", line_no, ": the same token is listed twice"));
  }
  return table;
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::fromFile(std::string tokens_path) {
  auto self = std::make_unique<Authorizer>();
  self->tokens_path_ = std::move(tokens_path);
  absl::StatusOr<TokenTable> table = readTokensFile(self->tokens_path_);
  if (!table.ok()) return table.status();
  absl::MutexLock lock(&self->mu_);
  self->tokens_ = *std::move(table);
  return self;
}

absl::Status Authorizer::reload() {
  if (tokens_path_.empty()) return absl::OkStatus();
  absl::StatusOr<TokenTable> table = readTokensFile(tokens_path_);
  if (!table.ok()) return table.status();
  const size_t n = table->size();
  {
    absl::MutexLock lock(&mu_);
    tokens_ = *std::move(table);
  }
  KILN_LOG(kInfo) << "reloaded " << n << " token(s) from " << tokens_path_;
  return absl::OkStatus();
}

grpc::Status Authorizer::authorize(const grpc::ServerContext& context, absl::string_view rpc) const {
  const RpcRule rule = ruleFor(rpc);
  if (!rule.known)
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat(rpc, " has no access rule (server/auth.cpp ruleFor): refused"));
  const Right* right = rule.right ? &*rule.right : nullptr;
  if (tokens_path_.empty()) {
    if (right == nullptr || *right == Right::kCompile || unixPeer(context)) return grpc::Status::OK;
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat(rpc, " needs the '", rightName(*right),
                                     "' right: over TCP that takes a bearer token (start kilnd with --tokens FILE)"));
  }
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end())
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        absl::StrCat(rpc, ": this server requires a bearer token (set KILN_TOKEN or KILN_TOKEN_FILE)"));
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::StartsWithIgnoreCase(value, "Bearer "))
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        absl::StrCat(rpc, ": the authorization header is not 'Bearer TOKEN'"));
  value.remove_prefix(7);
  const std::string id = tokenId(absl::StripAsciiWhitespace(value));
  absl::MutexLock lock(&mu_);
  auto entry = tokens_.find(id);
  if (entry == tokens_.end())
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, absl::StrCat(rpc, ": unknown or revoked token"));
  if (right != nullptr && (entry->second.rights & static_cast<uint8_t>(*right)) == 0)
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat(rpc, " needs the '", rightName(*right), "' right, which token '",
                                     entry->second.name, "' does not have"));
  return grpc::Status::OK;
}

}  // namespace kiln::server
