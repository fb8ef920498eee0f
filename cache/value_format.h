#pragma once
// The on-disk form of every cache value. Self-describing, so that a value
// can be checked on its own and a format change is detected, not misread:
//
//   offset  size  field
//   0       4     magic "KILN"
//   4       1     format version (kFormatVersion)
//   5       1     kind (Kind)
//   6       32    key echo: the CacheKey the value was stored under
//   38      8     payload length, little-endian
//   46      n     payload
//   46+n    8     XXH3-64 of bytes [0, 46+n), little-endian
//
// decodeValue checks every field; any mismatch is an error, never a payload.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cache/cache_key.h"

namespace kiln::cache {

enum class Kind : uint8_t {
  kArtifact = 1,  // a compile result, keyed by artifactKey()
  kBundle = 2,    // a serialized bundle, keyed by its hash
};

inline constexpr uint8_t kFormatVersion = 1;
inline constexpr size_t kValueHeaderSize = 4 + 1 + 1 + 32 + 8;
inline constexpr size_t kValueOverhead = kValueHeaderSize + 8;

std::string encodeValue(Kind kind, const CacheKey& key, std::string_view payload);

/// The payload of `value`, or DATA_LOSS saying which check failed.
absl::StatusOr<std::string_view> decodeValue(Kind kind, const CacheKey& key, std::string_view value);

}  // namespace kiln::cache
