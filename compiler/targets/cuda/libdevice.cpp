#include "compiler/targets/cuda/libdevice.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/targets/cpu/llvm_error.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/MemoryBuffer.h"

namespace kiln::compiler::cuda {
namespace {

std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* file = getenv("KILN_LIBDEVICE"); file && *file) out.push_back(file);
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* home = getenv(var); home && *home)
      out.push_back(absl::StrCat(home, "/nvvm/libdevice/libdevice.10.bc"));
  out.push_back("/usr/local/cuda/nvvm/libdevice/libdevice.10.bc");
  return out;
}

// The bitcode, read once per process (about 470 KB); loaded lazily per
// compile into that compile's LLVMContext.
struct Bitcode {
  std::string path;
  std::string bytes;
};

const Bitcode& libdeviceBitcode() {
  static const Bitcode bitcode = [] {
    Bitcode b;
    b.path = findLibdevice();
    if (b.path.empty()) return b;
    std::ifstream in(b.path, std::ios::binary);
    b.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return b;
  }();
  return bitcode;
}

}  // namespace

std::string findLibdevice() {
  for (const std::string& path : candidates()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) return path;
  }
  return "";
}

absl::Status linkLibdevice(llvm::Module& module, const std::string& keep) {
  std::vector<std::string> wanted;
  for (const llvm::Function& f : module)
    if (f.isDeclaration() && f.getName().starts_with("__nv_")) wanted.push_back(f.getName().str());
  if (wanted.empty()) return absl::OkStatus();
  const Bitcode& bitcode = libdeviceBitcode();
  if (bitcode.bytes.empty())
    return absl::FailedPreconditionError(absl::StrCat(
        "the kernel calls libdevice (", wanted.front(), ") but libdevice.10.bc was not found (looked in ",
        absl::StrJoin(candidates(), ", "), "); set KILN_LIBDEVICE or CUDA_HOME"));
  llvm::MemoryBufferRef buffer(llvm::StringRef(bitcode.bytes.data(), bitcode.bytes.size()), bitcode.path);
  // Lazily: the linker materializes only the functions the kernel reaches
  // (parsing all of libdevice cost ~30 ms a compile).
  llvm::Expected<std::unique_ptr<llvm::Module>> parsed = llvm::getLazyBitcodeModule(buffer, module.getContext());
  if (!parsed) return cpu::toStatus(parsed.takeError(), absl::StatusCode::kInternal, "cannot read libdevice");
  std::unique_ptr<llvm::Module> libdevice = std::move(*parsed);
  libdevice->setTargetTriple(module.getTargetTriple());  // libdevice's own says nvptx64-nvidia-gpulibs
  libdevice->setDataLayout(module.getDataLayout());
  if (llvm::Linker::linkModules(module, std::move(libdevice), llvm::Linker::Flags::LinkOnlyNeeded))
    return absl::InternalError("cannot link libdevice into the kernel module");
  for (const std::string& name : wanted) {
    const llvm::Function* f = module.getFunction(name);
    if (f == nullptr || f->isDeclaration())
      return absl::InternalError(absl::StrCat("libdevice (", bitcode.path, ") does not define '", name, "'"));
  }
  for (llvm::Function& f : module)
    if (!f.isDeclaration() && f.getName() != keep) f.setLinkage(llvm::GlobalValue::InternalLinkage);
  module.addModuleFlag(llvm::Module::Override, "nvvm-reflect-ftz", static_cast<uint32_t>(0));
  return absl::OkStatus();
}

}  // namespace kiln::compiler::cuda
