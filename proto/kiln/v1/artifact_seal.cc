#include "kiln/v1/artifact_seal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace kiln::v1 {
namespace {

constexpr std::string_view kDigestDomain = "kiln.v1.Artifact.digest";
constexpr size_t kEd25519SignatureSize = 64;

std::shared_ptr<evp_pkey_st> own(EVP_PKEY* key) { return std::shared_ptr<evp_pkey_st>(key, EVP_PKEY_free); }

std::string opensslError() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void addInt(uint64_t v) {
    unsigned char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(v >> (8 * i));
    EVP_DigestUpdate(ctx_, le, sizeof le);
  }
  void add(std::string_view field) {
    addInt(field.size());
    addRaw(field);
  }
  void addRaw(std::string_view bytes) { EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()); }
  std::string finish() {
    std::string out(32, '\0');
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(out.data()), &n);
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

absl::StatusOr<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `data` to a new file `path` with mode 0600 via a temporary and
// link(2) (fails with EEXIST when `path` exists) or rename(2) (replaces).
absl::Status writePrivateFile(const std::string& path, std::string_view data, bool replace) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  unlink(tmp.c_str());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat("cannot create ", tmp, ": ", std::strerror(errno)));
  fchmod(fd, 0600);  // whatever the umask
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      unlink(tmp.c_str());
      return absl::InternalError(absl::StrCat("writing ", tmp, ": ", std::strerror(e)));
    }
    done += static_cast<size_t>(n);
  }
  fsync(fd);
  close(fd);
  const int rc = replace ? rename(tmp.c_str(), path.c_str()) : link(tmp.c_str(), path.c_str());
  const int e = errno;
  unlink(tmp.c_str());
  if (rc != 0) {
    if (e == EEXIST) return absl::AlreadyExistsError(path);
    return absl::PermissionDeniedError(absl::StrCat("cannot create ", path, ": ", std::strerror(e)));
  }
  return absl::OkStatus();
}

std::string pemOf(EVP_PKEY* key, bool is_private) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (is_private)
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  else
    PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

}  // namespace

std::string requestDigest(const CompileRequest& request) {
  // Every field but the bundle, which is large and already named by
  // bundle_hash (tests/unit/server/trust_test.cpp fails when a field is added
  // to CompileRequest and not here).
  CompileRequest r;
  r.set_bundle_hash(request.bundle_hash());
  *r.mutable_arg_types() = request.arg_types();
  if (request.has_target()) *r.mutable_target() = request.target();
  if (request.has_options()) *r.mutable_options() = request.options();
  r.set_emit(request.emit());
  r.set_return_type(request.return_type());
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    r.SerializeToCodedStream(&out);
  }
  Sha256 h;
  h.addRaw(bytes);
  return h.finish();
}

std::string artifactDigest(const CompileRequest& request, const Artifact& a) {
  Sha256 h;
  h.add(kDigestDomain);
  h.add(requestDigest(request));
  h.add(a.cache_key());
  h.add(a.entry_symbol());
  h.add(a.return_type());
  h.addInt(static_cast<uint64_t>(a.arg_types_size()));
  for (const std::string& t : a.arg_types()) h.add(t);
  h.add(a.shared_object());
  return h.finish();
}

absl::StatusOr<SigningKey> SigningKey::fromPem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return absl::InvalidArgumentError(absl::StrCat("not a PEM private key: ", opensslError()));
  if (EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError("the signing key is not an Ed25519 key");
  }
  return SigningKey(own(key));
}

absl::StatusOr<SigningKey> SigningKey::loadOrCreate(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return absl::PermissionDeniedError(absl::StrCat("signing key ", path, ": ", std::strerror(errno)));
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
    EVP_PKEY* key = nullptr;
    const bool made = ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &key) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!made) return absl::InternalError(absl::StrCat("generating an Ed25519 key: ", opensslError()));
    std::shared_ptr<evp_pkey_st> owned = own(key);
    absl::Status s = writePrivateFile(path, pemOf(key, /*is_private=*/true), /*replace=*/false);
    if (s.ok()) {
      SigningKey made_key(std::move(owned));
      if (absl::Status p = writePrivateFile(path + ".pub", made_key.publicKeyPem(), true); !p.ok()) return p;
      return made_key;
    }
    if (!absl::IsAlreadyExists(s)) return s;
    // Another server created it first: use theirs.
    if (stat(path.c_str(), &st) != 0)
      return absl::PermissionDeniedError(absl::StrCat("signing key ", path, ": ", std::strerror(errno)));
  }
  if ((st.st_mode & 077) != 0)
    return absl::PermissionDeniedError(absl::StrCat("signing key ", path, " is accessible by group or others (mode ",
                                                    absl::Hex(st.st_mode & 0777), " hex); chmod 600 it"));
  absl::StatusOr<std::string> pem = readFile(path);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<SigningKey> key = fromPem(*pem);
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat("signing key ", path, ": ", key.status().message()));
  // Best effort for a key that exists: it may live in a folder kilnd cannot
  // write (an operator's /etc/kiln), and `openssl pkey -pubout` gives the same.
  const std::string pub = key->publicKeyPem();
  if (absl::StatusOr<std::string> old = readFile(path + ".pub"); !old.ok() || *old != pub)
    (void)writePrivateFile(path + ".pub", pub, true);
  return key;
}

std::string SigningKey::sign(std::string_view message) const {
  std::string sig(kEd25519SignatureSize, '\0');
  size_t n = sig.size();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
                  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &n,
                                 reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return std::string();  // never for a valid Ed25519 key; an empty signature fails every check
  sig.resize(n);
  return sig;
}

std::string SigningKey::publicKeyPem() const { return pemOf(key_.get(), /*is_private=*/false); }

absl::StatusOr<VerifyKey> VerifyKey::fromPem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return absl::InvalidArgumentError(absl::StrCat("not a PEM public key: ", opensslError()));
  if (EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError("not an Ed25519 public key");
  }
  return VerifyKey(own(key));
}

absl::StatusOr<VerifyKey> VerifyKey::fromPemOrFile(const std::string& spec, const std::string& what) {
  std::string pem = spec;
  if (spec.rfind("-----BEGIN", 0) != 0) {
    absl::StatusOr<std::string> text = readFile(spec);
    if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", text.status().message()));
    pem = *std::move(text);
  }
  absl::StatusOr<VerifyKey> key = fromPem(pem);
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", key.status().message()));
  return key;
}

bool VerifyKey::verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kEd25519SignatureSize) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                   reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

absl::Status checkArtifactSeal(const CompileRequest& request, const Artifact& artifact, const VerifyKey* key) {
  const std::string digest = artifactDigest(request, artifact);
  if (artifact.digest().empty())
    return absl::DataLossError("the artifact carries no digest (a server older than the client, or not a kilnd)");
  if (artifact.digest().size() != digest.size() ||
      CRYPTO_memcmp(artifact.digest().data(), digest.data(), digest.size()) != 0)
    return absl::DataLossError(
        "the artifact fails its digest check: its bytes, types or key are not what the server sealed, or it "
        "answers another request (another function, types, target or options)");
  if (key == nullptr) return absl::OkStatus();
  if (artifact.signature().empty())
    return absl::PermissionDeniedError(
        "the artifact is unsigned, but a server key is configured (KILN_SERVER_KEY): is this the server whose key "
        "you trust, and does it run with --signing-key?");
  if (!key->verify(digest, artifact.signature()))
    return absl::PermissionDeniedError("the artifact's signature does not verify with the configured server key");
  return absl::OkStatus();
}

}  // namespace kiln::v1
