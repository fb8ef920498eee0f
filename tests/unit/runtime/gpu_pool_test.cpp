// cudahost: the GPU pool's process supervision (runtime/cuda/gpu_pool.h),
// without a GPU: this binary is also the fake device's worker
// (`gpu_pool_test --fake-gpu-worker N`), serving requests the way
// `kilnd --gpu-worker N` does, with requests that make it fault (SIGSEGV,
// as a kernel's illegal address kills a real worker's context), hang (a
// runaway kernel) or exit.
#include "gpu_pool.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include "gtest/gtest.h"

namespace kiln::gpu {
namespace {

using std::chrono::milliseconds;

std::string self_exe;

GpuPoolOptions fakeOptions(int devices) {
  GpuPoolOptions o;
  o.worker_argv = {self_exe, "--fake-gpu-worker", "{device}"};
  o.devices = devices;
  return o;
}

TEST(GpuPool, RunsRequestsOnTheDevicesWorker) {
  GpuPool pool(fakeOptions(2));
  ASSERT_TRUE(pool.start().ok());
  absl::StatusOr<std::string> r = pool.run(0, "k", "hello", milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "hello");
  r = pool.run(1, "k", "device", milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "1");  // one worker per device, told its device
  r = pool.run(0, "k", "", milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "");
  std::string big(3 << 20, 'x');
  r = pool.run(0, "k", big, milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, big);
  EXPECT_EQ(pool.generation(0), 1u);
  EXPECT_EQ(pool.restarts(0), 0u);
  EXPECT_NE(pool.workerPid(0), pool.workerPid(1));
  EXPECT_FALSE(pool.run(2, "k", "x", milliseconds(100)).ok());
}

TEST(GpuPool, AnErrorReplyNamesTheKernelAndKeepsTheWorker) {
  GpuPool pool(fakeOptions(1));
  pid_t before = 0;
  ASSERT_TRUE(pool.run(0, "k", "x", milliseconds(5000)).ok());
  before = pool.workerPid(0);
  absl::StatusOr<std::string> r = pool.run(0, "saxpy", "error:index 7 is out of bounds", milliseconds(5000));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(r.status().message(), "kernel 'saxpy' on GPU 0: index 7 is out of bounds");
  EXPECT_EQ(pool.workerPid(0), before);
}

TEST(GpuPool, AFaultIsReportedNamingTheKernelAndTheWorkerIsReplaced) {
  GpuPool pool(fakeOptions(2));
  ASSERT_TRUE(pool.start().ok());
  pid_t other = pool.workerPid(1);
  pid_t before = pool.workerPid(0);
  uint64_t gen = pool.generation(0);
  Outcome outcome;
  absl::StatusOr<std::string> r = pool.run(0, "bad_kernel", "crash", milliseconds(5000), &outcome);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(outcome, Outcome::kFault);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("kernel 'bad_kernel' faulted on GPU 0 (its worker killed by signal 11"),
            std::string::npos)
      << r.status();
  EXPECT_NE(r.status().message().find("a fresh worker was started"), std::string::npos);
  // A fresh worker, ready in well under a second; handles of the old one refused.
  auto t0 = std::chrono::steady_clock::now();
  r = pool.run(0, "k", "again", milliseconds(5000));
  auto ready = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "again");
  EXPECT_LT(ready, milliseconds(1000));
  EXPECT_NE(pool.workerPid(0), before);
  EXPECT_EQ(pool.generation(0), gen + 1);
  EXPECT_EQ(pool.restarts(0), 1u);
  EXPECT_TRUE(pool.checkGeneration(0, gen + 1).ok());
  absl::Status stale = pool.checkGeneration(0, gen);
  EXPECT_EQ(stale.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(stale.message().find("is gone"), std::string::npos);
  // Every other GPU goes on.
  EXPECT_EQ(pool.workerPid(1), other);
  EXPECT_EQ(pool.restarts(1), 0u);
  ASSERT_TRUE(pool.run(1, "k", "still", milliseconds(5000)).ok());
}

TEST(GpuPool, ARunawayKernelIsKilledAtItsDeadline) {
  GpuPool pool(fakeOptions(1));
  ASSERT_TRUE(pool.start().ok());
  pid_t before = pool.workerPid(0);
  Outcome outcome;
  auto t0 = std::chrono::steady_clock::now();
  absl::StatusOr<std::string> r = pool.run(0, "spin", "hang", milliseconds(200), &outcome);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(3000));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(outcome, Outcome::kDeadline);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(r.status().message().find("kernel 'spin' ran past its deadline of 200 ms on GPU 0"), std::string::npos)
      << r.status();
  EXPECT_NE(pool.workerPid(0), before);
  r = pool.run(0, "k", "after", milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "after");
}

TEST(GpuPool, AWorkerThatExitsOrCannotStartIsReported) {
  GpuPool pool(fakeOptions(1));
  absl::StatusOr<std::string> r = pool.run(0, "k", "exit", milliseconds(5000));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("exited with status 3"), std::string::npos) << r.status();
  GpuPoolOptions missing;
  missing.worker_argv = {"/nonexistent/kilnd", "--gpu-worker", "{device}"};
  GpuPool broken(missing);
  r = broken.run(0, "k", "x", milliseconds(5000));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("exited with status 127"), std::string::npos) << r.status();
  GpuPool unconfigured(GpuPoolOptions{});
  EXPECT_EQ(unconfigured.run(0, "k", "x", milliseconds(100)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(GpuPool, ConcurrentRequestsOnOneDeviceEachGetTheirOwnReply) {
  GpuPool pool(fakeOptions(1));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string msg = std::to_string(t * 100 + i);
        absl::StatusOr<std::string> r = pool.run(0, "k", msg, milliseconds(5000));
        if (r.ok() && *r == msg) ok++;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 100);
}

// The fake device's worker.
int fakeWorker(const char* device) {
  return runGpuWorker(kWorkerFd, [device](const std::string& req) -> absl::StatusOr<std::string> {
    if (req == "crash") {
      signal(SIGSEGV, SIG_DFL);
      raise(SIGSEGV);
    }
    if (req == "hang")
      for (;;) pause();
    if (req == "exit") _exit(3);
    if (req == "device") return std::string(device);
    if (req.rfind("error:", 0) == 0) return absl::InternalError(req.substr(6));
    return req;
  });
}

// gpu: a worker killed between requests (an operator, the OOM killer) is
// noticed before the next request: refresh() starts the next generation,
// so a handle of the dead one is refused before anything is sent.
TEST(GpuPool, RefreshReplacesAWorkerThatDiedBetweenRequests) {
  GpuPool pool(fakeOptions(2));
  EXPECT_EQ(pool.refresh(0), 1u);  // starts the first worker
  ASSERT_TRUE(pool.run(0, "k", "x", milliseconds(5000)).ok());
  ASSERT_TRUE(pool.run(1, "k", "x", milliseconds(5000)).ok());
  EXPECT_EQ(pool.refresh(0), 1u);  // alive: nothing changes
  const pid_t dead = pool.workerPid(0), other = pool.workerPid(1);
  ASSERT_EQ(kill(dead, SIGKILL), 0);
  // Until it is reaped, refresh may still see it alive; it is within moments.
  uint64_t gen = 1;
  for (int i = 0; i < 200 && gen == 1; ++i) {
    gen = pool.refresh(0);
    if (gen == 1) std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(gen, 2u);
  EXPECT_EQ(pool.restarts(0), 1u);
  EXPECT_NE(pool.workerPid(0), dead);
  EXPECT_EQ(pool.workerPid(1), other);
  absl::Status stale = pool.checkGeneration(0, 1);
  EXPECT_EQ(stale.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(stale.message().find("generation 1 is gone"), std::string::npos) << stale;
  EXPECT_TRUE(pool.checkGeneration(0, 2).ok());
  absl::StatusOr<std::string> r = pool.run(0, "k", "hello", milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "hello");
  EXPECT_EQ(pool.refresh(7), 0u);  // no such device
  // A request for handles of generation 1 is not sent to generation 2's worker.
  const pid_t now = pool.workerPid(0);
  uint64_t ran_on = 0;
  r = pool.run(0, "k", "hello", milliseconds(5000), nullptr, &ran_on, /*required_generation=*/1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("generation 1 is gone"), std::string::npos) << r.status();
  EXPECT_EQ(ran_on, 0u);
  EXPECT_EQ(pool.workerPid(0), now);
  EXPECT_EQ(pool.restarts(0), 1u);
  r = pool.run(0, "k", "hello", milliseconds(5000), nullptr, &ran_on, /*required_generation=*/2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ran_on, 2u);
}

// gpu: a worker that answers requests out of order (as a worker runs
// launches of different streams at once): "sleep:MS:TEXT" answers TEXT after
// MS milliseconds on a thread of its own, "hang" never answers, anything
// else is answered at once.
// "sleep:MS:TEXT" answers TEXT after MS ms; "in flight" answers how many
// sleeps are not answered yet; "hang" never answers; anything else echoes.
int fakeAsyncWorker() {
  static std::atomic<int> sleeping{0};
  return runGpuWorkerAsync(kWorkerFd, [](std::string req, WorkerRespond respond) {
    if (req.size() > 6 && std::string_view(req).substr(0, 6) == "sleep:") {
      const size_t colon = req.find(':', 6);
      const int ms = std::stoi(req.substr(6, colon - 6));
      ++sleeping;
      std::thread([ms, text = req.substr(colon + 1), respond] {
        std::this_thread::sleep_for(milliseconds(ms));
        --sleeping;  // before the answer: the supervisor sees it done
        respond(text);
      }).detach();
      return;
    }
    if (req == "in flight") return respond(std::to_string(sleeping.load()));
    if (req == "hang") return;
    respond(req);
  });
}

GpuPoolOptions asyncOptions() {
  GpuPoolOptions o;
  o.worker_argv = {self_exe, "--fake-async-gpu-worker", "{device}"};
  return o;
}

TEST(GpuPool, RequestsInFlightOnOneWorkerAreAnsweredInAnyOrder) {
  GpuPool pool(asyncOptions());
  ASSERT_TRUE(pool.start().ok());
  std::atomic<bool> slow_done{false};
  absl::StatusOr<std::string> slow;
  std::thread t([&] {
    slow = pool.run(0, "slow", "sleep:1500:late", milliseconds(20000), nullptr, nullptr, 0, /*concurrent=*/true);
    slow_done = true;
  });
  std::this_thread::sleep_for(milliseconds(100));  // the slow one is in flight
  absl::StatusOr<std::string> quick =
      pool.run(0, "quick", "now", milliseconds(20000), nullptr, nullptr, 0, /*concurrent=*/true);
  ASSERT_TRUE(quick.ok()) << quick.status();
  EXPECT_EQ(*quick, "now");
  EXPECT_FALSE(slow_done.load());  // answered while the slow one still runs
  t.join();
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(*slow, "late");
}

TEST(GpuPool, RequestsThatAreNotConcurrentGoOneAtATime) {
  GpuPool pool(asyncOptions());
  ASSERT_TRUE(pool.start().ok());
  std::atomic<bool> slow_sent{false};
  std::thread t([&] {
    slow_sent = true;
    EXPECT_TRUE(pool.run(0, "slow", "sleep:500:late", milliseconds(20000)).ok());
  });
  while (!slow_sent.load()) std::this_thread::yield();
  std::this_thread::sleep_for(milliseconds(100));  // the slow one is (almost surely) sent
  // The worker itself says whether the slow one was still running when the
  // next arrived: it must not be (a flag set by the other thread after its
  // answer raced with this check on a loaded machine).
  absl::StatusOr<std::string> next = pool.run(0, "next", "in flight", milliseconds(20000));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(*next, "0");  // sent only after the slow one was answered
  t.join();
}

TEST(GpuPool, ADeadlineFailsTheOtherRequestsInFlightNamingTheirKernel) {
  GpuPool pool(asyncOptions());
  ASSERT_TRUE(pool.start().ok());
  const pid_t before = pool.workerPid(0);
  absl::StatusOr<std::string> other;
  Outcome other_outcome = Outcome::kOk;
  std::thread t([&] {
    other = pool.run(0, "bystander", "sleep:20000:never", milliseconds(60000), &other_outcome, nullptr, 0, true);
  });
  std::this_thread::sleep_for(milliseconds(100));
  Outcome outcome = Outcome::kOk;
  absl::StatusOr<std::string> r = pool.run(0, "spin", "hang", milliseconds(300), &outcome, nullptr, 0, true);
  t.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(outcome, Outcome::kDeadline);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other_outcome, Outcome::kFault);
  EXPECT_NE(other.status().message().find("kernel 'bystander' on GPU 0 was lost: its worker was killed when kernel "
                                          "'spin' ran past its deadline"),
            std::string::npos)
      << other.status();
  EXPECT_EQ(pool.restarts(0), 1u);  // replaced once, not once per request
  EXPECT_NE(pool.workerPid(0), before);
  r = pool.run(0, "k", "after", milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.status();
}

}  // namespace
}  // namespace kiln::gpu

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "--fake-gpu-worker") == 0) return kiln::gpu::fakeWorker(argv[2]);
  if (argc >= 3 && std::strcmp(argv[1], "--fake-async-gpu-worker") == 0) return kiln::gpu::fakeAsyncWorker();
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n > 0) kiln::gpu::self_exe.assign(path, static_cast<size_t>(n));
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
