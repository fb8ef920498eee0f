#include "server/signature.h"

#include <gtest/gtest.h>

namespace kiln::server {
namespace {

using Args = std::vector<std::string>;

TEST(Signature, ReturnAndArgs) {
  auto s = parseSignature("float64(float64, int64)");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->return_type, "float64");
  EXPECT_EQ(s->arg_types, (Args{"float64", "int64"}));
}

TEST(Signature, BareListIsArgsOnly) {
  auto s = parseSignature(" float64 , int64 ");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->return_type, "");
  EXPECT_EQ(s->arg_types, (Args{"float64", "int64"}));
}

TEST(Signature, NestedBracketsDoNotSplit) {
  auto s = parseSignature("UniTuple(int64, 2)(array(float64, 1d, C), float64[:])");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->return_type, "UniTuple(int64, 2)");
  EXPECT_EQ(s->arg_types, (Args{"array(float64, 1d, C)", "float64[:]"}));
}

TEST(Signature, BareListEndingInBrackets) {
  auto s = parseSignature("int64, UniTuple(int64, 2)");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->return_type, "");
  EXPECT_EQ(s->arg_types, (Args{"int64", "UniTuple(int64, 2)"}));
}

TEST(Signature, LeadingParenMeansNoReturnType) {
  auto s = parseSignature("(UniTuple(int64, 2))");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->return_type, "");
  EXPECT_EQ(s->arg_types, (Args{"UniTuple(int64, 2)"}));
}

TEST(Signature, NoArguments) {
  auto s = parseSignature("int64()");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->return_type, "int64");
  EXPECT_TRUE(s->arg_types.empty());
  EXPECT_TRUE(parseSignature("")->arg_types.empty());
}

TEST(Signature, Malformed) {
  EXPECT_FALSE(parseSignature("float64(int64").ok());
  EXPECT_FALSE(parseSignature("float64)int64(").ok());
  EXPECT_FALSE(parseSignature("float64(int64,,int64)").ok());
  EXPECT_FALSE(parseSignature("int64]").ok());
}

}  // namespace
}  // namespace kiln::server
