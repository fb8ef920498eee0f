#include "compiler/targets/cpu/cpu_target.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <system_error>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "compiler/targets/cpu/llvm_error.h"
#include "lld/Common/Driver.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

LLD_HAS_DRIVER(elf)

namespace kiln::compiler::cpu {
namespace {

int clampOptLevel(int opt_level) { return opt_level < 0 ? 0 : opt_level > 3 ? 3 : opt_level; }

llvm::CodeGenOptLevel codegenOptLevel(int opt_level) {
  switch (clampOptLevel(opt_level)) {
    case 0: return llvm::CodeGenOptLevel::None;
    case 1: return llvm::CodeGenOptLevel::Less;
    case 2: return llvm::CodeGenOptLevel::Default;
    default: return llvm::CodeGenOptLevel::Aggressive;
  }
}

llvm::OptimizationLevel passOptLevel(int opt_level) {
  switch (clampOptLevel(opt_level)) {
    case 0: return llvm::OptimizationLevel::O0;
    case 1: return llvm::OptimizationLevel::O1;
    case 2: return llvm::OptimizationLevel::O2;
    default: return llvm::OptimizationLevel::O3;
  }
}

// LLVM accepts an unknown CPU or feature with a warning on stderr and
// generates baseline code; a compile server must refuse it instead, since the
// cache key would claim a target the code was not built for.
absl::Status checkCpuAndFeatures(const llvm::Target& llvm_target, const compiler::Target& target) {
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      llvm_target.createMCSubtargetInfo(target.triple, "", ""));
  if (sti == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("no subtarget info for '", target.triple, "'"));
  }
  if (!target.cpu.empty() && !sti->isCPUStringValid(target.cpu)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", target.cpu, "' is not a recognized processor for target '", target.triple, "'"));
  }
  for (const std::string& feature : target.features) {
    std::string_view name = feature;
    if (!name.empty() && (name.front() == '+' || name.front() == '-')) name.remove_prefix(1);
    bool known = false;
    for (const llvm::SubtargetFeatureKV& kv : sti->getAllProcessorFeatures()) {
      if (name == kv.Key) known = true;
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", feature, "' is not a recognized feature for target '", target.triple, "'"));
    }
  }
  return absl::OkStatus();
}

struct X86Feature {
  std::string_view name;
  bool baseline;
};

constexpr X86Feature kX86Features[] = {
#define KILN_X86_FEATURE(name, baseline) {name, baseline},
#include "compiler/targets/cpu/x86_features.def"
};

const X86Feature* findX86Feature(std::string_view name) {
  for (const X86Feature& f : kX86Features)
    if (f.name == name) return &f;
  return nullptr;
}

// The bit of a named feature in `sti`'s feature table, if LLVM knows it.
std::optional<unsigned> featureBit(const llvm::MCSubtargetInfo& sti, std::string_view name) {
  for (const llvm::SubtargetFeatureKV& kv : sti.getAllProcessorFeatures())
    if (name == kv.Key) return kv.Value;
  return std::nullopt;
}

// The x86-64 allow-list: known-good processors and feature sets only, since
// some combinations LLVM accepts end the process in code generation (a
// processor without 64-bit mode: "64-bit code requested on a subtarget that
// doesn't support it"; no SSE2: "SSE register return with SSE disabled").
absl::Status checkX86Target(const llvm::Target& llvm_target, const compiler::Target& target) {
  for (const std::string& feature : target.features) {
    std::string_view name = feature;
    const char sign = name.empty() ? '\0' : name.front();
    if (sign != '+' && sign != '-')
      return absl::InvalidArgumentError(
          absl::StrCat("target feature '", feature, "' must start with '+' (on) or '-' (off)"));
    name.remove_prefix(1);
    const X86Feature* allowed = findX86Feature(name);
    if (allowed == nullptr)
      return absl::InvalidArgumentError(
          absl::StrCat("target feature '", feature,
                       "' is not allowed: only instruction-set extensions may be turned on or off"));
    if (allowed->baseline && sign == '-')
      return absl::InvalidArgumentError(absl::StrCat("target feature '", feature,
                                                     "' is not allowed: every x86_64 target needs '",
                                                     std::string(name), "' (the x86-64 baseline)"));
  }
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      llvm_target.createMCSubtargetInfo(target.triple, target.cpu, absl::StrJoin(target.features, ",")));
  if (sti == nullptr) return absl::InvalidArgumentError(absl::StrCat("no subtarget info for '", target.triple, "'"));
  for (const X86Feature& f : kX86Features) {
    if (!f.baseline) continue;
    std::optional<unsigned> bit = featureBit(*sti, f.name);
    if (!bit || !sti->getFeatureBits().test(*bit))
      return absl::InvalidArgumentError(absl::StrCat("target cpu '", target.cpu,
                                                     "' is not allowed: it lacks '", std::string(f.name),
                                                     "', which every x86_64 target needs"));
  }
  return absl::OkStatus();
}

void adoptTarget(llvm::Module& module, llvm::TargetMachine& tm) {
  module.setTargetTriple(tm.getTargetTriple().str());
  module.setDataLayout(tm.createDataLayout());
}

absl::StatusOr<std::string> emit(llvm::Module& module, llvm::TargetMachine& tm,
                                 llvm::CodeGenFileType type) {
  if (module.getTargetTriple().empty()) adoptTarget(module, tm);
  std::string problems;
  llvm::raw_string_ostream problems_os(problems);
  if (llvm::verifyModule(module, &problems_os)) {
    return absl::InternalError(absl::StrCat("invalid LLVM module: ", problems));
  }
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr, type)) {
    return absl::InternalError(
        absl::StrCat("target '", tm.getTargetTriple().str(), "' cannot emit this file type"));
  }
  // After a recovered fatal error the pass manager is destroyed as usual:
  // leaking it instead cost ~240 KiB per recovery, which a client could
  // repeat at will; destroying it was measured stable (160 recoveries in one
  // server, 4-15 KiB of growth each: bench/fatal_error_recovery.py).
  if (absl::Status status = runGuarded(module.getContext(), "code generation", [&] { pm.run(module); });
      !status.ok())
    return status;
  return std::string(buffer.str());
}

// The directory holding libm.so.6 differs between distributions; the shared
// object names it by soname only, so any copy with the right ABI will do.
std::optional<std::string> findLibm() {
  for (const char* path : {"/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6",
                           "/lib64/libm.so.6", "/usr/lib64/libm.so.6"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) return path;
  }
  return std::nullopt;
}

// A private directory for one link's files, removed with everything in it.
class TempDir {
 public:
  static absl::StatusOr<TempDir> create() {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string pattern = (base / "kiln-link-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("cannot create a temporary directory in ", base.string()));
    }
    return TempDir(pattern);
  }
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

absl::Status writeFile(const std::filesystem::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

absl::StatusOr<std::string> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InternalError(absl::StrCat("cannot read ", path.string()));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// lld reports a malformed input with fatal(), after which lld::lldMain says
// it cannot safely run again; so reject anything that is not a well-formed
// ELF64 relocatable before lld sees it.
absl::Status checkRelocatable(std::string_view object) {
  llvm::MemoryBufferRef buffer(llvm::StringRef(object.data(), object.size()), "object");
  llvm::Expected<std::unique_ptr<llvm::object::ObjectFile>> file =
      llvm::object::ObjectFile::createObjectFile(buffer);
  if (!file) return toStatus(file.takeError(), absl::StatusCode::kInternal, "cannot link");
  const auto* elf = llvm::dyn_cast<llvm::object::ELF64LEObjectFile>(file->get());
  if (elf == nullptr || elf->getELFFile().getHeader().e_type != llvm::ELF::ET_REL) {
    return absl::InternalError("cannot link: not an ELF64 little-endian relocatable object");
  }
  for (const llvm::object::SectionRef& section : elf->sections()) {
    if (llvm::Expected<llvm::StringRef> contents = section.getContents(); !contents) {
      return toStatus(contents.takeError(), absl::StatusCode::kInternal, "cannot link");
    }
  }
  return absl::OkStatus();
}

// lld keeps its state in globals, so two links at once corrupt each other.
// After a link that lld says cannot be followed by another (it crashed and
// recovered), every later link fails instead of risking memory corruption.
absl::Mutex link_mutex;
bool linker_poisoned ABSL_GUARDED_BY(link_mutex) = false;

// LLVM 19 vectorises the remainder of a vectorised loop (the epilogue) only
// when the main loop's vectorisation factor is at least 16 lanes, which no
// float64 or int64 loop reaches with AVX2 (4 lanes, interleaved 4 times):
// their remainder, up to 15 iterations, ran scalar. From 4 lanes on, the
// remainder now runs in vectors of 2 first. Later LLVMs (Numba 0.68's LLVM 22)
// weigh the interleaved width instead and do this by default; see
// docs/performance.md, "Loop remainders". It is a process-wide LLVM option,
// set once, before any compile, from the one place that initialises LLVM: a
// fixed part of the compiler's build (so of the cache key's build id), never
// of a request. It is set as the option's default, not as an occurrence:
// lld's driver, run in this process for every link, resets every LLVM option
// to its default (cl::ResetAllOptionOccurrences) before parsing its -mllvm
// flags, which would undo an occurrence after the first link.
static_assert(LLVM_VERSION_MAJOR == 19,
              "re-check epilogue-vectorization-minimum-VF: its type (cl::opt<unsigned> in LLVM 19's "
              "LoopVectorize.cpp) and whether the new LLVM still needs it");
constexpr char kEpilogueMinVfOption[] = "epilogue-vectorization-minimum-VF";
constexpr unsigned kEpilogueMinVf = 4;

void tuneLlvmOptions() {
  llvm::StringMap<llvm::cl::Option*>& options = llvm::cl::getRegisteredOptions();
  auto it = options.find(kEpilogueMinVfOption);
  // Absent only if the loop vectoriser were not linked in; then nothing to tune.
  if (it == options.end()) return;
  static_cast<llvm::cl::opt<unsigned>*>(it->second)->setInitialValue(kEpilogueMinVf);
}

}  // namespace

void initializeLlvmTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeX86AsmParser();
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
    installLlvmErrorHandlers();
    tuneLlvmOptions();
  });
}

namespace {

absl::StatusOr<const llvm::Target*> lookupAllowedTarget(const compiler::Target& target) {
  initializeLlvmTargets();
  if (absl::Status status = checkTargetAllowed(target); !status.ok()) return status;
  std::string error;
  const llvm::Target* llvm_target = llvm::TargetRegistry::lookupTarget(target.triple, error);
  if (llvm_target == nullptr) return absl::InvalidArgumentError(error);
  if (absl::Status status = checkCpuAndFeatures(*llvm_target, target); !status.ok()) return status;
  if (llvm::Triple(target.triple).getArch() == llvm::Triple::x86_64) {
    if (absl::Status status = checkX86Target(*llvm_target, target); !status.ok()) return status;
  }
  return llvm_target;
}

}  // namespace

absl::Status checkTarget(const compiler::Target& target) { return lookupAllowedTarget(target).status(); }

absl::StatusOr<std::unique_ptr<llvm::TargetMachine>> createTargetMachine(
    const compiler::Target& target, int opt_level) {
  absl::StatusOr<const llvm::Target*> llvm_target_or = lookupAllowedTarget(target);
  if (!llvm_target_or.ok()) return llvm_target_or.status();
  const llvm::Target* llvm_target = *llvm_target_or;
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(llvm_target->createTargetMachine(
      target.triple, target.cpu, absl::StrJoin(target.features, ","), options, llvm::Reloc::PIC_,
      llvm::CodeModel::Small, codegenOptLevel(opt_level)));
  if (tm == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create a target machine for '", target.triple, "'"));
  }
  return tm;
}

absl::Status checkTargetAllowed(const compiler::Target& target) {
  const llvm::Triple triple(target.triple);
  const bool x86_linux = triple.getArch() == llvm::Triple::x86_64 && triple.isOSLinux() &&
                         (triple.getEnvironment() == llvm::Triple::GNU ||
                          triple.getEnvironment() == llvm::Triple::UnknownEnvironment);
  const bool ptx = triple.getArch() == llvm::Triple::nvptx64 && triple.getOS() == llvm::Triple::CUDA;
  if (!x86_linux && !ptx)
    return absl::InvalidArgumentError(
        absl::StrCat("target triple '", target.triple,
                     "' is not allowed: this server compiles for x86_64 Linux (x86_64-unknown-linux-gnu)"
                     " and PTX (nvptx64-nvidia-cuda)"));
  return absl::OkStatus();
}

absl::Status optimizeModule(llvm::Module& module, llvm::TargetMachine& tm, int opt_level) {
  adoptTarget(module, tm);
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);  // registers the target's TTI and pass callbacks
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = passOptLevel(opt_level);
  llvm::ModulePassManager mpm;
  if (level != llvm::OptimizationLevel::O0 && largestFunction(module) > kLargeFunctionInstructions) {
    // The large-function tier: passes whose cost is linear in the function,
    // and fast instruction selection and register allocation, which are
    // linear where the optimising ones are not (see docs/compile-time.md).
    if (llvm::Error e = pb.parsePassPipeline(mpm, kLargeFunctionPipeline)) {
      llvm::consumeError(std::move(e));  // a constant, tested: cannot happen
      mpm = pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0);
    }
    tm.setOptLevel(llvm::CodeGenOptLevel::None);
  } else {
    mpm = level == llvm::OptimizationLevel::O0 ? pb.buildO0DefaultPipeline(level)
                                               : pb.buildPerModuleDefaultPipeline(level);
  }
  return runGuarded(module.getContext(), "optimisation", [&] { mpm.run(module, mam); });
}

size_t largestFunction(const llvm::Module& module) {
  size_t most = 0;
  for (const llvm::Function& f : module) most = std::max<size_t>(most, f.getInstructionCount());
  return most;
}

absl::StatusOr<std::string> emitObject(llvm::Module& module, llvm::TargetMachine& tm) {
  return emit(module, tm, llvm::CodeGenFileType::ObjectFile);
}

absl::StatusOr<std::string> emitAssembly(llvm::Module& module, llvm::TargetMachine& tm) {
  return emit(module, tm, llvm::CodeGenFileType::AssemblyFile);
}

absl::StatusOr<std::string> linkSharedObject(std::string_view object, std::string_view soname) {
  if (absl::Status status = checkRelocatable(object); !status.ok()) return status;
  std::optional<std::string> libm = findLibm();
  if (!libm) return absl::FailedPreconditionError("libm.so.6 not found; cannot link shared objects");
  absl::StatusOr<TempDir> dir = TempDir::create();
  if (!dir.ok()) return dir.status();
  const std::string input = (dir->path() / "input.o").string();
  const std::string output = (dir->path() / "output.so").string();
  if (absl::Status status = writeFile(input, object); !status.ok()) return status;

  const std::string soname_arg(soname);
  // -O1: merge identical strings; --threads=1: links are serialized and tiny,
  // and lld's thread pool doubles the time of each one (1.4 ms vs 0.6 ms);
  // --no-as-needed: record libm even when this object does not call into it,
  // so loading never depends on what the host process already has.
  std::vector<const char*> args = {
      "ld.lld", "-shared", "-soname", soname_arg.c_str(), "-o", output.c_str(),
      "-z", "now", "-z", "noexecstack", "--hash-style=gnu", "-O1", "--eh-frame-hdr", "--threads=1",
      input.c_str(), "--no-as-needed", libm->c_str()};
  std::string out_text, err_text;
  llvm::raw_string_ostream out_os(out_text), err_os(err_text);
  {
    absl::MutexLock lock(&link_mutex);
    // Without an enabled recovery context, an lld fatal() calls _exit().
    static const bool recovery_enabled = (llvm::CrashRecoveryContext::Enable(), true);
    (void)recovery_enabled;
    if (linker_poisoned) {
      return absl::InternalError("the in-process linker crashed earlier and cannot run again");
    }
    lld::Result result = lld::lldMain(args, out_os, err_os, {{lld::Gnu, &lld::elf::link}});
    if (!result.canRunAgain) linker_poisoned = true;
    if (result.retCode != 0 || !result.canRunAgain) {
      return absl::InternalError(absl::StrCat("lld failed (exit ", result.retCode,
                                              result.canRunAgain ? "" : ", cannot run again",
                                              "): ", err_os.str(), out_os.str()));
    }
  }
  return readFile(output);
}

}  // namespace kiln::compiler::cpu
