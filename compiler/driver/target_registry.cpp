#include "compiler/driver/target_registry.h"

#include "compiler/targets/cpu/cpu_backend.h"
#include "compiler/targets/cpu/cpu_target.h"

namespace kiln::compiler {

absl::StatusOr<std::unique_ptr<targets::TargetBackend>> createTargetBackend(const Target& target, int opt_level) {
  // Every triple goes to the CPU backend, which rejects the ones LLVM cannot
  // build a host shared object for. The PTX target will take "nvptx64-*".
  absl::StatusOr<std::unique_ptr<cpu::CpuBackend>> cpu = cpu::CpuBackend::create(target, opt_level);
  if (!cpu.ok()) return cpu.status();
  return std::unique_ptr<targets::TargetBackend>(*std::move(cpu));
}

absl::Status checkTarget(const Target& target) { return cpu::checkTarget(target); }

}  // namespace kiln::compiler
