#include "cache/redis_resp.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kiln::cache {
namespace {

constexpr int kMaxDepth = 8;
// No Redis reply line (type byte, an integer, an error message) comes near this.
constexpr size_t kMaxLine = 64 << 10;

// Debian's Abseil has its own string_view.
absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

std::string encodeCommand(const std::vector<std::string_view>& args) {
  std::string out = absl::StrCat("*", args.size(), "\r\n");
  for (std::string_view a : args) absl::StrAppend(&out, "$", a.size(), "\r\n", av(a), "\r\n");
  return out;
}

absl::StatusOr<bool> RespParser::line(size_t pos, std::string_view* text, size_t* after) const {
  const size_t cr = buffer_.find("\r\n", pos);
  // Judged the same whether the CRLF (or its LF) has arrived or not.
  size_t length = cr != std::string::npos ? cr - pos : buffer_.size() - pos;
  if (cr == std::string::npos && length > 0 && buffer_.back() == '\r') --length;
  if (length > kMaxLine)
    return absl::InvalidArgumentError("RESP line longer than 64 KiB");
  if (cr == std::string::npos) return false;
  *text = std::string_view(buffer_).substr(pos, cr - pos);
  *after = cr + 2;
  return true;
}

absl::StatusOr<bool> RespParser::parse(size_t* pos, int depth, RespValue* out) const {
  if (depth > kMaxDepth) return absl::InvalidArgumentError("RESP arrays nested too deep");
  std::string_view text;
  size_t after = 0;
  absl::StatusOr<bool> have = line(*pos, &text, &after);
  if (!have.ok() || !*have) return have;
  if (text.empty()) return absl::InvalidArgumentError("empty RESP line");
  const char type = text[0];
  const std::string_view body = text.substr(1);
  switch (type) {
    case '+':
    case '-':
      out->type = type == '+' ? RespValue::Type::kSimple : RespValue::Type::kError;
      out->str = std::string(body);
      *pos = after;
      return true;
    case ':':
      out->type = RespValue::Type::kInteger;
      if (!absl::SimpleAtoi(av(body), &out->integer)) return absl::InvalidArgumentError("malformed RESP integer");
      *pos = after;
      return true;
    case '$': {
      int64_t n = 0;
      if (!absl::SimpleAtoi(av(body), &n) || n < -1) return absl::InvalidArgumentError("malformed RESP bulk length");
      if (n == -1) {
        out->type = RespValue::Type::kNil;
        *pos = after;
        return true;
      }
      if (static_cast<uint64_t>(n) > max_bulk_bytes_)
        return absl::InvalidArgumentError(
            absl::StrCat("RESP bulk string of ", n, " bytes is over the limit of ", max_bulk_bytes_));
      const size_t len = static_cast<size_t>(n);
      if (buffer_.size() - after < len + 2) return false;
      if (buffer_[after + len] != '\r' || buffer_[after + len + 1] != '\n')
        return absl::InvalidArgumentError("RESP bulk string not followed by CRLF");
      out->type = RespValue::Type::kBulk;
      out->str.assign(buffer_, after, len);
      *pos = after + len + 2;
      return true;
    }
    case '*': {
      int64_t n = 0;
      if (!absl::SimpleAtoi(av(body), &n) || n < -1) return absl::InvalidArgumentError("malformed RESP array length");
      if (n == -1) {
        out->type = RespValue::Type::kNil;
        *pos = after;
        return true;
      }
      if (static_cast<uint64_t>(n) > max_array_elements_)
        return absl::InvalidArgumentError(absl::StrCat("RESP array of ", n, " elements is over the limit"));
      out->type = RespValue::Type::kArray;
      out->elements.clear();
      size_t p = after;
      for (int64_t i = 0; i < n; ++i) {
        RespValue element;
        absl::StatusOr<bool> done = parse(&p, depth + 1, &element);
        if (!done.ok() || !*done) return done;
        out->elements.push_back(std::move(element));
      }
      *pos = p;
      return true;
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown RESP type byte 0x", absl::Hex(static_cast<uint8_t>(type))));
  }
}

absl::StatusOr<std::optional<RespValue>> RespParser::next() {
  RespValue value;
  size_t pos = start_;
  absl::StatusOr<bool> done = parse(&pos, 0, &value);
  if (!done.ok()) return done.status();
  if (!*done) return std::nullopt;
  start_ = pos;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > (1u << 16) && start_ > buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  return std::optional<RespValue>(std::move(value));
}

}  // namespace kiln::cache
