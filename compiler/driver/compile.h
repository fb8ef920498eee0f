#pragma once
// The compiler's one entry point: a pure function of its request.
//   CompileRequest (bundle + argument types + target + options + emit)
//     -> StatusOr<CompileResult>
// A user error comes back as a status made by compiler::userError (see
// diagnostic.h); anything else non-OK is a compiler bug. Thread-safe: each
// call has its own LLVMContext; only the in-process linker is serialized.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/budget.h"
#include "compiler/bundle.h"
#include "compiler/diagnostic.h"
#include "compiler/targets/target.h"

namespace kiln::compiler {

#ifdef NDEBUG
inline constexpr bool kVerifyEachDefault = false;
#else
inline constexpr bool kVerifyEachDefault = true;
#endif

/// What the pass manager does around every pass (driver/pipeline.h).
struct PassOptions {
  /// ir::verify (Kiln IR) or llvm::verifyModule (LLVM IR) after every pass;
  /// a failure is INTERNAL naming the pass. On in debug builds and in tests.
  bool verify_each = kVerifyEachDefault;
  /// Pass names after which the IR is printed into CompileResult::dumps
  /// ("all" for every pass); kilnc --print-after.
  std::vector<std::string> print_after;
  /// Deadline, cancellation and size caps (compiler/budget.h), checked
  /// before and after every pass and inside the typing fixpoint.
  Budget budget;
};

struct Options {
  int opt_level = 3;
  /// LLVM fast-math flags on float operations: `fastmath` is all of them
  /// (Numba's fastmath=True); otherwise those named in `fastmath_flags`
  /// (Numba's set form), canonical as canonicalizeFastMath leaves them.
  bool fastmath = false;
  std::vector<std::string> fastmath_flags;
  bool boundscheck = false;
  std::string error_model = "python";
};

/// The stages a compile can emit (base/emit_names.def; base::emitTable()
/// row i names value i).
enum class Emit {
#define KILN_EMIT(Name, name, proto_value) k##Name,
#include "base/emit_names.def"
};

struct CompileRequest {
  const Bundle* bundle = nullptr;
  std::vector<std::string> arg_types;  // Numba-style spellings
  std::string return_type;             // declared (eager signature); empty: inferred
  Target target;
  Options options;
  Emit emit = Emit::kBinary;
  PassOptions passes;
};

struct CompileResult {
  std::string shared_object;   // kBinary: the ELF shared object; kObject: the relocatable object
  std::string entry_symbol;    // its entry point (see runtime/cpu/kiln_abi.h)
  std::string return_type;     // Numba-style spelling
  std::vector<std::string> arg_types;  // canonical spellings of the request's
  std::string text;            // the emitted stage for every other Emit
  /// What the compile warns about (a Diagnostic of a warning kind, located
  /// at the user's line; typing/performance_warnings.h), for every emit
  /// from typed on. Stored with the artifact: a cache hit warns again.
  std::vector<Diagnostic> warnings;
  /// Wall time of each pass that ran, in pipeline order ("frontend",
  /// "simplify-block-params", "typing", "lowering", "optimize", "codegen",
  /// "link"), in seconds.
  std::vector<std::pair<std::string, double>> stage_seconds;
  /// PassOptions::print_after: (pass name, the IR after it), in order.
  std::vector<std::pair<std::string, std::string>> dumps;
};

absl::StatusOr<CompileResult> compile(const CompileRequest& request);

/// The names fastmath_flags accepts, sorted: LLVM's fast-math flags
/// (afn arcp contract ninf nnan nsz reassoc) and "fast" (all of them).
const std::vector<std::string>& fastMathFlagNames();

/// Checks fastmath_flags (an unknown name is INVALID_ARGUMENT, naming it and
/// the known ones) and makes equal requests equal: the flags sorted and
/// unique, "fast" or every flag becomes fastmath = true with no names, and
/// fastmath = true drops the names.
absl::Status canonicalizeFastMath(Options& options);

/// Runs the named IR passes of the pipeline (in the order given) on Kiln IR
/// text in the printed form (untyped: there is no bundle to type against)
/// and prints the result into CompileResult::text. `source` names the text in
/// parse errors. An unknown pass name is INVALID_ARGUMENT listing the known
/// ones; kilnc --input-kir FILE --passes=a,b.
absl::StatusOr<CompileResult> runPassesOnKir(std::string_view text, std::string_view source,
                                             const std::vector<std::string>& passes, const PassOptions& options);

/// The IR pass names runPassesOnKir accepts, in pipeline order.
std::vector<std::string> kirPassNames();

/// Identifies this compiler build in cache keys ("kiln-<version>-<git rev>").
const std::string& compilerBuildId();

/// CPython versions the frontend decodes, from its opcode tables only.
std::vector<std::string> supportedPythonVersions();

}  // namespace kiln::compiler
