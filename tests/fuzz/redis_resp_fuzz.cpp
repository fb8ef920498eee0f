// Fuzz target: the RESP parser (cache/redis_resp.cpp), which reads whatever
// a Redis server — or anything listening where one should be — sends back.
// Properties: it never crashes or allocates what a length field claims
// beyond its bounds, and feeding the bytes at once or split at any point
// gives the same replies and the same verdict.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cache/redis_resp.h"
#include "tests/fuzz/fuzz_check.h"

using kiln::cache::RespParser;
using kiln::cache::RespValue;

namespace {

// Every reply the parser gives, flattened to text, then "ERR" or "MORE".
std::string drain(RespParser& p) {
  std::string out;
  for (;;) {
    auto r = p.next();
    if (!r.ok()) return out + "|ERR";
    if (!r->has_value()) return out + "|MORE";
    std::vector<const RespValue*> stack = {&**r};
    while (!stack.empty()) {
      const RespValue* v = stack.back();
      stack.pop_back();
      out += std::to_string(static_cast<int>(v->type)) + ":" + std::to_string(v->str.size()) + ":" + v->str + ":" +
             std::to_string(v->integer) + ";";
      for (auto it = v->elements.rbegin(); it != v->elements.rend(); ++it) stack.push_back(&*it);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  RespParser whole(/*max_bulk_bytes=*/1 << 16, /*max_array_elements=*/1 << 10);
  whole.feed(bytes);
  const std::string once = drain(whole);
  const size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  RespParser split(1 << 16, 1 << 10);
  split.feed(bytes.substr(0, cut));
  std::string first = drain(split);
  if (first.size() >= 4 && first.compare(first.size() - 4, 4, "|ERR") == 0) {
    // Refused on a prefix: only complete lines are judged, so the whole
    // input is refused at the same reply.
    FUZZ_CHECK(once == first, "a prefix refused, the whole input not");
    return 0;
  }
  first.resize(first.size() - 5);  // "|MORE"
  split.feed(bytes.substr(cut));
  const std::string twice = first + drain(split);
  FUZZ_CHECK(once == twice, "split input parsed differently");
  return 0;
}
