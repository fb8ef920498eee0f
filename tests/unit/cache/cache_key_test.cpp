#include "cache/cache_key.h"

#include <gtest/gtest.h>

namespace kiln::cache {
namespace {

TEST(CacheKey, Sha256OfEmptyStringIsTheKnownDigest) {
  EXPECT_EQ(sha256("").hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CacheKey, FromRawRoundTripsAndRejectsWrongLength) {
  CacheKey k = sha256("x");
  auto back = CacheKey::fromRaw(k.raw());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, k);
  EXPECT_FALSE(CacheKey::fromRaw("short").has_value());
}

ArtifactKeyInput sample() {
  ArtifactKeyInput in;
  in.bundle_hash = std::string(sha256("bundle").raw());
  in.arg_types = {"float64", "int64"};
  in.triple = "x86_64-unknown-linux-gnu";
  in.cpu = "x86-64";
  in.opt_level = 3;
  in.error_model = "python";
  in.emit = "binary";
  in.compiler_build_id = "kiln-0.1.0-dev";
  return in;
}

TEST(ArtifactKey, IsDeterministic) { EXPECT_EQ(artifactKey(sample()), artifactKey(sample())); }

TEST(ArtifactKey, EveryFieldChangesTheKey) {
  const CacheKey base = artifactKey(sample());
  std::vector<void (*)(ArtifactKeyInput&)> edits = {
      [](ArtifactKeyInput& in) { in.bundle_hash = std::string(sha256("other").raw()); },
      [](ArtifactKeyInput& in) { in.arg_types[1] = "int32"; },
      [](ArtifactKeyInput& in) { in.return_type = "float64"; },
      [](ArtifactKeyInput& in) { in.triple = "aarch64-unknown-linux-gnu"; },
      [](ArtifactKeyInput& in) { in.cpu = "x86-64-v3"; },
      [](ArtifactKeyInput& in) { in.features = {"+avx2"}; },
      [](ArtifactKeyInput& in) { in.opt_level = 2; },
      [](ArtifactKeyInput& in) { in.fastmath = true; },
      [](ArtifactKeyInput& in) { in.fastmath_flags = {"nnan"}; },
      [](ArtifactKeyInput& in) { in.fastmath_flags = {"contract", "nnan"}; },
      [](ArtifactKeyInput& in) { in.boundscheck = true; },
      [](ArtifactKeyInput& in) { in.error_model = "numpy"; },
      [](ArtifactKeyInput& in) { in.emit = "llvm"; },
      [](ArtifactKeyInput& in) { in.compiler_build_id = "kiln-0.1.0-abc"; },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    ArtifactKeyInput in = sample();
    edits[i](in);
    EXPECT_NE(artifactKey(in), base) << "edit " << i;
  }
}

TEST(ArtifactKey, LengthPrefixesKeepFieldBoundaries) {
  // Without length prefixes these two would hash the same byte stream.
  ArtifactKeyInput a = sample(), b = sample();
  a.arg_types = {"int64", "float64"};
  b.arg_types = {"int64float64"};
  EXPECT_NE(artifactKey(a), artifactKey(b));
  a = sample();
  b = sample();
  a.triple = "ab";
  a.cpu = "c";
  b.triple = "a";
  b.cpu = "bc";
  EXPECT_NE(artifactKey(a), artifactKey(b));
}

}  // namespace
}  // namespace kiln::cache
