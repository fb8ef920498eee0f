#include "compiler/targets/cuda/cuda_backend.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/facts.h"
#include "compiler/targets/cpu/cpu_target.h"
#include "compiler/targets/cuda/cubin.h"
#include "compiler/targets/cuda/libdevice.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

namespace kiln::compiler::cuda {
namespace {

const base::CudaSmRow* findSm(const std::string& sm) {
  for (const base::CudaSmRow& row : base::cudaSmTable())
    if (sm == row.name) return &row;
  return nullptr;
}

std::string allowedSms() {
  std::vector<std::string> names;
  for (const base::CudaSmRow& row : base::cudaSmTable()) names.push_back(std::string(row.name));
  return absl::StrJoin(names, ", ");
}

llvm::CodeGenOptLevel codegenOptLevel(int opt_level) {
  switch (opt_level) {
    case 0: return llvm::CodeGenOptLevel::None;
    case 1: return llvm::CodeGenOptLevel::Less;
    case 2: return llvm::CodeGenOptLevel::Default;
    default: return llvm::CodeGenOptLevel::Aggressive;
  }
}

bool isElf(std::string_view bytes) { return bytes.size() >= 4 && bytes.substr(0, 4) == "\x7f" "ELF"; }

}  // namespace

absl::StatusOr<std::string> smFor(int major, int minor) {
  const std::optional<absl::string_view> best = base::cudaSmFor(major, minor);
  if (!best)
    return absl::FailedPreconditionError(absl::StrCat("a GPU of compute capability ", major, ".", minor,
                                                      " is older than every SM Kiln compiles for (", allowedSms(),
                                                      ")"));
  return std::string(*best);
}

bool isCudaTriple(const std::string& triple) {
  const llvm::Triple t(triple);
  return t.getArch() == llvm::Triple::nvptx64 || t.getArch() == llvm::Triple::nvptx;
}

absl::Status checkTarget(const Target& target) {
  const llvm::Triple triple(target.triple);
  if (triple.getArch() != llvm::Triple::nvptx64 || triple.getOS() != llvm::Triple::CUDA)
    return absl::InvalidArgumentError(absl::StrCat("target triple '", target.triple,
                                                   "' is not allowed: the CUDA target is nvptx64-nvidia-cuda"));
  if (findSm(target.cpu) == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("'", target.cpu, "' is not a recognized processor for target '",
                                                   target.triple, "': expected one of ", allowedSms()));
  if (!target.features.empty())
    return absl::InvalidArgumentError(absl::StrCat("target feature '", target.features.front(),
                                                   "' is not allowed: the CUDA target takes none (the PTX "
                                                   "version comes with the SM)"));
  return absl::OkStatus();
}

int ptxIsaVersion(const std::string& sm) {
  const base::CudaSmRow* row = findSm(sm);
  return row ? row->ptx_isa : 0;
}

absl::StatusOr<std::unique_ptr<CudaBackend>> CudaBackend::create(const Target& target, int opt_level) {
  opt_level = std::clamp(opt_level, 0, 3);
  if (absl::Status s = checkTarget(target); !s.ok()) return s;
  cpu::initializeLlvmTargets();  // X86 and NVPTX
  std::string error;
  const llvm::Target* llvm_target = llvm::TargetRegistry::lookupTarget(target.triple, error);
  if (llvm_target == nullptr) return absl::InvalidArgumentError(error);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(llvm_target->createTargetMachine(
      target.triple, target.cpu, absl::StrCat("+ptx", ptxIsaVersion(target.cpu)), options, std::nullopt,
      std::nullopt, codegenOptLevel(opt_level)));
  if (tm == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("cannot create a target machine for '", target.triple, "'"));
  return std::unique_ptr<CudaBackend>(new CudaBackend(std::move(tm), target.cpu, opt_level));
}

CudaBackend::CudaBackend(std::unique_ptr<llvm::TargetMachine> tm, std::string sm, int opt_level)
    : tm_(std::move(tm)), sm_(std::move(sm)), opt_level_(opt_level) {}

CudaBackend::~CudaBackend() = default;

std::string CudaBackend::dataLayout() const { return tm_->createDataLayout().getStringRepresentation(); }

absl::Status CudaBackend::optimize(llvm::Module& module) {
  module.setTargetTriple(tm_->getTargetTriple().str());
  module.setDataLayout(tm_->createDataLayout());
  if (absl::Status s = linkLibdevice(module, kKernelSymbol); !s.ok()) return s;
  // NVPTX's pipeline-start callback adds NVVMReflect with this SM.
  return cpu::optimizeModule(module, *tm_, opt_level_);
}

absl::StatusOr<std::string> CudaBackend::emitObject(llvm::Module& module) { return emitAssembly(module); }

absl::StatusOr<std::string> CudaBackend::emitAssembly(llvm::Module& module) {
  return cpu::emitAssembly(module, *tm_);
}

absl::StatusOr<std::string> CudaBackend::link(std::string_view object) {
  absl::StatusOr<std::optional<Cubin>> cubin = buildCubin(object, sm_);
  if (!cubin.ok()) return cubin.status();
  if (!cubin->has_value()) {
    link_summary_ = absl::StrCat("; PTX ", object.size(), " bytes for ", sm_,
                                 " (no nvJitLink or ptxas: the driver compiles it at load)\n");
    return std::string(object);
  }
  Cubin& c = **cubin;
  if (!isElf(c.bytes)) return absl::InternalError(absl::StrCat(c.tool, " made something that is not an ELF cubin"));
  link_summary_ = absl::StrCat("; cubin ", c.bytes.size(), " bytes for ", sm_, " by ", c.tool, ", kernel ",
                               kKernelSymbol, "\n");
  for (absl::string_view line : absl::StrSplit(c.info_log, '\n'))
    if (!line.empty()) absl::StrAppend(&link_summary_, "; ", line, "\n");
  return std::move(c.bytes);
}

}  // namespace kiln::compiler::cuda
