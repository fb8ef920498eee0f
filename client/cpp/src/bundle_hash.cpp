#include <openssl/sha.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "kiln/client/client.h"

namespace kiln::client {

BundleHash bundleHash(const kiln::v1::Bundle& bundle) {
  // Deterministic serialization orders map entries and unknown fields the
  // same way every time; the server hashes exactly these bytes.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    bundle.SerializeToCodedStream(&out);
  }
  BundleHash hash;
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), hash.data());
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
