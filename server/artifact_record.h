#pragma once
// The stored form of a compiled artifact: the cache payload (inside
// cache/value_format.h's checked envelope) and, on a hit, what the reply is
// copied from. It is read in place, never parsed into a message and rebuilt:
// a hit costs one copy of the shared object, into the reply.
//
//   u32 version (2; 1 is read too: it has no warnings)
//   u32 length + bytes, for: entry_symbol, return_type, text
//   u32 count, then u32 length + bytes per argument type
//   version 2: u32 count, then per warning: u32 kind (compiler::Diagnostic::
//     Kind), u32 length + bytes for the message and the filename, u32 line,
//     u32 length + bytes for the function
//   the shared object: every byte after that, up to the end
//
// Integers are little-endian. decode checks every length against the end.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/driver/compile.h"

namespace kiln::server {

inline constexpr uint32_t kArtifactRecordVersion = 2;

/// Views into one record; valid while the record's bytes are.
struct ArtifactView {
  struct Warning {
    compiler::Diagnostic::Kind kind;
    absl::string_view message, filename, function;
    int line = 0;
  };
  absl::string_view entry_symbol, return_type, text, shared_object;
  std::vector<absl::string_view> arg_types;
  std::vector<Warning> warnings;
};

/// The record of a compile result (one copy of each field).
std::string encodeArtifact(const compiler::CompileResult& result);
/// Reads a record in place. DATA_LOSS naming the first bad field.
absl::StatusOr<ArtifactView> decodeArtifact(absl::string_view record);

}  // namespace kiln::server
