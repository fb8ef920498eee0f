#include "cache/store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <stdlib.h>

#include <filesystem>

namespace kiln::cache {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/cache.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> open() {
    auto store = Store::open(path_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Writes raw bytes under a store key, behind the Store's back.
  void writeRaw(const std::string& db_key, const std::string& value) {
    rocksdb::DB* db = nullptr;
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::Status s = rocksdb::DB::Open(options, path_, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), db_key, value).ok());
    delete db;
  }
  std::optional<std::string> readRaw(const std::string& db_key) {
    rocksdb::DB* db = nullptr;
    rocksdb::Options options;
    EXPECT_TRUE(rocksdb::DB::Open(options, path_, &db).ok());
    std::string value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), db_key, &value);
    delete db;
    if (s.IsNotFound()) return std::nullopt;
    return value;
  }

  std::string dir_, path_;
  const CacheKey key_ = sha256("k");
};

TEST_F(StoreTest, PutThenGet) {
  auto store = open();
  ASSERT_TRUE(store->put(Kind::kArtifact, key_, "payload bytes").ok());
  auto got = store->get(Kind::kArtifact, key_);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, "payload bytes");
  EXPECT_EQ(store->corrupt_values(), 0u);
}

TEST_F(StoreTest, MissingKeyIsAMiss) {
  auto store = open();
  auto got = store->get(Kind::kArtifact, key_);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(StoreTest, KindsAreSeparate) {
  auto store = open();
  ASSERT_TRUE(store->put(Kind::kBundle, key_, "bundle").ok());
  ASSERT_TRUE(store->put(Kind::kArtifact, key_, "artifact").ok());
  EXPECT_EQ(**store->get(Kind::kBundle, key_), "bundle");
  EXPECT_EQ(**store->get(Kind::kArtifact, key_), "artifact");
  EXPECT_EQ(*store->count(Kind::kArtifact), 1u);
  EXPECT_EQ(*store->count(Kind::kBundle), 1u);
}

TEST_F(StoreTest, EmptyAndBinaryPayloads) {
  auto store = open();
  const std::string binary("\0\x01\xff KILN\0", 10);
  ASSERT_TRUE(store->put(Kind::kArtifact, key_, "").ok());
  ASSERT_TRUE(store->put(Kind::kArtifact, sha256("b"), binary).ok());
  EXPECT_EQ(**store->get(Kind::kArtifact, key_), "");
  EXPECT_EQ(**store->get(Kind::kArtifact, sha256("b")), binary);
}

TEST_F(StoreTest, PersistsAcrossReopen) {
  {
    auto store = open();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->put(Kind::kArtifact, sha256(std::to_string(i)), "v").ok());
  }
  auto store = open();
  EXPECT_EQ(*store->count(Kind::kArtifact), 10u);
  EXPECT_EQ(**store->get(Kind::kArtifact, sha256("7")), "v");
}

TEST_F(StoreTest, SecondOpenOfSameDirectoryFailsCleanly) {
  auto store = open();
  auto second = Store::open(path_);
  EXPECT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(path_), std::string::npos) << second.status();
}

// Each corruption: the value becomes a miss, is deleted, and is counted.
class CorruptionTest : public StoreTest, public ::testing::WithParamInterface<int> {};

TEST_P(CorruptionTest, CorruptValueIsDeletedAndAMiss) {
  const std::string db_key = Store::storageKey(Kind::kArtifact, key_);
  std::string good = encodeValue(Kind::kArtifact, key_, "the payload");
  std::string bad = good;
  switch (GetParam()) {
    case 0: bad[0] = 'X'; break;                           // magic
    case 1: bad[4] = 9; break;                             // format version
    case 2: bad[5] = static_cast<char>(Kind::kBundle); break;  // kind
    case 3: bad[10] ^= 1; break;                           // key echo
    case 4: bad[38] += 1; break;                           // payload length
    case 5: bad[kValueHeaderSize + 2] ^= 0x20; break;      // payload byte (checksum)
    case 6: bad.back() ^= 1; break;                        // checksum itself
    case 7: bad.resize(bad.size() - 3); break;             // truncated
    case 8: bad = "KI"; break;                             // shorter than a header
    case 9: bad = encodeValue(Kind::kArtifact, sha256("another key"), "the payload"); break;  // wrong echo
  }
  writeRaw(db_key, bad);
  {
    auto store = open();
    auto got = store->get(Kind::kArtifact, key_);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_FALSE(got->has_value());
    EXPECT_EQ(store->corrupt_values(), 1u);
    // A second read is a plain miss: the value is gone.
    EXPECT_FALSE(store->get(Kind::kArtifact, key_)->has_value());
    EXPECT_EQ(store->corrupt_values(), 1u);
  }
  EXPECT_FALSE(readRaw(db_key).has_value());
}

INSTANTIATE_TEST_SUITE_P(EveryField, CorruptionTest, ::testing::Range(0, 10));

TEST_F(StoreTest, ValueStoredUnderOtherKindIsRejected) {
  // An artifact value copied under the bundle prefix fails the kind check.
  writeRaw(Store::storageKey(Kind::kBundle, key_), encodeValue(Kind::kArtifact, key_, "p"));
  auto store = open();
  EXPECT_FALSE(store->get(Kind::kBundle, key_)->has_value());
  EXPECT_EQ(store->corrupt_values(), 1u);
}

// metrics: kilnctl cache evict|clear.
TEST_F(StoreTest, EvictByPrefixAgeAndSizeThenClear) {
  auto store = open();
  const CacheKey a = sha256("a"), b = sha256("b"), c = sha256("c");
  ASSERT_TRUE(store->put(Kind::kArtifact, a, std::string(100, 'a')).ok());
  ASSERT_TRUE(store->put(Kind::kArtifact, b, std::string(100, 'b')).ok());
  ASSERT_TRUE(store->put(Kind::kBundle, c, std::string(100, 'c')).ok());
  const uint64_t all = store->stats().bytes;

  EvictFilter by_prefix;
  by_prefix.key_prefix_hex = a.hex().substr(0, 10);
  absl::StatusOr<EvictResult> r = store->evict(by_prefix);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->values, 1u);
  EXPECT_EQ(r->remaining_bytes, all - r->bytes);
  EXPECT_FALSE(store->get(Kind::kArtifact, a)->has_value());
  EXPECT_TRUE(store->get(Kind::kArtifact, b)->has_value());

  EvictFilter old;
  old.older_than_seconds = 3600;  // everything was written just now
  EXPECT_EQ(store->evict(old)->values, 0u);

  // Least recently used first, until at most `down_to_bytes` remain: b was
  // written before c.
  EvictFilter down;
  down.down_to_bytes = store->stats().bytes - 1;
  r = store->evict(down);
  EXPECT_EQ(r->values, 1u);
  EXPECT_FALSE(store->get(Kind::kArtifact, b)->has_value());
  EXPECT_TRUE(store->get(Kind::kBundle, c)->has_value());
  EXPECT_EQ(store->stats().evictions, 2u);

  EvictFilter all_values;
  all_values.all = true;
  r = store->evict(all_values);
  EXPECT_EQ(r->values, 1u);
  EXPECT_EQ(r->remaining_bytes, 0u);
  EXPECT_FALSE(store->get(Kind::kBundle, c)->has_value());
  EXPECT_EQ(*store->count(Kind::kArtifact) + *store->count(Kind::kBundle), 0u);
  // The store goes on: a put after a clear is stored and counted.
  ASSERT_TRUE(store->put(Kind::kArtifact, a, "again").ok());
  EXPECT_EQ(**store->get(Kind::kArtifact, a), "again");
  EXPECT_GT(store->stats().bytes, 0u);
}

// opsrest: the bound changes while the store is open (SIGHUP).
TEST_F(StoreTest, SetMaxBytesShrinksAtOnceAndGrowsWithoutEvicting) {
  auto store = open();
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(store->put(Kind::kArtifact, sha256(std::to_string(i)), std::string(1000, 'x')).ok());
  const uint64_t all = store->stats().bytes;
  EXPECT_EQ(store->stats().evictions, 0u);
  store->setMaxBytes(all / 2);  // evicts now, oldest first, to 90% of the bound
  EXPECT_EQ(store->stats().max_bytes, all / 2);
  EXPECT_LE(store->stats().bytes, all / 2 / 10 * 9);
  const uint64_t evicted = store->stats().evictions;
  EXPECT_GT(evicted, 0u);
  EXPECT_FALSE(store->get(Kind::kArtifact, sha256("0"))->has_value());
  EXPECT_TRUE(store->get(Kind::kArtifact, sha256("19"))->has_value());
  store->setMaxBytes(0);  // unbounded: nothing more goes
  for (int i = 20; i < 40; ++i)
    ASSERT_TRUE(store->put(Kind::kArtifact, sha256(std::to_string(i)), std::string(1000, 'x')).ok());
  EXPECT_EQ(store->stats().evictions, evicted);
  EXPECT_GT(store->stats().bytes, all);
}

TEST(ValueFormat, RoundTrip) {
  const CacheKey key = sha256("x");
  std::string v = encodeValue(Kind::kBundle, key, "hello");
  EXPECT_EQ(v.size(), kValueOverhead + 5);
  EXPECT_EQ(v.substr(0, 4), "KILN");
  auto payload = decodeValue(Kind::kBundle, key, v);
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(*payload, "hello");
  EXPECT_EQ(decodeValue(Kind::kArtifact, key, v).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace kiln::cache
