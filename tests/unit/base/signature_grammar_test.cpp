// The one signature grammar (Numba's, plus kilnc's bare list).
#include "base/signature_grammar.h"

#include <gtest/gtest.h>

namespace kiln::base {
namespace {

std::string canon(absl::string_view s) {
  absl::StatusOr<SignatureSyntax> sig = parseSignature(s);
  return sig.ok() ? printSignature(*sig) : "error: " + std::string(sig.status().message());
}

TEST(SignatureGrammar, Forms) {
  EXPECT_EQ(canon("float64(float64, int64)"), "float64(float64, int64)");
  EXPECT_EQ(canon("f8(f8, i8)"), "float64(float64, int64)");
  EXPECT_EQ(canon("(int64,)"), "(int64)");
  EXPECT_EQ(canon("(int64, f4,)"), "(int64, float32)");
  EXPECT_EQ(canon("()"), "()");
  EXPECT_EQ(canon("int64()"), "int64()");
  EXPECT_EQ(canon("void(int64[:])"), "none(array(int64, 1d, A))");
  EXPECT_EQ(canon("f8[::1](f8[:, ::1])"), "array(float64, 1d, C)(array(float64, 2d, C))");
  EXPECT_EQ(canon("UniTuple(int64, 2)(array(float64, 1d, C), float64[:])"),
            "UniTuple(int64, 2)(array(float64, 1d, C), array(float64, 1d, A))");
  EXPECT_EQ(canon("(UniTuple(int64, 2))"), "(UniTuple(int64, 2))");
  EXPECT_EQ(canon("((int64, int64),)"), "(UniTuple(int64, 2))");
  EXPECT_EQ(canon(" float64 , int64 "), "(float64, int64)");
  EXPECT_EQ(canon("int64, UniTuple(int64, 2)"), "(int64, UniTuple(int64, 2))");
  EXPECT_EQ(canon("int64,"), "(int64)");
  EXPECT_EQ(canon(""), "()");
  EXPECT_EQ(canon("int64"), "(int64)");
}

// realcode4: Numba's Tuple((a, b)) is the tuple of a and b (pymatting's
// signatures); Tuple((a, b), c) keeps (a, b) as an item.
TEST(SignatureGrammar, NumbaTupleOfItems) {
  EXPECT_EQ(canon("Tuple((f8[:], i4[:], i4[:]))(f8[:,:,:], f8, i8)"),
            "Tuple(array(float64, 1d, A), array(int32, 1d, A), array(int32, 1d, A))"
            "(array(float64, 3d, A), float64, int64)");
  EXPECT_EQ(canon("Tuple((f8, i8))(f8)"), "Tuple(float64, int64)(float64)");
  EXPECT_EQ(canon("Tuple((f8, f8))(f8)"), "UniTuple(float64, 2)(float64)");
  EXPECT_EQ(canon("Tuple(f8, i8)(f8)"), "Tuple(float64, int64)(float64)");
  EXPECT_EQ(canon("Tuple((f8, i8), i8)(f8)"), "Tuple(Tuple(float64, int64), int64)(float64)");
}

// realcode4: Numba's printed list type carries its initial value, None.
TEST(SignatureGrammar, NumbaListInitialValueNone) {
  EXPECT_EQ(canon("list(array(float64, 1d, A))<iv=None>(array(float64, 2d, A), int64)"),
            "list(array(float64, 1d, A))(array(float64, 2d, A), int64)");
  EXPECT_EQ(canon("(reflected list(int64)<iv=None>, int64)"), "(reflected list(int64), int64)");
  EXPECT_EQ(canon("list(int64)<iv=[1, 2]>(int64)").rfind("error: ", 0), 0u);
}

TEST(SignatureGrammar, ReturnTypeIsOptional) {
  absl::StatusOr<SignatureSyntax> s = parseSignature("(int64,)");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->return_type.has_value());
  s = parseSignature("none(int64)");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->return_type.has_value());
  EXPECT_EQ(s->return_type->kind, TypeSyntax::Kind::kNone);
}

TEST(SignatureGrammar, Malformed) {
  for (const char* bad : {"float64(int64", "float64)int64(", "float64(int64,,int64)", "int64]", "float64(int64) x",
                          "(int64)(int64)", "float64(flot)", "float_(int64)", "int64 int64", ",", "f8(,)"})
    EXPECT_EQ(canon(bad).substr(0, 7), "error: ") << bad;
  EXPECT_EQ(canon("float64(int64,,int64)"), "error: expected a type, found ',' at column 15 in 'float64(int64,,int64)'");
}

}  // namespace
}  // namespace kiln::base
