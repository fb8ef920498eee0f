#include "arg_spec.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kiln::gpu {

namespace {

// Deep or long tokens are a bad request, not a stack to exhaust.
constexpr int kMaxDepth = 32;
constexpr size_t kMaxItems = 1024;

struct Node {
  char kind = 0;  // '(' for a tuple, else the scalar's letter
  uint32_t size = 0;
  std::vector<Node> items;
};

absl::Status bad(std::string_view token, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("parameter spec '", std::string(token.substr(0, 200)), "': ", std::string(why)));
}

absl::Status parse(std::string_view token, size_t& pos, int depth, size_t& count, Node& out) {
  if (pos >= token.size()) return bad(token, "ends early");
  if (++count > kMaxItems) return bad(token, "too many items");
  const char c = token[pos];
  if (c == '(') {
    if (depth >= kMaxDepth) return bad(token, "tuples nested too deeply");
    out.kind = '(';
    ++pos;
    while (pos < token.size() && token[pos] != ')') {
      Node item;
      if (absl::Status s = parse(token, pos, depth + 1, count, item); !s.ok()) return s;
      out.items.push_back(std::move(item));
    }
    if (pos >= token.size()) return bad(token, "a '(' without its ')'");
    ++pos;
    return absl::OkStatus();
  }
  // A letter and its size in bytes.
  size_t end = pos + 1;
  while (end < token.size() && token[end] >= '0' && token[end] <= '9') ++end;
  const std::string_view digits = token.substr(pos + 1, end - pos - 1);
  const int size = digits.size() == 1 ? digits[0] - '0' : digits == "16" ? 16 : -1;
  const bool ok = (c == 'b' && size == 1) || ((c == 'i' || c == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                  (c == 'f' && (size == 2 || size == 4 || size == 8)) || (c == 'c' && (size == 8 || size == 16)) ||
                  (c == 'M' && size == 8);
  if (!ok) return bad(token, absl::StrCat("'", std::string(token.substr(pos, end - pos)), "' is not a scalar or tuple token"));
  out.kind = c;
  out.size = static_cast<uint32_t>(size);
  pos = end;
  return absl::OkStatus();
}

uint32_t alignUp(uint32_t n, uint32_t a) { return (n + a - 1) / a * a; }

// The host data model's (size, alignment) of a node: natural alignment, a
// complex that of its parts, a tuple a struct of its items.
void hostLayout(const Node& n, uint32_t& size, uint32_t& align) {
  if (n.kind != '(') {
    size = n.size;
    align = n.kind == 'c' ? n.size / 2 : n.size;
    return;
  }
  uint32_t offset = 0;
  align = 1;
  for (const Node& item : n.items) {
    uint32_t s = 0, a = 1;
    hostLayout(item, s, a);
    offset = alignUp(offset, a) + s;
    align = std::max(align, a);
  }
  size = alignUp(offset, align);
}

void flatten(const Node& n, uint32_t host_base, ScalarSpec& out) {
  if (n.kind != '(') {
    out.items.push_back(SpecItem{n.kind, n.size, out.flat_bytes, host_base});
    out.flat_bytes += n.size;
    return;
  }
  uint32_t offset = 0;
  for (const Node& item : n.items) {
    uint32_t s = 0, a = 1;
    hostLayout(item, s, a);
    offset = alignUp(offset, a);
    flatten(item, host_base + offset, out);
    offset += s;
  }
}

}  // namespace

absl::StatusOr<ScalarSpec> scalarSpec(std::string_view token) {
  Node root;
  size_t pos = 0, count = 0;
  if (token.empty() || token[0] == 'A') return bad(token, "not a scalar or tuple");
  if (absl::Status s = parse(token, pos, 0, count, root); !s.ok()) return s;
  if (pos != token.size()) return bad(token, "more than one argument");
  ScalarSpec spec;
  hostLayout(root, spec.host_bytes, spec.host_align);
  flatten(root, 0, spec);
  return spec;
}

std::string hostBytes(const ScalarSpec& spec, std::string_view flat) {
  std::string out(spec.host_bytes, '\0');
  for (const SpecItem& item : spec.items)
    if (item.flat_offset + item.size <= flat.size())
      std::memcpy(out.data() + item.host_offset, flat.data() + item.flat_offset, item.size);
  return out;
}

}  // namespace kiln::gpu
