// The pipeline, in order. Each --emit stops after the last pass of its stage:
//   bytecode (no pass) | kir: frontend, simplify-block-params, prune-dead-params
//   | typed: typing, fuse-array-exprs | llvm: lowering, refcount-prune, optimize (asm: + the target's assembly)
//   | binary: codegen, link
#include "compiler/driver/pipeline.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "compiler/driver/stage_passes.h"
#include "compiler/ir/verifier.h"
#include "compiler/transforms/prune_dead_params.h"
#include "compiler/transforms/simplify_block_params.h"
#include "compiler/typing/fuse_array_exprs.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln::compiler {

std::vector<std::unique_ptr<Pass>> buildPipeline() {
  std::vector<std::unique_ptr<Pass>> passes;
  passes.push_back(frontendPass());
  passes.push_back(std::make_unique<FunctionPass<transforms::SimplifyBlockParams>>(Stage::kKir));
  passes.push_back(std::make_unique<FunctionPass<transforms::PruneDeadParams>>(Stage::kKir));  // pysub3:
  passes.push_back(typingPass());
  // Passes over typed Kiln IR go here: FunctionPass<transforms::X>(Stage::kTyped).
  passes.push_back(std::make_unique<FunctionPass<typing::FuseArrayExprs>>(Stage::kTyped));  // fusion:
  passes.push_back(parallelLoopsPass());  // prange:
  passes.push_back(loweringPass());
  passes.push_back(refcountPrunePass());
  passes.push_back(optimizePass());
  passes.push_back(codegenPass());
  passes.push_back(linkPass());
  return passes;
}

std::vector<ir::Function*> Compilation::irFunctions() {
  std::vector<ir::Function*> out;
  switch (stage) {
    case Stage::kKir:
      for (auto& f : untyped)
        if (f.ok() && *f) out.push_back(f->get());
      break;
    case Stage::kTyped:
      for (auto& inst : program->instances)
        if (inst->reachable) out.push_back(inst->ir.get());
      break;
    case Stage::kStart:
    case Stage::kLlvm:
    case Stage::kObject:
    case Stage::kLinked: break;
  }
  return out;
}

std::string printStage(Compilation& c) {
  switch (c.stage) {
    case Stage::kStart: return "";
    case Stage::kKir: {
      std::string out;
      for (ir::Function* f : c.irFunctions()) absl::StrAppend(&out, out.empty() ? "" : "\n", ir::print(*f));
      return out;
    }
    case Stage::kTyped: return typing::printTyped(*c.program);
    case Stage::kLlvm: {
      std::string out;
      llvm::raw_string_ostream os(out);
      c.module->print(os, nullptr);
      return out;
    }
    case Stage::kObject: return absl::StrCat("; object code: ", c.object.size(), " bytes\n");
    case Stage::kLinked: return absl::StrCat("; shared object: ", c.shared_object.size(), " bytes\n");
  }
  return "";
}

namespace {

absl::Status verifyStage(Compilation& c, const char* pass) {
  switch (c.stage) {
    case Stage::kKir:
    case Stage::kTyped:
      for (ir::Function* f : c.irFunctions())
        if (absl::Status s = ir::verify(*f); !s.ok())
          return absl::InternalError(absl::StrCat("Kiln IR of @", f->qualname, " after pass '", pass,
                                                  "' fails verification: ", s.message()));
      return absl::OkStatus();
    case Stage::kLlvm: {
      std::string message;
      llvm::raw_string_ostream os(message);
      if (llvm::verifyModule(*c.module, &os))
        return absl::InternalError(absl::StrCat("LLVM IR after pass '", pass, "' fails verification: ", message));
      return absl::OkStatus();
    }
    case Stage::kStart:
    case Stage::kObject:
    case Stage::kLinked: return absl::OkStatus();
  }
  return absl::OkStatus();
}

// A tripped budget says where the compile was stopped.
absl::Status withPass(absl::Status s, const char* when, const char* pass) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(s.message(), " (", when, " pass '", pass, "')"));
}

size_t instructionCount(Compilation& c) {
  size_t n = 0;
  switch (c.stage) {
    case Stage::kKir:
    case Stage::kTyped:
      for (ir::Function* f : c.irFunctions())
        for (const auto& b : f->blocks) n += b->instrs.size();
      return n;
    case Stage::kLlvm:
      for (const llvm::Function& f : *c.module) n += f.getInstructionCount();
      return n;
    case Stage::kStart:
    case Stage::kObject:
    case Stage::kLinked: return 0;
  }
  return 0;
}

absl::Status checkSize(Compilation& c, const Budget& budget, const char* pass) {
  if (budget.max_ir_instructions == 0) return absl::OkStatus();
  const size_t n = instructionCount(c);
  if (n <= budget.max_ir_instructions) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat("compile stopped: the IR after pass '", pass, "' has ", n,
                                                   " instructions, more than the limit of ",
                                                   budget.max_ir_instructions, " (--max-ir-instructions)"));
}

bool wanted(const PassOptions& options, const char* pass) {
  return std::any_of(options.print_after.begin(), options.print_after.end(),
                     [&](const std::string& p) { return p == pass || p == "all"; });
}

}  // namespace

absl::Status checkPassNames(const std::vector<std::unique_ptr<Pass>>& passes, const PassOptions& options) {
  for (const std::string& name : options.print_after) {
    if (name == "all") continue;
    if (std::none_of(passes.begin(), passes.end(), [&](const std::unique_ptr<Pass>& p) { return p->name() == name; })) {
      std::vector<std::string> known;
      for (const std::unique_ptr<Pass>& p : passes) known.push_back(p->name());
      return absl::InvalidArgumentError(absl::StrCat("--print-after names no pass: '", name,
                                                     "' (expected all or one of: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status runPasses(const std::vector<std::unique_ptr<Pass>>& passes, Compilation& c, Stage last,
                       const PassOptions& options, CompileResult& result) {
  const Budget& budget = options.budget;
  for (const std::unique_ptr<Pass>& pass : passes) {
    if (pass->stage() > last) break;
    if (absl::Status s = withPass(budget.check(), "before", pass->name()); !s.ok()) return s;
    budget.enter(pass->name());
    const absl::Time start = absl::Now();
    if (absl::Status s = pass->run(c); !s.ok()) return s;
    c.stage = pass->stage();
    result.stage_seconds.emplace_back(pass->name(), absl::ToDoubleSeconds(absl::Now() - start));
    if (absl::Status s = withPass(budget.check(), "after", pass->name()); !s.ok()) return s;
    if (absl::Status s = checkSize(c, budget, pass->name()); !s.ok()) return s;
    if (options.verify_each)
      if (absl::Status s = verifyStage(c, pass->name()); !s.ok()) return s;
    if (wanted(options, pass->name())) result.dumps.emplace_back(pass->name(), printStage(c));
  }
  return absl::OkStatus();
}

}  // namespace kiln::compiler
