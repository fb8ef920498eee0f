// Deadlines, cancellation and bounded resources: the fair compile queue
// (CompileSlots), the bundle LRU, and the engine with faults injected at
// every step of a compile (a real Store on a temporary directory, real
// compiles of a real bundle).

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "kiln/v1/bundle_hash.h"
#include "server/bundle_convert.h"
#include "server/bundle_lru.h"
#include "server/compile_engine.h"
#include "server/compile_slots.h"
#include "server/socket_lock.h"
#include "tests/unit/server/test_bundles.h"

namespace kiln::server {
namespace {

namespace pb = kiln::v1;

// Spins (bounded) until `done` holds; fails the test if it never does.
template <typename F>
bool eventually(F done, absl::Duration limit = absl::Seconds(20)) {
  const absl::Time until = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// ---------------------------------------------------------------- slots

TEST(CompileSlots, LeaseReturnsItsSlotHoweverTheScopeEnds) {
  CompileSlots slots(1, 4, 4);
  try {
    absl::StatusOr<CompileSlots::Lease> lease = slots.acquire("a", absl::InfiniteFuture());
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(slots.freeSlots(), 0);
    throw std::runtime_error("injected");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(slots.freeSlots(), 1);
}

TEST(CompileSlots, FullQueueIsResourceExhaustedNamingTheLimit) {
  CompileSlots slots(1, 2, 8);
  absl::StatusOr<CompileSlots::Lease> held = slots.acquire("a", absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  std::vector<std::thread> waiters;
  std::atomic<int> served{0};
  for (int i = 0; i < 2; ++i)
    waiters.emplace_back([&, i] {
      absl::StatusOr<CompileSlots::Lease> l = slots.acquire(i == 0 ? "a" : "b", absl::InfiniteFuture());
      EXPECT_TRUE(l.ok()) << l.status();
      served.fetch_add(1);
    });
  ASSERT_TRUE(eventually([&] { return slots.queued() == 2; }));
  absl::StatusOr<CompileSlots::Lease> refused = slots.acquire("c", absl::InfiniteFuture());
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find("--max-queued-compiles=2"), std::string::npos) << refused.status();
  held->release();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(served.load(), 2);
  EXPECT_EQ(slots.freeSlots(), 1);
  EXPECT_EQ(slots.queued(), 0);
}

TEST(CompileSlots, PerClientCapLeavesRoomForOthers) {
  CompileSlots slots(1, 10, 1);
  absl::StatusOr<CompileSlots::Lease> held = slots.acquire("a", absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  std::thread first([&] { EXPECT_TRUE(slots.acquire("a", absl::InfiniteFuture()).ok()); });
  ASSERT_TRUE(eventually([&] { return slots.queued() == 1; }));
  absl::StatusOr<CompileSlots::Lease> second = slots.acquire("a", absl::InfiniteFuture());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(second.status()));
  EXPECT_NE(second.status().message().find("--max-queued-per-client=1"), std::string::npos) << second.status();
  std::thread other([&] { EXPECT_TRUE(slots.acquire("b", absl::InfiniteFuture()).ok()); });  // b still queues
  ASSERT_TRUE(eventually([&] { return slots.queued() == 2; }));
  held->release();
  first.join();
  other.join();
}

TEST(CompileSlots, FreedSlotsGoRoundRobinAcrossClients) {
  CompileSlots slots(1, 100, 100);
  absl::StatusOr<CompileSlots::Lease> held = slots.acquire("busy", absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  absl::Mutex mu;
  std::vector<std::string> order;
  std::vector<std::thread> threads;
  auto enqueue = [&](const std::string& client, const std::string& tag) {
    const int before = slots.queued();
    threads.emplace_back([&, client, tag] {
      absl::StatusOr<CompileSlots::Lease> l = slots.acquire(client, absl::InfiniteFuture());
      ASSERT_TRUE(l.ok());
      absl::MutexLock lock(&mu);
      order.push_back(tag);
    });  // the lease ends with the thread: the next waiter is served
    ASSERT_TRUE(eventually([&] { return slots.queued() == before + 1; }));
  };
  // Client a queues three compiles before client b queues one: b's is served
  // second, not fourth.
  enqueue("a", "a1");
  enqueue("a", "a2");
  enqueue("a", "a3");
  enqueue("b", "b1");
  held->release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "b1", "a2", "a3"}));
}

TEST(CompileSlots, WaitPastTheDeadlineIsDeadlineExceededAndLeavesTheQueue) {
  CompileSlots slots(1, 10, 10);
  absl::StatusOr<CompileSlots::Lease> held = slots.acquire("a", absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  absl::StatusOr<CompileSlots::Lease> late = slots.acquire("b", absl::Now() + absl::Milliseconds(50));
  ASSERT_FALSE(late.ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(late.status())) << late.status();
  EXPECT_EQ(slots.queued(), 0);
  held->release();
  EXPECT_EQ(slots.freeSlots(), 1);
}

TEST(CompileSlots, CloseFailsWaitersWithUnavailable) {
  CompileSlots slots(1, 10, 10);
  absl::StatusOr<CompileSlots::Lease> held = slots.acquire("a", absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  absl::Status waited;
  std::thread waiter([&] { waited = slots.acquire("b", absl::InfiniteFuture()).status(); });
  ASSERT_TRUE(eventually([&] { return slots.queued() == 1; }));
  slots.close();
  waiter.join();
  EXPECT_TRUE(absl::IsUnavailable(waited)) << waited;
  EXPECT_TRUE(absl::IsUnavailable(slots.acquire("c", absl::InfiniteFuture()).status()));
}

// ---------------------------------------------------------------- bundles

TEST(BundleLru, EvictsTheLeastRecentlyUsedToStayUnderItsBytes) {
  BundleLru lru(100);
  auto bundle = [] { return std::make_shared<const compiler::Bundle>(); };
  const cache::CacheKey a = cache::sha256("a"), b = cache::sha256("b"), c = cache::sha256("c");
  lru.insert(a, bundle(), 40);
  lru.insert(b, bundle(), 40);
  ASSERT_NE(lru.find(a), nullptr);  // a is now the most recent
  lru.insert(c, bundle(), 40);      // 120 > 100: b goes
  EXPECT_NE(lru.find(a), nullptr);
  EXPECT_EQ(lru.find(b), nullptr);
  EXPECT_NE(lru.find(c), nullptr);
  EXPECT_EQ(lru.bytes(), 80u);
  EXPECT_EQ(lru.evictions(), 1u);
  lru.insert(b, bundle(), 101);  // larger than the whole budget: not held, nothing evicted
  EXPECT_EQ(lru.find(b), nullptr);
  EXPECT_EQ(lru.size(), 2u);
  lru.insert(a, bundle(), 10);  // replacing an entry re-counts its bytes
  EXPECT_EQ(lru.bytes(), 50u);
}

// ---------------------------------------------------------------- engine

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln-limits-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    config_.threads = 1;
    config_.verify_each = true;
    // The hook reads the test's current fault; the engine copies the config.
    config_.fault_injection = [this](const char* stage) { fault(stage); };
  }
  void TearDown() override {
    engine_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void startEngine() {
    engine_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_ + "/cache.db");
    absl::StatusOr<std::unique_ptr<cache::Store>> store = cache::Store::open(dir_ + "/cache.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    engine_ = std::make_unique<CompileEngine>(config_, *store_);
    const pb::Bundle proto = testing::addOneBundle();
    hash_ = *cache::CacheKey::fromRaw(pb::bundleHash(proto));
    absl::StatusOr<compiler::Bundle> bundle = convertBundle(proto);
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    ASSERT_TRUE(engine_->addBundle(hash_, pb::deterministicBytes(proto), *std::move(bundle)).ok());
  }

  CompileJob job(const std::string& arg = "int64") const {
    CompileJob j;
    j.bundle_hash = hash_;
    j.arg_types = {arg};
    j.target = compiler::Target();
    return j;
  }

  // Set by each test; called by the engine at each step.
  std::function<void(const char*)> on_stage_;
  absl::Mutex on_stage_mu_;
  void fault(const char* stage) {
    std::function<void(const char*)> f;
    {
      absl::MutexLock lock(&on_stage_mu_);
      f = on_stage_;
    }
    if (f) f(stage);
  }
  void setFault(std::function<void(const char*)> f) {
    absl::MutexLock lock(&on_stage_mu_);
    on_stage_ = std::move(f);
  }

  void expectCleanAndServing() {
    EXPECT_EQ(engine_->freeSlots(), 1);
    EXPECT_EQ(engine_->compilesInFlight(), 0u);
    setFault(nullptr);
    absl::StatusOr<std::shared_ptr<const CompileOutcome>> ok = engine_->compile(job("float64"));
    ASSERT_TRUE(ok.ok()) << ok.status();
    EXPECT_EQ((*ok)->status, CompileOutcome::Status::kOk) << (*ok)->diagnostic.message;
  }

  std::string dir_;
  Config config_;
  std::unique_ptr<cache::Store> store_;
  std::unique_ptr<CompileEngine> engine_;
  cache::CacheKey hash_;
};

// Every step of a miss, in order: the engine's own and the compiler's passes.
const std::vector<std::string> kStages = {"lookup",   "find-bundle",    "acquire-slot", "frontend",
                                          "simplify-block-params",      "prune-dead-params", "typing",       "fuse-array-exprs", "parallel-loops", "lowering",
                                          "refcount-prune", "optimize", "codegen",      "link",
                                          "store"};
// Steps inside the single flight, where other requests can be waiting.
bool insideFlight(const std::string& stage) { return stage != "lookup" && stage != "find-bundle"; }

TEST_F(EngineTest, EveryStageIsReachedByAMiss) {
  startEngine();
  std::vector<std::string> seen;
  setFault([&](const char* stage) { seen.emplace_back(stage); });
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> r = engine_->compile(job());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->status, CompileOutcome::Status::kOk);
  EXPECT_EQ(seen, kStages);
}

TEST_F(EngineTest, AnExceptionAtAnyStageReturnsTheSlotAndCompletesTheWaiters) {
  for (const std::string& stage : kStages) {
    for (bool bad_alloc : {false, true}) {
      SCOPED_TRACE(stage + (bad_alloc ? " (bad_alloc)" : " (runtime_error)"));
      startEngine();
      std::atomic<bool> thrown{false};
      std::atomic<int> compile_calls{0};
      const bool wait_for_waiter = insideFlight(stage);
      setFault([&](const char* s) {
        if (s != stage || thrown.exchange(true)) return;
        // Hold the leader until the second request is waiting on it.
        if (wait_for_waiter) {
          EXPECT_TRUE(eventually([&] { return engine_->compilesWaiting() > 0; }));
        }
        if (bad_alloc) throw std::bad_alloc();
        throw std::runtime_error("injected at " + stage);
      });
      absl::StatusOr<std::shared_ptr<const CompileOutcome>> first, second;
      std::thread a([&] {
        compile_calls.fetch_add(1);
        first = engine_->compile(job());
      });
      if (wait_for_waiter) {
        ASSERT_TRUE(eventually([&] { return engine_->compilesInFlight() > 0; }));
      } else {
        a.join();
      }
      std::thread b([&] { second = engine_->compile(job()); });
      if (a.joinable()) a.join();
      b.join();
      ASSERT_TRUE(thrown.load());
      // The request whose compile threw gets an error status, never a crash.
      ASSERT_FALSE(first.ok());
      EXPECT_EQ(first.status().code(),
                bad_alloc ? absl::StatusCode::kResourceExhausted : absl::StatusCode::kInternal)
          << first.status();
      // The waiter (or the next request) compiles it after all.
      ASSERT_TRUE(second.ok()) << second.status();
      EXPECT_EQ((*second)->status, CompileOutcome::Status::kOk) << (*second)->diagnostic.message;
      EXPECT_EQ(engine_->stats().exceptions, 1u);
      expectCleanAndServing();
    }
  }
}

TEST_F(EngineTest, ServerLimitStopsACompileWithDeadlineExceeded) {
  config_.max_compile_seconds = 0.5;
  startEngine();
  setFault([](const char* s) {
    if (std::string(s) == "typing") absl::SleepFor(absl::Seconds(1));
  });
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> r = engine_->compile(job());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("--max-compile-seconds"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("typing"), std::string::npos) << r.status();
  EXPECT_EQ(engine_->stats().stopped_compiles, 1u);
  EXPECT_EQ(engine_->stats().internal_errors, 0u);
  expectCleanAndServing();  // a compile within the limit still works
}

TEST_F(EngineTest, ClientDeadlineStopsACompile) {
  startEngine();
  setFault([](const char* s) {
    if (std::string(s) == "lowering") absl::SleepFor(absl::Milliseconds(200));
  });
  CompileJob j = job();
  j.deadline = absl::Now() + absl::Milliseconds(100);
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> r = engine_->compile(j);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("the client's deadline"), std::string::npos) << r.status();
  expectCleanAndServing();
}

TEST_F(EngineTest, ClientThatCancelsStopsItsCompile) {
  startEngine();
  std::atomic<bool> gone{false};
  setFault([&](const char* s) {
    if (std::string(s) == "typing") gone.store(true);  // the client hangs up mid-compile
  });
  CompileJob j = job();
  j.client_gone = [&] { return gone.load(); };
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> r = engine_->compile(j);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsCancelled(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("the client cancelled its call"), std::string::npos) << r.status();
  expectCleanAndServing();
}

TEST_F(EngineTest, CancelAllStopsARunningCompileAndRefusesNewOnes) {
  startEngine();
  absl::Notification in_typing;
  setFault([&](const char* s) {
    if (std::string(s) == "typing") {
      in_typing.Notify();
      absl::SleepFor(absl::Milliseconds(300));
    }
  });
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> r;
  std::thread t([&] { r = engine_->compile(job()); });
  in_typing.WaitForNotification();
  engine_->cancelAll(absl::UnavailableError("test shutdown"));
  t.join();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("test shutdown"), std::string::npos);
  EXPECT_EQ(engine_->freeSlots(), 1);
  setFault(nullptr);
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> after = engine_->compile(job("float64"));
  ASSERT_FALSE(after.ok());
  EXPECT_TRUE(absl::IsUnavailable(after.status())) << after.status();
}

TEST_F(EngineTest, QueueCapTripsResourceExhausted) {
  config_.max_queued_compiles = 1;
  startEngine();
  absl::Notification holding, release;
  setFault([&](const char* s) {
    if (std::string(s) == "typing" && !holding.HasBeenNotified()) {
      holding.Notify();
      release.WaitForNotification();
    }
  });
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> running, queued;
  std::thread a([&] { running = engine_->compile(job("int64")); });
  holding.WaitForNotification();
  std::thread b([&] { queued = engine_->compile(job("int32")); });
  ASSERT_TRUE(eventually([&] { return engine_->queuedCompiles() == 1; }));
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> refused = engine_->compile(job("float32"));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find("--max-queued-compiles=1"), std::string::npos) << refused.status();
  release.Notify();
  a.join();
  b.join();
  ASSERT_TRUE(running.ok()) << running.status();
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ((*queued)->status, CompileOutcome::Status::kOk);
  expectCleanAndServing();
}

TEST_F(EngineTest, IrSizeCapTripsResourceExhausted) {
  config_.max_ir_instructions = 2;
  startEngine();
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> r = engine_->compile(job());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("--max-ir-instructions"), std::string::npos) << r.status();
  EXPECT_EQ(engine_->freeSlots(), 1);
}

TEST_F(EngineTest, BundleLargerThanItsMemoryIsRefused) {
  absl::StatusOr<std::unique_ptr<cache::Store>> store = cache::Store::open(dir_ + "/cache.db");
  ASSERT_TRUE(store.ok()) << store.status();
  config_.max_bundle_memory_bytes = 16;
  CompileEngine engine(config_, **store);
  const pb::Bundle proto = testing::addOneBundle();
  absl::StatusOr<compiler::Bundle> bundle = convertBundle(proto);
  ASSERT_TRUE(bundle.ok());
  absl::Status s = engine.addBundle(*cache::CacheKey::fromRaw(pb::bundleHash(proto)), pb::deterministicBytes(proto),
                                    *std::move(bundle));
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_NE(s.message().find("--max-bundle-memory-bytes=16"), std::string::npos) << s;
}

TEST_F(EngineTest, UploadedBundlesStayWithinTheirMemory) {
  const pb::Bundle proto = testing::addOneBundle();
  const uint64_t one = pb::deterministicBytes(proto).size();
  config_.max_bundle_memory_bytes = 3 * one;
  startEngine();  // one bundle held
  for (int i = 0; i < 10; ++i) {
    pb::Bundle other = proto;
    other.mutable_functions(0)->mutable_code()->set_firstlineno(100 + i);  // another hash, same size
    const std::string bytes = pb::deterministicBytes(other);
    absl::StatusOr<compiler::Bundle> bundle = convertBundle(other);
    ASSERT_TRUE(bundle.ok());
    ASSERT_TRUE(engine_->addBundle(*cache::CacheKey::fromRaw(pb::bundleHash(other)), bytes, *std::move(bundle)).ok());
    EXPECT_LE(engine_->bundleMemory().bytes(), 3 * one);
  }
  EXPECT_EQ(engine_->bundleMemory().size(), 3u);
  EXPECT_EQ(engine_->bundleMemory().evictions(), 8u);
  // The first bundle was evicted from memory, not lost: it reloads from the
  // store and compiles.
  absl::StatusOr<std::shared_ptr<const CompileOutcome>> r = engine_->compile(job());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->status, CompileOutcome::Status::kOk);
}

// ---------------------------------------------------------------- lock

TEST(SocketLock, SecondHolderIsRefusedNamingTheFirst) {
  char tmpl[] = "/tmp/kiln-lock-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string sock = std::string(tmpl) + "/kilnd.sock";
  {
    absl::StatusOr<SocketLock> first = SocketLock::acquire(sock);
    ASSERT_TRUE(first.ok()) << first.status();
    // flock is per open file: a second open in this process conflicts too.
    absl::StatusOr<SocketLock> second = SocketLock::acquire(sock);
    ASSERT_FALSE(second.ok());
    EXPECT_TRUE(absl::IsAlreadyExists(second.status()));
    EXPECT_NE(second.status().message().find(absl::StrCat("pid ", getpid())), std::string::npos) << second.status();
  }
  // Released with its holder: the next one gets it.
  EXPECT_TRUE(SocketLock::acquire(sock).ok());
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace kiln::server
