#pragma once
// The CUDA target behind the TargetBackend interface (docs/cuda.md "Targets
// and codegen"): triple nvptx64-nvidia-cuda, cpu one of base/cuda_sms.def,
// no features (the PTX ISA version comes with the SM). A compile makes:
//  - optimize: libdevice linked in (only what is called, then internalized;
//    NVVMReflect runs in LLVM's pipeline with the SM's __CUDA_ARCH and
//    __CUDA_FTZ = 0), then LLVM's O0..O3 pipeline with NVPTX's TTI;
//  - emitObject / emitAssembly: the PTX text;
//  - link: the cubin for the SM, made by nvJitLink (dlopen'd) or the
//    toolkit's ptxas, else the PTX itself (cubin.h). The client tells them
//    apart by the ELF magic; the driver loads either.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "compiler/targets/target.h"

namespace llvm {
class TargetMachine;
}  // namespace llvm

namespace kiln::compiler::cuda {

inline constexpr char kCudaTriple[] = "nvptx64-nvidia-cuda";
/// The name of the one kernel of a module (cuModuleGetFunction).
inline constexpr char kKernelSymbol[] = "kiln_kernel";

/// Whether `triple` is the CUDA target's (the registry routes it here).
bool isCudaTriple(const std::string& triple);

/// The allow-list: triple nvptx64-nvidia-cuda, cpu in base/cuda_sms.def, no
/// features. INVALID_ARGUMENT naming what is wrong and what is allowed.
absl::Status checkTarget(const Target& target);

/// The PTX ISA version (10 * major + minor) written for an allowed `sm`.
int ptxIsaVersion(const std::string& sm);

/// The SM to compile for on a GPU of compute capability major.minor: its
/// own when allowed, else the newest allowed one below it (PTX runs forward
/// through the driver's JIT; an arch-specific "a" SM never does, so it is
/// chosen only by name). FAILED_PRECONDITION for a GPU older than every
/// allowed SM.
absl::StatusOr<std::string> smFor(int major, int minor);

class CudaBackend final : public targets::TargetBackend {
 public:
  static absl::StatusOr<std::unique_ptr<CudaBackend>> create(const Target& target, int opt_level);
  ~CudaBackend() override;

  const char* name() const override { return "cuda"; }
  targets::EntryAbi entryAbi() const override { return targets::EntryAbi::kPtxKernel; }
  const char* entrySymbol() const override { return kKernelSymbol; }
  std::string dataLayout() const override;
  absl::Status optimize(llvm::Module& module) override;
  absl::StatusOr<std::string> emitObject(llvm::Module& module) override;
  absl::StatusOr<std::string> emitAssembly(llvm::Module& module) override;
  absl::StatusOr<std::string> link(std::string_view object) override;
  std::string linkSummary() const override { return link_summary_; }

 private:
  CudaBackend(std::unique_ptr<llvm::TargetMachine> tm, std::string sm, int opt_level);
  std::unique_ptr<llvm::TargetMachine> tm_;
  std::string sm_;
  int opt_level_;
  std::string link_summary_;
};

}  // namespace kiln::compiler::cuda
