// The shared tier's pure parts: rendezvous hashing (stable, spread, minimal
// movement when an instance is added) and redis:// URL parsing. The tier
// against real redis-server processes is tests/integration/test_shared_cache.py.

#include "cache/shared_tier.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "cache/redis_connection.h"

namespace kiln::cache {
namespace {

std::vector<std::string> names(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("10.0.0." + std::to_string(i + 1) + ":6379");
  return out;
}

TEST(RendezvousTest, OrderIsAPermutationAndStable) {
  const auto inst = names(5);
  for (int k = 0; k < 100; ++k) {
    const CacheKey key = sha256("key" + std::to_string(k));
    std::vector<size_t> order = SharedTier::preference(key.raw(), inst);
    ASSERT_EQ(order.size(), 5u);
    std::vector<size_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<size_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(order, SharedTier::preference(key.raw(), inst));
  }
  // A golden: the choice must not change between builds or processes (a
  // cluster of servers must agree), so it is pinned here.
  std::string got;
  for (int k = 0; k < 8; ++k)
    for (size_t i : SharedTier::preference(sha256("kiln" + std::to_string(k)).raw(), names(3))) got += std::to_string(i);
  EXPECT_EQ(got, "201012102021210210012012");
}

TEST(RendezvousTest, SpreadsKeysEvenly) {
  const auto inst = names(4);
  std::map<size_t, int> counts;
  const int n = 20000;
  for (int k = 0; k < n; ++k) ++counts[SharedTier::preference(sha256(std::to_string(k)).raw(), inst)[0]];
  ASSERT_EQ(counts.size(), 4u);
  for (const auto& [i, c] : counts) {
    EXPECT_GT(c, n / 4 * 9 / 10) << i;
    EXPECT_LT(c, n / 4 * 11 / 10) << i;
  }
}

TEST(RendezvousTest, AddingAnInstanceMovesOnlyTheKeysItWins) {
  auto three = names(3);
  auto four = names(4);
  int moved = 0;
  const int n = 20000;
  for (int k = 0; k < n; ++k) {
    const CacheKey key = sha256(std::to_string(k));
    const size_t before = SharedTier::preference(key.raw(), three)[0];
    const size_t after = SharedTier::preference(key.raw(), four)[0];
    if (after != before) {
      EXPECT_EQ(after, 3u) << "a key moved between two old instances";
      ++moved;
    }
    // With its first instance removed, a key goes to its second choice.
    std::vector<size_t> order = SharedTier::preference(key.raw(), four);
    if (order[0] == 3) {
      EXPECT_EQ(order[1], before);
    }
  }
  EXPECT_GT(moved, n / 4 * 9 / 10);
  EXPECT_LT(moved, n / 4 * 11 / 10);
}

TEST(RedisUrlTest, ParsesTheForms) {
  absl::StatusOr<RedisEndpoint> e = parseRedisUrl("redis://127.0.0.1:7000");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 7000);
  EXPECT_FALSE(e->tls);
  EXPECT_EQ(e->password, "");
  e = parseRedisUrl("rediss://:s%40cret@cache.example:6380/2");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->password, "s@cret");
  EXPECT_EQ(e->username, "");
  EXPECT_EQ(e->db, 2);
  EXPECT_EQ(e->name(), "cache.example:6380");
  e = parseRedisUrl("redis://kiln:pw@[::1]");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(e->username, "kiln");
  EXPECT_EQ(e->name(), "[::1]:6379");
  for (const char* bad : {"http://x:1", "redis://", "redis://h:0", "redis://h:99999", "redis://h:x", "redis://pw@h",
                          "redis://[::1", "redis://h/x", "redis://:%zz@h"}) {
    absl::StatusOr<RedisEndpoint> r = parseRedisUrl(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  // A password never appears in an error.
  absl::StatusOr<RedisEndpoint> r = parseRedisUrl("redis://:topsecret@h:notaport");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()).find("topsecret"), std::string::npos);
}

TEST(SharedTierTest, CreateChecksOptionsButNeverConnects) {
  SharedTierOptions o;
  EXPECT_FALSE(SharedTier::create(o).ok());
  o.urls = {"redis://127.0.0.1:1", "redis://127.0.0.1:1"};
  EXPECT_FALSE(SharedTier::create(o).ok());  // named twice
  o.urls = {"redis://127.0.0.1:1"};
  o.password_file = "/nonexistent/kiln-password";
  EXPECT_FALSE(SharedTier::create(o).ok());
  o.password_file = "";
  o.tls_ca_path = "/nonexistent/ca.pem";
  EXPECT_FALSE(SharedTier::create(o).ok());  // TLS options without rediss://
  o.tls_ca_path = "";
  // Nothing listens on port 1: created all the same, and every call is a
  // counted error, never a failure or a hang.
  absl::StatusOr<std::unique_ptr<SharedTier>> tier = SharedTier::create(o);
  ASSERT_TRUE(tier.ok()) << tier.status();
  const CacheKey key = sha256("x");
  EXPECT_FALSE((*tier)->get(Kind::kArtifact, key).has_value());
  (*tier)->put(Kind::kArtifact, key, "payload");
  SharedTier::Claim claim = (*tier)->claim(key, absl::InfiniteFuture());
  EXPECT_FALSE(claim.locked);
  EXPECT_FALSE(claim.payload.has_value());
  SharedTierStats s = (*tier)->stats();
  EXPECT_TRUE(s.degraded);
  EXPECT_EQ(s.instances_down, 1u);
  ASSERT_EQ(s.instance_up.size(), 1u);
  EXPECT_EQ(s.instance_up[0], std::make_pair(std::string("127.0.0.1:1"), false));
  EXPECT_EQ(s.degraded_events, 1u);
  EXPECT_EQ(s.errors[SharedTierStats::kConnect], 1u);  // then skipped for retry_after
  EXPECT_EQ(s.hits + s.misses + s.writes, 0u);
}

}  // namespace
}  // namespace kiln::cache
