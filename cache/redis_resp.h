#pragma once
// RESP2, the Redis wire protocol (https://redis.io/docs/reference/protocol-spec/):
// commands are arrays of bulk strings; replies are one of
//   +simple\r\n   -error\r\n   :integer\r\n   $len\r\nbytes\r\n   $-1\r\n (nil)
//   *count\r\n<count replies>   *-1\r\n (nil array)
// The parser is incremental (feed bytes as they arrive, take replies as they
// complete) and bounded: a bulk string longer than max_bulk_bytes, an array
// of more than max_array_elements or nested deeper than 8 is a protocol
// error, never an allocation of whatever size the peer claimed.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::cache {

struct RespValue {
  enum class Type { kSimple, kError, kInteger, kBulk, kNil, kArray };
  Type type = Type::kNil;
  std::string str;  // kSimple, kError, kBulk
  int64_t integer = 0;
  std::vector<RespValue> elements;  // kArray

  bool isOk() const { return type == Type::kSimple && str == "OK"; }
};

/// One command as a RESP array of bulk strings.
std::string encodeCommand(const std::vector<std::string_view>& args);

class RespParser {
 public:
  explicit RespParser(size_t max_bulk_bytes = 512u << 20, size_t max_array_elements = 1u << 20)
      : max_bulk_bytes_(max_bulk_bytes), max_array_elements_(max_array_elements) {}

  /// Appends bytes read from the peer.
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  /// The next complete reply; nullopt while more bytes are needed; an
  /// INVALID_ARGUMENT error for bytes that are not RESP (the connection
  /// must then be dropped: its framing is lost).
  absl::StatusOr<std::optional<RespValue>> next();
  /// Bytes fed and not yet consumed.
  size_t buffered() const { return buffer_.size() - start_; }

 private:
  // Parses one reply at *pos; false when incomplete.
  absl::StatusOr<bool> parse(size_t* pos, int depth, RespValue* out) const;
  // The line at `pos` (without CRLF) and the position after it; false when
  // no CRLF has arrived yet.
  absl::StatusOr<bool> line(size_t pos, std::string_view* text, size_t* after) const;

  const size_t max_bulk_bytes_;
  const size_t max_array_elements_;
  std::string buffer_;
  size_t start_ = 0;
};

}  // namespace kiln::cache
