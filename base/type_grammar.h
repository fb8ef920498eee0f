#pragma once
// The one grammar of type spellings, shared by the server, the compiler's
// typing and the Python client extension (which all link kiln_base).
//
//   type   := scalar | "none" | "void" | "None" | "unicode_type"
//           | scalar "[" dims "]"                  float64[:], float64[:, ::1], float64[::1, :]
//           | ["readonly"] "array(" scalar "," N "d" "," ("C"|"F"|"A") ")"
//           | "UniTuple(" type "," N ")" | "UniTuple(" type "x" N ")"
//           | "Tuple(" [type {"," type}] [","] ")"
//           | "(" [type {"," type}] [","] ")"      a tuple
//           | ["reflected"] "list(" type ")"        a list (reflected: passed in from Python)
//           | "ListType[" type "]"                 tlist: a typed List (numba.typed.List), boxed
//                                                    as a kiln.typed.List; passed in, written back
//           | ["reflected"] "set(" type ")"         sets: a set (a kDict with `set`)
//           | "NamedTuple(" class "," [type {"," type}] ")"   namedtuples: an instance of
//           | "NamedUniTuple(" class "," type "x" N ")"      a namedtuple class
//           | ["Int"] "EnumMember(" path "," type ")"     enums: a member of an enum.Enum
//                                                    (IntEnum) class, carried as its value
//           | "OptionalType(" type ")" | "optional(" type ")"   optional: None or a value
//           | "slice3_type" | "slice2_type"          slices2: a slice object (one type; prints slice3_type)
//           | "ellipsis"                             pyvals: the Ellipsis object (`...`) as a value
//           | "class(" scalar ")" | "dtype(" scalar ")"   dtypes: a NumPy scalar class (np.float32)
//                                                    or dtype object (np.dtype('float32')) as a value
//           | ["readonly"] record                   records: a structured dtype's element
//                                                    (rorecord: readonly, one of read-only memory)
//           | "StructRef(" class {"," type} ")"     structref: an instance of a registered
//                                                    numba StructRef class (class: the StructRef
//                                                    subclass and the field names), one type per field
//           | "NumPyRandomGeneratorType(" name ")"  npgen: a numpy.random.Generator over a bit
//                                                    generator of class name (PCG64, MT19937, ...)
//           | ["readonly"] "array(" record "," N "d" "," ("C"|"F"|"A") ")"
//   record := "Record(" field {"," field} ";" size ";" ("True"|"False") ")"   Numba's spelling:
//   field  := name "[type=" (scalar | record | "[unichr x" N "]") ";offset=" N [";title=" name] "]"
//                                                    Record(a[type=int16;offset=0];2;False); a title
//                                                    (NumPy's (title, name) field) names the field too
//   class  := module "." qualname "[" field {"," field} "]"   (__main__.Point[x, y])
//           | "np." scalar                         NEP 50: a NumPy scalar of a type a Python number
//                                                    also has (np.float64 beside float): `strong`
//   scalar := a row or alias of base/type_names.def
//
// Parsing builds a small syntax tree in one left-to-right pass; printing it
// gives the canonical spelling (`f8` -> `float64`, `Tuple(int64, int64)` ->
// `UniTuple(int64, 2)`, `array(float64, 1d, F)` -> `array(float64, 1d, C)`).
// Both are linear in the length of the input: a uniform tuple is kept as one
// item and a count, never expanded, and nesting is capped at kMaxTypeDepth.
// The flattened number of scalars a type stands for is capped at
// kMaxTypeScalars, so a consumer that expands tuples stays bounded too.

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::base {

enum class Scalar : uint8_t {
#define KILN_SCALAR(Name, canonical, size) k##Name,
#include "base/type_names.def"
};

/// "float64" for Scalar::kFloat64.
const char* scalarName(Scalar s);
/// Size in bytes of the scalar's storage (bool: 1, complex128: 16).
int scalarSize(Scalar s);
/// The scalar a name or alias stands for ("f8" -> kFloat64). An error for
/// unknown names and for the names refused on purpose (says why).
absl::StatusOr<Scalar> scalarFromName(absl::string_view name);
/// datetime: whether s is a datetime64 or timedelta64 scalar; sets its kind
/// and unit ("ns"; "" for the generic unit).
bool scalarIsDatetime(Scalar s, bool* is_timedelta = nullptr, const char** unit = nullptr);
/// datetime: the datetime64 (or timedelta64) scalar of a unit, if NumPy has the unit.
bool datetimeScalar(bool is_timedelta, absl::string_view unit, Scalar* out);
/// NEP 50: bool, int64, float64 and complex128, the types a Python number
/// also has, whose NumPy scalar (np.float64(x)) promotes differently from
/// the Python number (0.5); only these have a strong spelling ("np.float64").
bool scalarHasPythonTwin(Scalar s);
/// How a value of scalar `from` is passed for a declared scalar `to` of an
/// eagerly compiled signature (Numba's conversion kinds, as Kiln takes
/// them): kExact; kSafe, a widening that loses nothing (bool to an integer
/// or float, an integer to a wider integer or to float64, float16/float32 to
/// a wider float or a complex, float64 to complex128); kUnsafe, a narrowing
/// Numba still makes for a signature that matches no other way (an integer
/// to any integer, a float or complex to a smaller one of its kind); kNone.
/// The client's dispatcher and typing's calls of an eager callee both rank
/// a signature's arguments by it (docs/python.md, "Explicit signatures").
enum class ScalarConversion : uint8_t { kExact, kSafe, kUnsafe, kNone };
ScalarConversion scalarConversion(Scalar from, Scalar to);

/// Every accepted scalar spelling with its scalar, canonical names first.
std::vector<std::pair<std::string, Scalar>> scalarSpellings();

/// pyvals: the spellings of the value types that are not scalars, defined
/// here once (the compiler's typing and the client extension print them).
inline constexpr char kSliceTypeName[] = "slice3_type";
inline constexpr char kEllipsisTypeName[] = "ellipsis";

inline constexpr int kMaxTypeDepth = 64;
inline constexpr int kMaxArrayDims = 32;
inline constexpr int64_t kMaxTupleLength = 1024;
inline constexpr int64_t kMaxTypeScalars = 1 << 16;

/// A parsed type.
struct TypeSyntax {
  enum class Kind : uint8_t { kScalar, kNone, kUnicode, kArray, kTuple, kUniTuple, kDict /* dicts: */, kList /* lists */,
                              kOptional /* optional: None or items[0] */,
                              kRecord /* records: */, kCharSeq /* records: "[unichr x N]", count: N */,
                              kSlice /* slices2: "slice3_type" (or Numba's "slice2_type"): a slice object */,
                              kNestedArray /* records2: "nestedarray(float64, (3,))": scalar, shape */,
                              kNPGenerator /* npgen: "NumPyRandomGeneratorType(PCG64)": named is the bit generator class */,
                              kEllipsis /* pyvals: "ellipsis", the Ellipsis object */,
                              kStructRef /* structref: "StructRef(mod.Type[a, b], T1, T2)": named the class, items
                                            the field types (never made uniform) */ };
  Kind kind = Kind::kNone;
  Scalar scalar = Scalar::kInt64;  // kScalar; kArray: the dtype
  // NEP 50: kScalar spelled "np.float64": a NumPy scalar of a type with a
  // Python twin (scalarHasPythonTwin), strong in promotion. Only a whole
  // argument's type is strong (the client's typeof and signatures set it
  // there); Numba's spelling has no such mark (numbaSpelling drops it).
  bool strong = false;
  int ndim = 0;                    // kArray: 0..kMaxArrayDims
  char layout = 'C';               // kArray: 'C', 'F' or 'A'; 0-d and 1-d F print as C
  bool readonly = false;           // kArray: "readonly array(...)", Numba's type of a read-only buffer;
                                   // kRecord: "readonly Record(...)", an element of read-only memory
  int64_t count = 0;               // kUniTuple: the number of items
  std::vector<TypeSyntax> items;   // kTuple: the items; kUniTuple, kList, kOptional: the one item; kDict: key, value
  bool reflected = false;          // kList: a list passed in from Python (changes written back); kDict: a set
  bool set = false;                // sets: kDict: "set(T)" (items: T, none), Numba's set
  bool typed = false;              // tlist: kList: "ListType[T]", a typed List (kiln.typed.List)
  std::string named;               // namedtuples: kTuple, kUniTuple: the class, "mod.Qual[f1, f2]"; empty: a tuple
  // enums: a member of the enum class `enum_class` ("mod.Color"), whose
  // value has the type the rest of this syntax spells; empty: not a member.
  std::string enum_class;
  bool int_enum = false;           // enums: an enum.IntEnum member ("IntEnumMember(...)")
  // dtypes: kScalar spelled "class(T)" ('c': the scalar class np.T) or
  // "dtype(T)" ('d': the dtype object np.dtype(T)); 0: the scalar itself.
  char dtype_form = 0;
  // records: kRecord: items are the field types (scalars or records), with
  // these names and byte offsets; count is the itemsize, aligned NumPy's
  // align=True. kArray of records: items[0] is the record.
  std::vector<std::string> field_names;
  std::vector<int64_t> field_offsets;
  std::vector<std::string> field_titles;  // records: each field's title, "" for none
  bool aligned = false;
  std::vector<int64_t> shape;      // records2: kNestedArray: a subarray field's shape (ndim its length)

  /// The number of tuple items (kTuple, kUniTuple).
  int64_t tupleSize() const { return kind == Kind::kUniTuple ? count : static_cast<int64_t>(items.size()); }
  /// Tuple item i (kTuple, kUniTuple).
  const TypeSyntax& item(int64_t i) const { return kind == Kind::kUniTuple ? items[0] : items[i]; }

  static TypeSyntax scalarType(Scalar s);
  static TypeSyntax array(Scalar dtype, int ndim, char layout);
  /// A tuple of these items; uniform non-empty item lists become kUniTuple.
  static TypeSyntax tuple(std::vector<TypeSyntax> items);

  friend bool operator==(const TypeSyntax& a, const TypeSyntax& b);
};

/// Parses one type. Errors are INVALID_ARGUMENT, lower-case, and quote the
/// text and the column: "expected ')' at column 12 in 'UniTuple(int64, 2'".
absl::StatusOr<TypeSyntax> parseType(absl::string_view text);
/// The canonical spelling.
std::string printType(const TypeSyntax& type);
/// NEP 50: the spelling in Numba's words, every "np.float64" printed as
/// "float64" (f.signatures, error messages: Numba has no weak scalars).
std::string numbaSpelling(const TypeSyntax& type);
/// NEP 50: a Numba-style signature's argument type as Numba means it: a
/// scalar argument of bool/int64/float64/complex128 is a NumPy scalar
/// (strong); anything else unchanged.
TypeSyntax declaredArgument(TypeSyntax type);
/// parseType then printType.
absl::StatusOr<std::string> canonicalType(absl::string_view text);

}  // namespace kiln::base
