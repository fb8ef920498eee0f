#include <algorithm>

#include "kiln/client/client.h"
#include "kiln/v1/bundle_hash.h"

namespace kiln::client {

BundleHash bundleHash(const kiln::v1::Bundle& bundle) {
  const std::string raw = kiln::v1::bundleHash(bundle);  // the one definition, shared with the server
  BundleHash hash;
  std::copy(raw.begin(), raw.end(), hash.begin());
  return hash;
}

std::string hexHash(const BundleHash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t b : hash) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

}  // namespace kiln::client
