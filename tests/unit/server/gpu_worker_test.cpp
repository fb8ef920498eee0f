// gpu: the GPU worker's request handling (server/gpu_worker.h) on the
// emulation device, the launch argument checks of the service
// (server/gpu_service.h), and the driver backend as far as a machine without
// a GPU allows (runtime/cuda/device.h). tests/integration/test_cuda_remote.py
// runs the whole path with real kernels.
#include "server/gpu_worker.h"

#include <cstdio>
#include <cstdlib>

#include "gtest/gtest.h"
#include "runtime/cuda/arg_spec.h"
#include "runtime/cuda/kiln_cuda.h"
#include "server/gpu_service.h"

namespace kiln::server {
namespace {

namespace pb = kiln::v1;

pb::ArrayView view(uint32_t itemsize, std::vector<int64_t> shape, std::vector<int64_t> strides, uint64_t offset = 0) {
  pb::ArrayView v;
  v.set_itemsize(itemsize);
  for (int64_t n : shape) v.add_shape(n);
  for (int64_t s : strides) v.add_strides(s);
  v.set_offset(offset);
  return v;
}

TEST(GpuWorkerView, AViewMustStayInsideItsBuffer) {
  EXPECT_TRUE(checkView(view(8, {10}, {8}), 80, "a").ok());
  EXPECT_TRUE(checkView(view(8, {10}, {-8}, 72), 80, "a").ok());     // reversed
  EXPECT_TRUE(checkView(view(4, {3, 4}, {16, 4}), 48, "a").ok());
  EXPECT_TRUE(checkView(view(4, {0, 4}, {16, 4}, 48), 48, "a").ok());  // empty: reaches nothing
  EXPECT_TRUE(checkView(view(8, {}, {}), 8, "a").ok());                // 0-d
  EXPECT_TRUE(checkView(view(8, {5}, {0}), 8, "a").ok());              // broadcast
  const absl::Status past = checkView(view(8, {11}, {8}), 80, "argument 0");
  EXPECT_EQ(past.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(past.message(), "argument 0: the array's elements reach bytes [0, 88) of a 80-byte buffer");
  EXPECT_FALSE(checkView(view(8, {10}, {-8}, 64), 80, "a").ok());  // reaches byte -8
  EXPECT_FALSE(checkView(view(8, {10}, {8}, 8), 80, "a").ok());
  EXPECT_FALSE(checkView(view(8, {1}, {8}, 81), 80, "a").ok());
  EXPECT_FALSE(checkView(view(0, {1}, {8}), 80, "a").ok());
  EXPECT_FALSE(checkView(view(8, {2, 2}, {8}), 80, "a").ok());
  EXPECT_FALSE(checkView(view(8, {-1}, {8}), 80, "a").ok());
  EXPECT_FALSE(checkView(view(8, {int64_t{1} << 50}, {8}), 80, "a").ok());
  EXPECT_FALSE(checkView(view(8, {3, 3}, {int64_t{1} << 47, -(int64_t{1} << 47)}), 80, "a").ok());
}

TEST(GpuServiceSpec, ArgumentTypesMapToParameterSpecs) {
  int size = 0;
  EXPECT_EQ(*launchSpec("array(float32, 2d, C)", &size), "A2");
  EXPECT_EQ(size, 4);
  EXPECT_EQ(*launchSpec("readonly array(int16, 1d, A)", &size), "A1");
  EXPECT_EQ(size, 2);
  EXPECT_EQ(*launchSpec("int32", &size), "i4");
  EXPECT_EQ(*launchSpec("uint64", &size), "u8");
  EXPECT_EQ(*launchSpec("float64", &size), "f8");
  EXPECT_EQ(*launchSpec("float16", &size), "f2");
  EXPECT_EQ(*launchSpec("bool", &size), "b1");
  EXPECT_EQ(size, 1);
  EXPECT_EQ(*launchSpec("complex128", &size), "c16");
  EXPECT_EQ(size, 16);
  // Tuples: their items' tokens; the size is that of the flat items.
  EXPECT_EQ(*launchSpec("UniTuple(int64, 2)", &size), "(i8i8)");
  EXPECT_EQ(size, 16);
  EXPECT_EQ(*launchSpec("Tuple(int8, Tuple(float64, bool), complex64)", &size), "(i1(f8b1)c8)");
  EXPECT_EQ(size, 18);
  EXPECT_EQ(*launchSpec("Tuple()", &size), "()");
  EXPECT_EQ(size, 0);
  // Records and str: host bytes, by pointer (a record's size is its itemsize).
  EXPECT_EQ(*launchSpec("Record(a[type=float64;offset=0],b[type=int32;offset=8];12;False)", &size), "R");
  EXPECT_EQ(size, 12);
  EXPECT_EQ(*launchSpec("unicode_type", &size), "U");
  EXPECT_EQ(size, 0);
  for (const char* refused : {"Tuple(array(float64, 1d, C), int64)", "UniTuple(unicode_type, 2)",
                              "array(Record(a[type=float64;offset=0];8;False), 1d, C)",
                              "Tuple(Record(a[type=float64;offset=0];8;False), int64)", "list(int64)", "none",
                              "not a type"}) {
    absl::StatusOr<std::string> s = launchSpec(refused, &size);
    EXPECT_FALSE(s.ok()) << refused;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << refused;
  }
}

TEST(GpuArgSpec, TuplesAreFlatOnTheWireAndStructsOnTheHost) {
  absl::StatusOr<gpu::ScalarSpec> s = gpu::scalarSpec("(i1(f8b1)c8)");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->items.size(), 4u);
  EXPECT_EQ(s->flat_bytes, 18u);
  // {i8, {double, i8}, {float, float}}: offsets 0, 8, 16, 24; size 32, align 8
  EXPECT_EQ(s->items[0].host_offset, 0u);
  EXPECT_EQ(s->items[1].host_offset, 8u);
  EXPECT_EQ(s->items[2].host_offset, 16u);
  EXPECT_EQ(s->items[3].kind, 'c');
  EXPECT_EQ(s->items[3].host_offset, 24u);
  EXPECT_EQ(s->host_bytes, 32u);
  EXPECT_EQ(s->host_align, 8u);
  std::string flat;
  flat += '\x01';
  flat += std::string(8, '\x02');
  flat += '\x03';
  flat += std::string(8, '\x04');
  const std::string host = gpu::hostBytes(*s, flat);
  EXPECT_EQ(host, std::string("\x01", 1) + std::string(7, '\0') + std::string(8, '\x02') + "\x03" +
                      std::string(7, '\0') + std::string(8, '\x04'));
  // {{i64, i8}, i8}: the inner struct keeps its padding (offset 16), as a C struct would.
  absl::StatusOr<gpu::ScalarSpec> nested = gpu::scalarSpec("((i8i1)i1)");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->items[2].host_offset, 16u);
  EXPECT_EQ(nested->host_bytes, 24u);
  EXPECT_EQ(gpu::scalarSpec("f8")->host_bytes, 8u);
  EXPECT_EQ(gpu::scalarSpec("()")->host_bytes, 0u);
  for (const char* bad : {"", "A1", "(f8", "f8)", "f3", "x8", "f8f8", "c4", "b2", "i16"})
    EXPECT_EQ(gpu::scalarSpec(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  EXPECT_FALSE(gpu::scalarSpec(std::string(100, '(') + std::string(100, ')')).ok());  // too deep
}

TEST(GpuArgSpec, TheDriversParametersAreTheItemsInOrder) {
  // The driver backend puts item i (a complex: two halves) in parameter i of
  // kiln_cuda.h's layout of the same token: the two must agree.
  for (const char* token : {"f8", "c16", "(i8i8)", "(i1(f8b1)c8)", "((i8i1)i1)", "(u2(c16(M8f2)))", "()"}) {
    absl::StatusOr<gpu::ScalarSpec> s = gpu::scalarSpec(token);
    ASSERT_TRUE(s.ok()) << token;
    std::vector<uint32_t> sizes;
    for (const gpu::SpecItem& item : s->items) {
      if (item.kind == 'c') {
        sizes.push_back(item.size / 2);
        sizes.push_back(item.size / 2);
      } else {
        sizes.push_back(item.size);
      }
    }
    char why[256] = {0};
    KilnCudaLayout* layout = kiln_cuda_layout_new(token, why, sizeof why);
    ASSERT_NE(layout, nullptr) << token << ": " << why;
    std::vector<uint32_t> params;
    for (uint32_t p = 0; p < layout->nparams; ++p) params.push_back(layout->params[p].size);
    kiln_cuda_layout_free(layout);
    EXPECT_EQ(params, sizes) << token;
  }
}

class EmulationWorker : public ::testing::Test {
 protected:
  void SetUp() override {
    GpuWorkerOptions o;
    o.max_bytes = 1000;
    absl::StatusOr<std::unique_ptr<gpu::Device>> d = gpu::openEmulationDevice(0);
    ASSERT_TRUE(d.ok()) << d.status();
    worker_ = std::make_unique<GpuWorker>(o, std::move(*d), absl::OkStatus());
  }
  pb::WorkerReply run(const pb::WorkerRequest& r) {
    bool exit_now = true;
    pb::WorkerReply reply = worker_->handle(r, &exit_now);
    EXPECT_FALSE(exit_now);
    return reply;
  }
  pb::WorkerReply alloc(uint64_t bytes, std::string data = "") {
    pb::WorkerRequest r;
    r.mutable_alloc()->set_bytes(bytes);
    r.mutable_alloc()->set_data(data);
    return run(r);
  }
  pb::WorkerReply read(uint64_t id, uint64_t offset, uint64_t bytes) {
    pb::WorkerRequest r;
    r.mutable_read()->set_id(id);
    r.mutable_read()->set_offset(offset);
    r.mutable_read()->set_bytes(bytes);
    return run(r);
  }
  std::unique_ptr<GpuWorker> worker_;
};

TEST_F(EmulationWorker, AllocWriteReadFree) {
  pb::WorkerReply a = alloc(16, "0123456789abcdef");
  ASSERT_EQ(a.code(), 0) << a.message();
  EXPECT_EQ(worker_->bytesInUse(), 16u);
  pb::WorkerReply r = read(a.id(), 4, 6);
  ASSERT_EQ(r.code(), 0) << r.message();
  EXPECT_EQ(r.data(), "456789");
  pb::WorkerRequest w;
  w.mutable_write()->set_id(a.id());
  w.mutable_write()->set_offset(14);
  w.mutable_write()->set_data("XY");
  ASSERT_EQ(run(w).code(), 0);
  EXPECT_EQ(read(a.id(), 12, 4).data(), "cdXY");
  pb::WorkerReply zero = alloc(8);
  EXPECT_EQ(read(zero.id(), 0, 8).data(), std::string(8, '\0'));  // zeroed
  pb::WorkerRequest f;
  f.mutable_free()->set_id(a.id());
  ASSERT_EQ(run(f).code(), 0);
  EXPECT_EQ(worker_->bytesInUse(), 8u);
  pb::WorkerReply gone = read(a.id(), 0, 1);
  EXPECT_EQ(gone.code(), static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_EQ(run(f).code(), static_cast<int>(absl::StatusCode::kNotFound));  // freed twice
}

TEST_F(EmulationWorker, RangesAndTheMemoryLimitAreChecked) {
  pb::WorkerReply a = alloc(16);
  ASSERT_EQ(a.code(), 0);
  EXPECT_EQ(read(a.id(), 10, 7).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(read(a.id(), 17, 0).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(read(a.id(), ~uint64_t{0}, 2).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  pb::WorkerRequest w;
  w.mutable_write()->set_id(a.id());
  w.mutable_write()->set_offset(15);
  w.mutable_write()->set_data("XY");
  EXPECT_EQ(run(w).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  pb::WorkerReply big = alloc(985);
  EXPECT_EQ(big.code(), static_cast<int>(absl::StatusCode::kResourceExhausted));
  EXPECT_NE(big.message().find("limit of 1000"), std::string::npos) << big.message();
  EXPECT_EQ(alloc(~uint64_t{0}).code(), static_cast<int>(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(alloc(984).code(), 0);  // exactly up to the limit
  EXPECT_EQ(alloc(4, "abc").code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(run(pb::WorkerRequest()).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
}

TEST_F(EmulationWorker, ABadLaunchIsRefusedAndItsHostCopiesReleased) {
  pb::WorkerReply a = alloc(16);
  pb::WorkerRequest r;
  pb::WorkerLaunch* l = r.mutable_launch();
  l->set_module_key("k");
  l->set_image("not an ELF object");
  l->set_entry("kiln_entry");
  l->add_grid(1);
  l->add_block(1);
  l->add_host(std::string(100, 'x'));
  l->add_host_copy_back(true);
  pb::WorkerReply bad = run(r);
  EXPECT_EQ(bad.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_NE(bad.message().find("cannot load the kernel"), std::string::npos) << bad.message();
  EXPECT_EQ(worker_->bytesInUse(), 16u);
  l->clear_grid();
  EXPECT_EQ(run(r).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));  // no grid
  l->add_grid(1);
  l->clear_host_copy_back();
  EXPECT_EQ(run(r).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));  // copy-back flags missing
  EXPECT_EQ(worker_->bytesInUse(), 16u);
}

TEST_F(EmulationWorker, ALaunchWithoutTheImageOfAModuleItLacksRunsNothing) {
  pb::WorkerRequest r;
  pb::WorkerLaunch* l = r.mutable_launch();
  l->set_module_key("never loaded");
  l->set_entry("kiln_entry");
  l->add_grid(1);
  l->add_block(1);
  l->add_host(std::string(100, 'x'));
  l->add_host_copy_back(true);
  pb::WorkerReply missing = run(r);
  EXPECT_EQ(missing.code(), 0) << missing.message();
  EXPECT_EQ(missing.module(), pb::MODULE_MISSING);
  EXPECT_EQ(missing.host_data_size(), 0);  // nothing copied, nothing ran
  EXPECT_EQ(worker_->bytesInUse(), 0u);
  // With an image the worker tries to load it (this one is not an object).
  l->set_image("not an ELF object");
  pb::WorkerReply bad = run(r);
  EXPECT_EQ(bad.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(bad.module(), pb::MODULE_LOOKUP_UNSPECIFIED);
  // ... and a failed load is not remembered as loaded.
  l->clear_image();
  EXPECT_EQ(run(r).module(), pb::MODULE_MISSING);
}

TEST(GpuWorker, AWorkerWithoutItsDeviceSaysWhyToEveryRequest) {
  GpuWorker worker(GpuWorkerOptions{}, nullptr, absl::FailedPreconditionError("GPU 0 (driver) cannot be used: no"));
  pb::WorkerRequest r;
  r.mutable_alloc()->set_bytes(8);
  bool exit_now = true;
  pb::WorkerReply reply = worker.handle(r, &exit_now);
  EXPECT_FALSE(exit_now);
  EXPECT_EQ(reply.code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(reply.message(), "GPU 0 (driver) cannot be used: no");
}

TEST(GpuDriverDevice, NoDriverIsAFailedPreconditionSayingWhy) {
  absl::StatusOr<std::unique_ptr<gpu::Device>> d = gpu::openDriverDevice(0, "/nonexistent/libcuda.so.1");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(d.status().message().find("cannot load the CUDA driver"), std::string::npos) << d.status();
}

// The toolkit's stub libcuda (CI has the toolkit): every entry point
// resolves, cuInit says CUDA_ERROR_STUB_LIBRARY.
TEST(GpuDriverDevice, TheToolkitsStubIsNotADevice) {
  const char* home = std::getenv("CUDA_HOME");
  const std::string stub = std::string(home ? home : "/usr/local/cuda") + "/lib64/stubs/libcuda.so";
  absl::StatusOr<std::unique_ptr<gpu::Device>> d = gpu::openDriverDevice(0, stub);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(d.status().message().find("stub library") != std::string::npos ||
              d.status().message().find("has no") != std::string::npos)
      << d.status();
}

}  // namespace
}  // namespace kiln::server
