#pragma once
// Fixed-width little-endian integers in byte strings: the one encoding of
// the cache's value header and its eviction index.

#include <cstdint>
#include <string>

namespace kiln::base {

inline void putLe64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

inline uint64_t getLe64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace kiln::base
