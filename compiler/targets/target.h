#pragma once
// What a code-generation target is, as the driver sees it. The driver picks a
// target by the request's triple (driver/target_registry.cpp) and calls it
// only through this interface, so a new target (targets/cuda for PTX) is a
// sibling folder of targets/cpu plus one line in the registry.
//
// A target owns, for one compile:
//  - the data layout and triple stamped on the module (adopted before the
//    LLVM optimisation pipeline runs),
//  - the entry ABI the lowering must produce (entryAbi(), entrySymbol()),
//  - the LLVM optimisation pipeline for an opt level,
//  - code generation (object or assembly text) and
//  - the link that turns one object into what a client loads.
// Targets do not depend on the driver: the driver depends on them.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace llvm {
class Module;
}  // namespace llvm

namespace kiln::compiler {

/// A target description as the client sends it.
struct Target {
  std::string triple = "x86_64-unknown-linux-gnu";
  std::string cpu = "x86-64";
  std::vector<std::string> features;  // "+avx2", "+fma", ... sorted
};

namespace targets {

/// How compiled code is entered.
enum class EntryAbi {
  /// One exported function with the uniform host ABI of runtime/cpu/kiln_abi.h.
  kHostUniform,
  /// cuda: one PTX kernel taking its arguments flattened (docs/cuda.md
  /// "ABI"; lowering/lower_cuda_ptx.h).
  kPtxKernel,
};

class TargetBackend {
 public:
  virtual ~TargetBackend() = default;

  /// Short name for diagnostics and the pass timings ("cpu").
  virtual const char* name() const = 0;
  virtual EntryAbi entryAbi() const = 0;
  /// The exported symbol the client looks up.
  virtual const char* entrySymbol() const = 0;
  /// The LLVM data layout string of the target machine.
  virtual std::string dataLayout() const = 0;
  /// Whether NumPy, run on this target's processor, multiplies complex arrays
  /// with fused multiply-adds: its run-time dispatch picks the x86-64-v3
  /// kernels (AVX2 and FMA3, ...) when the processor has them, and those
  /// round one of the two products of each part (docs/numpy.md "Complex
  /// multiplication and division"). The lowering matches it (array loops only).
  virtual bool numpyFusesComplexMultiply() const { return false; }

  /// Adopts the target's data layout and triple and runs the LLVM
  /// optimisation pipeline of the opt level the backend was created with.
  /// An LLVM fatal error inside it is INTERNAL, never the end of the process.
  virtual absl::Status optimize(llvm::Module& module) = 0;
  /// Relocatable object code for the module. A module that fails the LLVM
  /// verifier is INTERNAL (a lowering bug).
  virtual absl::StatusOr<std::string> emitObject(llvm::Module& module) = 0;
  /// The assembly text of the module (--emit=asm).
  virtual absl::StatusOr<std::string> emitAssembly(llvm::Module& module) = 0;
  /// The loadable artifact built from one object (a shared object on CPU).
  virtual absl::StatusOr<std::string> link(std::string_view object) = 0;
  /// cuda: what the last link made, for --emit=cubin ("" when nothing to say).
  virtual std::string linkSummary() const { return ""; }
};

}  // namespace targets
}  // namespace kiln::compiler
