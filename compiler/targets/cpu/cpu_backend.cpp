#include "compiler/targets/cpu/cpu_backend.h"

#include <algorithm>

#include "compiler/targets/cpu/cpu_target.h"
#include "compiler/targets/cpu/half_conversions.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Target/TargetMachine.h"

namespace kiln::compiler::cpu {

absl::StatusOr<std::unique_ptr<CpuBackend>> CpuBackend::create(const Target& target, int opt_level) {
  opt_level = std::clamp(opt_level, 0, 3);
  absl::StatusOr<std::unique_ptr<llvm::TargetMachine>> tm = createTargetMachine(target, opt_level);
  if (!tm.ok()) return tm.status();
  return std::unique_ptr<CpuBackend>(new CpuBackend(*std::move(tm), opt_level));
}

CpuBackend::CpuBackend(std::unique_ptr<llvm::TargetMachine> tm, int opt_level)
    : tm_(std::move(tm)), opt_level_(opt_level) {}

CpuBackend::~CpuBackend() = default;

std::string CpuBackend::dataLayout() const { return tm_->createDataLayout().getStringRepresentation(); }

bool CpuBackend::numpyFusesComplexMultiply() const {
  // NumPy's x86-64-v3 dispatch level: the processor must have every one of
  // these (the psABI level's features beyond v2). A v4 (AVX-512) processor
  // has them too, and NumPy's AVX-512 kernel fuses in the same way.
  return tm_->getMCSubtargetInfo()->checkFeatures("+avx,+avx2,+fma,+f16c,+bmi,+bmi2,+lzcnt,+movbe");
}

absl::Status CpuBackend::optimize(llvm::Module& module) { return optimizeModule(module, *tm_, opt_level_); }

absl::StatusOr<std::string> CpuBackend::emitObject(llvm::Module& module) {
  addHalfConversions(module);  // float16: what x86 code generation calls by name
  return cpu::emitObject(module, *tm_);
}

absl::StatusOr<std::string> CpuBackend::emitAssembly(llvm::Module& module) {
  addHalfConversions(module);  // float16:
  return cpu::emitAssembly(module, *tm_);
}

absl::StatusOr<std::string> CpuBackend::link(std::string_view object) {
  return linkSharedObject(object, "libkiln_fn.so");
}

}  // namespace kiln::compiler::cpu
