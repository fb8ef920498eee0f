#pragma once
// The wire form of requests (kiln.v1) to the compiler's plain structs, with
// every check that keeps a bad request from reaching the compiler: supported
// Python version, indices in range, bounded sizes and nesting. Anything that
// fails is INVALID_ARGUMENT with a message saying what and where.
//
// The bundle hash is the SHA-256 of the bundle's deterministic protobuf
// serialization; the server recomputes it for every uploaded bundle.

#include <string>

#include "absl/status/statusor.h"
#include "compiler/bundle.h"
#include "compiler/diagnostic.h"
#include "compiler/driver/compile.h"
#include "kiln/v1/kiln.pb.h"

namespace kiln::server {

/// Limits on what one bundle may hold.
inline constexpr int kMaxFunctions = 4096;
inline constexpr int kMaxIntrinsics = 1024;          // intrinsic: Bundle.intrinsics
inline constexpr size_t kMaxIntrinsicIrBytes = 1 << 16;  // one intrinsic's LLVM IR text
inline constexpr int kMaxIntrinsicArgs = 64;
inline constexpr size_t kMaxCodeBytes = 1 << 20;    // co_code, co_exceptiontable
inline constexpr size_t kMaxStringBytes = 1 << 20;  // any one string or bytes constant
inline constexpr int kMaxListItems = 1 << 16;       // consts, names, globals, ...
// co_lines: CPython 3.11+ writes about one range per instruction, so a
// 10,000-line function has ~100,000; at most one per code unit of co_code.
inline constexpr int kMaxLineRanges = kMaxCodeBytes / 2;
inline constexpr int kMaxConstantDepth = 32;        // nested tuples
inline constexpr size_t kMaxArrayConstantBytes = 1 << 22;  // arrays: one frozen NumPy array
inline constexpr int kMaxLocalTypes = 1 << 12;      // locals: declared variables of one function
inline constexpr size_t kMaxLocalTypeText = 256;     // locals: a name or a type spelling
inline constexpr int kMaxDeclaredSignatures = 256;  // eagersig: a @jit callee's explicit signatures
inline constexpr size_t kMaxSignatureTypeText = 4096;  // eagersig: one argument or return type's spelling

// The bundle hash is defined once, in proto/kiln/v1/bundle_hash.h.

/// Validates and converts a bundle.
absl::StatusOr<compiler::Bundle> convertBundle(const kiln::v1::Bundle& bundle);

compiler::Target convertTarget(const kiln::v1::Target& target);
/// Options; opt_level 0 (unset) means the default, 3. INVALID_ARGUMENT for
/// opt_level outside 0..3 or an unknown error_model.
absl::StatusOr<compiler::Options> convertOptions(const kiln::v1::Options& options);
/// INVALID_ARGUMENT for an emit value this server does not know.
absl::StatusOr<compiler::Emit> convertEmit(int emit);

/// Stable lower-case names ("binary", "bytecode", "kir", "typed", "llvm",
/// "asm"), used in cache keys and by kilnc's --emit.
const char* emitName(compiler::Emit emit);
absl::StatusOr<compiler::Emit> parseEmitName(const std::string& name);

kiln::v1::Diagnostic toProto(const compiler::Diagnostic& diagnostic);

}  // namespace kiln::server
