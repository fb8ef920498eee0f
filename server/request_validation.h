#pragma once
// Request validation: every check that must pass before a request's contents
// size an allocation or reach LLVM. Pure functions of the request (no server
// state, no I/O), so that they can be fuzzed directly (fuzz/ targets) and
// unit-tested without a server.
//
//   validateCompileRequestBytes(bytes)  parse + validateCompileRequest: the
//                                       whole entry check, for a fuzzer
//   validateCompileRequest(request)     sizes and counts of every field,
//                                       the target allow-list, the bundle
//   validateBundle(bundle)              every count a code object claims
//                                       against what it holds
//   validateTarget(target, emit)        triple/cpu/feature sizes, then the
//                                       compiler's target allow-list
//   safeText(text, max)                 text made fit for a reply: valid
//                                       UTF-8 (bad bytes as \xNN), capped
//
// Failures are INVALID_ARGUMENT with a message that names the field and
// never echoes more than kMaxEchoBytes of what the client sent.
// convertBundle (bundle_convert.h) adds its own per-field limits; KilnService
// calls validateCompileRequest first, at the entry of Compile.

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kiln/v1/kiln.pb.h"

namespace kiln::server {

/// Limits on the scalar parts of a CompileRequest.
inline constexpr int kMaxArgTypes = 256;
inline constexpr size_t kMaxTypeNameBytes = 4096;
inline constexpr size_t kMaxTargetNameBytes = 64;  // the triple, the cpu, each feature
inline constexpr int kMaxTargetFeatures = 256;
inline constexpr size_t kMaxOptionBytes = 64;      // error_model, each fastmath flag
inline constexpr int kMaxFastmathFlags = 16;
/// co_stacksize: CPython's is at most a few slots per instruction.
inline constexpr int kMaxStackSize = 1 << 20;

/// The most bytes of a status message or diagnostic field sent back, and of
/// a client's value quoted in one. gRPC sends a status message
/// percent-encoded in a trailer (up to 3 bytes per byte) and a peer refuses
/// metadata over 8 KiB, which leaves the client with no message at all.
inline constexpr size_t kMaxMessageBytes = 2048;
/// A Diagnostic travels in the reply's body, not a trailer: a larger cap.
inline constexpr size_t kMaxDiagnosticBytes = 16384;
inline constexpr size_t kMaxEchoBytes = 64;

absl::Status validateCompileRequest(const kiln::v1::CompileRequest& request);
/// Parses `bytes` as a kiln.v1.CompileRequest, then validateCompileRequest.
/// Bytes that are not one are INVALID_ARGUMENT.
absl::Status validateCompileRequestBytes(std::string_view bytes);
absl::Status validateBundle(const kiln::v1::Bundle& bundle);
/// `emit` is the request's kiln.v1.Emit value (PTX has no loadable artifact).
absl::Status validateTarget(const kiln::v1::Target& target, int emit);

/// `text` as valid UTF-8: each byte that is not part of a well-formed UTF-8
/// sequence, and each NUL, becomes "\xNN". Longer than `max_bytes`: cut on a
/// character boundary and ended with "... (N bytes in all)".
/// max_bytes 0: no cap.
std::string safeText(absl::string_view text, size_t max_bytes = kMaxMessageBytes);

/// A client's value for a message: safeText capped at kMaxEchoBytes, quoted.
std::string echo(absl::string_view value);

}  // namespace kiln::server
