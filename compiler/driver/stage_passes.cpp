#include "compiler/driver/stage_passes.h"

#include <deque>

#include "absl/strings/str_cat.h"
#include "compiler/driver/target_registry.h"
#include "compiler/frontend/frontend.h"
#include "compiler/lowering/lower.h"
#include "compiler/lowering/lower_cuda_ptx.h"
#include "compiler/transforms/refcount_prune.h"
#include "compiler/typing/parallel_loops.h"

namespace kiln::compiler {

namespace {

class FrontendPass final : public Pass {
 public:
  const char* name() const override { return "frontend"; }
  Stage stage() const override { return Stage::kKir; }
  absl::Status run(Compilation& c) override {
    const Bundle& bundle = *c.request->bundle;
    c.untyped.clear();
    for (size_t k = 0; k < bundle.functions.size(); ++k) c.untyped.emplace_back(nullptr);  // not built
    std::vector<bool> queued(bundle.functions.size(), false);
    std::deque<size_t> work = {0};
    queued[0] = true;
    while (!work.empty()) {
      const size_t index = work.front();
      work.pop_front();
      c.untyped[index] = frontend::buildFunction(bundle, static_cast<int>(index));
      if (!c.untyped[index].ok() && index == 0) return c.untyped[index].status();
      // Every function among its globals may be called: by name, or as a
      // module attribute (a library function global named "np.clip").
      for (const GlobalRef& g : bundle.functions[index].globals) {
        if (g.kind != GlobalRef::Kind::kFunction || g.function_index >= bundle.functions.size() ||
            queued[g.function_index])
          continue;
        queued[g.function_index] = true;
        work.push_back(g.function_index);
      }
      // closures: inner functions and lambdas (code constants) may be made
      // and called.
      std::vector<const Constant*> consts;
      for (const Constant& k : bundle.functions[index].code.consts) consts.push_back(&k);
      while (!consts.empty()) {
        const Constant* k = consts.back();
        consts.pop_back();
        for (const Constant& item : k->items) consts.push_back(&item);
        if (k->kind != Constant::Kind::kCode || k->i < 0 || static_cast<size_t>(k->i) >= bundle.functions.size() ||
            queued[k->i])
          continue;
        queued[k->i] = true;
        work.push_back(static_cast<size_t>(k->i));
      }
    }
    return absl::OkStatus();
  }
};

class TypingPass final : public Pass {
 public:
  const char* name() const override { return "typing"; }
  Stage stage() const override { return Stage::kTyped; }
  absl::Status run(Compilation& c) override {
    absl::StatusOr<std::unique_ptr<typing::Program>> program =
        typing::inferTypes(*c.request->bundle, c.untyped, c.request->arg_types, c.request->return_type,
                            c.request->passes.budget);
    if (!program.ok()) return program.status();
    c.program = *std::move(program);
    return absl::OkStatus();
  }
};

// prange: marks the prange loops of parallel=True functions that run on the
// thread pool, and keeps the warnings of the others (typing/parallel_loops.h).
class ParallelLoopsPass final : public Pass {
 public:
  const char* name() const override { return typing::ParallelLoops().name(); }
  Stage stage() const override { return Stage::kTyped; }
  absl::Status run(Compilation& c) override {
    c.program->loop_warnings = typing::ParallelLoops().run(*c.program);
    return absl::OkStatus();
  }
};

class LoweringPass final : public Pass {
 public:
  const char* name() const override { return "lowering"; }
  Stage stage() const override { return Stage::kLlvm; }
  absl::Status run(Compilation& c) override {
    absl::StatusOr<std::unique_ptr<targets::TargetBackend>> target =
        createTargetBackend(c.request->target, c.request->options.opt_level);
    if (!target.ok()) return target.status();
    c.target = *std::move(target);
    c.context = std::make_unique<llvm::LLVMContext>();  // one per compile: compiles run in parallel
    c.program->cuda_ptx = c.target->entryAbi() == targets::EntryAbi::kPtxKernel;  // cuda:
    absl::StatusOr<std::unique_ptr<llvm::Module>> mod = lowering::lowerProgram(
        *c.program, *c.context, c.target->entrySymbol(), c.request->options.boundscheck,
        c.request->options.error_model == "numpy",
        lowering::fastMathFlags(c.request->options.fastmath, c.request->options.fastmath_flags),
        c.target->numpyFusesComplexMultiply());
    if (!mod.ok()) return mod.status();
    c.module = *std::move(mod);
    if (c.target->entryAbi() == targets::EntryAbi::kPtxKernel)  // cuda: the kernel entry replaces the host one
      if (absl::Status s = lowering::makePtxKernel(*c.program, *c.module, c.target->entrySymbol(),
                                                   c.target->entrySymbol());
          !s.ok())
        return s;
    return absl::OkStatus();
  }
};

// Removes the reference-count pairs that cancel (transforms/refcount_prune.h)
// from the LLVM IR lowering made, before LLVM optimises it.
class RefcountPrunePass final : public Pass {
 public:
  const char* name() const override { return transforms::RefcountPrune().name(); }
  Stage stage() const override { return Stage::kLlvm; }
  absl::Status run(Compilation& c) override {
    transforms::RefcountPrune().run(*c.module);
    return absl::OkStatus();
  }
};

class OptimizePass final : public Pass {
 public:
  const char* name() const override { return "optimize"; }
  Stage stage() const override { return Stage::kLlvm; }
  absl::Status run(Compilation& c) override {
    return c.target->optimize(*c.module);
  }
};

class CodegenPass final : public Pass {
 public:
  const char* name() const override { return "codegen"; }
  Stage stage() const override { return Stage::kObject; }
  absl::Status run(Compilation& c) override {
    absl::StatusOr<std::string> object = c.target->emitObject(*c.module);
    if (!object.ok()) return object.status();
    c.object = *std::move(object);
    return absl::OkStatus();
  }
};

class LinkPass final : public Pass {
 public:
  const char* name() const override { return "link"; }
  Stage stage() const override { return Stage::kLinked; }
  absl::Status run(Compilation& c) override {
    absl::StatusOr<std::string> so = c.target->link(c.object);
    if (!so.ok()) return so.status();
    c.shared_object = *std::move(so);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> frontendPass() { return std::make_unique<FrontendPass>(); }
std::unique_ptr<Pass> typingPass() { return std::make_unique<TypingPass>(); }
std::unique_ptr<Pass> parallelLoopsPass() { return std::make_unique<ParallelLoopsPass>(); }
std::unique_ptr<Pass> loweringPass() { return std::make_unique<LoweringPass>(); }
std::unique_ptr<Pass> refcountPrunePass() { return std::make_unique<RefcountPrunePass>(); }
std::unique_ptr<Pass> optimizePass() { return std::make_unique<OptimizePass>(); }
std::unique_ptr<Pass> codegenPass() { return std::make_unique<CodegenPass>(); }
std::unique_ptr<Pass> linkPass() { return std::make_unique<LinkPass>(); }

}  // namespace kiln::compiler
