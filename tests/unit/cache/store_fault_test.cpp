// Storage faults degrade the store, they never break it: damaged table files,
// MANIFEST and CURRENT, a full disk (a real 4 MiB tmpfs), eviction, verify.

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "cache/store.h"

namespace kiln::cache {
namespace {

namespace fs = std::filesystem;

std::string payloadOf(int i, size_t size = 600) {
  std::mt19937_64 rng(static_cast<uint64_t>(i) * 7919 + 1);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

CacheKey keyOf(int i) { return sha256("key " + std::to_string(i)); }

class StoreFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln-store-fault-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/cache.db";
  }
  void TearDown() override {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    fs::remove_all(dir_);
  }

  std::unique_ptr<Store> open(StoreOptions options = {}) {
    auto store = Store::open(path_, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Fills the store with n values and flushes them into table files.
  void fill(int n) {
    {
      auto store = open();
      ASSERT_NE(store, nullptr);
      for (int i = 0; i < n; ++i) ASSERT_TRUE(store->put(Kind::kArtifact, keyOf(i), payloadOf(i)).ok());
    }
    rocksdb::DB* db = nullptr;
    rocksdb::Options options;
    ASSERT_TRUE(rocksdb::DB::Open(options, path_, &db).ok());
    ASSERT_TRUE(db->Flush(rocksdb::FlushOptions()).ok());
    delete db;
    // The raw open wrote RocksDB's own LOG file; the store never does.
    fs::remove(path_ + "/LOG");
  }

  std::vector<fs::path> filesMatching(const std::string& ext) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(path_))
      if (e.path().extension() == ext || e.path().filename().string().rfind(ext, 0) == 0) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }

  int movedAsideDirs() {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().rfind("cache.db.corrupt-", 0) == 0) ++n;
    return n;
  }

  std::string dir_, path_;
  bool mounted_ = false;
};

// Flipped bytes inside a table file: no read returns a wrong payload; the
// damaged values become misses; the store rebuilds itself once and then
// stores and serves everything again, across a reopen too.
TEST_F(StoreFaultTest, FlippedSstBytesBecomeMissesAndTheStoreRebuilds) {
  constexpr int kValues = 1200;
  fill(kValues);
  std::vector<fs::path> ssts = filesMatching(".sst");
  ASSERT_FALSE(ssts.empty());
  {
    std::fstream f(ssts[0], std::ios::in | std::ios::out | std::ios::binary);
    const auto size = static_cast<std::streamoff>(fs::file_size(ssts[0]));
    // Data blocks only (the footer and index sit at the end).
    for (std::streamoff off = 1000; off < size / 2; off += 7000) {
      f.seekg(off);
      char c = 0;
      f.read(&c, 1);
      c = static_cast<char>(c ^ 0x5a);
      f.seekp(off);
      f.write(&c, 1);
    }
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  int hits = 0, misses = 0;
  for (int i = 0; i < kValues; ++i) {
    auto got = store->get(Kind::kArtifact, keyOf(i));
    ASSERT_TRUE(got.ok()) << got.status();
    if (got->has_value()) {
      ASSERT_EQ(**got, payloadOf(i)) << "wrong payload served for value " << i;
      ++hits;
    } else {
      ++misses;
      // What the server does on a miss: compile again, store the result.
      ASSERT_TRUE(store->put(Kind::kArtifact, keyOf(i), payloadOf(i)).ok());
    }
  }
  EXPECT_GT(misses, 0);
  EXPECT_LT(misses, kValues / 2) << "the rebuild should keep the readable values";
  StoreStats stats = store->stats();
  EXPECT_GE(stats.corrupt_values, 1u);
  EXPECT_EQ(stats.rebuilds, 1u);
  EXPECT_EQ(stats.moved_aside, 1u);
  EXPECT_FALSE(stats.read_only);
  EXPECT_EQ(movedAsideDirs(), 1);
  // Everything is served again, now and after a reopen, and verifies clean.
  for (int i = 0; i < kValues; ++i) ASSERT_EQ(**store->get(Kind::kArtifact, keyOf(i)), payloadOf(i)) << i;
  EXPECT_TRUE(store->verify()->clean());
  store.reset();
  store = open();
  for (int i = 0; i < kValues; ++i) ASSERT_EQ(**store->get(Kind::kArtifact, keyOf(i)), payloadOf(i)) << i;
  EXPECT_EQ(store->stats().corrupt_values, 0u);
}

// Readers and writers on several threads meet the damage at once: one
// rebuild, no wrong payload, no error, and everything is served afterwards.
TEST_F(StoreFaultTest, ConcurrentReadersDuringARebuild) {
  constexpr int kValues = 600, kThreads = 4;
  fill(kValues);
  std::vector<fs::path> ssts = filesMatching(".sst");
  ASSERT_FALSE(ssts.empty());
  {
    std::fstream f(ssts[0], std::ios::in | std::ios::out | std::ios::binary);
    for (std::streamoff off = 3000; off < static_cast<std::streamoff>(fs::file_size(ssts[0])) / 2; off += 20000) {
      f.seekp(off);
      f.write("\xde\xad", 2);
    }
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  std::atomic<int> wrong{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < kValues; ++k) {
        const int i = (k * 7 + t * 151) % kValues;
        auto got = store->get(Kind::kArtifact, keyOf(i));
        if (!got.ok()) {
          ++errors;
        } else if (got->has_value()) {
          if (**got != payloadOf(i)) ++wrong;
        } else if (!store->put(Kind::kArtifact, keyOf(i), payloadOf(i)).ok()) {
          ++errors;
        }
      }
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(store->stats().rebuilds, 1u);
  for (int i = 0; i < kValues; ++i) ASSERT_EQ(**store->get(Kind::kArtifact, keyOf(i)), payloadOf(i)) << i;
  EXPECT_TRUE(store->verify()->clean());
}

TEST_F(StoreFaultTest, VerifyReportsDamagedTables) {
  fill(300);
  std::vector<fs::path> ssts = filesMatching(".sst");
  ASSERT_FALSE(ssts.empty());
  {
    std::fstream f(ssts[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2000);
    f.write("garbage!", 8);
  }
  auto report = Store::verifyPath(path_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->clean());
  EXPECT_FALSE(report->tables_ok);
  EXPECT_GE(report->read_errors, 1u);
  EXPECT_GT(report->values, 200u) << "the scan skips the damaged region and goes on";
  EXPECT_FALSE(report->problems.empty());
}

// A damaged database at start-up is moved aside and a fresh one opened.
class DamagedAtStartTest : public StoreFaultTest, public ::testing::WithParamInterface<int> {};

TEST_P(DamagedAtStartTest, MovedAsideAndAFreshOneServes) {
  fill(200);
  switch (GetParam()) {
    case 0: {  // MANIFEST cut to its first bytes
      fs::resize_file(filesMatching("MANIFEST")[0], 10);
      break;
    }
    case 1: {  // CURRENT names garbage
      std::ofstream(path_ + "/CURRENT", std::ios::trunc) << "MANIFEST-99999x\n";
      break;
    }
    case 2: {  // a table file truncated (its footer gone)
      fs::path sst = filesMatching(".sst")[0];
      fs::resize_file(sst, fs::file_size(sst) - 30);
      break;
    }
    case 3: {  // a table file's footer overwritten
      fs::path sst = filesMatching(".sst")[0];
      std::fstream f(sst, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(fs::file_size(sst)) - 20);
      f.write("0123456789abcdef", 16);
      break;
    }
    case 4: {  // MANIFEST replaced by zeros
      fs::path manifest = filesMatching("MANIFEST")[0];
      const auto size = fs::file_size(manifest);
      std::ofstream(manifest, std::ios::trunc | std::ios::binary) << std::string(size, '\0');
      break;
    }
    case 5: {  // a table file deleted
      fs::remove(filesMatching(".sst")[0]);
      break;
    }
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  StoreStats stats = store->stats();
  EXPECT_EQ(stats.moved_aside, 1u);
  EXPECT_FALSE(stats.read_only);
  EXPECT_EQ(movedAsideDirs(), 1);
  EXPECT_FALSE(store->get(Kind::kArtifact, keyOf(3))->has_value());
  ASSERT_TRUE(store->put(Kind::kArtifact, keyOf(3), "again").ok());
  EXPECT_EQ(**store->get(Kind::kArtifact, keyOf(3)), "again");
  store.reset();
  EXPECT_EQ(**open()->get(Kind::kArtifact, keyOf(3)), "again");
}

INSTANTIATE_TEST_SUITE_P(Damage, DamagedAtStartTest, ::testing::Range(0, 6));

// A MANIFEST that lost its tail still opens (RocksDB recovers to its last
// whole record): what it serves is right, and it stores again.
TEST_F(StoreFaultTest, HalfAManifestOpensAndServesNoWrongValue) {
  fill(200);
  fs::path manifest = filesMatching("MANIFEST")[0];
  fs::resize_file(manifest, fs::file_size(manifest) / 2);
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->stats().read_only);
  for (int i = 0; i < 200; ++i) {
    auto got = store->get(Kind::kArtifact, keyOf(i));
    ASSERT_TRUE(got.ok());
    if (got->has_value()) {
      EXPECT_EQ(**got, payloadOf(i)) << i;
    }
  }
  ASSERT_TRUE(store->put(Kind::kArtifact, keyOf(3), "again").ok());
  EXPECT_EQ(**store->get(Kind::kArtifact, keyOf(3)), "again");
}

TEST_F(StoreFaultTest, OnlyTheNewestMovedAsideCopyIsKept) {
  for (int round = 0; round < 3; ++round) {
    fill(10);
    std::ofstream(path_ + "/CURRENT", std::ios::trunc) << "garbage\n";
    ASSERT_NE(open(), nullptr);
    // Names carry the second; make them distinct.
    if (round < 2) sleep(1);
  }
  EXPECT_EQ(movedAsideDirs(), 2);
}

TEST_F(StoreFaultTest, EvictsLeastRecentlyUsedFirst) {
  StoreOptions options;
  const uint64_t value_size = payloadOf(0).size() + kValueOverhead;
  options.max_bytes = 10 * value_size;
  {
    auto store = open(options);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->put(Kind::kArtifact, keyOf(i), payloadOf(i)).ok());
    EXPECT_EQ(store->stats().bytes, 10 * value_size);
    EXPECT_EQ(store->stats().evictions, 0u);
    // Use 0 and 1: now 2 is the least recently used.
    ASSERT_TRUE(store->get(Kind::kArtifact, keyOf(0))->has_value());
    ASSERT_TRUE(store->get(Kind::kArtifact, keyOf(1))->has_value());
    ASSERT_TRUE(store->put(Kind::kArtifact, keyOf(10), payloadOf(10)).ok());
    // Over the bound: evicted down to 90% of it, oldest first: 2 and 3.
    StoreStats stats = store->stats();
    EXPECT_EQ(stats.evictions, 2u);
    EXPECT_LE(stats.bytes, options.max_bytes / 10 * 9);
    EXPECT_FALSE(store->get(Kind::kArtifact, keyOf(2))->has_value());
    EXPECT_FALSE(store->get(Kind::kArtifact, keyOf(3))->has_value());
    for (int i : {0, 1, 4, 9, 10}) EXPECT_EQ(**store->get(Kind::kArtifact, keyOf(i)), payloadOf(i)) << i;
    EXPECT_EQ(*store->count(Kind::kArtifact), 9u);
  }
  // The index survives a reopen; a smaller bound evicts at once.
  options.max_bytes = 5 * value_size;
  auto store = open(options);
  EXPECT_LE(store->stats().bytes, options.max_bytes);
  EXPECT_EQ(*store->count(Kind::kArtifact), 4u);
  EXPECT_TRUE(store->get(Kind::kArtifact, keyOf(10))->has_value()) << "the newest stays";
}

// Threads storing and reading at once under a bound: the byte count stays
// the sum of what is stored (as a reopen recounts it from the index), under
// the bound, and every value read is right.
TEST_F(StoreFaultTest, EvictionAccountingHoldsUnderThreads) {
  StoreOptions options;
  const uint64_t value_size = payloadOf(0).size() + kValueOverhead;
  options.max_bytes = 50 * value_size;
  uint64_t bytes = 0, stored = 0;
  {
    auto store = open(options);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int k = 0; k < 300; ++k) {
          const int i = t * 1000 + k;
          ASSERT_TRUE(store->put(Kind::kArtifact, keyOf(i), payloadOf(i)).ok());
          const int j = t * 1000 + k / 2;  // an older one: a hit or an evicted miss
          auto got = store->get(Kind::kArtifact, keyOf(j));
          if (got.ok() && got->has_value() && **got != payloadOf(j)) ++wrong;
        }
      });
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(wrong.load(), 0);
    StoreStats stats = store->stats();
    bytes = stats.bytes;
    stored = *store->count(Kind::kArtifact);
    EXPECT_LE(bytes, options.max_bytes);
    EXPECT_EQ(bytes, stored * value_size);
    EXPECT_EQ(stats.evictions, 1200 - stored);
    EXPECT_TRUE(store->verify()->clean());
  }
  auto store = open(options);
  EXPECT_EQ(store->stats().bytes, bytes) << "the index agrees with the running count";
  EXPECT_EQ(*store->count(Kind::kArtifact), stored);
}

TEST_F(StoreFaultTest, IndexIsBackfilledForAnOlderDatabase) {
  {
    rocksdb::DB* db = nullptr;
    rocksdb::Options options;
    options.create_if_missing = true;
    ASSERT_TRUE(rocksdb::DB::Open(options, path_, &db).ok());
    for (int i = 0; i < 4; ++i)
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), Store::storageKey(Kind::kArtifact, keyOf(i)),
                          encodeValue(Kind::kArtifact, keyOf(i), payloadOf(i)))
                      .ok());
    delete db;
  }
  auto store = open();
  EXPECT_EQ(store->stats().bytes, 4 * (payloadOf(0).size() + kValueOverhead));
}

TEST_F(StoreFaultTest, VerifyFindsCorruptValuesOnALiveStore) {
  auto store = open();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->put(Kind::kArtifact, keyOf(i), payloadOf(i)).ok());
  ASSERT_TRUE(store->put(Kind::kBundle, keyOf(7), "a bundle").ok());
  auto clean = store->verify();
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->clean());
  EXPECT_EQ(clean->values, 6u);
  // A value stored under the wrong key, as a torn or misdirected write would.
  store.reset();
  {
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path_, &db).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), Store::storageKey(Kind::kArtifact, keyOf(2)),
                        encodeValue(Kind::kArtifact, keyOf(3), payloadOf(3)))
                    .ok());
    delete db;
  }
  store = open();
  // Offline, read-only, next to the live store.
  auto report = Store::verifyPath(path_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->values, 6u);
  EXPECT_EQ(report->corrupt_values, 1u);
  EXPECT_FALSE(report->clean());
  EXPECT_EQ(store->verify()->corrupt_values, 1u);
  // Reading it drops it; then the store verifies clean.
  EXPECT_FALSE(store->get(Kind::kArtifact, keyOf(2))->has_value());
  EXPECT_TRUE(store->verify()->clean());
}

TEST_F(StoreFaultTest, VerifyPathOfAMissingCacheIsAnError) {
  EXPECT_FALSE(Store::verifyPath(dir_ + "/nothing.db").ok());
}

// A real full disk: an 8 MiB tmpfs. The store turns read-only, keeps serving
// what it has, never aborts (not even when reopened on the full disk), and
// becomes writable again once space returns.
TEST_F(StoreFaultTest, FullDiskTurnsReadOnlyAndRecovers) {
  if (geteuid() != 0) {
    if (getenv("CI") != nullptr) FAIL() << "CI must run this as root (it mounts a tmpfs)";
    GTEST_SKIP() << "needs root to mount a tmpfs";
  }
  ASSERT_EQ(mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=8m"), 0) << strerror(errno);
  mounted_ = true;
  const std::string filler = dir_ + "/filler";
  std::ofstream(filler, std::ios::binary) << std::string(5 << 20, 'f');

  StoreOptions options;
  options.retry_interval = absl::ZeroDuration();
  int stored = 0;
  {
    auto store = open(options);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 2000 && !store->stats().read_only; ++i) {
      ASSERT_TRUE(store->put(Kind::kArtifact, keyOf(i), payloadOf(i, 8000)).ok()) << "a full disk is not an error";
      if (!store->stats().read_only) stored = i + 1;
    }
    StoreStats stats = store->stats();
    ASSERT_TRUE(stats.read_only) << "3 MiB should have filled";
    EXPECT_NE(stats.read_only_reason.find("No space"), std::string::npos) << stats.read_only_reason;
    EXPECT_GE(stats.dropped_writes, 1u);
    EXPECT_GT(stored, 50);
    // Reads go on; writes are dropped without error.
    EXPECT_EQ(**store->get(Kind::kArtifact, keyOf(1)), payloadOf(1, 8000));
    EXPECT_TRUE(store->put(Kind::kArtifact, keyOf(5000), "x").ok());
    EXPECT_FALSE(store->get(Kind::kArtifact, keyOf(5000))->has_value());
  }
  // Reopened on the still-full disk: it opens (read-only) and serves.
  {
    auto store = open(options);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(**store->get(Kind::kArtifact, keyOf(1)), payloadOf(1, 8000));
    // Space returns: the next write reopens the database read-write.
    fs::remove(filler);
    ASSERT_TRUE(store->put(Kind::kArtifact, keyOf(5001), "after").ok());
    StoreStats stats = store->stats();
    EXPECT_FALSE(stats.read_only) << stats.read_only_reason;
    EXPECT_EQ(**store->get(Kind::kArtifact, keyOf(5001)), "after");
    EXPECT_EQ(**store->get(Kind::kArtifact, keyOf(stored - 1)), payloadOf(stored - 1, 8000));
    EXPECT_EQ(stats.moved_aside, 0u) << "a full disk is not damage";
  }
}

}  // namespace
}  // namespace kiln::cache

namespace kiln::cache {
namespace {

// A new cache on a disk with no room at all: no database can even be
// created. The store runs empty and read-only, and creates the database on
// the first write after space returns.
TEST_F(StoreFaultTest, NewCacheOnAFullDiskRunsEmptyThenStarts) {
  if (geteuid() != 0) {
    if (getenv("CI") != nullptr) FAIL() << "CI must run this as root (it mounts a tmpfs)";
    GTEST_SKIP() << "needs root to mount a tmpfs";
  }
  ASSERT_EQ(mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=1m"), 0) << strerror(errno);
  mounted_ = true;
  const std::string filler = dir_ + "/filler";
  {
    std::ofstream f(filler, std::ios::binary);
    const std::string block(4096, 'f');
    while (f.write(block.data(), static_cast<std::streamsize>(block.size())) && f.flush()) {
    }
  }
  StoreOptions options;
  options.retry_interval = absl::ZeroDuration();
  auto store = open(options);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->stats().read_only);
  EXPECT_FALSE(store->get(Kind::kArtifact, keyOf(1))->has_value());
  EXPECT_TRUE(store->put(Kind::kArtifact, keyOf(1), "lost").ok());
  EXPECT_FALSE(store->get(Kind::kArtifact, keyOf(1))->has_value());
  EXPECT_EQ(*store->count(Kind::kArtifact), 0u);
  EXPECT_FALSE(store->verify().ok()) << "nothing to verify";
  fs::remove(filler);
  EXPECT_TRUE(store->put(Kind::kArtifact, keyOf(1), "kept").ok());
  EXPECT_FALSE(store->stats().read_only) << store->stats().read_only_reason;
  EXPECT_EQ(**store->get(Kind::kArtifact, keyOf(1)), "kept");
}

}  // namespace
}  // namespace kiln::cache
