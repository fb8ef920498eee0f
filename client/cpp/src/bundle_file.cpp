#include "kiln/client/bundle_file.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "kiln/v1/bundle_hash.h"

namespace kiln::client {
namespace {

void putLE(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t getLE(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[at + i])) << (8 * i);
  return v;
}

std::string sha256(std::string_view bytes) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

}  // namespace

std::string encodeBundleFile(kiln::v1::BundleArchive archive) {
  for (kiln::v1::ExportedFunction& f : *archive.mutable_functions()) f.set_bundle_hash(kiln::v1::bundleHash(f.bundle()));
  std::string payload;
  archive.SerializeToString(&payload);
  std::string out(kBundleFileMagic);
  putLE(&out, kBundleFileVersion, 4);
  putLE(&out, 0, 4);
  putLE(&out, payload.size(), 8);
  out += sha256(payload);
  out += payload;
  return out;
}

absl::StatusOr<kiln::v1::BundleArchive> decodeBundleFile(std::string_view bytes, std::string_view name_sv) {
  const absl::string_view name(name_sv.data(), name_sv.size());  // Debian's absl has its own string_view
  if (bytes.size() < kBundleFileMagic.size() || bytes.substr(0, kBundleFileMagic.size()) != kBundleFileMagic)
    return absl::InvalidArgumentError(
        absl::StrCat(name, " is not a kiln bundle file (no KILNBNDL magic; write one with f.export(path) or "
                           "kilnctl export)"));
  if (bytes.size() < kBundleFileHeaderSize)
    return absl::DataLossError(absl::StrCat(name, " is truncated: ", bytes.size(), " bytes, shorter than its header"));
  const uint64_t version = getLE(bytes, 8, 4);
  if (version != kBundleFileVersion)
    return absl::FailedPreconditionError(absl::StrCat(name, " has format version ", version, "; this client reads version ",
                                                      kBundleFileVersion));
  const uint64_t length = getLE(bytes, 16, 8);
  if (length != bytes.size() - kBundleFileHeaderSize)
    return absl::DataLossError(absl::StrCat(name, " is damaged: its header says ", length, " payload bytes, it holds ",
                                            bytes.size() - kBundleFileHeaderSize));
  std::string_view payload = bytes.substr(kBundleFileHeaderSize);
  if (sha256(payload) != bytes.substr(24, 32))
    return absl::DataLossError(absl::StrCat(name, " is damaged: the payload's SHA-256 does not match its header"));
  kiln::v1::BundleArchive archive;
  if (!archive.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return absl::DataLossError(absl::StrCat(name, " is damaged: its payload is not a kiln.v1.BundleArchive"));
  for (const kiln::v1::ExportedFunction& f : archive.functions()) {
    if (f.name().empty()) return absl::InvalidArgumentError(absl::StrCat(name, " has a function without a name"));
    if (f.bundle().functions_size() == 0)
      return absl::InvalidArgumentError(absl::StrCat(name, ": function '", f.name(), "' has an empty bundle"));
    if (kiln::v1::bundleHash(f.bundle()) != f.bundle_hash())
      return absl::DataLossError(
          absl::StrCat(name, ": the bundle of function '", f.name(), "' does not match its bundle_hash"));
  }
  return archive;
}

absl::StatusOr<kiln::v1::BundleArchive> readBundleFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot read bundle file ", path, ": ", std::strerror(errno)));
  std::string bytes;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return absl::DataLossError(absl::StrCat("reading bundle file ", path, ": ", std::strerror(e)));
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return decodeBundleFile(bytes, path);
}

absl::Status writeBundleFile(const std::string& path, kiln::v1::BundleArchive archive) {
  const std::string bytes = encodeBundleFile(std::move(archive));
  const std::string tmp = absl::StrCat(path, ".tmp-", getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      unlink(tmp.c_str());
      return absl::ResourceExhaustedError(absl::StrCat("writing ", tmp, ": ", std::strerror(e)));
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", path, ": ", std::strerror(e)));
  }
  return absl::OkStatus();
}

}  // namespace kiln::client
