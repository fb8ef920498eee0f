#include "cache/value_format.h"

#include <xxhash.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/little_endian.h"

namespace kiln::cache {
namespace {

constexpr char kMagic[4] = {'K', 'I', 'L', 'N'};

using base::getLe64;
using base::putLe64;

}  // namespace

std::string encodeValue(Kind kind, const CacheKey& key, std::string_view payload) {
  std::string out;
  out.reserve(kValueOverhead + payload.size());
  out.append(kMagic, sizeof kMagic);
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(kind));
  out.append(key.raw());
  putLe64(out, payload.size());
  out.append(payload);
  putLe64(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

absl::StatusOr<std::string_view> decodeValue(Kind kind, const CacheKey& key, std::string_view value) {
  if (value.size() < kValueOverhead)
    return absl::DataLossError(absl::StrCat("value is ", value.size(), " bytes, shorter than its header"));
  const char* p = value.data();
  if (std::memcmp(p, kMagic, sizeof kMagic) != 0) return absl::DataLossError("bad magic, expected \"KILN\"");
  if (static_cast<uint8_t>(p[4]) != kFormatVersion)
    return absl::DataLossError(absl::StrCat("format version ", static_cast<int>(static_cast<uint8_t>(p[4])),
                                            ", expected ", kFormatVersion));
  if (static_cast<uint8_t>(p[5]) != static_cast<uint8_t>(kind))
    return absl::DataLossError(absl::StrCat("kind ", static_cast<int>(static_cast<uint8_t>(p[5])), ", expected ",
                                            static_cast<int>(kind)));
  if (value.substr(6, 32) != key.raw()) return absl::DataLossError("key echo does not match the key");
  const uint64_t length = getLe64(p + 38);
  if (length != value.size() - kValueOverhead)
    return absl::DataLossError(
        absl::StrCat("payload length ", length, ", but the value holds ", value.size() - kValueOverhead));
  const size_t checked = kValueHeaderSize + length;
  if (XXH3_64bits(p, checked) != getLe64(p + checked)) return absl::DataLossError("checksum mismatch");
  return value.substr(kValueHeaderSize, length);
}

}  // namespace kiln::cache
