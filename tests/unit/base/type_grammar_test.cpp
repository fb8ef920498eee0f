// The one type grammar: every alias, canonical forms, round trips, errors
// that say where, and hostile inputs that fail fast.
#include "base/type_grammar.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace kiln::base {
namespace {

std::string canon(absl::string_view s) {
  absl::StatusOr<std::string> c = canonicalType(s);
  return c.ok() ? *c : "error: " + std::string(c.status().message());
}

TEST(TypeGrammar, EveryScalarAlias) {
  const std::pair<const char*, const char*> cases[] = {
      {"bool", "bool"},          {"boolean", "bool"},       {"bool_", "bool"},         {"b1", "bool"},
      {"int8", "int8"},          {"i1", "int8"},            {"int16", "int16"},        {"i2", "int16"},
      {"int32", "int32"},        {"i4", "int32"},           {"int64", "int64"},        {"i8", "int64"},
      {"intp", "int64"},         {"int_", "int64"},         {"int", "int64"},          {"uint8", "uint8"},
      {"u1", "uint8"},           {"uint16", "uint16"},      {"u2", "uint16"},          {"uint32", "uint32"},
      {"u4", "uint32"},          {"uint64", "uint64"},      {"u8", "uint64"},          {"uintp", "uint64"},
      {"float32", "float32"},    {"f4", "float32"},         {"single", "float32"},     {"float64", "float64"},
      {"f8", "float64"},         {"double", "float64"},     {"float", "float64"},      {"complex64", "complex64"},
      {"c8", "complex64"},       {"complex128", "complex128"}, {"c16", "complex128"}, {"complex", "complex128"},
      {"intc", "int32"},         {"uintc", "uint32"},       {"short", "int16"},        {"ushort", "uint16"},
      {"long_", "int64"},        {"ulong", "uint64"},       {"longlong", "int64"},     {"ulonglong", "uint64"},
      {"ssize_t", "int64"},      {"size_t", "uint64"},      {"none", "none"},          {"void", "none"},
      {"None", "none"},          {"unicode_type", "unicode_type"},
      {"slice3_type", "slice3_type"}, {"slice2_type", "slice3_type"},  // slices2: one slice type
      {"UniTuple(slice3_type, 2)", "UniTuple(slice3_type, 2)"},
      {"ellipsis", "ellipsis"}, {"Tuple(ellipsis, int64)", "Tuple(ellipsis, int64)"},  // pyvals: the Ellipsis object
  };
  for (auto [in, out] : cases) EXPECT_EQ(canon(in), out) << in;
  // The table lists each spelling once, and each parses to its scalar.
  for (const auto& [spelling, scalar] : scalarSpellings()) {
    absl::StatusOr<TypeSyntax> t = parseType(spelling);
    ASSERT_TRUE(t.ok()) << spelling;
    EXPECT_EQ(*t, TypeSyntax::scalarType(scalar)) << spelling;
  }
}

TEST(TypeGrammar, AmbiguousNamesAreRefusedWithTheReason) {
  absl::StatusOr<TypeSyntax> t = parseType("float_");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("float32 in Numba"), absl::string_view::npos) << t.status();
  EXPECT_FALSE(parseType("byte").ok());
  EXPECT_EQ(canon("f2"), canon("float16"));  // float16: a scalar like the others
  EXPECT_EQ(canon("half[:]"), "array(float16, 1d, A)");
  EXPECT_EQ(canon("float_[:]").substr(0, 7), "error: ");
}

TEST(TypeGrammar, Arrays) {
  EXPECT_EQ(canon("float64[:]"), "array(float64, 1d, A)");
  EXPECT_EQ(canon("float64[::1]"), "array(float64, 1d, C)");
  EXPECT_EQ(canon("f8[:, ::1]"), "array(float64, 2d, C)");
  EXPECT_EQ(canon("float64[::1, :]"), "array(float64, 2d, F)");
  EXPECT_EQ(canon("float64[:,:,:]"), "array(float64, 3d, A)");
  EXPECT_EQ(canon("int32[ : , : , :: 1 ]"), "array(int32, 3d, C)");
  EXPECT_EQ(canon("array(float64, 2d, C)"), "array(float64, 2d, C)");
  EXPECT_EQ(canon("array(f4, 3d, F)"), "array(float32, 3d, F)");
  EXPECT_EQ(canon("array(bool, 1d, F)"), "array(bool, 1d, C)");  // 1-d F is C
  EXPECT_EQ(canon("array(int64, 0d, C)"), "array(int64, 0d, C)");
  EXPECT_EQ(canon("readonly array(int64, 1d, C)"), "readonly array(int64, 1d, C)");
  // buffers: an argument's bytes/bytearray/memoryview/array.array, named for its exporter
  EXPECT_EQ(canon("Bytes(uint8, 1d, C)"), "Bytes(uint8, 1d, C)");
  EXPECT_EQ(canon("readonly Bytes(uint8, 1d, C)"), "Bytes(uint8, 1d, C)");  // always read-only
  EXPECT_TRUE(parseType("Bytes(uint8, 1d, C)")->readonly);
  EXPECT_EQ(canon("bytearray(uint8, 1d, C)"), "bytearray(uint8, 1d, C)");
  EXPECT_EQ(canon("readonly memoryview(float64, 2d, F)"), "readonly memoryview(float64, 2d, F)");
  EXPECT_EQ(canon("pyarray(int32, 1d, C)"), "pyarray(int32, 1d, C)");
  EXPECT_FALSE(parseType("memoryview(Record(a[type=int16;offset=0];2;False), 1d, C)").ok());
  // chararrays: a NumPy U array's dtype is a U field's
  EXPECT_EQ(canon("array([unichr x 3], 1d, C)"), "array([unichr x 3], 1d, C)");
  EXPECT_EQ(canon("readonly array([ unichr x 12 ], 0d, C)"), "readonly array([unichr x 12], 0d, C)");
  EXPECT_FALSE(parseType("array([unichr x 0], 1d, C)").ok());
  // charseq: an S field of a record, N bytes
  EXPECT_EQ(canon("Record(m[type=int32;offset=0],n[type=[char x 5];offset=4];9;False)"),
            "Record(m[type=int32;offset=0],n[type=[char x 5];offset=4];9;False)");
  EXPECT_FALSE(parseType("Record(n[type=[char x 5];offset=0];4;False)").ok());  // outside the record
  // rorecord: an element of read-only memory; the bit is the whole record's, never a field's or a dtype's
  EXPECT_EQ(canon("readonly Record(a[type=int16;offset=0];2;False)"), "readonly Record(a[type=int16;offset=0];2;False)");
  EXPECT_TRUE(parseType("readonly Record(a[type=int16;offset=0];2;False)")->readonly);
  EXPECT_FALSE(parseType("Record(a[type=int16;offset=0];2;False)")->readonly);
  EXPECT_FALSE(*parseType("readonly Record(a[type=int16;offset=0];2;False)") ==
               *parseType("Record(a[type=int16;offset=0];2;False)"));
  EXPECT_FALSE(parseType("Record(r[type=readonly Record(a[type=int16;offset=0];2;False);offset=0];2;False)").ok());
  EXPECT_FALSE(parseType("array(readonly Record(a[type=int16;offset=0];2;False), 1d, C)").ok());
  EXPECT_FALSE(parseType("readonly UniTuple(int64, 2)").ok());
  for (const char* bad : {"float64[]", "float64[1]", "float64[:", "float64[:, ::1, :]", "float64[::1, ::1]",
                          "unicode_type[:]", "array(float64, 1d)", "array(float64, xd, C)", "array(float64, 1d, Q)",
                          "array(UniTuple(int64, 2), 1d, C)", "array(float64, 1, C)", "array(float64, 33d, C)",
                          "readonly int64", "float64[:, :, :, :, :, :, :, :, :, :, :, :, :, :, :, :, :, :, :, :, :, :, "
                                            ":, :, :, :, :, :, :, :, :, :, :]"})
    EXPECT_FALSE(parseType(bad).ok()) << bad;
}

TEST(TypeGrammar, Tuples) {
  EXPECT_EQ(canon("UniTuple(int64, 3)"), "UniTuple(int64, 3)");
  EXPECT_EQ(canon("UniTuple(i8 x 3)"), "UniTuple(int64, 3)");  // Numba's printed form
  EXPECT_EQ(canon("Tuple(int64, float64)"), "Tuple(int64, float64)");
  EXPECT_EQ(canon("Tuple(int64, i8)"), "UniTuple(int64, 2)");
  EXPECT_EQ(canon("(int64, float64)"), "Tuple(int64, float64)");
  EXPECT_EQ(canon("(int64,)"), "UniTuple(int64, 1)");
  EXPECT_EQ(canon("(int64, float64,)"), "Tuple(int64, float64)");
  EXPECT_EQ(canon("()"), "Tuple()");
  EXPECT_EQ(canon("Tuple()"), "Tuple()");
  EXPECT_EQ(canon("Tuple(UniTuple(f8, 2), (float64, float64))"), "UniTuple(UniTuple(float64, 2), 2)");
  EXPECT_EQ(canon("Tuple(array(float64, 1d, C), f8[::1])"), "UniTuple(array(float64, 1d, C), 2)");
  for (const char* bad : {"UniTuple(int64)", "UniTuple(int64, 0)", "UniTuple(int64, 1025)", "UniTuple(int64, 2",
                          "Tuple(int64,, float64)", "Tuple(int64 float64)", "(int64", "int64)", "Tuple(,)",
                          "UniTuple(int64, -1)", "UniTuple(int64, 99999999999999999999)"})
    EXPECT_FALSE(parseType(bad).ok()) << bad;
}

TEST(TypeGrammar, NamedTuples) {
  // namedtuples: the class (module, qualname, fields), then the items.
  EXPECT_EQ(canon("NamedTuple(__main__.Point[x, y], int64, float64)"), "NamedTuple(__main__.Point[x, y], int64, float64)");
  EXPECT_EQ(canon("NamedTuple(m.P[x,y], i8, i8)"), "NamedUniTuple(m.P[x, y], int64 x 2)");
  EXPECT_EQ(canon("NamedUniTuple(m.P[x, y], int64 x 2)"), "NamedUniTuple(m.P[x, y], int64 x 2)");
  EXPECT_EQ(canon("NamedTuple(m.Empty[])"), "NamedTuple(m.Empty[])");
  EXPECT_EQ(canon("Tuple(NamedTuple(m.P[x], int64), int64)"), "Tuple(NamedUniTuple(m.P[x], int64 x 1), int64)");
  EXPECT_FALSE(parseType("NamedTuple(m.P[x, y], int64) == ").ok());
  EXPECT_NE(*parseType("NamedTuple(m.P[x, y], int64, int64)"), *parseType("UniTuple(int64, 2)"));
  EXPECT_NE(*parseType("NamedTuple(m.P[x, y], int64, int64)"), *parseType("NamedTuple(m.Q[x, y], int64, int64)"));
  for (const char* bad : {"NamedTuple(m.P[x, y], int64)", "NamedTuple(m.P[x], int64, int64)", "NamedTuple([x], int64)",
                          "NamedTuple(m.P, int64)", "NamedUniTuple(m.P[x, y], int64 x 3)", "NamedTuple(m.P[x int64)"})
    EXPECT_FALSE(parseType(bad).ok()) << bad;
}

TEST(TypeGrammar, StructRefs) {
  // structref: the StructRef class with its field names, then one type per field (never made uniform).
  EXPECT_EQ(canon("StructRef(m.PairType[a, b], i8, i8)"), "StructRef(m.PairType[a, b], int64, int64)");
  EXPECT_EQ(canon("StructRef(pkg.mod.IndexType[data,k], f4[::1], int64)"),
            "StructRef(pkg.mod.IndexType[data, k], array(float32, 1d, C), int64)");
  EXPECT_EQ(canon("Tuple(StructRef(m.T[a, b], StructRef(m.U[x], f8), int64), int64)"),
            "Tuple(StructRef(m.T[a, b], StructRef(m.U[x], float64), int64), int64)");
  EXPECT_EQ(canon("StructRef(m.Empty[])"), "StructRef(m.Empty[])");
  EXPECT_NE(*parseType("StructRef(m.T[a, b], int64, int64)"), *parseType("StructRef(m.U[a, b], int64, int64)"));
  EXPECT_NE(*parseType("StructRef(m.T[a, b], int64, int64)"), *parseType("StructRef(m.T[a, c], int64, int64)"));
  EXPECT_NE(*parseType("StructRef(m.T[a, b], int64, int64)"), *parseType("StructRef(m.T[a, b], int64, float64)"));
  EXPECT_NE(*parseType("StructRef(m.T[a, b], int64, int64)"), *parseType("NamedTuple(m.T[a, b], int64, int64)"));
  for (const char* bad : {"StructRef(m.T[a, b], int64)", "StructRef(m.T[a], int64, int64)", "StructRef(m.T, int64)",
                          "StructRef([a], int64)", "StructRef(m.T[a], int64"})
    EXPECT_FALSE(parseType(bad).ok()) << bad;
}

TEST(TypeGrammar, EnumMembers) {
  // enums: the class, then the value's type; IntEnum members spell their own.
  EXPECT_EQ(canon("EnumMember(m.Color, i8)"), "EnumMember(m.Color, int64)");
  EXPECT_EQ(canon("IntEnumMember(pkg.mod.Shape, int64)"), "IntEnumMember(pkg.mod.Shape, int64)");
  EXPECT_EQ(canon("EnumMember(m.Planet, Tuple(f8, f8))"), "EnumMember(m.Planet, UniTuple(float64, 2))");
  EXPECT_EQ(canon("Tuple(EnumMember(m.C, int64), int64)"), "Tuple(EnumMember(m.C, int64), int64)");
  EXPECT_NE(*parseType("EnumMember(m.Color, int64)"), *parseType("int64"));
  EXPECT_NE(*parseType("EnumMember(m.Color, int64)"), *parseType("EnumMember(m.Shake, int64)"));
  EXPECT_NE(*parseType("EnumMember(m.Color, int64)"), *parseType("IntEnumMember(m.Color, int64)"));
  for (const char* bad : {"EnumMember(m.Color)", "EnumMember(, int64)", "EnumMember(m.C, EnumMember(m.C, int64))",
                          "EnumMember(m.C, int64"})
    EXPECT_FALSE(parseType(bad).ok()) << bad;
}

TEST(TypeGrammar, DtypeClassesAndObjects) {
  // dtypes: np.float32 is class(float32), np.dtype('float32') dtype(float32); each differs from the scalar.
  EXPECT_EQ(canon("class(f4)"), "class(float32)");
  EXPECT_EQ(canon("dtype(int64)"), "dtype(int64)");
  EXPECT_EQ(canon("Tuple(class(float64), int64)"), "Tuple(class(float64), int64)");
  EXPECT_NE(*parseType("class(float32)"), *parseType("float32"));
  EXPECT_NE(*parseType("class(float32)"), *parseType("dtype(float32)"));
  // flatimag: a record's dtype (a.dtype of a record array, returned as a np.dtype)
  EXPECT_EQ(canon("class(Record(x[type=int8;offset=0],y[type=int8;offset=1];2;False))"),
            "class(Record(x[type=int8;offset=0],y[type=int8;offset=1];2;False))");
  for (const char* bad : {"class()", "class(array(float64, 1d, C))", "dtype(class(int64))", "class(int64", "dtype(none)"})
    EXPECT_FALSE(parseType(bad).ok()) << bad;
}

// NEP 50: "np.float64" is a NumPy scalar (strong) of a type a Python number
// also has; Numba's spelling drops the mark; a declared argument gets it.
TEST(TypeGrammar, NumpyScalarsOfPythonTypes) {
  EXPECT_EQ(canon("np.f8"), "np.float64");
  EXPECT_EQ(canon("np.bool_"), "np.bool");
  EXPECT_EQ(canon("Tuple(np.int64, np.complex128)"), "Tuple(np.int64, np.complex128)");
  EXPECT_EQ(canon("np.float32"), "float32");  // strong by its width alone: no mark
  EXPECT_NE(*parseType("np.float64"), *parseType("float64"));
  EXPECT_TRUE(parseType("np.float64")->strong);
  EXPECT_EQ(numbaSpelling(*parseType("UniTuple(np.float64, 2)")), "UniTuple(float64, 2)");
  EXPECT_EQ(printType(declaredArgument(*parseType("f8"))), "np.float64");
  EXPECT_EQ(printType(declaredArgument(*parseType("bool"))), "np.bool");
  for (const char* kept : {"float32", "float64[:]", "UniTuple(float64, 2)", "class(float64)", "optional(float64)"})
    EXPECT_EQ(printType(declaredArgument(*parseType(kept))), canon(kept)) << kept;
  for (const char* bad : {"np.float64[:]", "np.", "np.foo", "np.array(float64, 1d, C)"})
    EXPECT_FALSE(parseType(bad).ok()) << bad;
}

TEST(TypeGrammar, CanonicalFormsRoundTrip) {
  for (const char* s : {"int64", "bool", "none", "unicode_type", "UniTuple(int64, 2)", "Tuple(int64, float64)",
                        "array(float64, 2d, F)", "Tuple(array(int32, 3d, A), UniTuple(complex64, 4), none)",
                        "Tuple()", "UniTuple(Tuple(int8, uint8), 3)"}) {
    EXPECT_EQ(canon(s), s);
    EXPECT_EQ(canon(canon(s)), s);
  }
}

// tlist: a typed List is Numba's ListType[T], apart from list(T).
TEST(TypeGrammar, TypedLists) {
  EXPECT_EQ(canon("ListType[i8]"), "ListType[int64]");
  EXPECT_EQ(canon("ListType[ListType[float64]]"), "ListType[ListType[float64]]");
  EXPECT_EQ(canon("list(ListType[int8])"), "list(ListType[int8])");
  absl::StatusOr<TypeSyntax> typed = parseType("ListType[int64]");
  absl::StatusOr<TypeSyntax> plain = parseType("list(int64)");
  ASSERT_TRUE(typed.ok() && plain.ok());
  EXPECT_TRUE(typed->typed && typed->kind == TypeSyntax::Kind::kList && !typed->reflected);
  EXPECT_FALSE(*typed == *plain);
  EXPECT_EQ(canon("ListType[int64)"), "error: expected ']', found ')' at column 15 in 'ListType[int64)'");
  EXPECT_EQ(canon("reflected ListType[int64]"),
            "error: expected list(...) or set(...) after 'reflected' at column 19 in 'reflected ListType[int64]'");
}

TEST(TypeGrammar, ErrorsSayWhere) {
  absl::StatusOr<TypeSyntax> t = parseType("UniTuple(int64, 2");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(), "expected ')' but the text ended at column 18 in 'UniTuple(int64, 2'");
  t = parseType("Tuple(int64, flot64)");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "unknown type 'flot64' at column 14 in 'Tuple(int64, flot64)'");
  EXPECT_EQ(canon("int64 int64"), "error: unexpected text after the type at column 7 in 'int64 int64'");
  EXPECT_EQ(canon(""), "error: expected a type but the text ended at column 1 in ''");
}

TEST(TypeGrammar, DeepNestingFailsFast) {
  for (const char* open : {"Tuple(", "(", "UniTuple("}) {
    std::string deep;
    for (int i = 0; i < 10000; ++i) deep += open;
    deep += "int64";
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<TypeSyntax> t = parseType(deep);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(t.ok()) << open;
    EXPECT_NE(t.status().message().find("nested more than 64 levels deep"), absl::string_view::npos) << t.status();
    EXPECT_LT(t.status().message().size(), 300u);  // the text is quoted by its head only
    EXPECT_LT(took, std::chrono::milliseconds(50)) << open;
  }
  std::string ok;  // 63 levels parse
  for (int i = 0; i < 63; ++i) ok += "(";
  ok += "int64";
  for (int i = 0; i < 63; ++i) ok += ",)";
  EXPECT_TRUE(parseType(ok).ok());
}

TEST(TypeGrammar, UniformTuplesStayLinear) {
  // 1024^3 scalars if expanded: refused by the scalar cap, quickly.
  std::string big = "UniTuple(UniTuple(UniTuple(int64, 1024), 1024), 1024)";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(parseType(big).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  // Printing a wide nested uniform tuple is as long as its input.
  std::string wide = "UniTuple(UniTuple(int64, 256), 256)";
  EXPECT_EQ(canon(wide), wide);
  // A long flat tuple written out canonicalises in one pass.
  std::string flat = "Tuple(";
  for (int i = 0; i < 1024; ++i) flat += i ? ", int64" : "int64";
  flat += ")";
  EXPECT_EQ(canon(flat), "UniTuple(int64, 1024)");
}

}  // namespace
}  // namespace kiln::base
