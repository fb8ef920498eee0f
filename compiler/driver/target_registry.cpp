#include "compiler/driver/target_registry.h"

#include "compiler/targets/cpu/cpu_backend.h"
#include "compiler/targets/cpu/cpu_target.h"
#include "compiler/targets/cuda/cuda_backend.h"

namespace kiln::compiler {

absl::StatusOr<std::unique_ptr<targets::TargetBackend>> createTargetBackend(const Target& target, int opt_level) {
  if (cuda::isCudaTriple(target.triple)) {  // cuda: nvptx64-nvidia-cuda
    absl::StatusOr<std::unique_ptr<cuda::CudaBackend>> ptx = cuda::CudaBackend::create(target, opt_level);
    if (!ptx.ok()) return ptx.status();
    return std::unique_ptr<targets::TargetBackend>(*std::move(ptx));
  }
  // Every other triple goes to the CPU backend, which rejects the ones LLVM
  // cannot build a host shared object for.
  absl::StatusOr<std::unique_ptr<cpu::CpuBackend>> cpu = cpu::CpuBackend::create(target, opt_level);
  if (!cpu.ok()) return cpu.status();
  return std::unique_ptr<targets::TargetBackend>(*std::move(cpu));
}

absl::StatusOr<Target> cudaTargetFor(int major, int minor) {
  absl::StatusOr<std::string> sm = cuda::smFor(major, minor);
  if (!sm.ok()) return sm.status();
  Target t;
  t.triple = cuda::kCudaTriple;
  t.cpu = *sm;
  t.features.clear();
  return t;
}

absl::Status checkTarget(const Target& target) {
  if (cuda::isCudaTriple(target.triple)) return cuda::checkTarget(target);  // cuda:
  return cpu::checkTarget(target);
}

}  // namespace kiln::compiler
