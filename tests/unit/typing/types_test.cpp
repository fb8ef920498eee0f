// The type lattice: spellings round-trip through parse, interning gives
// pointer equality, malformed spellings are refused.
#include <gtest/gtest.h>

#include "compiler/typing/rules.h"
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

TEST(Types, NamedTuplesKeepTheirClass) {
  TypeContext tc;
  absl::StatusOr<const Type*> p = tc.parse("NamedTuple(m.P[x, y], int64, float64)");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->kind, Kind::kTuple);
  EXPECT_EQ((*p)->str(), "NamedTuple(m.P[x, y], int64, float64)");
  EXPECT_NE(*p, tc.tuple({tc.integer(64), tc.floating(64)}));
  EXPECT_EQ(*p, tc.namedTuple({tc.integer(64), tc.floating(64)}, "m.P[x, y]"));
  EXPECT_EQ(TypeContext::fieldsOf(*p), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ((*tc.parse("NamedUniTuple(m.P[x, y], int64 x 2)"))->str(), "NamedUniTuple(m.P[x, y], int64 x 2)");
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

// A reference speller, exponential on purpose: it expands every item.
std::string naiveSpelling(const Type* t) {
  if (t->kind != Kind::kTuple) return t->str();
  bool uniform = !t->items.empty();
  for (const Type* item : t->items) uniform = uniform && item == t->items[0];
  if (uniform) return "UniTuple(" + naiveSpelling(t->items[0]) + ", " + std::to_string(t->items.size()) + ")";
  std::string out = "Tuple(";
  for (size_t k = 0; k < t->items.size(); ++k) out += (k ? ", " : "") + naiveSpelling(t->items[k]);
  return out + ")";
}

// Tuple(T, T, int64) nested `depth` times: its spelling doubles per level.
const Type* doublingTuple(TypeContext& tc, int depth) {
  const Type* t = tc.integer(64);
  for (int k = 0; k < depth; ++k) t = tc.tuple({t, t, tc.integer(64)});
  return t;
}

TEST(Types, InterningIsLinearInTheItemsWhateverTheSpelling) {
  for (int depth : {40, 1000}) {
    TypeContext tc;
    int64_t before = tc.work();
    const Type* t = doublingTuple(tc, depth);
    int64_t made = tc.work() - before;
    // Each level interns one int64 and one 3-item tuple, and copies the
    // items' cached spellings while they fit: a few units of work per level.
    EXPECT_LE(made, 12 * depth) << depth;
    EXPECT_EQ(t->depth, depth);
    EXPECT_EQ(t->leaves, depth >= 62 ? kSizeCap : (int64_t{1} << (depth + 1)) - 1);
    // Making it again finds the same types, at the same cost.
    before = tc.work();
    EXPECT_EQ(doublingTuple(tc, depth), t);
    EXPECT_LE(tc.work() - before, 12 * depth);
  }
}

TEST(Types, AHugeSpellingIsCutShortInBoundedWork) {
  for (int depth : {40, 1000}) {
    TypeContext tc;
    const Type* t = doublingTuple(tc, depth);
    EXPECT_GT(t->spelling_size, static_cast<int64_t>(kMaxSpelling));
    int64_t visited = 0;
    std::string s = spell(t, 500, &visited);
    EXPECT_EQ(s.size(), 503u);
    EXPECT_EQ(s.substr(0, 12), "Tuple(Tuple(");
    EXPECT_EQ(s.substr(500), "...");
    // Every type visited adds a character: bounded by the limit plus the
    // depth, never the 2^depth items of the expanded tree.
    EXPECT_LE(visited, 500 + depth + 1);
    EXPECT_EQ(t->str().size(), kMaxSpelling + 3);
    EXPECT_FALSE(TypeContext::tooLarge(t).empty());
  }
}

TEST(Types, CachedSpellingMatchesTheFullExpansion) {
  TypeContext tc;
  const Type* t = doublingTuple(tc, 14);  // 2^15 - 1 leaves, about 300 kB spelled
  std::string naive = naiveSpelling(t);
  EXPECT_EQ(t->str(), naive);
  EXPECT_EQ(t->spelling_size, static_cast<int64_t>(naive.size()));
  EXPECT_EQ(spell(t, kMaxSpelling), naive);
  EXPECT_EQ(TypeContext::tooLarge(t), "");
  // Parsing the spelling gives the same interned type back.
  absl::StatusOr<const Type*> parsed = tc.parse(naive);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, t);
}

TEST(Types, TooLargeNamesTheLimit) {
  TypeContext tc;
  const Type* deep = tc.integer(64);
  for (int k = 0; k < 64; ++k) deep = tc.tuple({deep, tc.floating(64)});
  EXPECT_EQ(TypeContext::tooLarge(deep), "");
  EXPECT_EQ(TypeContext::tooLarge(tc.tuple({deep, tc.floating(64)})), "a type nested more than 64 levels deep");
  const Type* wide = tc.integer(64);
  for (int k = 0; k < 16; ++k) wide = tc.tuple({wide, wide});  // 2^16 leaves
  EXPECT_EQ(TypeContext::tooLarge(wide), "");
  EXPECT_EQ(TypeContext::tooLarge(tc.tuple({wide, tc.integer(64)})),
            "a type of more than 65536 items once its tuples are flattened");
}

TEST(Types, Deep40TupleSpellingsParseAndRoundTrip) {
  // Issue 7: a nested tuple type 40 deep as an argument or return type.
  std::string s = "int64";
  for (int k = 0; k < 40; ++k) s = "Tuple(" + s + ", float64)";
  TypeContext tc;
  absl::StatusOr<const Type*> t = tc.parse(s);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->str(), s);
  EXPECT_EQ((*t)->depth, 40);
  EXPECT_LE(tc.work(), 40 * 8);
}

TEST(Types, MalformedArraySpellingsAreRefused) {
  TypeContext tc;
  for (const char* s : {"array(float64, 1d)", "readonly float64", "array(float64, xd, C)", "array(float64, 1d, Q)",
                        "array(UniTuple(int64, 2), 1d, C)", "array(unicode_type, 1d, C)", "array(float64, 1, C)",
                        "array(float64, 99d, C)"})
    EXPECT_FALSE(tc.parse(s).ok()) << s;
}

TEST(Types, ZeroDimensionalAndReadonlyArrays) {
  TypeContext tc;
  absl::StatusOr<const Type*> z = tc.parse("array(float64, 0d, C)");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ((*z)->ndim, 0);
  absl::StatusOr<const Type*> ro = tc.parse("readonly array(int32, 2d, A)");
  ASSERT_TRUE(ro.ok());
  EXPECT_TRUE((*ro)->readonly);
  EXPECT_EQ((*ro)->str(), "readonly array(int32, 2d, A)");
  EXPECT_NE(*ro, tc.array(tc.integer(32, true), 2, 'A'));
  EXPECT_EQ(tc.viewOf(*ro, 1, 'C'), tc.array(tc.integer(32, true), 1, 'C', /*readonly=*/true));
}

// rorecord: a record of read-only memory is its own type of the same layout
TEST(Types, ReadonlyRecords) {
  TypeContext tc;
  absl::StatusOr<const Type*> rec = tc.parse("Record(a[type=int64;offset=0],b[type=float64;offset=8];16;False)");
  ASSERT_TRUE(rec.ok());
  const Type* ro = tc.recordView(*rec, true);
  EXPECT_NE(ro, *rec);
  EXPECT_TRUE(ro->readonly);
  EXPECT_EQ(ro->name, (*rec)->name);  // the layout
  EXPECT_EQ(ro->str(), "readonly " + (*rec)->str());
  EXPECT_EQ(tc.recordView(ro, false), *rec);
  EXPECT_EQ(tc.recordView(ro, true), ro);
  absl::StatusOr<const Type*> parsed = tc.parse(ro->str());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, ro);
  // An array's dtype is the layout; its own bit says read-only.
  EXPECT_EQ(tc.array(ro, 1, 'C')->dtype(), *rec);
  EXPECT_EQ(tc.array(ro, 1, 'C', true), tc.array(*rec, 1, 'C', true));
  EXPECT_EQ(tc.recordView(tc.integer(), true), tc.integer());  // not a record: as is
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

// typedempty: a type object as a value (types.float64[:] read as a global)
// stands for its type; a scalar class does too; other values do not.
TEST(Types, TypeObjectsStandForTheirType) {
  TypeContext tc;
  absl::StatusOr<const Type*> a = tc.parse("float64[:]");
  ASSERT_TRUE(a.ok());
  const Type* ref = tc.typeRef(*a);
  EXPECT_EQ(ref->kind, Kind::kTypeRef);
  EXPECT_EQ(ref->str(), "typeref[array(float64, 1d, A)]");
  EXPECT_EQ(ref, tc.typeRef(*a));  // interned
  EXPECT_NE(ref, tc.typeRef(tc.array(tc.floating(64), 1, 'C')));
  EXPECT_EQ(typeObjectOf(ref), *a);
  absl::StatusOr<const Type*> d = tc.parse("DictType[unicode_type, ListType[int64]]");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(typeObjectOf(tc.typeRef(*d)), *d);
  EXPECT_EQ(typeObjectOf(tc.dtypeClass(tc.integer(32))), tc.integer(32));
  EXPECT_EQ(typeObjectOf(tc.integer(64)), nullptr);  // a value, not a type
  EXPECT_EQ(typeObjectOf(tc.str()), nullptr);
  absl::StatusOr<const Type*> rec = tc.parse("Record(a[type=int64;offset=0];8;False)");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(typeObjectOf(tc.dtypeClass(*rec)), nullptr);  // no container of records is made from one
}

// typedempty: Dict.empty's rule: the dict of the two types, or a refusal
// naming Dict.empty and the argument.
TEST(Types, DictEmptyTakesTwoTypeObjects) {
  TypeContext tc;
  const Type* i64 = tc.dtypeClass(tc.integer(64));
  const Type* arr = tc.typeRef(tc.array(tc.floating(64), 1, 'A'));
  absl::StatusOr<const Type*> d = typedDictEmpty(tc, {i64, arr, tc.none()});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->str(), "DictType[int64, array(float64, 1d, A)]");
  EXPECT_TRUE(typedDictEmpty(tc, {tc.typeRef(tc.str()), i64, tc.integer(64)}).ok());  // n_keys given
  auto refusal = [&](std::vector<const Type*> args) {
    absl::StatusOr<const Type*> r = typedDictEmpty(tc, args);
    return r.ok() ? std::string("accepted") : std::string(r.status().message());
  };
  EXPECT_NE(refusal({tc.integer(64), i64}).find("Dict.empty(): key_type must be a type"), std::string::npos);
  EXPECT_NE(refusal({i64, tc.str()}).find("Dict.empty(): value_type must be a type"), std::string::npos);
  EXPECT_NE(refusal({arr, i64}).find("unhashable type"), std::string::npos);  // an array key
  EXPECT_NE(refusal({i64, i64, tc.floating(64)}).find("n_keys must be an integer"), std::string::npos);
  EXPECT_NE(refusal({i64}).find("missing argument 'value_type'"), std::string::npos);
  EXPECT_NE(refusal({}).find("missing argument 'key_type'"), std::string::npos);
}

}  // namespace
}  // namespace kiln::typing
