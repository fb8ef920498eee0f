#pragma once
// The exported bundle file: what `f.export(path)` and `kilnctl export` write
// and kiln::Module (kiln/module.h) reads. A versioned, checksummed container
// around a kiln.v1.BundleArchive message (proto/kiln/v1/archive.proto):
//
//   offset  size  field
//        0     8  magic "KILNBNDL"
//        8     4  format version, little-endian (1)
//       12     4  reserved, 0
//       16     8  payload length in bytes, little-endian
//       24    32  SHA-256 of the payload
//       56     n  payload: the BundleArchive's protobuf serialization
//
// Reading checks all of it, then every function's bundle against its
// bundle_hash (the bundle's content address, docs/protocol.md): a damaged or
// truncated file is DATA_LOSS, a file of a newer format FAILED_PRECONDITION,
// anything else INVALID_ARGUMENT, each naming the file.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kiln/v1/archive.pb.h"

namespace kiln::client {

inline constexpr std::string_view kBundleFileMagic = "KILNBNDL";
inline constexpr uint32_t kBundleFileVersion = 1;
inline constexpr size_t kBundleFileHeaderSize = 56;

/// The file's bytes. Fills in each function's bundle_hash.
std::string encodeBundleFile(kiln::v1::BundleArchive archive);

/// Parses and checks a file's bytes; `name` labels the messages.
absl::StatusOr<kiln::v1::BundleArchive> decodeBundleFile(std::string_view bytes, std::string_view name = "bundle file");

/// Reads and checks `path`.
absl::StatusOr<kiln::v1::BundleArchive> readBundleFile(const std::string& path);

/// Writes `path` whole or not at all (a temporary file beside it, renamed).
absl::Status writeBundleFile(const std::string& path, kiln::v1::BundleArchive archive);

}  // namespace kiln::client
