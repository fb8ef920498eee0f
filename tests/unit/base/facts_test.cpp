// The emit and diagnostic-kind tables: names unique, proto numbers unique.
#include "base/facts.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace kiln::base {
namespace {

TEST(Facts, EmitNamesAndNumbersAreUnique) {
  std::set<absl::string_view> names;
  std::set<int> numbers;
  for (const EmitRow& row : emitTable()) {
    EXPECT_TRUE(names.insert(row.name).second) << row.name;
    EXPECT_TRUE(numbers.insert(row.proto_value).second) << row.name;
  }
  EXPECT_EQ(emitTable().front().name, "binary");
  EXPECT_EQ(emitTable().front().proto_value, 0);  // the proto default is the binary
  EXPECT_EQ(emitIndex("llvm"), 4);
  EXPECT_FALSE(emitIndex("LLVM").has_value());
}

TEST(Facts, DiagnosticKindsAreUnique) {
  std::set<absl::string_view> names;
  std::set<int> numbers;
  for (const DiagnosticKindRow& row : diagnosticKindTable()) {
    EXPECT_TRUE(names.insert(row.name).second) << row.name;
    EXPECT_TRUE(numbers.insert(row.proto_value).second) << row.name;
    EXPECT_GT(row.proto_value, 0) << row.name;  // 0 is KIND_UNSPECIFIED
  }
}

}  // namespace
}  // namespace kiln::base
