#pragma once
// The seal of a compiled artifact, defined once for clients and servers: a
// digest binding the loadable bytes to the request they answer, and an
// optional Ed25519 signature of that digest by the server's key
// (docs/security-config.md).
//
//   request digest = SHA-256 of the request's deterministic protobuf
//     serialization without its bundle (bundle_hash, arg_types, target,
//     options, emit, return_type: everything the client asked for)
//   digest = SHA-256 of, in order, each as a u64 little-endian length then
//     its bytes: "kiln.v1.Artifact.digest", the request digest, cache_key,
//     entry_symbol, return_type, the number of arg_types (as 8 bytes) and
//     each arg_type, shared_object.
//   signature = Ed25519(server private key, digest)
//
// A client checks the seal before it loads anything: the digest against the
// bytes received and the request it sent (so an artifact for another
// function, other types, another target or other options is refused, even a
// genuine signed one replayed), the signature against the public key it was
// configured with.

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "kiln/v1/kiln.pb.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace kiln::v1 {

/// SHA-256 of `request` without its bundle, deterministically serialized.
std::string requestDigest(const CompileRequest& request);

/// The digest of an artifact that answers `request` (32 raw bytes).
std::string artifactDigest(const CompileRequest& request, const Artifact& artifact);

/// An Ed25519 private key: the server's.
class SigningKey {
 public:
  /// Reads the PEM private key at `path`, or creates one there (mode 0600,
  /// atomically: two servers starting at once end up with the same key) when
  /// there is none. An existing file must be Ed25519 and not readable by
  /// group or others. Also writes the public key to `path`.pub (0600):
  /// for a new key, or an existing one whose .pub is missing or differs
  /// (best effort then: the key's folder may be read-only).
  static absl::StatusOr<SigningKey> loadOrCreate(const std::string& path);
  /// Reads a PEM private key (tests).
  static absl::StatusOr<SigningKey> fromPem(std::string_view pem);

  /// The 64-byte Ed25519 signature of `message`.
  std::string sign(std::string_view message) const;
  /// The public key, PEM ("-----BEGIN PUBLIC KEY-----").
  std::string publicKeyPem() const;

 private:
  explicit SigningKey(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}
  std::shared_ptr<evp_pkey_st> key_;
};

/// An Ed25519 public key: what a client trusts.
class VerifyKey {
 public:
  /// A PEM public key (as `openssl pkey -pubout` writes it).
  static absl::StatusOr<VerifyKey> fromPem(std::string_view pem);
  /// `spec` is the PEM itself (it starts with "-----BEGIN") or the path of a
  /// file holding it. `what` names the setting in errors ("KILN_SERVER_KEY").
  static absl::StatusOr<VerifyKey> fromPemOrFile(const std::string& spec, const std::string& what);

  bool verify(std::string_view message, std::string_view signature) const;

 private:
  explicit VerifyKey(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}
  std::shared_ptr<evp_pkey_st> key_;
};

/// The client's check of the artifact a compile reply gave for `request`:
/// the digest must match; with `key`, the signature must verify.
/// PERMISSION_DENIED (signature) or DATA_LOSS (digest) with a message that
/// says what failed.
absl::Status checkArtifactSeal(const CompileRequest& request, const Artifact& artifact, const VerifyKey* key);

}  // namespace kiln::v1
