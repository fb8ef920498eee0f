// Fuzz target: the cache value reader (cache/value_format.cpp), which reads
// whatever bytes RocksDB hands back, so a damaged or hostile value on disk
// reaches it. Properties: decodeValue never crashes, and when it accepts a
// value, re-encoding the payload gives back exactly the bytes read; the
// encoder's output always decodes to its payload, and never under another
// kind or key.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cache/cache_key.h"
#include "cache/value_format.h"
#include "tests/fuzz/fuzz_check.h"

using kiln::cache::CacheKey;
using kiln::cache::Kind;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The key a value claims to be stored under is the one it echoes, when it
  // is long enough to hold one; the reader must also refuse it under another.
  CacheKey key;
  if (size >= 6 + 32) {
    for (size_t i = 0; i < 32; ++i) key.bytes[i] = data[6 + i];
  }
  CacheKey other = key;
  other.bytes[0] ^= 0x5a;
  for (Kind kind : {Kind::kArtifact, Kind::kBundle}) {
    auto payload = kiln::cache::decodeValue(kind, key, bytes);
    if (payload.ok()) {
      FUZZ_CHECK(kiln::cache::encodeValue(kind, key, *payload) == bytes, "an accepted value does not re-encode");
      FUZZ_CHECK(!kiln::cache::decodeValue(kind, other, bytes).ok(), "a value accepted under another key");
    } else {
      FUZZ_CHECK(payload.status().code() == absl::StatusCode::kDataLoss,
                 "a rejected value is not DATA_LOSS: " + payload.status().ToString());
    }
  }
  // The input as a payload: encode, decode.
  std::string value = kiln::cache::encodeValue(Kind::kBundle, key, bytes);
  auto back = kiln::cache::decodeValue(Kind::kBundle, key, value);
  FUZZ_CHECK(back.ok() && *back == bytes, "an encoded value does not decode to its payload");
  FUZZ_CHECK(!kiln::cache::decodeValue(Kind::kArtifact, key, value).ok(), "a value accepted as another kind");
  return 0;
}
