// The type lattice: spellings round-trip through parse, interning gives
// pointer equality, malformed spellings are refused.
#include <gtest/gtest.h>

#include "compiler/typing/types.h"

namespace kiln::typing {
namespace {

TEST(Types, ScalarAndTupleSpellingsRoundTrip) {
  TypeContext tc;
  for (const char* s : {"int64", "uint8", "float32", "bool", "UniTuple(int64, 2)", "Tuple(int64, float64)"}) {
    absl::StatusOr<const Type*> t = tc.parse(s);
    ASSERT_TRUE(t.ok()) << s;
    EXPECT_EQ((*t)->str(), s);
  }
}

TEST(Types, ArraySpellingsRoundTripAndIntern) {
  TypeContext tc;
  absl::StatusOr<const Type*> a = tc.parse("array(float64, 1d, C)");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->kind, Kind::kArray);
  EXPECT_EQ((*a)->ndim, 1);
  EXPECT_EQ((*a)->layout, 'C');
  EXPECT_EQ((*a)->dtype(), tc.floating(64));
  EXPECT_EQ(*a, tc.array(tc.floating(64), 1, 'C'));
  EXPECT_EQ((*tc.parse("array(int32, 2d, A)"))->str(), "array(int32, 2d, A)");
  EXPECT_EQ((*tc.parse("array(bool, 3d, F)"))->str(), "array(bool, 3d, F)");
  // A 1-d Fortran array is C-contiguous too: one type.
  EXPECT_EQ(*tc.parse("array(uint8, 1d, F)"), tc.array(tc.integer(8, false), 1, 'C'));
  EXPECT_NE(tc.array(tc.floating(64), 1, 'C'), tc.array(tc.floating(64), 1, 'A'));
  EXPECT_NE(tc.array(tc.floating(64), 1, 'C'), tc.array(tc.floating(64), 2, 'C'));
  EXPECT_EQ((*tc.parse("Tuple(array(int64, 1d, C), int64)"))->items[0]->kind, Kind::kArray);
}

TEST(Types, NumbaSignatureArraySpellings) {
  TypeContext tc;
  EXPECT_EQ(*tc.parse("float64[:]"), tc.array(tc.floating(64), 1, 'A'));
  EXPECT_EQ(*tc.parse("float64[::1]"), tc.array(tc.floating(64), 1, 'C'));
  EXPECT_EQ(*tc.parse("int32[:, ::1]"), tc.array(tc.integer(32), 2, 'C'));
  EXPECT_EQ(*tc.parse("uint8[:, :, :]"), tc.array(tc.integer(8, false), 3, 'A'));
  EXPECT_EQ(*tc.parse("float64[::1, :]"), tc.array(tc.floating(64), 2, 'F'));
  EXPECT_EQ(*tc.parse("f8[:, ::1]"), tc.array(tc.floating(64), 2, 'C'));
  for (const char* s : {"float64[]", "float64[1]", "str[:]", "float64[:"})
    EXPECT_FALSE(tc.parse(s).ok()) << s;
}

TEST(Types, AliasesParseToTheCanonicalType) {
  TypeContext tc;
  EXPECT_EQ(*tc.parse("f8"), tc.floating(64));
  EXPECT_EQ(*tc.parse("float"), tc.floating(64));  // NumPy's and Numba typeof's meaning, not float32
  EXPECT_EQ(*tc.parse("single"), tc.floating(32));
  EXPECT_EQ(*tc.parse("c8"), tc.complex(64));
  EXPECT_EQ(*tc.parse("(i8, int64,)"), tc.tuple({tc.integer(64), tc.integer(64)}));
  absl::StatusOr<const Type*> t = tc.parse("float_");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("write float32 or float64"), std::string_view::npos);
}

TEST(Types, NestedUniformTuplesPrintInLinearTime) {
  TypeContext tc;
  absl::StatusOr<const Type*> t = tc.parse("UniTuple(UniTuple(UniTuple(int64, 40), 40), 40)");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->str(), "UniTuple(UniTuple(UniTuple(int64, 40), 40), 40)");
  EXPECT_FALSE(tc.parse("UniTuple(UniTuple(UniTuple(int64, 41), 41), 41)").ok());  // > 65536 scalars
}

TEST(Types, MalformedArraySpellingsAreRefused) {
  TypeContext tc;
  for (const char* s : {"array(float64, 1d)", "array(float64, 0d, C)", "array(float64, xd, C)", "array(float64, 1d, Q)",
                        "array(UniTuple(int64, 2), 1d, C)", "array(unicode_type, 1d, C)", "array(float64, 1, C)",
                        "array(float64, 99d, C)"})
    EXPECT_FALSE(tc.parse(s).ok()) << s;
}

TEST(Types, IteratorAndMethodSpellings) {
  TypeContext tc;
  const Type* a = tc.array(tc.floating(64), 1, 'C');
  EXPECT_EQ(tc.arrayIter(a)->str(), "iter(array(float64, 1d, C))");
  EXPECT_EQ(tc.enumerate(tc.arrayIter(a))->str(), "enumerate(iter(array(float64, 1d, C)))");
  EXPECT_EQ(tc.zip({tc.rangeIter(), tc.arrayIter(a)})->str(), "zip(range_iter64, iter(array(float64, 1d, C)))");
  EXPECT_EQ(tc.boundMethod(a, "sum")->str(), "BoundFunction(array.sum for array(float64, 1d, C))");
  EXPECT_NE(tc.boundMethod(a, "sum"), tc.boundMethod(a, "max"));
  EXPECT_EQ(tc.dtypeClass(tc.integer(32))->str(), "class(int32)");
}

}  // namespace
}  // namespace kiln::typing
