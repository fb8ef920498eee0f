#include "server/config_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace kiln::server {
namespace {

bool keyChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

bool blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

absl::StatusOr<std::vector<ConfigEntry>> parseConfigText(absl::string_view text, absl::string_view path) {
  std::vector<ConfigEntry> entries;
  std::map<std::string, int> seen;  // key -> line
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == absl::string_view::npos) end = text.size();
    absl::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto error = [&](absl::string_view message) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_number, ": ", message));
    };
    size_t i = 0;
    while (i < line.size() && blank(line[i])) ++i;
    if (i == line.size() || line[i] == '#') continue;
    if (line[i] == '[') return error("sections ('[...]') are not supported: write every setting at the top level");
    const size_t key_start = i;
    while (i < line.size() && keyChar(line[i])) ++i;
    std::string key(line.substr(key_start, i - key_start));
    if (key.empty()) return error(absl::StrCat("expected a setting 'key = value', got '", line.substr(key_start), "'"));
    while (i < line.size() && blank(line[i])) ++i;
    if (i == line.size() || line[i] != '=')
      return error(absl::StrCat("expected '=' after '", key, "'"));
    ++i;
    while (i < line.size() && blank(line[i])) ++i;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      for (; i < line.size(); ++i) {
        if (line[i] == '"') {
          closed = true;
          ++i;
          break;
        }
        if (line[i] == '\\') {
          if (i + 1 == line.size() || (line[i + 1] != '"' && line[i + 1] != '\\'))
            return error("in a quoted value only \\\" and \\\\ are escapes");
          ++i;
        }
        value.push_back(line[i]);
      }
      if (!closed) return error("unterminated quoted value");
      while (i < line.size() && blank(line[i])) ++i;
      if (i != line.size() && line[i] != '#')
        return error(absl::StrCat("unexpected '", line.substr(i), "' after the quoted value"));
    } else {
      const size_t value_start = i;
      while (i < line.size() && line[i] != '#') ++i;
      absl::string_view bare = line.substr(value_start, i - value_start);
      while (!bare.empty() && blank(bare.back())) bare.remove_suffix(1);
      if (bare.empty()) return error(absl::StrCat("'", key, "' has no value (write \"\" for an empty string)"));
      for (char c : bare)
        if (blank(c) || c == '"')
          return error(absl::StrCat("the value '", bare, "' has a space or a quote in it: quote it (\"...\")"));
      value = std::string(bare);
    }
    for (char& c : key)
      if (c == '-') c = '_';
    if (auto [it, inserted] = seen.emplace(key, line_number); !inserted)
      return error(absl::StrCat("'", key, "' is already set on line ", it->second));
    entries.push_back(ConfigEntry{std::move(key), std::move(value), line_number});
  }
  return entries;
}

absl::StatusOr<std::vector<ConfigEntry>> readConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the config file ", path, ": ", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return parseConfigText(text.str(), path);
}

std::vector<std::string> restartOnlyChanges(const Config& a, const Config& b) {
  std::vector<std::string> changed;
  const auto check = [&](bool differs, const char* flag) {
    if (differs) changed.push_back(flag);
  };
  // Every field of Config that does not reload (config.h says which do).
  check(a.socket_path != b.socket_path, "socket");
  check(a.listen_address != b.listen_address, "listen");
  check(a.cache_dir != b.cache_dir, "cache-dir");
  check(a.threads != b.threads, "threads");
  check(a.idle_timeout_seconds != b.idle_timeout_seconds, "idle-timeout");
  check(a.max_message_bytes != b.max_message_bytes, "max-message-bytes");
  check(a.max_total_wal_size != b.max_total_wal_size, "max-total-wal-size");
  check(a.cache_retry_seconds != b.cache_retry_seconds, "cache-retry-seconds");
  check(a.verify_each != b.verify_each, "verify-each");
  check(a.max_bundle_memory_bytes != b.max_bundle_memory_bytes, "max-bundle-memory-bytes");
  check(a.max_queued_compiles != b.max_queued_compiles, "max-queued-compiles");
  check(a.max_queued_per_client != b.max_queued_per_client, "max-queued-per-client");
  check(a.max_concurrent_rpcs != b.max_concurrent_rpcs, "max-concurrent-rpcs");
  check(a.drain_seconds != b.drain_seconds, "drain-seconds");
  check(a.tls_cert_path != b.tls_cert_path, "tls-cert");
  check(a.tls_key_path != b.tls_key_path, "tls-key");
  check(a.tls_client_ca_path != b.tls_client_ca_path, "tls-client-ca");
  check(a.insecure != b.insecure, "insecure");
  check(a.tokens_path != b.tokens_path, "tokens");
  check(a.signing_key_path != b.signing_key_path, "signing-key");
  check(a.log_format != b.log_format, "log-format");
  check(a.listen_fds != b.listen_fds, "LISTEN_FDS");
  check(a.gpu_pool != b.gpu_pool, "gpu-pool");  // gpu:
  check(a.gpu_devices != b.gpu_devices, "gpu-devices");
  check(a.gpu_max_bytes != b.gpu_max_bytes, "gpu-max-bytes");
  check(a.gpu_max_launch_seconds != b.gpu_max_launch_seconds, "gpu-max-launch-seconds");
  check(a.gpu_libcuda != b.gpu_libcuda, "gpu-libcuda");
  check(a.gpu_max_queued_launches != b.gpu_max_queued_launches, "gpu-max-queued-launches");
  check(a.gpu_session_idle_seconds != b.gpu_session_idle_seconds, "gpu-session-idle-seconds");
  return changed;
}

}  // namespace kiln::server
