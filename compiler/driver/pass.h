#pragma once
// A pass of the pipeline and the state it works on. The driver owns the one
// list of passes (pipeline.cpp); stages never call each other, they read and
// write a Compilation.
//
// Two kinds of pass, one interface:
//  - stage passes (frontend, typing, lowering, optimize, codegen, link) move
//    the Compilation from one form to the next;
//  - IR passes (transforms/, one per file, with `name()` and
//    `run(ir::Function&)`) are wrapped by FunctionPass<P> and run on every
//    function of the current Kiln IR form: the untyped functions before
//    typing, every instance's typed IR after it.

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "compiler/driver/compile.h"
#include "compiler/ir/ir.h"
#include "compiler/targets/target.h"
#include "compiler/typing/inference.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace kiln::compiler {

/// The forms a compile goes through, in order; each --emit stops at one.
enum class Stage { kStart, kKir, kTyped, kLlvm, kObject, kLinked };

struct Compilation {
  const CompileRequest* request = nullptr;  // null for runPassesOnKir
  Stage stage = Stage::kStart;
  // kKir: the untyped IR of the bundle's functions, by index (see
  // typing::UntypedFunctions: an error where the frontend refused one).
  typing::UntypedFunctions untyped;
  // kTyped
  std::unique_ptr<typing::Program> program;
  // kLlvm onwards. The context outlives the module (declared first).
  std::unique_ptr<targets::TargetBackend> target;
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  // kObject, kLinked
  std::string object;
  std::string shared_object;

  /// The Kiln IR functions of the current form (none from kLlvm on).
  std::vector<ir::Function*> irFunctions();
};

class Pass {
 public:
  virtual ~Pass() = default;
  /// The name kilnc --print-after, --passes and the timings use.
  virtual const char* name() const = 0;
  /// The form the Compilation is in after this pass.
  virtual Stage stage() const = 0;
  /// True for passes that rewrite each Kiln IR function on its own (the ones
  /// --input-kir --passes can run).
  virtual bool isFunctionPass() const { return false; }
  virtual absl::Status run(Compilation& c) = 0;
};

/// Runs an IR pass (transforms/) on every function of the current form, and
/// renumbers each function after it so the printed form stays dense.
template <typename P>
class FunctionPass final : public Pass {
 public:
  explicit FunctionPass(Stage stage) : stage_(stage) {}
  const char* name() const override { return pass_.name(); }
  Stage stage() const override { return stage_; }
  bool isFunctionPass() const override { return true; }
  absl::Status run(Compilation& c) override {
    for (ir::Function* f : c.irFunctions()) {
      if constexpr (std::is_void_v<decltype(pass_.run(*f))>) {
        pass_.run(*f);
      } else {
        if (absl::Status s = pass_.run(*f); !s.ok()) return s;
      }
      f->renumber();
    }
    return absl::OkStatus();
  }

 private:
  P pass_;
  Stage stage_;
};

}  // namespace kiln::compiler
