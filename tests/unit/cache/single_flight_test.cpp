#include "cache/single_flight.h"

#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
}  // namespace kiln::cache
