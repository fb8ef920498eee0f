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

TEST(ArtifactRecord, BadVersionAndHugeLengthsAreRefused) {
  std::string record = encodeArtifact(sample());
  std::string wrong = record;
  wrong[0] = 9;
  EXPECT_FALSE(decodeArtifact(wrong).ok());
  std::string huge = record;
  huge[4] = huge[5] = huge[6] = huge[7] = '\xff';  // entry symbol length 4 GiB
  EXPECT_FALSE(decodeArtifact(huge).ok());
}

}  // namespace
}  // namespace kiln::server
