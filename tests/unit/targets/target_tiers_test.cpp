// keys: the x86-64 target tiers (client/cpp/src/x86_tiers.def) are what
// LLVM means by those processor names, and the server's allow-list accepts
// each of them (docs/cache.md, "Target tiers").
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/targets/cpu/cpu_backend.h"
#include "compiler/targets/cpu/cpu_target.h"
#include "gtest/gtest.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Target/TargetMachine.h"

namespace kiln::compiler::cpu {
namespace {

struct Tier {
  std::string_view name, features;
};

constexpr Tier kTiers[] = {
#define KILN_X86_TIER(name, features) {name, features},
#include "client/cpp/src/x86_tiers.def"
};

constexpr char kTriple[] = "x86_64-unknown-linux-gnu";

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool hasFeature(const llvm::MCSubtargetInfo& sti, std::string_view name) {
  for (const llvm::SubtargetFeatureKV& kv : sti.getAllProcessorFeatures())
    if (name == kv.Key) return sti.getFeatureBits().test(kv.Value);
  ADD_FAILURE() << "LLVM has no feature '" << name << "'";
  return false;
}

std::unique_ptr<llvm::MCSubtargetInfo> subtarget(std::string_view cpu) {
  initializeLlvmTargets();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(kTriple, error);
  EXPECT_NE(target, nullptr) << error;
  return std::unique_ptr<llvm::MCSubtargetInfo>(target->createMCSubtargetInfo(kTriple, cpu, ""));
}

// Both spellings of a level: what the client sends (cpu "x86-64" and the
// level's features, cumulative) and LLVM's processor name.
TEST(TargetTiers, TheServerAcceptsEveryTierAndCompilesForIt) {
  std::vector<std::string> features;
  for (const Tier& t : kTiers) {
    for (const std::string& f : split(t.features)) features.push_back("+" + f);
    for (const compiler::Target& target : {compiler::Target{kTriple, "x86-64", features},
                                           compiler::Target{kTriple, std::string(t.name), {}}}) {
      EXPECT_TRUE(checkTarget(target).ok()) << t.name << ": " << checkTarget(target);
      absl::StatusOr<std::unique_ptr<llvm::TargetMachine>> tm = createTargetMachine(target, 3);
      ASSERT_TRUE(tm.ok()) << t.name << ": " << tm.status();
      llvm::LLVMContext context;
      llvm::Module module("tier", context);
      ASSERT_TRUE(emitObject(module, **tm).ok()) << t.name;
    }
  }
}

// NumPy's complex multiply loop fuses from its x86-64-v3 dispatch level up
// (docs/numpy.md "Complex multiplication and division"): the backend says so
// for the v3 and v4 tiers in both spellings and for a processor that has
// them, and not below v3 or with one of v3's features turned off.
TEST(TargetTiers, NumpyFusesComplexMultiplyFromV3Up) {
  auto fuses = [](const compiler::Target& target) {
    absl::StatusOr<std::unique_ptr<CpuBackend>> backend = CpuBackend::create(target, 2);
    EXPECT_TRUE(backend.ok()) << target.cpu << ": " << backend.status();
    return backend.ok() && (*backend)->numpyFusesComplexMultiply();
  };
  std::vector<std::string> features;
  for (size_t level = 0; level < std::size(kTiers); ++level) {
    for (const std::string& f : split(kTiers[level].features)) features.push_back("+" + f);
    bool v3 = level >= 2;
    EXPECT_EQ(fuses({kTriple, "x86-64", features}), v3) << kTiers[level].name;
    EXPECT_EQ(fuses({kTriple, std::string(kTiers[level].name), {}}), v3) << kTiers[level].name;
  }
  EXPECT_TRUE(fuses({kTriple, "haswell", {}}));
  EXPECT_FALSE(fuses({kTriple, "sandybridge", {}}));
  EXPECT_FALSE(fuses({kTriple, "x86-64-v3", {"-fma"}}));
}

// Each row's features are on for its level and every level above it, and a
// row adds at least one feature the level below it lacks: the client's check
// that a CPU runs a tier's code asks for what LLVM will use.
TEST(TargetTiers, RowsMatchLlvmsProcessors) {
  for (size_t level = 0; level < std::size(kTiers); ++level) {
    std::unique_ptr<llvm::MCSubtargetInfo> sti = subtarget(kTiers[level].name);
    ASSERT_NE(sti, nullptr);
    EXPECT_TRUE(sti->isCPUStringValid(kTiers[level].name)) << kTiers[level].name;
    for (size_t row = 0; row <= level; ++row)
      for (const std::string& f : split(kTiers[row].features))
        EXPECT_TRUE(hasFeature(*sti, f)) << kTiers[level].name << " lacks " << f;
    if (level + 1 < std::size(kTiers)) {
      bool lacks_one = false;
      for (const std::string& f : split(kTiers[level + 1].features))
        lacks_one |= !hasFeature(*sti, f);
      EXPECT_TRUE(lacks_one) << kTiers[level].name << " already has all of " << kTiers[level + 1].name;
    }
  }
}

// The vector features LLVM turns on for x86-64-v4 are all in the table (so a
// CPU the client lets run v4 code has every extension that code may use).
TEST(TargetTiers, TheTopTierNamesEveryVectorExtensionLlvmUses) {
  std::unique_ptr<llvm::MCSubtargetInfo> sti = subtarget("x86-64-v4");
  ASSERT_NE(sti, nullptr);
  std::vector<std::string> listed;
  for (const Tier& t : kTiers)
    for (const std::string& f : split(t.features)) listed.emplace_back(f);
  for (std::string_view f : {"sse3", "ssse3", "sse4.1", "sse4.2", "avx", "avx2", "fma", "f16c", "avx512f",
                             "avx512bw", "avx512cd", "avx512dq", "avx512vl", "avx512ifma", "avx512vnni",
                             "avx512vbmi", "bmi", "bmi2", "lzcnt", "popcnt", "movbe"}) {
    if (!hasFeature(*sti, f)) continue;
    EXPECT_NE(std::find(listed.begin(), listed.end(), f), listed.end()) << "x86-64-v4 uses " << f;
  }
}

}  // namespace
}  // namespace kiln::compiler::cpu
