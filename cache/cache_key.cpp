#include "cache/cache_key.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace kiln::cache {

std::string CacheKey::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::optional<CacheKey> CacheKey::fromRaw(std::string_view raw) {
  CacheKey key;
  if (raw.size() != key.bytes.size()) return std::nullopt;
  for (size_t i = 0; i < raw.size(); ++i) key.bytes[i] = static_cast<uint8_t>(raw[i]);
  return key;
}

struct KeyHasher::EvpCtx {
  EVP_MD_CTX* md;
};

KeyHasher::KeyHasher() : ctx_(new EvpCtx{EVP_MD_CTX_new()}) {
  // EVP can only fail here on allocation failure or a broken libcrypto; there
  // is no meaningful way to go on without a hash.
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1) std::abort();
}

KeyHasher::~KeyHasher() {
  EVP_MD_CTX_free(ctx_->md);
  delete ctx_;
}

void KeyHasher::update(const void* data, size_t size) {
  if (EVP_DigestUpdate(ctx_->md, data, size) != 1) std::abort();
}

KeyHasher& KeyHasher::addInt(int64_t value) {
  uint8_t le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * i));
  update(le, sizeof le);
  return *this;
}

KeyHasher& KeyHasher::add(std::string_view field) {
  addInt(static_cast<int64_t>(field.size()));
  update(field.data(), field.size());
  return *this;
}

KeyHasher& KeyHasher::addList(const std::vector<std::string>& items) {
  addInt(static_cast<int64_t>(items.size()));
  for (const std::string& item : items) add(item);
  return *this;
}

CacheKey KeyHasher::finish() {
  CacheKey key;
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx_->md, key.bytes.data(), &size) != 1 || size != key.bytes.size()) std::abort();
  return key;
}

CacheKey sha256(std::string_view data) {
  CacheKey key;
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), key.bytes.data(), &size, EVP_sha256(), nullptr) != 1) std::abort();
  return key;
}

CacheKey artifactKey(const ArtifactKeyInput& in) {
  KeyHasher h;
  h.add(kArtifactKeyDomain)
      .add(in.bundle_hash)
      .addList(in.arg_types)
      .add(in.return_type)
      .add(in.triple)
      .add(in.cpu)
      .addList(in.features)
      .addInt(in.opt_level)
      .addInt(in.fastmath)
      .addList(in.fastmath_flags)
      .addInt(in.boundscheck)
      .add(in.error_model)
      .add(in.emit)
      .add(in.compiler_build_id);
  return h.finish();
}

}  // namespace kiln::cache
