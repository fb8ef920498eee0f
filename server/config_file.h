#pragma once
// kilnd's config file (kilnd --config FILE): a TOML subset, one setting per
// line, keyed by the flags' own names (docs/operations.md, "Configuration
// file"):
//
//   # a comment
//   listen = "0.0.0.0:7070"      # double-quoted string (\" and \\ escapes)
//   cache-max-bytes = 20G        # or a bare word: number, size, true/false
//   tls_cert = /etc/kiln/tls.pem # dashes and underscores are the same
//
// Each key names a kilnd flag; a flag given on the command line overrides
// the file. Unknown keys, a key given twice, sections ("[x]") and malformed
// lines are errors that name FILE:LINE. What SIGHUP reloads is listed on
// each field of server/config.h.

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "server/config.h"

namespace kiln::server {

struct ConfigEntry {
  std::string key;    // as written, dashes turned into underscores
  std::string value;  // unquoted
  int line = 0;       // 1-based
};

/// The entries of a config file's text; `path` only names it in errors
/// ("PATH:LINE: message").
absl::StatusOr<std::vector<ConfigEntry>> parseConfigText(absl::string_view text, absl::string_view path);
/// parseConfigText of the file at `path`.
absl::StatusOr<std::vector<ConfigEntry>> readConfigFile(const std::string& path);

/// The fields of `next` that differ from `running` but only take effect on a
/// restart (named as their flags), for SIGHUP's warning.
std::vector<std::string> restartOnlyChanges(const Config& running, const Config& next);

}  // namespace kiln::server
