// gpu: the driver backend (runtime/cuda/device_driver.cpp) run for real
// against fake_libcuda.cpp, a libcuda.so.1 stand-in on the CPU: opening the
// device, memory, the module cache and its evictions, per-stream CUstreams
// and their teardown, error records, faults; and one debug kernel launched
// on two streams at once, whose launches must overlap and each read its own
// error record.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "device.h"

namespace kiln::gpu {
namespace {

// The fake's counters, read through the handle the driver layer opened (the
// same library: dlopen of one path returns one handle).
struct FakeCounters {
  void* lib = dlopen(KILN_FAKE_LIBCUDA, RTLD_NOW | RTLD_LOCAL);
  int (*modules)() = reinterpret_cast<int (*)()>(dlsym(lib, "fake_cuda_modules_loaded"));
  int (*streams)() = reinterpret_cast<int (*)()>(dlsym(lib, "fake_cuda_streams_live"));
  int (*seen)(int) = reinterpret_cast<int (*)(int)>(dlsym(lib, "fake_cuda_rendezvous_seen"));
  void (*reset)() = reinterpret_cast<void (*)()>(dlsym(lib, "fake_cuda_rendezvous_reset"));
  ~FakeCounters() { dlclose(lib); }
};

KernelArg tag(int32_t value) {
  KernelArg a;
  a.spec = "i4";
  a.scalar.assign(reinterpret_cast<const char*>(&value), sizeof value);
  return a;
}

class DriverDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Device>> d = openDriverDevice(0, KILN_FAKE_LIBCUDA);
    ASSERT_TRUE(d.ok()) << d.status();
    device_ = std::move(*d);
    ASSERT_NE(fake_.modules, nullptr);
    fake_.reset();
  }
  void TearDown() override {
    device_.reset();
    // Everything the device took is given back when it goes.
    EXPECT_EQ(fake_.modules(), 0);
    EXPECT_EQ(fake_.streams(), 0);
  }

  absl::StatusOr<KernelReport> run(const KernelHandle& k, const std::vector<KernelArg>& args,
                                   const StreamKey& stream = {}) {
    bool fatal = false;
    return device_->launch(k, LaunchConfig{}, args, stream, &fatal);
  }

  FakeCounters fake_;
  std::unique_ptr<Device> device_;
};

TEST_F(DriverDevice, OpensTheGpuAndReadsItsComputeCapability) {
  EXPECT_STREQ(device_->backend(), "driver");
  EXPECT_EQ(device_->computeCapability(), std::make_pair(8, 6));
  EXPECT_FALSE(openDriverDevice(3, KILN_FAKE_LIBCUDA).ok());  // the fake has one GPU
}

TEST_F(DriverDevice, MemoryIsZeroedAndCopiedBothWaysAndKernelsSeeIt) {
  absl::StatusOr<uint64_t> p = device_->alloc(16);
  ASSERT_TRUE(p.ok()) << p.status();
  float out[4] = {9, 9, 9, 9};
  ASSERT_TRUE(device_->copyOut(out, *p, sizeof out).ok());
  for (float v : out) EXPECT_EQ(v, 0.0f);
  const float in[4] = {1, 2, 3, 4};
  ASSERT_TRUE(device_->copyIn(*p, in, sizeof in).ok());

  absl::StatusOr<KernelHandle> k = device_->kernel("key-add", "fake-module add_one", "add_one");
  ASSERT_TRUE(k.ok()) << k.status();
  KernelArg a;
  a.spec = "A1";
  a.data = *p;
  a.itemsize = 4;
  a.shape = {4};
  a.strides = {4};
  absl::StatusOr<KernelReport> r = run(*k, {a});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, 0);
  ASSERT_TRUE(device_->copyOut(out, *p, sizeof out).ok());
  EXPECT_EQ(std::vector<float>(out, out + 4), (std::vector<float>{2, 3, 4, 5}));
  EXPECT_TRUE(device_->free(*p).ok());
}

TEST_F(DriverDevice, AKernelsErrorRecordIsReadAndClearedAfterEachLaunch) {
  absl::StatusOr<KernelHandle> k = device_->kernel("key-debug", "fake-module report kiln_kernel_error", "report");
  ASSERT_TRUE(k.ok()) << k.status();
  absl::StatusOr<KernelReport> r = run(*k, {tag(7)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, 1);
  EXPECT_EQ(r->line, 7);
  r = run(*k, {tag(8)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->line, 8);

  // A kernel without a record reports nothing, whatever it does.
  absl::StatusOr<KernelHandle> plain = device_->kernel("key-plain", "fake-module report", "report");
  ASSERT_TRUE(plain.ok()) << plain.status();
  r = run(*plain, {tag(9)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, 0);
}

// The case that used to take turns: launches of one kernel with an error
// record on two client streams. Each rendezvous launch waits (up to 3 s) for
// the other; launches that take turns see one arrival each.
TEST_F(DriverDevice, OneDebugKernelOnTwoStreamsRunsAtOnceWithARecordEach) {
  absl::StatusOr<KernelHandle> k =
      device_->kernel("key-meet", "fake-module rendezvous kiln_kernel_error", "rendezvous");
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(fake_.modules(), 1);
  absl::StatusOr<KernelReport> reports[2] = {absl::UnknownError("not run"), absl::UnknownError("not run")};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] { reports[i] = run(*k, {tag(11 * (i + 1))}, StreamKey{"session-a", uint64_t(i + 1)}); });
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 2; ++i) {
    const int32_t mine = 11 * (i + 1);
    ASSERT_TRUE(reports[i].ok()) << reports[i].status();
    EXPECT_EQ(fake_.seen(mine), 2) << "launch " << i << " ran alone: the two launches took turns";
    // The record is this launch's own: every field it wrote, none of the other's.
    EXPECT_EQ(reports[i]->kind, 1);
    EXPECT_EQ(reports[i]->line, mine);
    EXPECT_EQ(reports[i]->thread[0], 2);
    EXPECT_EQ(reports[i]->thread[1], mine);
  }
  EXPECT_EQ(fake_.modules(), 2);  // a second load of the module, for the overlap
  EXPECT_EQ(device_->streams(), 2u);

  // The loads are kept and reused: a later pair loads nothing more.
  fake_.reset();
  threads.clear();
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] { reports[i] = run(*k, {tag(30 + i)}, StreamKey{"session-a", uint64_t(i + 1)}); });
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(reports[i].ok()) << reports[i].status();
    EXPECT_EQ(reports[i]->line, 30 + i);
    EXPECT_EQ(fake_.seen(30 + i), 2);
  }
  EXPECT_EQ(fake_.modules(), 2);

  // The session's streams go when it ends (the device's own stays).
  device_->endSession("session-a");
  EXPECT_EQ(device_->streams(), 0u);
  EXPECT_EQ(fake_.streams(), 1);
}

TEST_F(DriverDevice, AKernelWithoutARecordOverlapsOnOneLoad) {
  absl::StatusOr<KernelHandle> k = device_->kernel("key-meet-plain", "fake-module rendezvous", "rendezvous");
  ASSERT_TRUE(k.ok()) << k.status();
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] { (void)run(*k, {tag(40 + i)}, StreamKey{"session-b", uint64_t(i + 1)}); });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(fake_.seen(40), 2);
  EXPECT_EQ(fake_.seen(41), 2);
  EXPECT_EQ(fake_.modules(), 1);
}

TEST_F(DriverDevice, AFaultIsFatalAndNamesTheDriversError) {
  absl::StatusOr<KernelHandle> k = device_->kernel("key-fault", "fake-module fault", "fault");
  ASSERT_TRUE(k.ok()) << k.status();
  bool fatal = false;
  absl::StatusOr<KernelReport> r = device_->launch(*k, LaunchConfig{}, {}, StreamKey{}, &fatal);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(fatal);
  EXPECT_NE(r.status().message().find("CUDA_ERROR_ILLEGAL_ADDRESS"), std::string::npos) << r.status();
}

TEST_F(DriverDevice, ABadImageOrEntryIsAnErrorAndLeavesNothingLoaded) {
  EXPECT_FALSE(device_->kernel("key-bad", "not a module", "k").ok());
  EXPECT_FALSE(device_->kernel("key-noentry", "fake-module report", "missing").ok());
  EXPECT_EQ(fake_.modules(), 0);
  EXPECT_FALSE(device_->hasModule("key-noentry", "missing"));
}

TEST_F(DriverDevice, TheModuleCacheUnloadsWhatItEvicts) {
  std::vector<KernelHandle> held;
  for (size_t i = 0; i < kModuleCacheSize + 3; ++i) {
    absl::StatusOr<KernelHandle> k = device_->kernel("key-" + std::to_string(i), "fake-module report", "report");
    ASSERT_TRUE(k.ok()) << k.status();
    if (i == 0) held.push_back(*k);  // a launch's hold keeps its module loaded past eviction
  }
  EXPECT_EQ(fake_.modules(), static_cast<int>(kModuleCacheSize) + 1);
  EXPECT_FALSE(device_->hasModule("key-0", "report"));
  held.clear();
  EXPECT_EQ(fake_.modules(), static_cast<int>(kModuleCacheSize));
}

}  // namespace
}  // namespace kiln::gpu
