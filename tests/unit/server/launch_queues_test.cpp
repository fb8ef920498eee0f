// gpu: the asynchronous launch queues (server/launch_queues.h) with work
// closures in place of a worker: order per stream, the first failure
// reported once at the sync and what followed it dropped, backpressure at
// the cap, a session ended or expired with its queue dropped.
#include "server/launch_queues.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"

namespace kiln::server {
namespace {

const absl::Time kSoon = absl::InfiniteFuture();

TEST(LaunchQueues, OneStreamRunsInOrderAndSyncWaitsForIt) {
  LaunchQueues q(1, 64, absl::Minutes(5));
  std::mutex mu;
  std::vector<int> ran;
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(q.enqueue("s", 7, 0, "k",
                          [&, i](kiln::v1::KernelError*) {
                            absl::SleepFor(absl::Milliseconds(1));
                            std::lock_guard<std::mutex> lock(mu);
                            ran.push_back(i);
                            return absl::OkStatus();
                          },
                          kSoon)
                    .ok());
  kiln::v1::SyncLaunchesResponse reply;
  ASSERT_TRUE(q.sync("s", 7, false, kSoon, reply).ok());
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(ran.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(ran[i], i);
  EXPECT_EQ(reply.kernel_error().kind(), 0);
  EXPECT_EQ(q.queued(0), 0u);
}

TEST(LaunchQueues, TheFirstFailureIsReportedOnceAndWhatFollowedIsNotRun) {
  std::atomic<int> after{0};
  LaunchQueues q(1, 64, absl::Minutes(5));  // after what its work uses: it is joined first
  ASSERT_TRUE(q.enqueue("s", 1, 0, "bad",
                        [](kiln::v1::KernelError* e) {
                          e->set_kind(3);
                          e->set_message("index out of bounds");
                          return absl::OkStatus();
                        },
                        kSoon)
                  .ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(q.enqueue("s", 1, 0, "next", [&](kiln::v1::KernelError*) { ++after; return absl::OkStatus(); }, kSoon)
                    .ok());
  kiln::v1::SyncLaunchesResponse reply;
  ASSERT_TRUE(q.sync("s", 1, false, kSoon, reply).ok());
  EXPECT_EQ(reply.kernel_error().kind(), 3);
  EXPECT_EQ(reply.kernel_name(), "bad");
  EXPECT_EQ(after.load(), 0);
  EXPECT_EQ(q.dropped(0), 3u);
  // Reported once; the stream works again.
  kiln::v1::SyncLaunchesResponse again;
  ASSERT_TRUE(q.enqueue("s", 1, 0, "next", [&](kiln::v1::KernelError*) { ++after; return absl::OkStatus(); }, kSoon)
                  .ok());
  ASSERT_TRUE(q.sync("s", 0, false, kSoon, again).ok());
  EXPECT_EQ(again.kernel_error().kind(), 0);
  EXPECT_EQ(after.load(), 1);
}

TEST(LaunchQueues, AFaultIsTheSyncStatus) {
  LaunchQueues q(2, 64, absl::Minutes(5));
  ASSERT_TRUE(q.enqueue("s", 1, 1, "k",
                        [](kiln::v1::KernelError*) { return absl::FailedPreconditionError("kernel 'k' faulted"); },
                        kSoon)
                  .ok());
  kiln::v1::SyncLaunchesResponse reply;
  absl::Status s = q.sync("s", 0, false, kSoon, reply);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "kernel 'k' faulted");
  EXPECT_TRUE(q.sync("s", 0, false, kSoon, reply).ok());
}

TEST(LaunchQueues, AFullSessionWaitsForRoom) {
  absl::Notification go;
  LaunchQueues q(1, 2, absl::Minutes(5));  // after what its work uses: it is joined first
  auto blocked = [&](kiln::v1::KernelError*) {
    go.WaitForNotification();
    return absl::OkStatus();
  };
  ASSERT_TRUE(q.enqueue("s", 1, 0, "k", blocked, kSoon).ok());  // taken by the runner
  absl::SleepFor(absl::Milliseconds(50));
  ASSERT_TRUE(q.enqueue("s", 1, 0, "k", blocked, kSoon).ok());
  ASSERT_TRUE(q.enqueue("s", 2, 0, "k", blocked, kSoon).ok());
  EXPECT_EQ(q.queued(0), 2u);
  // A third waits; past its deadline it is refused, never queued.
  absl::Status s = q.enqueue("s", 1, 0, "k", blocked, absl::Now() + absl::Milliseconds(100));
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(q.queued(0), 2u);
  // Another session has its own room.
  EXPECT_TRUE(q.enqueue("t", 1, 0, "k", blocked, absl::Now() + absl::Milliseconds(100)).ok());
  go.Notify();
  kiln::v1::SyncLaunchesResponse reply;
  EXPECT_TRUE(q.sync("s", 0, false, kSoon, reply).ok());
  EXPECT_TRUE(q.sync("t", 0, false, kSoon, reply).ok());
}

TEST(LaunchQueues, AnEndedSessionIsDroppedAndRefusedAfterwards) {
  absl::Notification go;
  std::atomic<int> ran{0};
  // After what its work uses: the queues are destroyed (their runners
  // joined) first, while the launch let go below may still be running.
  LaunchQueues q(1, 64, absl::Minutes(5));
  auto work = [&](kiln::v1::KernelError*) {
    go.WaitForNotification();
    ++ran;
    return absl::OkStatus();
  };
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.enqueue("s", 1, 0, "k", work, kSoon).ok());
  absl::SleepFor(absl::Milliseconds(50));
  kiln::v1::SyncLaunchesResponse reply;
  ASSERT_TRUE(q.sync("s", 0, /*end=*/true, kSoon, reply).ok());
  EXPECT_EQ(q.queued(0), 0u);
  EXPECT_EQ(q.dropped(0), 4u);  // the running one finishes
  go.Notify();
  EXPECT_EQ(q.sync("s", 0, false, kSoon, reply).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(q.enqueue("s", 1, 0, "k", work, kSoon).code(), absl::StatusCode::kFailedPrecondition);
  // A session never seen has nothing to report.
  EXPECT_TRUE(q.sync("u", 0, false, kSoon, reply).ok());
}

TEST(LaunchQueues, ASilentSessionExpiresUnlessItsLaunchRuns) {
  absl::Notification go;
  auto blocked = [&](kiln::v1::KernelError*) {
    go.WaitForNotification();
    return absl::OkStatus();
  };
  std::atomic<int> ran{0};
  LaunchQueues q(1, 64, absl::Milliseconds(200));  // after what its work uses: it is joined first
  auto work = [&](kiln::v1::KernelError*) {
    ++ran;
    return absl::OkStatus();
  };
  kiln::v1::SyncLaunchesResponse reply;
  ASSERT_TRUE(q.enqueue("quiet", 1, 0, "k", work, kSoon).ok());
  ASSERT_TRUE(q.sync("quiet", 1, false, kSoon, reply).ok());
  ASSERT_TRUE(q.enqueue("busy", 1, 0, "k", blocked, kSoon).ok());  // holds the device
  absl::SleepFor(absl::Milliseconds(50));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.enqueue("s", 1, 0, "k", work, kSoon).ok());
  absl::Time until = absl::Now() + absl::Seconds(10);
  while (q.queued(0) != 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(q.queued(0), 0u);
  EXPECT_EQ(q.dropped(0), 3u);
  absl::SleepFor(absl::Milliseconds(500));
  go.Notify();
  EXPECT_EQ(ran.load(), 1);
  // It lost launches: told so.
  EXPECT_EQ(q.sync("s", 0, false, kSoon, reply).code(), absl::StatusCode::kFailedPrecondition);
  // Its launch was running: not expired, its outcome kept.
  EXPECT_TRUE(q.sync("busy", 0, false, kSoon, reply).ok());
  // It had nothing to lose: forgotten, and it starts afresh.
  EXPECT_TRUE(q.sync("quiet", 0, false, kSoon, reply).ok());
  EXPECT_TRUE(q.enqueue("quiet", 1, 0, "k", work, kSoon).ok());
  EXPECT_TRUE(q.sync("quiet", 0, false, kSoon, reply).ok());
  EXPECT_EQ(ran.load(), 2);
}

// A session that holds something outside the queues (device memory) is
// kept alive by its lease (touch, as AllocDevice and a keepalive do); once
// silent it expires, is reported to on_end (which frees that memory) and,
// having lost it, is refused afterwards. A keepalive of a session never
// seen makes none; an oversized key is refused.
TEST(LaunchQueues, ALeaseKeepsASessionThatHoldsMemoryAndItsLapseEndsIt) {
  std::mutex mu;
  std::vector<std::string> ended;
  std::atomic<bool> holding{true};
  LaunchQueues q(
      1, 64, absl::Milliseconds(300), 1,
      [&](const std::string& s) {
        std::lock_guard<std::mutex> lock(mu);
        ended.push_back(s);
      },
      [&](const std::string& s) { return s == "owner" && holding.load(); });
  ASSERT_TRUE(q.touch("owner", /*create=*/true).ok());
  ASSERT_TRUE(q.touch("idle", /*create=*/true).ok());
  for (int i = 0; i < 8; ++i) {  // 800 ms, well past the idle time, renewed every 100 ms
    absl::SleepFor(absl::Milliseconds(100));
    ASSERT_TRUE(q.touch("owner", /*create=*/false).ok()) << i;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(ended, std::vector<std::string>{"idle"});  // silent, and it held nothing
  }
  absl::Time until = absl::Now() + absl::Seconds(10);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (ended.size() == 2 || absl::Now() > until) break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(ended, (std::vector<std::string>{"idle", "owner"}));
  }
  kiln::v1::SyncLaunchesResponse reply;
  EXPECT_EQ(q.touch("owner", false).code(), absl::StatusCode::kFailedPrecondition);  // it lost its memory
  EXPECT_EQ(q.sync("owner", 0, false, kSoon, reply).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(q.touch("idle", false).ok());  // forgotten: nothing to tell
  EXPECT_TRUE(q.touch("never", false).ok());
  EXPECT_TRUE(q.touch(std::string(64, 'k'), true).ok());
  EXPECT_EQ(q.touch(std::string(65, 'k'), true).code(), absl::StatusCode::kInvalidArgument);
}

// With two runners per device, two streams' launches run at once (the first
// waits for the second), while one stream's stay in order; an ended
// session is reported to on_end once.
TEST(LaunchQueues, ConcurrentRunnersOverlapStreamsAndEndedSessionsAreReported) {
  std::mutex mu;
  std::vector<std::string> ended;
  absl::Notification flag;
  std::atomic<bool> saw{false};
  std::vector<int> order;
  // After what its work uses: the queues are destroyed (their runners joined) first.
  LaunchQueues q(1, 64, absl::Minutes(5), 2, [&](const std::string& session) {
    std::lock_guard<std::mutex> lock(mu);
    ended.push_back(session);
  });
  ASSERT_TRUE(q.enqueue("s", 1, 0, "wait",
                        [&](kiln::v1::KernelError*) {
                          saw = flag.WaitForNotificationWithTimeout(absl::Seconds(10));
                          std::lock_guard<std::mutex> lock(mu);
                          order.push_back(1);
                          return absl::OkStatus();
                        },
                        kSoon)
                  .ok());
  ASSERT_TRUE(q.enqueue("s", 1, 0, "after",
                        [&](kiln::v1::KernelError*) {
                          std::lock_guard<std::mutex> lock(mu);
                          order.push_back(2);
                          return absl::OkStatus();
                        },
                        kSoon)
                  .ok());
  ASSERT_TRUE(q.enqueue("s", 2, 0, "set", [&](kiln::v1::KernelError*) { flag.Notify(); return absl::OkStatus(); },
                        kSoon)
                  .ok());
  kiln::v1::SyncLaunchesResponse reply;
  ASSERT_TRUE(q.sync("s", 0, false, kSoon, reply).ok());
  EXPECT_TRUE(saw.load());  // "set" ran while "wait" waited
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
    EXPECT_TRUE(ended.empty());
  }
  ASSERT_TRUE(q.sync("s", 0, true, kSoon, reply).ok());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(ended, std::vector<std::string>{"s"});
}

}  // namespace
}  // namespace kiln::server
