#pragma once
// The pipeline: one list of passes, in order (buildPipeline), and the loop
// that runs it (runPasses) with the hooks every pass gets: verify the IR
// (PassOptions::verify_each), time the pass (CompileResult::stage_seconds),
// print the IR after it (PassOptions::print_after). CinderX's
// Compiler::runPasses is the model.

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "compiler/driver/compile.h"
#include "compiler/driver/pass.h"

namespace kiln::compiler {

/// Every pass, in pipeline order. Adding a pass is one line here.
std::vector<std::unique_ptr<Pass>> buildPipeline();

/// Runs, in order, the passes whose stage() is at most `last`, each followed
/// by the hooks of `options`; stops at the first error.
absl::Status runPasses(const std::vector<std::unique_ptr<Pass>>& passes, Compilation& c, Stage last,
                       const PassOptions& options, CompileResult& result);

/// INVALID_ARGUMENT when options.print_after names a pass not in `passes`
/// (other than "all").
absl::Status checkPassNames(const std::vector<std::unique_ptr<Pass>>& passes, const PassOptions& options);

/// The printed form of the Compilation's current IR (what --print-after
/// shows).
std::string printStage(Compilation& c);

}  // namespace kiln::compiler
