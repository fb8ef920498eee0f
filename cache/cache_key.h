#pragma once
// Cache keys. A CacheKey is a SHA-256 digest. The artifact key hashes
// everything that decides a compiler's output, each field length-prefixed so
// that no two different inputs can produce the same byte stream, behind a
// domain tag that is bumped whenever the set or order of fields changes.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::cache {

struct CacheKey {
  std::array<uint8_t, 32> bytes{};

  /// The 32 raw bytes.
  std::string_view raw() const { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
  /// 64 lower-case hex digits.
  std::string hex() const;
  /// A key from 32 raw bytes; nullopt for any other length.
  static std::optional<CacheKey> fromRaw(std::string_view raw);

  friend bool operator==(const CacheKey&, const CacheKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const CacheKey& key) {
    return H::combine(std::move(h), key.raw());
  }
};

/// SHA-256 of `data`.
CacheKey sha256(std::string_view data);

/// Incremental SHA-256 over length-prefixed fields (OpenSSL EVP).
class KeyHasher {
 public:
  KeyHasher();
  ~KeyHasher();
  KeyHasher(const KeyHasher&) = delete;
  KeyHasher& operator=(const KeyHasher&) = delete;

  /// Adds a string field: its length as 8 bytes little-endian, then its bytes.
  KeyHasher& add(std::string_view field);
  /// Adds an integer field as 8 bytes little-endian.
  KeyHasher& addInt(int64_t value);
  /// Adds a list: its element count, then each element as a string field.
  KeyHasher& addList(const std::vector<std::string>& items);
  CacheKey finish();

 private:
  void update(const void* data, size_t size);
  struct EvpCtx;
  EvpCtx* ctx_;
};

/// Everything that decides a compiled artifact, as plain values (the cache
/// knows nothing of the compiler's types; server/ fills this in).
struct ArtifactKeyInput {
  std::string bundle_hash;  // 32 raw bytes
  std::vector<std::string> arg_types;
  std::string return_type;  // declared; empty when inferred
  std::string triple, cpu;
  std::vector<std::string> features;
  int64_t opt_level = 0;
  bool fastmath = false, boundscheck = false;
  std::vector<std::string> fastmath_flags;  // canonical: sorted, unique
  std::string error_model;
  std::string emit;  // a stable name ("binary", "llvm", ...), not an enum value
  std::string compiler_build_id;
};

inline constexpr std::string_view kArtifactKeyDomain = "kiln-artifact-v1";

/// SHA-256 over kArtifactKeyDomain and every field of `input`, in order.
CacheKey artifactKey(const ArtifactKeyInput& input);

}  // namespace kiln::cache
