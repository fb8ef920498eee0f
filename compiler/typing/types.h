#pragma once
// The type lattice. Types are interned per TypeContext (one per compile job),
// so pointer equality is type equality. Unknown is the bottom of the lattice:
// unify(Unknown, T) = T. Spellings follow Numba ("int64", "float64",
// "UniTuple(int64, 2)", "Tuple(int64, float64)").
//
// Interning is by structure (the kind, the scalar fields and the items'
// interned ids), so making a type costs O(its items), whatever its nesting.
// The spelling is built once, when the type is interned, from the items'
// cached spellings, as long as it is at most kMaxSpelling characters; a
// larger one (a tuple type that holds the same item twice on every level
// spells 2^depth characters) prints cut short, in O(kMaxSpelling). Each type
// also carries its depth and flattened size, so typing can refuse types that
// grow without bound (TypeContext::tooLarge) in O(1).

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "base/type_grammar.h"

namespace kiln::typing {

enum class Kind {
#define KILN_TYPE(Name, spelling, trait) k##Name,
#include "compiler/typing/types.def"
};

/// The trait column of types.def.
enum class KindTrait { kNumber, kIterator, kOther };
KindTrait kindTrait(Kind kind);
/// An iterator type (range_iter64, tuple_iter, iter, enumerate, zip).
inline bool isIterator(Kind kind) { return kindTrait(kind) == KindTrait::kIterator; }

class Type {
 public:
  Kind kind;
  int bits = 0;             // Int, Float, Complex
  bool is_signed = true;    // Int
  std::vector<const Type*> items;  // Tuple, TupleIter, Array (dtype), iterators
  std::string name;         // Module, Builtin, ExceptionClass, BoundMethod
  int index = 0;            // Function (a closure's items: captures tuple, defaults tuple)
  int ndim = 0;             // Array
  char layout = 'C';        // Array: 'C' contiguous, 'F' Fortran, 'A' any strides
  // NEP 50: a NumPy scalar (np.float64(x), an array's element) of a width a
  // Python number also has: int64, float64, complex128, bool. Such a scalar
  // is "strong" in NumPy 2's promotion (it promotes as a 0-d array of its
  // dtype), where a Python number of that type is "weak" (it takes the other
  // operand's dtype unless its kind is higher). The strong twin is a distinct
  // interned type with the same data model and the same spelling (Numba's:
  // both are float64); only typing's promotion rules read the bit
  // (docs/numpy.md, "Python scalars and NumPy scalars").
  bool strong = false;
  bool readonly = false;    // Array: "readonly array(...)"; Record: "readonly Record(...)", an element of
                            // read-only memory (rorecord): writes are refused when typed
  // records: Record: the field names and byte offsets (items are the field
  // types); `index` is the itemsize, `bits` 1 for an aligned struct.
  std::vector<std::string> field_names;
  std::vector<int64_t> field_offsets;  // records2: NestedArray: the shape
  std::vector<std::string> field_titles;  // records: Record: each field's title ("" for none)

  /// Set when interned, in O(items): levels of nesting below this type (0
  /// without items), the flattened number of types without items it holds
  /// (a uniform tuple of n counts its item n times), and the length of its
  /// full spelling. The sizes saturate at kSizeCap.
  int depth = 0;
  int64_t leaves = 1;
  int64_t spelling_size = 0;

  /// The spelling ("UniTuple(int64, 2)"); cut short with "..." past
  /// kMaxSpelling characters.
  std::string str() const;
  bool isNumber() const { return kindTrait(kind) == KindTrait::kNumber; }
  bool isInteger() const { return kind == Kind::kInt; }
  bool isFloat() const { return kind == Kind::kFloat; }
  bool isArray() const { return kind == Kind::kArray; }
  /// NEP 50: int64, float64, complex128 or bool: a type a Python number also
  /// has, so a value of it is weak unless `strong` is set.
  bool isDefaultScalar() const {
    return (kind == Kind::kInt && is_signed && bits == 64) || (kind == Kind::kFloat && bits == 64) ||
           (kind == Kind::kComplex && bits == 128) || kind == Kind::kBool;
  }
  /// NEP 50: a Python number's type (a default scalar without `strong`).
  bool isWeakScalar() const { return isDefaultScalar() && !strong; }
  /// NEP 50: whether o is this type's weak or strong twin (the same default
  /// scalar, the other strength: one data model).
  bool isTwinOf(const Type* o) const {
    return isDefaultScalar() && o->isDefaultScalar() && kind == o->kind && bits == o->bits &&
           is_signed == o->is_signed && strong != o->strong;
  }
  bool isFlatIter() const { return kind == Kind::kArrayIter && name == "flat"; }  // flatimag: TypeContext::flatIter
  /// datetime: a datetime64 or timedelta64 scalar (its unit is `name`).
  bool isDatetimeLike() const { return kind == Kind::kNPDatetime || kind == Kind::kNPTimedelta; }
  /// enums: a member of an enum.IntEnum class (an int in arithmetic).
  bool isIntEnum() const { return kind == Kind::kEnumMember && index == 1; }
  bool isRecord() const { return kind == Kind::kRecord; }  // records:
  /// records: the index of a Record's field, by name or title, or -1.
  int recordField(std::string_view field) const;
  /// The element type of an Array.
  const Type* dtype() const { return items[0]; }

 private:
  friend class TypeContext;
  friend std::string spell(const Type* t, size_t limit, int64_t* visited);
  std::string spelling_;  // the full spelling, when at most kMaxSpelling
  int64_t id_ = -1;       // the TypeContext's interning order
};

/// The longest spelling built in full; a longer one prints cut short.
inline constexpr size_t kMaxSpelling = size_t{1} << 20;
inline constexpr int64_t kSizeCap = int64_t{1} << 62;

// litcont: the literal containers (TypeContext::literalList, literalStrKeyDict).
inline constexpr char kLiteralListName[] = "LiteralList";
inline constexpr char kLiteralDictPrefix[] = "LiteralStrKey[Dict]";
bool isLiteralList(const Type* t);
bool isLiteralStrKeyDict(const Type* t);
/// lists: a list passed in from Python ("reflected list(T)", "reflected ListType[T]").
bool isReflectedList(const Type* t);
/// tlist: a typed List ("ListType[T]").
bool isTypedList(const Type* t);
/// typedempty: the type a type object stands for: a scalar class (np.int64,
/// numba.types.int64: kDType) or a typeref (types.unicode_type,
/// types.float64[:]); nullptr for any other value (a record class included:
/// a container of records is not made from one).
const Type* typeObjectOf(const Type* t);
/// eagersig: the grammar's scalar of a bool, integer, float or complex type
/// (either strength); nullopt for any other type.
std::optional<base::Scalar> numberScalar(const Type* t);
/// tlist: the builtin that makes a typed List (kiln.typed.List, numba.typed.List; bundle.py names it).
inline constexpr char kTypedListBuiltin[] = "kiln.typed.List";
/// The type's name marking a LiteralStrKeyDict of these keys.
std::string literalDictName(const std::vector<std::string>& keys);
/// The keys of a LiteralStrKeyDict, in order (empty for any other type).
std::vector<std::string> literalDictKeys(const Type* t);

/// The spelling of t, cut short with "..." once it passes `limit`
/// characters: O(limit + depth) whatever the type. `visited` (if given)
/// counts the types visited.
std::string spell(const Type* t, size_t limit, int64_t* visited = nullptr);

class TypeContext {
 public:
  const Type* unknown();
  const Type* none();
  const Type* boolean();
  const Type* integer(int bits = 64, bool is_signed = true);
  const Type* floating(int bits = 64);
  const Type* complex(int bits = 128);
  const Type* str();
  /// NEP 50: the strong twin of a default scalar (Type::strong): a NumPy
  /// scalar of that type. Any other type is returned as is (a NumPy scalar
  /// of another width is strong by its type alone).
  const Type* strongScalar(const Type* t);
  /// NEP 50: the weak (Python number's) type of a default scalar; any other
  /// type as is. Array dtypes and scalar classes are always weak.
  const Type* weakScalar(const Type* t);
  const Type* tuple(std::vector<const Type*> items);
  /// namedtuples: an instance of the namedtuple class `cls`
  /// ("__main__.Point[x, y]": module, qualname, fields); a tuple when empty.
  const Type* namedTuple(std::vector<const Type*> items, const std::string& cls);
  /// structref: an instance of the StructRef class `cls` ("module.qualname[a, b]": the
  /// registered StructRef subclass and the field names) with these field types.
  const Type* structRef(const std::string& cls, std::vector<const Type*> fields);
  /// namedtuples: the field names of a namedtuple type (empty for a tuple);
  /// structref: of a StructRef type.
  static std::vector<std::string> fieldsOf(const Type* t);
  /// litcont: Numba's LiteralList: a list literal whose items have no common
  /// type. It is immutable, so it is carried as the tuple of its items, the
  /// name marking the kind ("LiteralList(unicode_type, int64)").
  const Type* literalList(std::vector<const Type*> items);
  /// litcont: Numba's LiteralStrKeyDict: a dict literal of constant str keys
  /// (distinct, in order) whose values have no common type; carried as the
  /// tuple of its values, the name marking the kind and naming the keys.
  const Type* literalStrKeyDict(const std::vector<std::string>& keys, std::vector<const Type*> values);
  const Type* range();
  const Type* rangeIter();
  const Type* tupleIter(std::vector<const Type*> items);
  const Type* module(const std::string& name);
  const Type* function(int index);
  /// closures: a function made by MAKE_FUNCTION in compiled code; its value
  /// holds the tuple of captured values and the tuple of defaults.
  const Type* closure(int index, const Type* captures, const Type* defaults);
  /// pycells: plain jitted functions (Function types without items) met in
  /// one variable; sorted by index, each once.
  const Type* functionSet(std::vector<const Type*> members);
  /// typedempty: a type object as a value, standing for `of` ("typeref[ListType[int64]]").
  /// typeObjectOf reads it back.
  const Type* typeRef(const Type* of);
  const Type* builtin(const std::string& name);
  const Type* exceptionClass(const std::string& name);
  /// An array's dtype is never a read-only record (rorecord): the array's own
  /// bit says whether its memory is read-only; a read-only record given as
  /// dtype stands for its layout.
  const Type* array(const Type* dtype, int ndim, char layout = 'C', bool readonly = false);
  /// An array type like `like` (dtype, ndim, readonly) with this layout: the
  /// type of a view of `like`'s memory.
  const Type* viewOf(const Type* like, int ndim, char layout);
  const Type* arrayIter(const Type* array);
  /// flatimag: a.flat of an array that is not C-contiguous ("array.flat(array(int64, 2d, F))"):
  /// an iterator over every element in C order, that also takes an int index and len().
  const Type* flatIter(const Type* array);
  const Type* enumerate(const Type* iter);
  const Type* zip(std::vector<const Type*> iters);
  const Type* boundMethod(const Type* receiver, const std::string& name);
  const Type* dtypeClass(const Type* scalar);
  const Type* slice();
  const Type* strIter(const Type* str);  // strings
  // dicts:
  const Type* dict(const Type* key, const Type* value);
  /// Iterating a dict's keys ("keys"), values ("values") or items ("items").
  const Type* dictIter(const Type* dict, const std::string& what);
  const Type* ellipsis();
  // lists: a list of `item` ("list(int64)"); reflected: passed in from Python ("reflected list(int64)").
  // tlist: typed: a typed List (numba.typed.List, "ListType[int64]"), the
  // same list that arrives in Python as a kiln.typed.List (one passed in is
  // written back as every list argument is). The name says which: "",
  // "reflected" or "typed" (typed wins over reflected).
  const Type* list(const Type* item, bool reflected = false, bool typed = false);
  // sets: a set of `item` ("set(int64)"), a dict without values whose name
  // is "set" or, passed in from Python, "reflected set".
  const Type* set(const Type* item, bool reflected = false);
  const Type* listIter(const Type* list);
  // datetime: datetime64[unit] / timedelta64[unit]; "" is the generic unit.
  const Type* npDatetime(const std::string& unit);
  const Type* npTimedelta(const std::string& unit);
  /// enums: a member of the enum class `cls` ("mod.Color") whose value has
  /// type `value`; an IntEnum's when int_enum.
  const Type* enumMember(const std::string& cls, const Type* value, bool int_enum);
  /// optional: None or a value of `value` ("OptionalType(int64)"); value is
  /// neither none nor optional.
  const Type* optional(const Type* value);
  /// generators: the generator object of the instance whose body is
  /// `symbol`, yielding `yield` (unknown until typing sees a yield).
  /// records: a structured dtype's element (Numba's Record): the fields'
  /// names, types and byte offsets, the itemsize and align=True.
  /// records: a NumPy U field of `chars` UCS4 characters ("[unichr x 5]").
  const Type* unicodeCharSeq(int64_t chars);
  /// records2: a subarray field of a record: `shape` elements of `dtype`.
  const Type* nestedArray(const Type* dtype, std::vector<int64_t> shape);
  const Type* record(std::vector<std::string> names, std::vector<const Type*> types, std::vector<int64_t> offsets,
                     int64_t size, bool aligned, std::vector<std::string> titles = {});
  /// rorecord: the record type `rec` (a Record) with its read-only bit set or
  /// cleared: the same layout, the same data model, a different type. An
  /// element of a read-only array is a read-only record, and typing refuses
  /// stores into its fields wherever it flows. Any other type is returned as is.
  const Type* recordView(const Type* rec, bool readonly);
  const Type* generator(const std::string& symbol, const Type* yield, const std::vector<const Type*>& args);
  /// npgen: a numpy.random.Generator over a bit generator of class `cls`
  /// ("PCG64"), or that Generator's bit_generator.
  const Type* npGenerator(const std::string& cls, bool bit_generator = false);

  /// The type of a spelling in base/type_grammar.h's grammar ("int64",
  /// "f8", "UniTuple(int64, 2)", "float64[:, ::1]", "array(float64, 1d, C)");
  /// INVALID_ARGUMENT saying what is wrong otherwise.
  absl::StatusOr<const Type*> parse(absl::string_view spelling);

  /// Why t is too large for typing to accept (nested deeper than
  /// base::kMaxTypeDepth, more than base::kMaxTypeScalars flattened items,
  /// or a spelling longer than kMaxSpelling); empty when it is not. O(1).
  static std::string tooLarge(const Type* t);

  /// The work done so far interning types: items examined plus cached
  /// spellings copied. Linear in the items of the types made.
  int64_t work() const { return work_; }

  /// A compile warning that typing's rules find (a dict key cast with loss,
  /// rules.h dictCastFits), each message once, in the order first noted.
  void noteWarning(std::string message) {
    if (std::find(warnings_.begin(), warnings_.end(), message) == warnings_.end()) warnings_.push_back(std::move(message));
  }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  const Type* intern(Type t);
  const Type* cached(int slot, Type t);
  // unknown, none, bool, int/uint/float/complex by width: see types.cpp.
  std::array<const Type*, 23> scalar_cache_{};
  // Keyed by structure: kind, scalar fields, name and the items' ids.
  std::unordered_map<std::string, std::unique_ptr<Type>> interned_;
  int64_t work_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace kiln::typing
