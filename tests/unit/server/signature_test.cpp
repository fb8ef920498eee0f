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
  EXPECT_EQ(s->arg_types, (Args{"array(float64, 1d, C)", "array(float64, 1d, A)"}));
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

TEST(Signature, SpellingsComeBackCanonical) {
  auto s = parseSignature("f8(i8, c16[:, ::1], (int64, i8),)");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->return_type, "float64");
  EXPECT_EQ(s->arg_types, (Args{"int64", "array(complex128, 2d, C)", "UniTuple(int64, 2)"}));
  s = parseSignature("(int64,)");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->arg_types, (Args{"int64"}));
}

TEST(Signature, RequestTypesAreCanonicalised) {
  Args args = {"f8", "Tuple(i8, int64)", "float64[::1]"};
  std::string ret = "double";
  ASSERT_TRUE(canonicalizeTypes(args, ret).ok());
  EXPECT_EQ(args, (Args{"float64", "UniTuple(int64, 2)", "array(float64, 1d, C)"}));
  EXPECT_EQ(ret, "float64");
  std::string inferred;
  ASSERT_TRUE(canonicalizeTypes(args, inferred).ok());
  EXPECT_EQ(inferred, "");
  Args bad = {"int64", "flot"};
  absl::Status st = canonicalizeTypes(bad, inferred);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "argument type 1: unknown type 'flot' at column 1 in 'flot'");
}

TEST(Signature, Malformed) {
  EXPECT_FALSE(parseSignature("float64(int64").ok());
  EXPECT_FALSE(parseSignature("float64)int64(").ok());
  EXPECT_FALSE(parseSignature("float64(int64,,int64)").ok());
  EXPECT_FALSE(parseSignature("int64]").ok());
}

}  // namespace
}  // namespace kiln::server
