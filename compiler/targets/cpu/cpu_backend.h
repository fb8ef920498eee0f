#pragma once
// The CPU target behind the TargetBackend interface: a TargetMachine made for
// the request's triple/cpu/features, LLVM's standard O0..O3 pipeline, ELF
// objects and an lld-linked shared object (see cpu_target.h for the pieces).

#include <memory>

#include "absl/status/statusor.h"
#include "compiler/targets/target.h"

namespace llvm {
class TargetMachine;
}  // namespace llvm

namespace kiln::compiler::cpu {

class CpuBackend final : public targets::TargetBackend {
 public:
  /// INVALID_ARGUMENT for an unknown triple, cpu or feature.
  static absl::StatusOr<std::unique_ptr<CpuBackend>> create(const Target& target, int opt_level);
  ~CpuBackend() override;

  const char* name() const override { return "cpu"; }
  targets::EntryAbi entryAbi() const override { return targets::EntryAbi::kHostUniform; }
  const char* entrySymbol() const override { return "kiln_entry"; }
  std::string dataLayout() const override;
  bool numpyFusesComplexMultiply() const override;
  absl::Status optimize(llvm::Module& module) override;
  absl::StatusOr<std::string> emitObject(llvm::Module& module) override;
  absl::StatusOr<std::string> emitAssembly(llvm::Module& module) override;
  absl::StatusOr<std::string> link(std::string_view object) override;

 private:
  CpuBackend(std::unique_ptr<llvm::TargetMachine> tm, int opt_level);
  std::unique_ptr<llvm::TargetMachine> tm_;
  int opt_level_;
};

}  // namespace kiln::compiler::cpu
