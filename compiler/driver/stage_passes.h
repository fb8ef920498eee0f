#pragma once
// The passes that move a Compilation from one form to the next, one per
// stage; each calls exactly one stage library (frontend, typing, lowering,
// the target). pipeline.cpp puts them in order.

#include <memory>

#include "compiler/driver/pass.h"

namespace kiln::compiler {

/// kStart -> kKir: the untyped IR of the entry and of every bundle function
/// reachable from it through function globals, built before typing starts
/// (all lookups first, as CinderX's preloader does). The entry's frontend
/// error fails the compile; a callee's is kept for typing to report at the
/// call that needs it (one that is never called is never reported).
std::unique_ptr<Pass> frontendPass();
/// kKir -> kTyped: whole-program type inference at the request's signature.
std::unique_ptr<Pass> typingPass();
/// kTyped -> kLlvm: picks the target (target_registry.h) and lowers to LLVM IR.
std::unique_ptr<Pass> parallelLoopsPass();  // prange: typing/parallel_loops.h
std::unique_ptr<Pass> loweringPass();
/// kLlvm -> kLlvm: the target's LLVM optimisation pipeline.
std::unique_ptr<Pass> refcountPrunePass();
std::unique_ptr<Pass> optimizePass();
/// kLlvm -> kObject: object code.
std::unique_ptr<Pass> codegenPass();
/// kObject -> kLinked: the loadable artifact.
std::unique_ptr<Pass> linkPass();

}  // namespace kiln::compiler
