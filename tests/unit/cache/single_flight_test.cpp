#include "cache/single_flight.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"

namespace kiln::cache {
namespace {

TEST(SingleFlight, ConcurrentCallersRunTheWorkOnce) {
  SingleFlight<std::string> flight;
  const CacheKey key = sha256("k");
  constexpr int kThreads = 16;
  std::atomic<int> runs{0}, arrived{0}, shared{0};
  absl::Notification release;
  std::vector<std::string> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      bool was_shared = false;
      arrived.fetch_add(1);
      results[t] = flight.run(
          key,
          [&] {
            runs.fetch_add(1);
            // Hold the work open until every caller has joined the flight.
            release.WaitForNotification();
            return std::string("result");
          },
          &was_shared);
      if (was_shared) shared.fetch_add(1);
    });
  }
  // Wait until all threads are inside run() (one running, the rest waiting).
  while (arrived.load() < kThreads) std::this_thread::yield();
  while (flight.inFlight() == 0) std::this_thread::yield();
  absl::SleepFor(absl::Milliseconds(50));
  release.Notify();
  for (auto& th : threads) th.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(shared.load(), kThreads - 1);
  for (const std::string& r : results) EXPECT_EQ(r, "result");
  EXPECT_EQ(flight.inFlight(), 0u);
}

TEST(SingleFlight, DifferentKeysRunIndependently) {
  SingleFlight<int> flight;
  std::atomic<int> runs{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      EXPECT_EQ(flight.run(sha256(std::to_string(t)), [&] { return ++runs, t; }), t);
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(runs.load(), 8);
}

TEST(SingleFlight, LaterCallAfterCompletionRunsAgain) {
  SingleFlight<int> flight;
  int runs = 0;
  EXPECT_EQ(flight.run(sha256("k"), [&] { return ++runs; }), 1);
  EXPECT_EQ(flight.run(sha256("k"), [&] { return ++runs; }), 2);
}


TEST(SingleFlight, WorkThatThrowsLeavesNoEntryAndWakesItsWaiters) {
  SingleFlight<int> flight;
  const CacheKey key = sha256("k");
  absl::Notification leader_running, waiter_joined;
  std::atomic<int> runs{0};
  std::thread leader([&] {
    EXPECT_THROW(flight.run(key,
                            [&]() -> int {
                              runs.fetch_add(1);
                              leader_running.Notify();
                              waiter_joined.WaitForNotification();
                              throw std::runtime_error("injected");
                            }),
                 std::runtime_error);
  });
  leader_running.WaitForNotification();
  int waiter_result = 0;
  std::thread waiter([&] {
    // Its own work runs only if the leader's threw: the waiter starts over.
    waiter_result = flight.run(key, [&] { return runs.fetch_add(1), 42; });
  });
  while (flight.waiting() == 0) std::this_thread::yield();
  waiter_joined.Notify();
  leader.join();
  waiter.join();
  EXPECT_EQ(waiter_result, 42);
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(flight.inFlight(), 0u);
  EXPECT_EQ(flight.waiting(), 0u);
  // And the key works as before.
  EXPECT_EQ(flight.run(key, [] { return 7; }), 7);
}

}  // namespace
}  // namespace kiln::cache
