// The artifact record: read in place, every field bounds-checked.
#include "server/artifact_record.h"

#include <gtest/gtest.h>

namespace kiln::server {
namespace {

compiler::CompileResult sample() {
  compiler::CompileResult r;
  r.shared_object = std::string("\x7f" "ELF\0\1\2", 7) + std::string(1000, 'x');
  r.entry_symbol = "kiln_entry";
  r.return_type = "float64";
  r.arg_types = {"float64", "UniTuple(int64, 2)"};
  r.text = "";
  r.warnings = {{compiler::Diagnostic::Kind::kPerformanceWarning, "np.dot() is faster on contiguous arrays", "/u/m.py",
                 12, "f"}};
  return r;
}

TEST(ArtifactRecord, RoundTripsInPlace) {
  const compiler::CompileResult r = sample();
  const std::string record = encodeArtifact(r);
  absl::StatusOr<ArtifactView> v = decodeArtifact(record);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->shared_object, r.shared_object);
  EXPECT_EQ(v->entry_symbol, "kiln_entry");
  EXPECT_EQ(v->return_type, "float64");
  ASSERT_EQ(v->arg_types.size(), 2u);
  EXPECT_EQ(v->arg_types[1], "UniTuple(int64, 2)");
  EXPECT_EQ(v->text, "");
  ASSERT_EQ(v->warnings.size(), 1u);
  EXPECT_EQ(v->warnings[0].kind, compiler::Diagnostic::Kind::kPerformanceWarning);
  EXPECT_EQ(v->warnings[0].message, "np.dot() is faster on contiguous arrays");
  EXPECT_EQ(v->warnings[0].filename, "/u/m.py");
  EXPECT_EQ(v->warnings[0].line, 12);
  EXPECT_EQ(v->warnings[0].function, "f");
  // Views into the record, not copies: the shared object is its tail.
  EXPECT_EQ(v->shared_object.data() + v->shared_object.size(), record.data() + record.size());
}

TEST(ArtifactRecord, EveryTruncatedHeaderIsDataLoss) {
  const compiler::CompileResult r = sample();
  const std::string record = encodeArtifact(r);
  const size_t header = record.size() - r.shared_object.size();
  for (size_t n = 0; n < header; ++n) {
    absl::StatusOr<ArtifactView> v = decodeArtifact(absl::string_view(record).substr(0, n));
    ASSERT_FALSE(v.ok()) << n;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kDataLoss);
  }
}

// A record stored before warnings were (version 1, no warning count) still
// reads: a cache written by an older kilnd stays valid.
TEST(ArtifactRecord, VersionOneHasNoWarnings) {
  compiler::CompileResult r = sample();
  std::string record = encodeArtifact(r);
  const size_t header = record.size() - r.shared_object.size();
  // Drop the warnings (everything after the argument types, up to the shared object).
  r.warnings.clear();
  const std::string plain = encodeArtifact(r);
  std::string v1 = plain.substr(0, plain.size() - r.shared_object.size() - 4) + r.shared_object;
  v1[0] = 1;
  absl::StatusOr<ArtifactView> v = decodeArtifact(v1);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->warnings.empty());
  EXPECT_EQ(v->arg_types.size(), 2u);
  EXPECT_EQ(v->shared_object, r.shared_object);
  EXPECT_GT(header, plain.size() - r.shared_object.size());  // the warning took room
}

TEST(ArtifactRecord, BadVersionAndHugeLengthsAreRefused) {
  std::string record = encodeArtifact(sample());
  std::string wrong = record;
  wrong[0] = 9;
  EXPECT_FALSE(decodeArtifact(wrong).ok());
  std::string huge = record;
  huge[4] = huge[5] = huge[6] = huge[7] = '\xff';  // entry symbol length 4 GiB
  EXPECT_FALSE(decodeArtifact(huge).ok());
  compiler::CompileResult r = sample();
  std::string bad_kind = encodeArtifact(r);
  const size_t kind_at = bad_kind.size() - r.shared_object.size();  // the warning's fields end where the object starts
  const size_t warning_bytes = 4 + 4 + r.warnings[0].message.size() + 4 + r.warnings[0].filename.size() + 4 + 4 +
                               r.warnings[0].function.size();
  bad_kind[kind_at - warning_bytes] = '\x7f';  // kind 127: no such diagnostic kind
  EXPECT_EQ(decodeArtifact(bad_kind).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace kiln::server
