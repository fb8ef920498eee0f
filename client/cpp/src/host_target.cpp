// The target a client compiles for: the exact host, or one of the x86-64
// micro-architecture levels (target tiers) that a cluster of mixed CPUs can
// share. See docs/cache.md, "Target tiers".
#include <cpuid.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kiln/client/client.h"

namespace kiln::client {
namespace {

constexpr std::string_view kTriple = "x86_64-unknown-linux-gnu";

struct Tier {
  std::string_view name;      // also LLVM's processor name
  std::string_view features;  // added at this level, space separated
};

constexpr Tier kTiers[] = {
#define KILN_X86_TIER(name, features) {name, features},
#include "x86_tiers.def"
};

// The features the CPU reports, as "+name" in LLVM's spelling.
std::vector<std::string> detectedFeatures() {
  __builtin_cpu_init();
  std::vector<std::string> features;
  // GCC's __builtin_cpu_supports name -> LLVM's feature name. The builtin
  // takes only string literals, hence the macro.
#define KILN_FEATURE(gcc_name, llvm_name) \
  if (__builtin_cpu_supports(gcc_name)) features.push_back("+" llvm_name);
  KILN_FEATURE("sse3", "sse3")
  KILN_FEATURE("ssse3", "ssse3")
  KILN_FEATURE("sse4.1", "sse4.1")
  KILN_FEATURE("sse4.2", "sse4.2")
  KILN_FEATURE("popcnt", "popcnt")
  KILN_FEATURE("aes", "aes")
  KILN_FEATURE("pclmul", "pclmul")
  KILN_FEATURE("avx", "avx")
  KILN_FEATURE("avx2", "avx2")
  KILN_FEATURE("fma", "fma")
  KILN_FEATURE("bmi", "bmi")
  KILN_FEATURE("bmi2", "bmi2")
  KILN_FEATURE("avx512f", "avx512f")
  KILN_FEATURE("avx512dq", "avx512dq")
  KILN_FEATURE("avx512cd", "avx512cd")
  KILN_FEATURE("avx512bw", "avx512bw")
  KILN_FEATURE("avx512vl", "avx512vl")
  KILN_FEATURE("avx512ifma", "avx512ifma")
  KILN_FEATURE("avx512vbmi", "avx512vbmi")
  KILN_FEATURE("avx512vnni", "avx512vnni")
#undef KILN_FEATURE
  // keys: the rest of the x86-64-v2/v3 levels (x86_tiers.def), so that the
  // host's feature list says which tiers it runs. Read from CPUID itself:
  // clang's __builtin_cpu_supports does not know these names (GCC's does).
  unsigned eax = 0, ebx = 0, ecx1 = 0, edx = 0, ecx_ext = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx1, &edx) == 0) ecx1 = 0;
  if (__get_cpuid(0x80000001u, &eax, &ebx, &ecx_ext, &edx) == 0) ecx_ext = 0;
  const struct {
    unsigned ecx;
    int bit;
    const char* name;
  } kCpuid[] = {{ecx1, 13, "+cx16"},   {ecx_ext, 0, "+sahf"},  {ecx1, 29, "+f16c"},
                {ecx_ext, 5, "+lzcnt"}, {ecx1, 22, "+movbe"}, {ecx1, 26, "+xsave"}};
  for (const auto& f : kCpuid)
    if ((f.ecx >> f.bit) & 1u) features.push_back(f.name);
  return features;
}

// Debian's Abseil has its own string_view: split by hand.
std::vector<std::string> split(std::string_view text, std::string_view separators) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(separators, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

const Tier* findTier(std::string_view name) {
  for (const Tier& t : kTiers)
    if (t.name == name) return &t;
  return nullptr;
}

// Every feature (without '+') code for tier `tier` may use: its row and the
// rows above it.
std::vector<std::string> tierFeatures(const Tier& tier) {
  std::vector<std::string> out;
  for (const Tier& t : kTiers) {
    for (std::string& f : split(t.features, " ")) out.push_back(std::move(f));
    if (&t == &tier) break;
  }
  return out;
}

bool hasAll(const std::vector<std::string>& host, const std::vector<std::string>& needed,
            std::vector<std::string>* missing) {
  for (const std::string& f : needed)
    if (std::find(host.begin(), host.end(), "+" + f) == host.end()) missing->push_back(f);
  return missing->empty();
}

std::string tierNames() {
  std::vector<std::string> names = {"host"};
  for (const Tier& t : kTiers) names.emplace_back(t.name);
  names.emplace_back("best");
  return absl::StrJoin(names, ", ");
}

kiln::v1::Target cpuTarget(std::string_view cpu, const std::vector<std::string>& features) {
  kiln::v1::Target target;
  target.set_triple(std::string(kTriple));
  target.set_cpu(std::string(cpu));
  for (const std::string& f : features) target.add_features(f);
  return target;
}

// A level as the generic x86-64 processor with exactly the level's features:
// the same key on every CPU of the level, and the same code generation
// (generic tuning) as the host tier. LLVM's processors "x86-64-v3"/"v4"
// tune differently: x86-64-v4 prefers 256-bit vectors where the host tier
// uses 512-bit ones (docs/cache.md, "Target tiers").
kiln::v1::Target levelTarget(const Tier& tier) {
  std::vector<std::string> features;
  for (const std::string& f : tierFeatures(tier)) features.push_back("+" + f);
  std::sort(features.begin(), features.end());
  return cpuTarget("x86-64", features);
}

}  // namespace

std::vector<std::string> hostFeatures() {
  std::vector<std::string> features;
  if (const char* fake = std::getenv("KILN_TEST_HOST_FEATURES"); fake != nullptr) {
    // Tests only: pretend to be a CPU with exactly these features.
    for (std::string& f : split(fake, ", ")) features.push_back(f.front() == '+' ? f : "+" + f);
  } else {
    features = detectedFeatures();
  }
  std::sort(features.begin(), features.end());
  features.erase(std::unique(features.begin(), features.end()), features.end());
  return features;
}

kiln::v1::Target hostTarget() { return cpuTarget("x86-64", hostFeatures()); }

std::string bestTier() {
  const std::vector<std::string> host = hostFeatures();
  std::string_view best = kTiers[0].name;
  for (const Tier& t : kTiers) {
    std::vector<std::string> missing;
    if (hasAll(host, tierFeatures(t), &missing)) best = t.name;
  }
  return std::string(best);
}

absl::StatusOr<kiln::v1::Target> tierTarget(std::string_view tier) {
  std::string from_env;
  if (tier.empty()) {
    const char* env = std::getenv("KILN_TARGET_TIER");
    if (env != nullptr && *env != '\0') {
      from_env = env;
      tier = from_env;
    } else {
      tier = kDefaultTargetTier;
    }
  }
  if (tier == "host") return hostTarget();
  std::string best;
  if (tier == "best") tier = best = bestTier();
  if (const Tier* t = findTier(tier)) return levelTarget(*t);
  return absl::InvalidArgumentError(absl::StrCat(from_env.empty() ? "" : "KILN_TARGET_TIER: ", "'", std::string(tier),
                                                 "' is not a target tier: expected one of ", tierNames()));
}

absl::Status checkRunsHere(const kiln::v1::Target& target) {
  if (target.triple() != kTriple) return absl::OkStatus();  // not code this client loads as x86_64
  const Tier* tier = findTier(target.cpu());
  if (tier == nullptr)
    return absl::FailedPreconditionError(
        absl::StrCat("cannot tell whether this CPU runs code built for cpu '", target.cpu(),
                     "': a client loads code for one of ", tierNames(), " only"));
  std::vector<std::string> needed = tierFeatures(*tier);
  for (const std::string& f : target.features())
    if (!f.empty() && f.front() == '+') needed.push_back(f.substr(1));
  std::vector<std::string> missing;
  if (hasAll(hostFeatures(), needed, &missing)) return absl::OkStatus();
  std::string what = absl::StrCat("cpu '", target.cpu(), "' with features ", absl::StrJoin(target.features(), ","));
  if (target.features_size() == 0) what = absl::StrCat("target tier '", target.cpu(), "'");
  for (const Tier& t : kTiers)
    if (levelTarget(t).SerializeAsString() == target.SerializeAsString())
      what = absl::StrCat("target tier '", std::string(t.name), "'");
  return absl::FailedPreconditionError(absl::StrCat("this CPU cannot run code built for ", what, ": it lacks ",
                                                    absl::StrJoin(missing, ", "),
                                                    " (choose a lower tier, or 'best' for the best this CPU runs)"));
}

}  // namespace kiln::client
