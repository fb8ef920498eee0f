// gpu: the GPU worker's streams (server/stream_executor.h, GpuWorker::submit)
// on a fake device whose launches wait for the test: one stream's launches
// run in order, different streams' at the same time; a device array freed
// while a launch uses it lives until that launch ends; a session's streams
// are released once its launches ran. tests/integration/
// test_cuda_remote_streams.py shows the overlap with real kernels.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/cuda/gpu_pool.h"
#include "server/gpu_worker.h"
#include "server/stream_executor.h"

namespace kiln::server {
namespace {

namespace pb = kiln::v1;
using std::chrono::milliseconds;

// A launch's scalar argument names it; launches named below 0 wait until
// the test opens the gate.
class FakeDevice final : public gpu::Device {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool gate_open = false;
    std::vector<int64_t> started, finished;
    std::set<uint64_t> freed;
    std::vector<std::string> ended;
    int running = 0;
    int running_when_ended = -1;
    bool waitFor(const std::function<bool()>& done) {
      std::unique_lock<std::mutex> lock(mu);
      return cv.wait_for(lock, milliseconds(5000), done);
    }
  };
  explicit FakeDevice(Shared* s) : s_(s) {}
  const char* backend() const override { return "fake"; }
  absl::StatusOr<uint64_t> alloc(uint64_t bytes) override {
    return reinterpret_cast<uint64_t>(std::calloc(1, bytes == 0 ? 1 : bytes));
  }
  absl::Status free(uint64_t address) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    s_->freed.insert(address);
    std::free(reinterpret_cast<void*>(address));
    return absl::OkStatus();
  }
  absl::Status copyIn(uint64_t dst, const void* src, uint64_t bytes) override {
    std::memcpy(reinterpret_cast<void*>(dst), src, bytes);
    return absl::OkStatus();
  }
  absl::Status copyOut(void* dst, uint64_t src, uint64_t bytes) override {
    std::memcpy(dst, reinterpret_cast<const void*>(src), bytes);
    return absl::OkStatus();
  }
  absl::StatusOr<gpu::KernelHandle> kernel(const std::string&, const std::string&, const std::string&) override {
    return gpu::KernelHandle(std::make_shared<int>(0));
  }
  bool hasModule(const std::string&, const std::string&) const override { return true; }
  absl::StatusOr<gpu::KernelReport> launch(const gpu::KernelHandle&, const gpu::LaunchConfig&,
                                           const std::vector<gpu::KernelArg>& args, const gpu::StreamKey&,
                                           bool* fatal) override {
    *fatal = false;
    int64_t name = 0;
    std::memcpy(&name, args.at(0).scalar.data(), 8);
    std::unique_lock<std::mutex> lock(s_->mu);
    s_->started.push_back(name);
    ++s_->running;
    s_->cv.notify_all();
    if (name < 0) s_->cv.wait_for(lock, milliseconds(10000), [&] { return s_->gate_open; });
    --s_->running;
    s_->finished.push_back(name);
    s_->cv.notify_all();
    return gpu::KernelReport{};
  }
  void endSession(const std::string& session) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    s_->ended.push_back(session);
    s_->running_when_ended = s_->running;
    s_->cv.notify_all();
  }
  size_t streams() const override { return 0; }
  std::pair<int, int> computeCapability() const override { return {8, 6}; }

 private:
  Shared* s_;
};

class WorkerStreams : public ::testing::Test {
 protected:
  void SetUp() override {
    GpuWorkerOptions o;
    o.max_bytes = 1000;
    worker_ = std::make_unique<GpuWorker>(o, std::make_unique<FakeDevice>(&s_), absl::OkStatus());
  }
  void TearDown() override {
    open();
    worker_.reset();
  }
  void open() {
    std::lock_guard<std::mutex> lock(s_.mu);
    s_.gate_open = true;
    s_.cv.notify_all();
  }
  // Submits a launch named `name` on (session, stream); `array`: a device array argument.
  void launch(int64_t name, const std::string& session, uint64_t stream, uint64_t array = 0) {
    pb::WorkerRequest r;
    pb::WorkerLaunch* l = r.mutable_launch();
    l->set_module_key("k");
    l->set_entry("e");
    l->add_grid(1);
    l->add_block(1);
    l->set_session(session);
    l->set_stream(stream);
    pb::WorkerArg* a = l->add_args();
    a->set_spec("i8");
    l->add_params("i8");
    a->set_scalar(std::string(reinterpret_cast<const char*>(&name), 8));
    if (array != 0) {
      pb::WorkerArg* b = l->add_args();
      b->set_spec("A1");
      l->add_params("A1");
      b->mutable_array()->set_id(array);
      pb::ArrayView* v = b->mutable_array()->mutable_view();
      v->set_itemsize(8);
      v->add_shape(2);
      v->add_strides(8);
    }
    worker_->submit(r, [this, name](pb::WorkerReply reply, bool) {
      std::lock_guard<std::mutex> lock(s_.mu);
      replies_.push_back({name, reply});
      s_.cv.notify_all();
    });
  }
  // Submits `r` and waits for its reply.
  pb::WorkerReply now(const pb::WorkerRequest& r) {
    auto out = std::make_shared<std::pair<bool, pb::WorkerReply>>();
    worker_->submit(r, [this, out](pb::WorkerReply reply, bool) {
      std::lock_guard<std::mutex> lock(s_.mu);
      *out = {true, std::move(reply)};
      s_.cv.notify_all();
    });
    EXPECT_TRUE(s_.waitFor([&] { return out->first; }));
    std::lock_guard<std::mutex> lock(s_.mu);
    return out->second;
  }
  bool answered(int64_t name) {
    for (const auto& [n, r] : replies_)
      if (n == name) return true;
    return false;
  }
  FakeDevice::Shared s_;
  std::vector<std::pair<int64_t, pb::WorkerReply>> replies_;
  std::unique_ptr<GpuWorker> worker_;
};

TEST_F(WorkerStreams, TwoStreamsRunAtOnceAndOneStreamKeepsItsOrder) {
  launch(-1, "s", 1);  // waits for the gate
  ASSERT_TRUE(s_.waitFor([&] { return s_.running == 1; }));
  launch(2, "s", 2);  // another stream: runs meanwhile
  ASSERT_TRUE(s_.waitFor([&] { return answered(2); }));
  launch(3, "s", 1);  // behind the waiting one on its stream
  launch(4, "t", 1);  // another session's stream 1 is another stream
  ASSERT_TRUE(s_.waitFor([&] { return answered(4); }));
  {
    std::lock_guard<std::mutex> lock(s_.mu);
    EXPECT_EQ(std::count(s_.started.begin(), s_.started.end(), 3), 0);  // not started
  }
  open();
  ASSERT_TRUE(s_.waitFor([&] { return answered(3) && answered(-1); }));
  std::lock_guard<std::mutex> lock(s_.mu);
  EXPECT_EQ(s_.finished.back(), 3);  // after -1, its stream's first
  for (const auto& [n, r] : replies_) EXPECT_EQ(r.code(), 0) << r.message();
}

TEST_F(WorkerStreams, AnArrayFreedWhileALaunchUsesItLivesUntilTheLaunchEnds) {
  pb::WorkerRequest a;
  a.mutable_alloc()->set_bytes(16);
  pb::WorkerReply made = now(a);
  ASSERT_EQ(made.code(), 0) << made.message();
  launch(-1, "s", 1, made.id());
  ASSERT_TRUE(s_.waitFor([&] { return s_.running == 1; }));
  pb::WorkerRequest f;
  f.mutable_free()->set_id(made.id());
  EXPECT_EQ(now(f).code(), 0);
  EXPECT_EQ(now(f).code(), static_cast<int>(absl::StatusCode::kNotFound));  // unknown at once
  pb::WorkerRequest read;
  read.mutable_read()->set_id(made.id());
  read.mutable_read()->set_bytes(1);
  EXPECT_EQ(now(read).code(), static_cast<int>(absl::StatusCode::kNotFound));
  launch(5, "s", 2, made.id());  // a later launch cannot use it
  ASSERT_TRUE(s_.waitFor([&] { return answered(5); }));
  EXPECT_EQ(replies_.back().second.code(), static_cast<int>(absl::StatusCode::kNotFound));
  {
    std::lock_guard<std::mutex> lock(s_.mu);
    EXPECT_TRUE(s_.freed.empty());  // the running launch still has it
  }
  EXPECT_EQ(worker_->bytesInUse(), 16u);
  open();
  ASSERT_TRUE(s_.waitFor([&] { return answered(-1); }));
  ASSERT_TRUE(s_.waitFor([&] { return s_.freed.size() == 1; }));
  EXPECT_EQ(worker_->bytesInUse(), 0u);
}

TEST_F(WorkerStreams, ASessionsStreamsAreReleasedOnceItsLaunchesRan) {
  launch(-1, "s", 1);
  ASSERT_TRUE(s_.waitFor([&] { return s_.running == 1; }));
  pb::WorkerRequest end;
  end.mutable_end_session()->set_session("s");
  EXPECT_EQ(now(end).code(), 0);  // answered at once
  {
    std::lock_guard<std::mutex> lock(s_.mu);
    EXPECT_TRUE(s_.ended.empty());
  }
  open();
  ASSERT_TRUE(s_.waitFor([&] { return !s_.ended.empty(); }));
  EXPECT_EQ(s_.ended, std::vector<std::string>{"s"});
  EXPECT_EQ(s_.running_when_ended, 0);
  end.mutable_end_session()->set_session("idle");  // nothing runs: at once
  EXPECT_EQ(now(end).code(), 0);
  EXPECT_EQ(s_.ended.back(), "idle");
  end.mutable_end_session()->clear_session();
  EXPECT_EQ(now(end).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
}

// The worker checks a launch's arguments itself: a bad request is an
// INVALID_ARGUMENT reply, and the kernel never runs.
TEST_F(WorkerStreams, ALaunchWhoseArgumentsDoNotMatchItsKernelIsRefused) {
  auto request = [](std::vector<std::string> specs, std::vector<std::string> params) {
    pb::WorkerRequest r;
    pb::WorkerLaunch* l = r.mutable_launch();
    l->set_module_key("k");
    l->set_entry("saxpy");
    l->add_grid(1);
    l->add_block(1);
    for (const std::string& spec : specs) {
      pb::WorkerArg* a = l->add_args();
      a->set_spec(spec);
      a->set_scalar(std::string(8, '\0'));
    }
    for (const std::string& p : params) l->add_params(p);
    return r;
  };
  auto refused = [&](const pb::WorkerRequest& r, const std::string& why) {
    pb::WorkerReply reply = now(r);
    EXPECT_EQ(reply.code(), static_cast<int>(absl::StatusCode::kInvalidArgument)) << why;
    EXPECT_NE(reply.message().find(why), std::string::npos) << reply.message();
  };
  EXPECT_EQ(now(request({"i8"}, {"i8"})).code(), 0);  // binds saxpy to (i8)
  refused(request({"i8"}, {}), "a launch of 1 arguments for a kernel of 0 parameters");
  refused(request({}, {"i8"}), "a launch of 0 arguments for a kernel of 1 parameters");
  refused(request({"i8"}, {"f8"}), "argument 0 is a 'i8' for parameter 'f8'");
  refused(request({"i8", "i8"}, {"i8", "i8"}), "kernel 'saxpy' takes (i8), not (i8, i8)");
  refused(request({"f8"}, {"f8"}), "kernel 'saxpy' takes (i8), not (f8)");
  refused(request({"A9"}, {"A9"}), "kernel 'saxpy' takes (i8), not (A9)");
  pb::WorkerRequest bad = request({"i8"}, {"i8"});
  bad.mutable_launch()->mutable_args(0)->set_scalar("abc");  // 3 bytes for an i8
  refused(bad, "argument 0: 3 bytes for parameter 'i8' of 8");
  std::lock_guard<std::mutex> lock(s_.mu);
  EXPECT_EQ(s_.started.size(), 1u);  // only the good one ran
}

// A worker says its GPU's compute capability, from which kilnd picks the
// SM its kernels are compiled for (GpuService::targetFor).
TEST_F(WorkerStreams, DescribeSaysTheComputeCapability) {
  pb::WorkerRequest r;
  r.mutable_describe();
  pb::WorkerReply reply = now(r);
  EXPECT_EQ(reply.code(), 0) << reply.message();
  EXPECT_EQ(reply.cc_major(), 8);
  EXPECT_EQ(reply.cc_minor(), 6);
}

// The same through a real worker process and its socket: each bad request
// gets an error reply and the worker lives on (the same pid answers).
TEST(GpuWorkerProcess, BadRequestsGetAnErrorNeverACrash) {
  gpu::GpuPoolOptions o;
  o.worker_argv = {KILND_PATH, "--gpu-worker", "{device}", "--gpu-backend", "emulation"};
  gpu::GpuPool pool(o);
  ASSERT_TRUE(pool.start().ok());
  const pid_t pid = pool.workerPid(0);
  auto send = [&](const std::string& bytes, bool concurrent) {
    absl::StatusOr<std::string> frame =
        pool.run(0, "k", bytes, milliseconds(10000), nullptr, nullptr, 0, concurrent);
    EXPECT_TRUE(frame.ok()) << frame.status();
    pb::WorkerReply reply;
    EXPECT_TRUE(reply.ParseFromString(frame.ok() ? *frame : ""));
    return reply;
  };
  const int invalid = static_cast<int>(absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(send("\xff\xff not a request", false).code(), invalid);
  EXPECT_EQ(send("", false).code(), invalid);  // no op
  pb::WorkerRequest r;
  pb::WorkerLaunch* l = r.mutable_launch();
  l->set_module_key("k");
  l->set_entry("e");
  l->add_grid(1);
  l->add_block(1);
  l->set_session("s");
  l->set_stream(1);
  l->add_args()->set_spec("i8");  // no value
  EXPECT_EQ(send(r.SerializeAsString(), true).code(), invalid);  // no parameters for it
  l->add_params("i8");
  pb::WorkerReply missing = send(r.SerializeAsString(), true);
  EXPECT_EQ(missing.module(), pb::MODULE_MISSING);  // nothing ran: no image
  l->set_image("not an object");
  EXPECT_EQ(send(r.SerializeAsString(), true).code(), invalid);
  l->mutable_args(0)->set_spec("A2");
  l->set_params(0, "A2");
  l->mutable_args(0)->mutable_array()->set_id(12345);  // never made
  EXPECT_NE(send(r.SerializeAsString(), true).code(), 0);
  r.Clear();
  r.mutable_end_session();  // no session
  EXPECT_EQ(send(r.SerializeAsString(), true).code(), invalid);
  r.Clear();
  r.mutable_describe();  // the emulation: no GPU, so no compute capability
  pb::WorkerReply described = send(r.SerializeAsString(), false);
  EXPECT_EQ(described.code(), 0) << described.message();
  EXPECT_EQ(described.cc_major(), 0);
  EXPECT_EQ(pool.workerPid(0), pid);
  EXPECT_EQ(pool.restarts(0), 0u);
}

TEST(StreamExecutor, BoundedThreadsRunDifferentStreamsAtOnce) {
  StreamExecutor ex(2);
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0, peak = 0, done = 0;
  for (int k = 0; k < 6; ++k)
    ex.submit("s", static_cast<uint64_t>(k), [&] {
      std::unique_lock<std::mutex> lock(mu);
      peak = std::max(peak, ++inside);
      cv.notify_all();
      cv.wait_for(lock, milliseconds(200), [&] { return inside >= 2; });
      --inside;
      ++done;
      cv.notify_all();
    });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, milliseconds(5000), [&] { return done == 6; }));
  EXPECT_EQ(peak, 2);  // two threads: never a third at once
}

}  // namespace
}  // namespace kiln::server
