// cuda: runtime/cuda/kiln_cuda.h without a GPU: the kernel parameter
// layouts against hand-computed ones (docs/cuda.md "ABI"), and a missing or
// stub libcuda refused with a sentence instead of a crash.
#include "kiln_cuda.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace {

using Params = std::vector<std::pair<uint32_t, uint32_t>>;  // (offset, size)

struct Layout {
  std::string why;
  KilnCudaLayout* layout = nullptr;
  explicit Layout(const char* spec) {
    char buf[256] = {0};
    layout = kiln_cuda_layout_new(spec, buf, sizeof buf);
    why = buf;
  }
  ~Layout() { kiln_cuda_layout_free(layout); }
  Params params() const {
    Params out;
    for (uint32_t k = 0; k < layout->nparams; ++k) out.emplace_back(layout->params[k].offset, layout->params[k].size);
    return out;
  }
};

TEST(CudaLayout, ArraysAreDataShapesAndStrides) {
  // vec_add(float32[:], float32[:], float32[:]): 3 x (data, shape0, stride0).
  Layout l("A1A1A1");
  ASSERT_NE(l.layout, nullptr) << l.why;
  EXPECT_EQ(l.params(), (Params{{0, 8}, {8, 8}, {16, 8}, {24, 8}, {32, 8}, {40, 8}, {48, 8}, {56, 8}, {64, 8}}));
  EXPECT_EQ(l.layout->nbytes, 72u);
}

TEST(CudaLayout, ScalarsSitAtTheirNaturalAlignment) {
  // (int8, float64[:, :], int32, bool, float32, complex64, int16, uint64)
  Layout l("i1A2i4b1f4c8i2u8");
  ASSERT_NE(l.layout, nullptr) << l.why;
  EXPECT_EQ(l.params(), (Params{{0, 1},                                         // int8
                                {8, 8}, {16, 8}, {24, 8}, {32, 8}, {40, 8},     // data, 2 shapes, 2 strides
                                {48, 4},                                        // int32
                                {52, 1},                                        // bool
                                {56, 4},                                        // float32
                                {60, 4}, {64, 4},                               // complex64: re, im
                                {68, 2},                                        // int16
                                {72, 8}}));                                     // uint64
  EXPECT_EQ(l.layout->nbytes, 80u);
}

TEST(CudaLayout, TuplesAreTheirItemsAndZeroDimArraysTheirData) {
  Layout l("(i8f8)A0(c16)M8");
  ASSERT_NE(l.layout, nullptr) << l.why;
  EXPECT_EQ(l.params(), (Params{{0, 8}, {8, 8}, {16, 8}, {24, 8}, {32, 8}, {40, 8}}));
  Layout empty("");
  ASSERT_NE(empty.layout, nullptr);
  EXPECT_EQ(empty.layout->nparams, 0u);
  EXPECT_EQ(empty.layout->nbytes, 0u);
}

TEST(CudaLayout, BadSpecsAreRefused) {
  for (const char* spec : {"x", "i3", "f1", "c4", "A", "(i8", "i8)", "A99"}) {
    Layout l(spec);
    EXPECT_EQ(l.layout, nullptr) << spec;
    EXPECT_NE(l.why.find("bad kernel parameter spec"), std::string::npos) << l.why;
  }
}

TEST(CudaDriver, AMissingDriverIsACleanError) {
  char why[512] = {0};
  EXPECT_EQ(kiln_cuda_open("/nonexistent/libcuda.so.1", why, sizeof why), KILN_CUDA_ERROR_NOT_LOADED);
  EXPECT_NE(std::string(why).find("cannot load the CUDA driver (/nonexistent/libcuda.so.1)"), std::string::npos)
      << why;
  EXPECT_FALSE(kiln_cuda_loaded());
  EXPECT_EQ(kiln_cuda_function("cuLaunchKernel"), nullptr);
  const uint32_t one[3] = {1, 1, 1};
  Layout l("");
  EXPECT_EQ(kiln_cuda_launch(nullptr, one, one, 0, nullptr, l.layout, nullptr), KILN_CUDA_ERROR_NOT_LOADED);
  char text[256];
  kiln_cuda_error_text(KILN_CUDA_ERROR_ILLEGAL_ADDRESS, text, sizeof text);
  EXPECT_EQ(std::string(text).rfind("CUDA_ERROR_ILLEGAL_ADDRESS", 0), 0u) << text;
}

TEST(CudaDriver, TheToolkitsStubLibraryIsNotADriver) {
  const char* home = std::getenv("CUDA_HOME");
  const std::string stub = std::string(home ? home : "/usr/local/cuda") + "/lib64/stubs/libcuda.so";
  if (FILE* f = std::fopen(stub.c_str(), "rb")) {
    std::fclose(f);
  } else {
    GTEST_SKIP() << "no CUDA toolkit stub at " << stub;
  }
  char why[512] = {0};
  const int r = kiln_cuda_open(stub.c_str(), why, sizeof why);
  EXPECT_NE(r, KILN_CUDA_SUCCESS);
  EXPECT_FALSE(kiln_cuda_loaded());
  // The stub's cuInit says CUDA_ERROR_STUB_LIBRARY (or it lacks a symbol).
  EXPECT_TRUE(std::string(why).find("stub library") != std::string::npos ||
              std::string(why).find("has no") != std::string::npos)
      << why;
}

}  // namespace
