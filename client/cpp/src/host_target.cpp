#include <algorithm>

#include "kiln/client/client.h"

namespace kiln::client {

kiln::v1::Target hostTarget() {
  kiln::v1::Target target;
  target.set_triple("x86_64-unknown-linux-gnu");
  target.set_cpu("x86-64");
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
  std::sort(features.begin(), features.end());
  for (std::string& f : features) target.add_features(std::move(f));
  return target;
}

}  // namespace kiln::client
