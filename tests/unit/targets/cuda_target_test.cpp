// cuda: which SM a GPU's kernels are compiled for (GpuService::targetFor):
// its own when allowed, else the newest allowed one below it; never the
// arch-specific sm_90a for another GPU; a GPU older than the allow-list is
// refused. The rows are base/cuda_sms.def's.
#include <string>

#include "compiler/driver/target_registry.h"
#include "compiler/targets/cuda/cuda_backend.h"
#include "gtest/gtest.h"

namespace kiln::compiler {
namespace {

std::string smOf(int major, int minor) {
  absl::StatusOr<Target> t = cudaTargetFor(major, minor);
  if (!t.ok()) return std::string(t.status().message());
  EXPECT_EQ(t->triple, "nvptx64-nvidia-cuda");
  EXPECT_TRUE(t->features.empty());
  EXPECT_TRUE(checkTarget(*t).ok()) << t->cpu;  // what it picks, the allow-list accepts
  return t->cpu;
}

TEST(CudaTarget, AGpuGetsItsOwnSmWhenAllowed) {
  EXPECT_EQ(smOf(7, 5), "sm_75");
  EXPECT_EQ(smOf(8, 0), "sm_80");
  EXPECT_EQ(smOf(8, 6), "sm_86");
  EXPECT_EQ(smOf(8, 7), "sm_87");
  EXPECT_EQ(smOf(8, 9), "sm_89");
  EXPECT_EQ(smOf(9, 0), "sm_90");  // not sm_90a: its code runs on no other GPU
}

TEST(CudaTarget, ANewerGpuGetsTheNewestAllowedSmBelowIt) {
  EXPECT_EQ(smOf(8, 8), "sm_87");
  EXPECT_EQ(smOf(10, 0), "sm_90");  // PTX runs forward through the driver's JIT
  EXPECT_EQ(smOf(12, 0), "sm_90");
}

TEST(CudaTarget, AGpuOlderThanTheAllowListIsRefused) {
  absl::StatusOr<Target> t = cudaTargetFor(7, 0);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(t.status().message().find("compute capability 7.0"), std::string_view::npos) << t.status();
  EXPECT_NE(t.status().message().find("sm_75"), std::string_view::npos) << t.status();
  EXPECT_FALSE(cudaTargetFor(0, 0).ok());  // the emulation's "no GPU"
}

}  // namespace
}  // namespace kiln::compiler
