// compile(): runs the pass list of pipeline.cpp up to the stage the request
// emits and takes the result from the Compilation. No stage is called from
// here directly; every stage is a pass.
#include "compiler/driver/compile.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/driver/pipeline.h"
#include "compiler/frontend/frontend.h"
#include "compiler/ir/parser.h"
#include "compiler/ir/verifier.h"
#include "compiler/typing/performance_warnings.h"
#include "kiln_build_id.h"

namespace kiln::compiler {

namespace {

Stage lastStage(Emit emit) {
  switch (emit) {
    case Emit::kBytecode: return Stage::kStart;
    case Emit::kKir: return Stage::kKir;
    case Emit::kTyped: return Stage::kTyped;
    case Emit::kLlvm:
    case Emit::kAsm:
    case Emit::kPtx: return Stage::kLlvm;
    case Emit::kBinary:
    case Emit::kCubin: return Stage::kLinked;
    case Emit::kObject: return Stage::kObject;
  }
  return Stage::kLinked;
}

}  // namespace

const std::string& compilerBuildId() {
  // The source hash makes a rebuilt compiler miss the artifacts of the old
  // one even when the git revision is the same (uncommitted changes).
  static const std::string id =
      absl::StrCat("kiln-", KILN_VERSION, "-", KILN_GIT_REV, "-", KILN_COMPILER_SOURCE_HASH, "-llvm19");
  return id;
}

std::vector<std::string> supportedPythonVersions() { return frontend::supportedPythonVersions(); }

const std::vector<std::string>& fastMathFlagNames() {
  static const std::vector<std::string> names = {"afn",  "arcp", "contract", "fast",
                                                 "ninf", "nnan", "nsz",      "reassoc"};
  return names;
}

absl::Status canonicalizeFastMath(Options& options) {
  const std::vector<std::string>& known = fastMathFlagNames();
  std::vector<std::string> flags = options.fastmath_flags;
  std::sort(flags.begin(), flags.end());
  flags.erase(std::unique(flags.begin(), flags.end()), flags.end());
  for (const std::string& f : flags)
    if (!std::binary_search(known.begin(), known.end(), f))
      return absl::InvalidArgumentError(absl::StrCat("unknown fastmath flag '", f, "': expected one of ",
                                                     absl::StrJoin(known, ", ")));
  // Every flag but "fast" named, or "fast" itself: the same as fastmath=true.
  const bool all = std::binary_search(flags.begin(), flags.end(), "fast") || flags.size() == known.size() - 1;
  if (options.fastmath || all) {
    options.fastmath = true;
    flags.clear();
  }
  options.fastmath_flags = std::move(flags);
  return absl::OkStatus();
}

absl::StatusOr<CompileResult> compile(const CompileRequest& request) {
  if (!request.bundle || request.bundle->functions.empty())
    return absl::InvalidArgumentError("compile request has no functions");
  CompileRequest canonical = request;  // the passes see canonical options
  if (absl::Status s = canonicalizeFastMath(canonical.options); !s.ok()) return s;
  CompileResult result;
  if ((request.emit == Emit::kPtx || request.emit == Emit::kCubin) && request.target.triple.rfind("nvptx", 0) != 0)
    return absl::InvalidArgumentError(absl::StrCat("--emit=", request.emit == Emit::kPtx ? "ptx" : "cubin",
                                                   " needs the CUDA target (nvptx64-nvidia-cuda, kilnctl "
                                                   "--target cuda:sm_80), not '",
                                                   request.target.triple, "'"));
  if (request.emit == Emit::kBytecode) {
    absl::StatusOr<std::string> text = frontend::printBytecode(*request.bundle, 0);
    if (!text.ok()) return text.status();
    result.text = *std::move(text);
    return result;
  }

  Compilation c;
  c.request = &canonical;
  std::vector<std::unique_ptr<Pass>> pipeline = buildPipeline();
  if (absl::Status s = checkPassNames(pipeline, request.passes); !s.ok()) return s;
  if (absl::Status s = runPasses(pipeline, c, lastStage(request.emit), request.passes, result); !s.ok()) return s;
  if (request.emit == Emit::kKir) {
    result.text = ir::print(**c.untyped[0]);
    return result;
  }
  const typing::Program& prog = *c.program;
  const typing::Type* ret = prog.declared_ret ? prog.declared_ret : prog.instances[0]->ret;
  result.return_type = ret->str();
  for (const typing::Type* t : prog.instances[0]->arg_types) result.arg_types.push_back(t->str());
  result.warnings = typing::performanceWarnings(prog);
  result.warnings.insert(result.warnings.end(), prog.loop_warnings.begin(), prog.loop_warnings.end());  // prange:
  {
    // Typing's own warnings (a dict key cast with loss), at the entry's
    // definition: Numba's come from its dict implementation, not a user line.
    const compiler::Function& entry = prog.bundle->functions[prog.instances[0]->function_index];
    for (const std::string& message : prog.types.warnings())
      result.warnings.push_back({compiler::Diagnostic::Kind::kTypeSafetyWarning, message, entry.code.filename,
                                 entry.code.firstlineno, entry.code.qualname});
  }
  switch (request.emit) {
    case Emit::kBytecode:
    case Emit::kKir: break;  // returned above
    case Emit::kTyped: result.text = typing::printTyped(prog); break;
    case Emit::kLlvm: result.text = printStage(c); break;
    case Emit::kAsm:
    case Emit::kPtx: {  // cuda: a CUDA target's assembly is its PTX
      absl::StatusOr<std::string> text = c.target->emitAssembly(*c.module);
      if (!text.ok()) return text.status();
      result.text = *std::move(text);
      break;
    }
    case Emit::kBinary:
      result.shared_object = std::move(c.shared_object);
      result.entry_symbol = c.target->entrySymbol();
      break;
    case Emit::kObject:  // packages: the object lld would link
      result.shared_object = std::move(c.object);
      result.entry_symbol = c.target->entrySymbol();
      break;
    case Emit::kCubin: result.text = c.target->linkSummary(); break;  // cuda:
  }
  return result;
}

std::vector<std::string> kirPassNames() {
  std::vector<std::string> names;
  for (const std::unique_ptr<Pass>& p : buildPipeline())
    if (p->isFunctionPass() && p->stage() == Stage::kKir) names.push_back(p->name());
  return names;
}

absl::StatusOr<CompileResult> runPassesOnKir(std::string_view text, std::string_view source,
                                             const std::vector<std::string>& passes, const PassOptions& options) {
  absl::StatusOr<std::vector<std::unique_ptr<ir::Function>>> functions = ir::parseFunctions(text, source);
  if (!functions.ok()) return functions.status();
  Compilation c;
  c.stage = Stage::kKir;
  for (std::unique_ptr<ir::Function>& f : *functions) c.untyped.push_back(std::move(f));

  std::vector<std::unique_ptr<Pass>> chosen;
  for (const std::string& name : passes) {
    std::vector<std::unique_ptr<Pass>> pipeline = buildPipeline();  // a fresh instance per use
    auto it = std::find_if(pipeline.begin(), pipeline.end(), [&](const std::unique_ptr<Pass>& p) {
      return p && p->name() == name && p->isFunctionPass() && p->stage() == Stage::kKir;
    });
    if (it == pipeline.end())
      return absl::InvalidArgumentError(absl::StrCat("unknown Kiln IR pass '", name, "' (expected one of: ",
                                                     absl::StrJoin(kirPassNames(), ", "), ")"));
    chosen.push_back(std::move(*it));
  }
  std::vector<std::unique_ptr<Pass>> kir_passes = buildPipeline();
  std::erase_if(kir_passes,
                [](const std::unique_ptr<Pass>& p) { return !p->isFunctionPass() || p->stage() != Stage::kKir; });
  if (absl::Status s = checkPassNames(kir_passes, options); !s.ok()) return s;
  CompileResult result;
  if (options.verify_each) {
    // What was read must be well formed before a pass sees it.
    for (ir::Function* f : c.irFunctions())
      if (absl::Status s = ir::verify(*f); !s.ok())
        return absl::InvalidArgumentError(
            absl::StrCat(std::string(source), ": @", f->qualname, " is not valid Kiln IR: ", s.message()));
  }
  if (absl::Status s = runPasses(chosen, c, Stage::kKir, options, result); !s.ok()) return s;
  result.text = printStage(c);
  return result;
}

}  // namespace kiln::compiler
