#pragma once
// CPU code generation: a TargetMachine per request, the standard O0..O3
// pipeline, object/assembly emission, and linking one object into a
// position-independent shared object with lld running in-process.
//
// Everything here is thread-safe except what LLVM itself forbids: a Module and
// a TargetMachine belong to one thread at a time. Links are serialized inside
// linkSharedObject (lld keeps global state).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "compiler/targets/target.h"

namespace llvm {
class Module;
class TargetMachine;
}  // namespace llvm

namespace kiln::compiler::cpu {

/// Registers the X86 and NVPTX targets (info, MC, codegen, asm printer) once;
/// safe to call from any thread, any number of times.
void initializeLlvmTargets();

/// The target allow-list, by triple: x86_64 Linux (GNU or unspecified
/// environment) and, where this build registers it, nvptx64-nvidia-cuda.
/// INVALID_ARGUMENT for any other triple. (createTargetMachine also checks
/// x86_64 processors and features against compiler/targets/cpu/x86_features.def.)
absl::Status checkTargetAllowed(const compiler::Target& target);

/// Every check createTargetMachine makes (the allow-list, a known cpu and
/// features), without making a TargetMachine: OK or INVALID_ARGUMENT.
absl::Status checkTarget(const compiler::Target& target);

/// A TargetMachine for target.triple / cpu / features (joined with ','):
/// PIC, small code model, codegen opt level mapped from 0..3 (clamped).
/// An unknown or not allowed triple, cpu or feature is INVALID_ARGUMENT: an
/// x86_64 target's features must be "+name"/"-name" of x86_features.def,
/// never turning off the x86-64 baseline, and its processor must have the
/// baseline (so "i386", "-64bit" or "-sse2" are refused here instead of
/// ending the process in code generation).
absl::StatusOr<std::unique_ptr<llvm::TargetMachine>> createTargetMachine(
    const compiler::Target& target, int opt_level);

/// Above this many LLVM instructions in one function (before optimisation;
/// about 1,000 lines of Python), LLVM's default pipelines and its
/// optimising code generator cost more than linear time (JumpThreading,
/// LoopRotate, SROA's promotion, the two-address pass and the machine
/// scheduler on huge blocks), so such a module gets the large-function tier.
inline constexpr size_t kLargeFunctionInstructions = 5000;

/// The large-function tier's IR pipeline (new pass manager syntax): scalar
/// promotion, instruction combining and CFG simplification, each linear.
/// SROA and LICM are left out: over a function with ~10^3 loops each costs
/// time quadratic in its size (measured: 3 s of 3.5 s at 10^4 lines), so
/// there an iterator's state stays in memory. EarlyCSE is left out too: once
/// it has merged a condition that many branches test (10^4 `if x > 0.25:`),
/// it rewrites that value's dominated uses at every branch, walking all its
/// uses each time (half of a 20,000-line compile, in DominatorTree::dominates).
inline constexpr char kLargeFunctionPipeline[] =
    "coro-early,cgscc(coro-split),coro-cleanup,"  // generators: coroutines are cut up in every pipeline
    "function(mem2reg,simplifycfg,instcombine<no-verify-fixpoint>,simplifycfg)";

/// The instruction count of the module's largest function.
size_t largestFunction(const llvm::Module& module);

/// Sets the module's data layout and triple from `tm` and runs the new pass
/// manager's default per-module pipeline for `opt_level` (0..3) with the
/// target's TTI. Adds no fast-math: only flags already on instructions or
/// function attributes apply. At opt_level >= 1, a module with a function
/// larger than kLargeFunctionInstructions gets kLargeFunctionPipeline
/// instead, and `tm` is set to generate code at CodeGenOptLevel::None
/// (FastISel, fast register allocation): compile time linear in the size.
/// An LLVM fatal error or error diagnostic in the pipeline is INTERNAL
/// (llvm_error.h's runGuarded); the module is then unusable.
absl::Status optimizeModule(llvm::Module& module, llvm::TargetMachine& tm, int opt_level);

/// ELF relocatable object for the module. A module that fails the verifier
/// is INTERNAL (a lowering bug), with the verifier's message; so is an LLVM
/// fatal error or error diagnostic in code generation ("Cannot select: ..."),
/// recovered by llvm_error.h's runGuarded instead of ending the process.
absl::StatusOr<std::string> emitObject(llvm::Module& module, llvm::TargetMachine& tm);

/// AT&T-syntax assembly text for the module.
absl::StatusOr<std::string> emitAssembly(llvm::Module& module, llvm::TargetMachine& tm);

/// Links one ELF relocatable into a shared object named `soname` that needs
/// libm.so.6 (DT_NEEDED), binds eagerly (-z now) and has a GNU hash table.
/// Serialized behind one process-wide lock; lld's diagnostics come back in
/// the status. Any failure is INTERNAL: the object comes from emitObject, so
/// lld rejecting it is a compiler bug.
absl::StatusOr<std::string> linkSharedObject(std::string_view object, std::string_view soname);

}  // namespace kiln::compiler::cpu
