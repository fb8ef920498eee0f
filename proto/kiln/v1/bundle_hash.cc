#include "kiln/v1/bundle_hash.h"

#include <openssl/sha.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace kiln::v1 {

std::string deterministicBytes(const Bundle& bundle) {
  // Deterministic mode fixes the order of map entries and unknown fields,
  // so a client and a server built apart agree byte for byte.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    bundle.SerializeToCodedStream(&out);
  }
  return bytes;
}

std::string bundleHash(const Bundle& bundle) {
  const std::string bytes = deterministicBytes(bundle);
  std::string hash(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         reinterpret_cast<unsigned char*>(hash.data()));
  return hash;
}

}  // namespace kiln::v1
