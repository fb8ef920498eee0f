// The pipeline, in order. Each stage can be the last (--emit):
//   bytecode -> kir (frontend, simplify) -> typed (inference)
//   -> llvm (lowering, O0..O3) -> asm | object -> shared object (lld)
#include "compiler/driver/compile.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "compiler/frontend/frontend.h"
#include "compiler/lowering/lower.h"
#include "compiler/targets/cpu/cpu_target.h"
#include "compiler/typing/inference.h"
#include "kiln_build_id.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

namespace kiln::compiler {

namespace {
constexpr char kEntrySymbol[] = "kiln_entry";

// Records how long each stage takes, for kilnc --time-stages and metrics.
class StageClock {
 public:
  explicit StageClock(CompileResult& result) : result_(result), last_(absl::Now()) {}
  void lap(const char* stage) {
    absl::Time now = absl::Now();
    result_.stage_seconds.emplace_back(stage, absl::ToDoubleSeconds(now - last_));
    last_ = now;
  }

 private:
  CompileResult& result_;
  absl::Time last_;
};
}  // namespace

const std::string& compilerBuildId() {
  // The source hash makes a rebuilt compiler miss the artifacts of the old
  // one even when the git revision is the same (uncommitted changes).
  static const std::string id =
      absl::StrCat("kiln-", KILN_VERSION, "-", KILN_GIT_REV, "-", KILN_COMPILER_SOURCE_HASH, "-llvm19");
  return id;
}

std::vector<std::string> supportedPythonVersions() { return {"3.11", "3.12"}; }

absl::StatusOr<CompileResult> compile(const CompileRequest& request) {
  if (!request.bundle || request.bundle->functions.empty())
    return absl::InvalidArgumentError("compile request has no functions");
  const Bundle& bundle = *request.bundle;
  CompileResult result;
  StageClock clock(result);

  if (request.emit == Emit::kBytecode) {
    absl::StatusOr<std::string> text = frontend::printBytecode(bundle, 0);
    if (!text.ok()) return text.status();
    result.text = *std::move(text);
    return result;
  }
  if (request.emit == Emit::kKir) {
    absl::StatusOr<std::unique_ptr<ir::Function>> f = frontend::buildFunction(bundle, 0);
    if (!f.ok()) return f.status();
    result.text = ir::print(**f);
    return result;
  }

  absl::StatusOr<std::unique_ptr<typing::Program>> program =
      typing::inferTypes(bundle, request.arg_types, request.return_type);
  if (!program.ok()) return program.status();
  clock.lap("frontend+typing");
  const typing::Program& prog = **program;
  const typing::Type* ret = prog.declared_ret ? prog.declared_ret : prog.instances[0]->ret;
  result.return_type = ret->str();
  for (const typing::Type* t : prog.instances[0]->arg_types) result.arg_types.push_back(t->str());
  if (request.emit == Emit::kTyped) {
    result.text = typing::printTyped(prog);
    return result;
  }

  cpu::initializeLlvmTargets();
  int opt = std::clamp(request.options.opt_level, 0, 3);
  absl::StatusOr<std::unique_ptr<llvm::TargetMachine>> tm = cpu::createTargetMachine(request.target, opt);
  if (!tm.ok()) return tm.status();
  llvm::LLVMContext ctx;  // one per compile job: compiles run in parallel
  absl::StatusOr<std::unique_ptr<llvm::Module>> mod = lowering::lowerProgram(prog, ctx, kEntrySymbol, request.options.boundscheck,
                                                                              request.options.error_model == "numpy");
  if (!mod.ok()) return mod.status();
  clock.lap("lowering");
  cpu::optimizeModule(**mod, **tm, opt);
  clock.lap("optimize");
  if (request.emit == Emit::kLlvm) {
    llvm::raw_string_ostream os(result.text);
    (*mod)->print(os, nullptr);
    return result;
  }
  if (request.emit == Emit::kAsm) {
    absl::StatusOr<std::string> text = cpu::emitAssembly(**mod, **tm);
    if (!text.ok()) return text.status();
    result.text = *std::move(text);
    return result;
  }
  absl::StatusOr<std::string> object = cpu::emitObject(**mod, **tm);
  if (!object.ok()) return object.status();
  clock.lap("codegen");
  absl::StatusOr<std::string> so = cpu::linkSharedObject(*object, "libkiln_fn.so");
  if (!so.ok()) return so.status();
  clock.lap("link");
  result.shared_object = *std::move(so);
  result.entry_symbol = kEntrySymbol;
  return result;
}

}  // namespace kiln::compiler
