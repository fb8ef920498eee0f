#pragma once
// The compiler's one entry point: a pure function of its request.
//   CompileRequest (bundle + argument types + target + options + emit)
//     -> StatusOr<CompileResult>
// A user error comes back as a status made by compiler::userError (see
// diagnostic.h); anything else non-OK is a compiler bug. Thread-safe: each
// call has its own LLVMContext; only the in-process linker is serialized.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/bundle.h"

namespace kiln::compiler {

struct Target {
  std::string triple = "x86_64-unknown-linux-gnu";
  std::string cpu = "x86-64";
  std::vector<std::string> features;  // "+avx2", "+fma", ... sorted
};

struct Options {
  int opt_level = 3;
  bool fastmath = false;
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
};

struct CompileResult {
  std::string shared_object;   // kBinary: the ELF shared object
  std::string entry_symbol;    // its entry point (see runtime/cpu/kiln_abi.h)
  std::string return_type;     // Numba-style spelling
  std::vector<std::string> arg_types;  // canonical spellings of the request's
  std::string text;            // the emitted stage for every other Emit
  /// Wall time of each stage that ran, in pipeline order ("frontend",
  /// "typing", "lowering", "optimize", "codegen", "link"), in seconds.
  std::vector<std::pair<std::string, double>> stage_seconds;
};

absl::StatusOr<CompileResult> compile(const CompileRequest& request);

/// Identifies this compiler build in cache keys ("kiln-<version>-<git rev>").
const std::string& compilerBuildId();

/// CPython versions the frontend decodes: {"3.11", "3.12"}.
std::vector<std::string> supportedPythonVersions();

}  // namespace kiln::compiler
