// Numba-style value types in the extension: spellings, layouts, typeof and
// the boxing/unboxing between Python objects and the C ABI's storage.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>
#include <array>

#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kiln_rt.h"
#include "kiln_unicode.h"
#include "kiln_dict.h"
#include "native.h"

namespace kiln::python {
namespace {

using Kind = Layout::Kind;

bool isScalar(Kind kind) { return kind < Kind::kNone; }
base::Scalar scalarOf(Kind kind) { return static_cast<base::Scalar>(kind); }

const char* kindName(Kind kind) {
  if (isScalar(kind)) return base::scalarName(scalarOf(kind));
  if (kind == Kind::kStr) return "unicode_type";  // strings
  if (kind == Kind::kList) return "list";  // lists
  if (kind == Kind::kRecord) return "Record";  // records
  if (kind == Kind::kSlice) return base::kSliceTypeName;  // slices2
  return kind == Kind::kNone ? "none" : kind == Kind::kArray ? "array" : kind == Kind::kDict ? "dict" : "tuple";
}

Layout tupleOf(std::vector<Layout> items) {
  Layout t;
  t.kind = Kind::kTuple;
  size_t offset = 0;
  for (const Layout& item : items) {
    offset = (offset + item.align - 1) / item.align * item.align;
    t.offsets.push_back(offset);
    offset += item.size;
    t.align = std::max(t.align, item.align);
  }
  t.size = (offset + t.align - 1) / t.align * t.align;
  bool uniform = !items.empty();
  for (const Layout& item : items) uniform = uniform && item.spelling == items[0].spelling;
  if (uniform) {
    t.spelling = absl::StrCat("UniTuple(", items[0].spelling, ", ", items.size(), ")");
  } else {
    std::vector<std::string> names;
    for (const Layout& item : items) names.push_back(item.spelling);
    t.spelling = absl::StrCat("Tuple(", absl::StrJoin(names, ", "), ")");
  }
  t.items = std::move(items);
  return t;
}

// numpy's scalar types, looked up once numpy has been imported by the user
// (the extension never imports numpy itself).
struct NumpyScalar {
  const char* attr;
  Kind kind;
  PyTypeObject* type;
};
NumpyScalar numpy_scalars[] = {
    {"bool_", Kind::kBool, nullptr},     {"int8", Kind::kInt8, nullptr},     {"int16", Kind::kInt16, nullptr},
    {"int32", Kind::kInt32, nullptr},    {"int64", Kind::kInt64, nullptr},   {"uint8", Kind::kUint8, nullptr},
    {"uint16", Kind::kUint16, nullptr},  {"uint32", Kind::kUint32, nullptr}, {"uint64", Kind::kUint64, nullptr},
    {"float32", Kind::kFloat32, nullptr}, {"float64", Kind::kFloat64, nullptr},
    {"complex64", Kind::kComplex64, nullptr}, {"complex128", Kind::kComplex128, nullptr},
    {"float16", Kind::kFloat16, nullptr},  // float16:
};
bool numpy_loaded = false;

bool numpyKind(PyTypeObject* type, Kind* kind) {
  if (!numpy_loaded) {
    PyObject* np = PyDict_GetItemString(PyImport_GetModuleDict(), "numpy");  // borrowed
    if (np == nullptr) return false;
    for (NumpyScalar& s : numpy_scalars) {
      PyObject* t = PyObject_GetAttrString(np, s.attr);
      if (t == nullptr) {
        PyErr_Clear();
        continue;
      }
      if (PyType_Check(t)) s.type = reinterpret_cast<PyTypeObject*>(t);  // kept for the process
      else Py_DECREF(t);
    }
    numpy_loaded = true;
  }
  for (const NumpyScalar& s : numpy_scalars)
    if (s.type == type) {
      *kind = s.kind;
      return true;
    }
  return false;
}

// numpy scalar objects are PyObject_HEAD followed by the value (obval).
template <typename T>
T numpyValue(PyObject* v) {
  T out;
  std::memcpy(&out, reinterpret_cast<char*>(v) + sizeof(PyObject), sizeof out);
  return out;
}

bool isSigned(Kind k) { return k == Kind::kInt8 || k == Kind::kInt16 || k == Kind::kInt32 || k == Kind::kInt64; }
bool isUnsigned(Kind k) { return k == Kind::kUint8 || k == Kind::kUint16 || k == Kind::kUint32 || k == Kind::kUint64; }

// float16: IEEE half bits to and from double, exactly and rounding to
// nearest even (as NumPy's npy_double_to_half), without a C++ half type.
double halfToDouble(uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v = e == 0 ? std::ldexp(m, -24) : e == 0x1f ? (m ? std::numeric_limits<double>::quiet_NaN()
                                                          : std::numeric_limits<double>::infinity())
                                                     : std::ldexp(m | 0x400, e - 25);
  return (h & 0x8000) ? -v : v;
}
uint16_t doubleToHalf(double d) {
  uint64_t x;
  std::memcpy(&x, &d, 8);
  const uint16_t sign = static_cast<uint16_t>((x >> 48) & 0x8000);
  const uint64_t ax = x & ~(uint64_t{1} << 63);
  if (ax > 0x7ff0000000000000ull) {  // NaN: the payload's top bits, or 1 (NumPy's)
    const uint16_t payload = static_cast<uint16_t>((ax >> 42) & 0x3ff);
    return sign | 0x7c00 | (payload ? payload : 1);
  }
  if (ax >= 0x40effe0000000000ull) return sign | 0x7c00;  // 65520 and up round to infinity
  if (ax < 0x3f10000000000000ull) {  // below 2^-14: the FPU rounds to a multiple of 2^-24
    double a, magic = 268435456.0;  // 2^28, whose ulp is 2^-24
    std::memcpy(&a, &ax, 8);
    double s = a + magic;
    uint64_t sb, mb;
    std::memcpy(&sb, &s, 8);
    std::memcpy(&mb, &magic, 8);
    return sign | static_cast<uint16_t>(sb - mb);
  }
  const uint64_t odd = (ax >> 42) & 1;
  return sign | static_cast<uint16_t>((ax + (uint64_t(15 - 1023) << 52) + ((uint64_t{1} << 41) - 1) + odd) >> 42);
}

// An integer value of a Python int or numpy integer/bool scalar, widened.
bool integerValue(PyObject* v, bool want_unsigned, int64_t* s, uint64_t* u) {
  if (PyLong_Check(v)) {
    if (want_unsigned) {
      *u = PyLong_AsUnsignedLongLong(v);
      return !(*u == static_cast<uint64_t>(-1) && PyErr_Occurred());
    }
    *s = PyLong_AsLongLong(v);
    return !(*s == -1 && PyErr_Occurred());
  }
  Kind k;
  if (numpyKind(Py_TYPE(v), &k)) {
    switch (k) {
      case Kind::kBool: *s = numpyValue<uint8_t>(v); break;
      case Kind::kInt8: *s = numpyValue<int8_t>(v); break;
      case Kind::kInt16: *s = numpyValue<int16_t>(v); break;
      case Kind::kInt32: *s = numpyValue<int32_t>(v); break;
      case Kind::kInt64: *s = numpyValue<int64_t>(v); break;
      case Kind::kUint8: *s = numpyValue<uint8_t>(v); break;
      case Kind::kUint16: *s = numpyValue<uint16_t>(v); break;
      case Kind::kUint32: *s = numpyValue<uint32_t>(v); break;
      case Kind::kUint64:
        *u = numpyValue<uint64_t>(v);
        if (!want_unsigned && *u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          PyErr_SetString(PyExc_OverflowError, "uint64 value does not fit in int64");
          return false;
        }
        *s = static_cast<int64_t>(*u);
        return true;
      case Kind::kFloat32: case Kind::kFloat64: case Kind::kComplex64: case Kind::kComplex128: case Kind::kFloat16:
#define KILN_DATETIME_SCALAR(Name, canonical, is_timedelta, unit) case Kind::k##Name:
#include "base/type_names.def"
      case Kind::kNone: case Kind::kTuple: case Kind::kArray: case Kind::kStr: case Kind::kDict: case Kind::kList: case Kind::kOptional: case Kind::kRecord: case Kind::kSlice: case Kind::kStructRef:
        PyErr_Format(PyExc_TypeError, "expected an integer, got %s", Py_TYPE(v)->tp_name);
        return false;
    }
    if (want_unsigned) {
      if (*s < 0) {
        PyErr_SetString(PyExc_OverflowError, "negative value for an unsigned argument");
        return false;
      }
      *u = static_cast<uint64_t>(*s);
    }
    return true;
  }
  PyErr_Format(PyExc_TypeError, "expected an integer, got %s", Py_TYPE(v)->tp_name);
  return false;
}

template <typename T>
bool storeInt(PyObject* v, void* dst) {
  int64_t s = 0;
  uint64_t u = 0;
  constexpr bool kUnsigned = std::numeric_limits<T>::min() == 0;
  if (!integerValue(v, kUnsigned, &s, &u)) return false;
  if constexpr (kUnsigned) {
    if (u > std::numeric_limits<T>::max()) {
      PyErr_SetString(PyExc_OverflowError, "integer out of range for its argument type");
      return false;
    }
    T out = static_cast<T>(u);
    std::memcpy(dst, &out, sizeof out);
  } else {
    if (s < std::numeric_limits<T>::min() || s > std::numeric_limits<T>::max()) {
      PyErr_SetString(PyExc_OverflowError, "integer out of range for its argument type");
      return false;
    }
    T out = static_cast<T>(s);
    std::memcpy(dst, &out, sizeof out);
  }
  return true;
}

template <typename T>
T load(const void* p) {
  T out;
  std::memcpy(&out, p, sizeof out);
  return out;
}

// Drops the references of the arrays in a result that will not be boxed.
void releaseBlocks(const Layout& l, const void* p) {
  if (l.kind == Kind::kTuple || l.kind == Kind::kOptional) {  // optional: None's value holds null meminfos
    for (size_t i = 0; i < l.items.size(); ++i) releaseBlocks(l.items[i], static_cast<const char*>(p) + l.offsets[i]);
    return;
  }
  if (l.kind == Kind::kArray) releaseArray(p);
  if (l.kind == Kind::kStr) kiln_mi_decref(static_cast<KilnMemInfo*>(load<KilnStr>(p).meminfo));  // strings
  if (l.kind == Kind::kDict) kiln_mi_decref(load<KilnMemInfo*>(p));  // dicts:
  if (l.kind == Kind::kList || l.kind == Kind::kStructRef) kiln_mi_decref(load<KilnMemInfo*>(p));  // lists: its destructor drops the items'
}


// strings2: the destructor of a list-of-str argument's block: drops the
// references of the strings compiled code stored (borrowed ones have none).
void dropStrItems(void* data) {
  int64_t n = load<int64_t>(data);
  for (int64_t i = 0; i < n; ++i)
    kiln_mi_decref(static_cast<KilnMemInfo*>(
        load<KilnStr>(static_cast<const char*>(data) + kListHeader + static_cast<size_t>(i) * sizeof(KilnStr)).meminfo));
}
// lists: the destructor of a list-of-arrays argument's block, one per
// number of dimensions (the item's size): drops the references of the
// arrays compiled code stored (the argument's own items are borrowed, with
// a null meminfo, and have none).
template <int kNdim>
void dropArrayItems(void* data) {
  int64_t n = load<int64_t>(data);
  for (int64_t i = 0; i < n; ++i)
    kiln_mi_decref(load<KilnMemInfo*>(static_cast<const char*>(data) + kListHeader +
                                      static_cast<size_t>(i) * arrayStructSize(kNdim)));
}
template <size_t... kN>
constexpr std::array<void (*)(void*), sizeof...(kN)> arrayItemDtors(std::index_sequence<kN...>) {
  return {dropArrayItems<static_cast<int>(kN)>...};
}
constexpr auto kArrayItemDtors = arrayItemDtors(std::make_index_sequence<kMaxArrayDims + 1>());

// lists: as Numba, every item of a list argument has the list's item type
// (no conversion); false with a TypeError set otherwise.
// pyfuncs: a type spelled as Numba's messages spell it: "UniTuple(int64 x 2)"
// for the grammar's "UniTuple(int64, 2)".
std::string numbaSpelling(const std::string& t) {
  std::string out;
  std::vector<size_t> uni;  // for each open parenthesis: 1 if it opened a UniTuple
  for (size_t k = 0; k < t.size(); ++k) {
    if (t[k] == '(') uni.push_back(k >= 8 && t.compare(k - 8, 8, "UniTuple") == 0 ? 1 : 0);
    if (t[k] == ')' && !uni.empty()) uni.pop_back();
    if (t[k] == ',' && !uni.empty() && uni.back() == 1 && t.find_first_of(",(", k + 1) > t.find(')', k + 1)) {
      out += " x";
      continue;
    }
    out += t[k];
  }
  return out;
}

// Whether every leaf of `l` is a scalar (a scalar, or tuples of them).
bool scalarLeaves(const Layout& l) {
  if (isScalar(l.kind)) return true;
  if (l.kind != Kind::kTuple) return false;
  for (const Layout& item : l.items)
    if (!scalarLeaves(item)) return false;
  return true;
}

bool listHomogeneous(PyObject* v, const Layout& item) {
  // pyfuncs: a kiln.typed.List converts its items to its item type, as
  // Numba's typed List does (tuples of scalars too: a List of (int32,
  // int32) keeps Python ints, which alone would type as int64); unboxing
  // refuses what does not fit.
  if (!PyList_CheckExact(v) && scalarLeaves(item)) return true;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); ++i) {
    std::string t = typeofSpelling(PyList_GET_ITEM(v, i));
    if (t != item.spelling) {
      PyErr_Format(PyExc_TypeError, "can't unbox heterogeneous list: %s != %s", numbaSpelling(item.spelling).c_str(),
                   t.empty() ? Py_TYPE(PyList_GET_ITEM(v, i))->tp_name : numbaSpelling(t).c_str());
      return false;
    }
  }
  return true;
}

// lists: while a result is boxed, the list arguments' blocks and Python lists.
thread_local const std::vector<std::pair<const void*, PyObject*>>* list_parents = nullptr;
// lists, sets: while a call's arguments are unboxed, the reflected
// containers met inside tuples.
thread_local std::vector<NestedReflected>* nested_reflected = nullptr;

// Takes a new reference to every block the value at p holds (the inverse
// of releaseBlocks), so boxing it leaves the container's own references
// (an item of a dict or a list, which keeps its own while the boxed copy gets one).
void retainBlocks(const Layout& l, const void* p) {
  if (l.kind == Kind::kTuple || l.kind == Kind::kOptional) {  // optional: None's value holds null meminfos
    for (size_t i = 0; i < l.items.size(); ++i) retainBlocks(l.items[i], static_cast<const char*>(p) + l.offsets[i]);
    return;
  }
  if (l.kind == Kind::kArray || l.kind == Kind::kDict || l.kind == Kind::kList ||
      l.kind == Kind::kStructRef) {  // meminfo first
    KilnMemInfo* mi = load<KilnMemInfo*>(p);
    if (mi != nullptr) kiln_mi_incref(mi);
  }
  if (l.kind == Kind::kStr)  // strings: the block its characters live in (NULL when borrowed)
    if (auto* mi = static_cast<KilnMemInfo*>(load<KilnStr>(p).meminfo)) kiln_mi_incref(mi);
}

PyObject* boxValue(const Layout& l, const void* p, PyObject* args);

// tlist: a typed List made by compiled code arrives as a kiln.typed.List of
// its item type (kiln/typed_list.py's List._wrap); steals `items`.
PyObject* wrapTypedList(PyObject* items, const std::string& item_type) {
  static PyObject* wrap = nullptr;
  if (wrap == nullptr) {
    PyObject* mod = PyImport_ImportModule("kiln.typed_list");
    PyObject* cls = mod ? PyObject_GetAttrString(mod, "List") : nullptr;
    wrap = cls ? PyObject_GetAttrString(cls, "_wrap") : nullptr;
    Py_XDECREF(cls);
    Py_XDECREF(mod);
    if (wrap == nullptr) {
      Py_DECREF(items);
      return nullptr;
    }
  }
  PyObject* out = PyObject_CallFunction(wrap, "Os", items, item_type.c_str());
  Py_DECREF(items);
  return out;
}
PyObject* boxSet(const Layout& l, const void* p);  // sets:

}  // namespace

std::string arraySpelling(Kind dtype, int ndim, char order, bool readonly, BufferKind buffer) {
  return absl::StrCat(readonly && buffer != BufferKind::kBytes ? "readonly " : "", bufferName(buffer), "(",
                      kindName(dtype), ", ", ndim, "d, ", std::string(1, order), ")");
}

namespace {

absl::StatusOr<Layout> layoutOf(const base::TypeSyntax& t) {
  if (!t.enum_class.empty()) {  // enums: laid out as its value
    base::TypeSyntax value = t;
    value.enum_class.clear();
    value.int_enum = false;
    absl::StatusOr<Layout> inner = layoutOf(value);
    if (!inner.ok()) return inner.status();
    Layout m = *inner;
    m.enum_class = t.enum_class;
    m.enum_value.push_back(*std::move(inner));
    m.spelling = base::printType(t);
    return m;
  }
  Layout l;
  if (t.kind == base::TypeSyntax::Kind::kEllipsis) {  // pyvals: nothing to pass (the compiled side's i8)
    l.kind = Kind::kTuple;
    l.size = 1;
    l.ellipsis = true;
    l.spelling = base::kEllipsisTypeName;
    return l;
  }
  if (t.dtype_form != 0) {  // dtypes: nothing to pass (the compiled side's i8); the spelling is the value
    l.kind = Kind::kTuple;
    l.size = 1;
    l.dtype = t.kind == base::TypeSyntax::Kind::kRecord ? Kind::kRecord : static_cast<Kind>(t.scalar);
    if (t.kind == base::TypeSyntax::Kind::kRecord) {  // flatimag: a record's dtype (returned only)
      base::TypeSyntax record = t;
      record.dtype_form = 0;
      l.record = base::printType(record);
    }
    l.dtype_form = t.dtype_form;
    l.spelling = base::printType(t);
    return l;
  }
  switch (t.kind) {
    case base::TypeSyntax::Kind::kScalar: {
      l.kind = static_cast<Kind>(t.scalar);
      l.size = static_cast<size_t>(base::scalarSize(t.scalar));
      // A complex number is aligned as its parts.
      l.align = l.kind == Kind::kComplex64 || l.kind == Kind::kComplex128 ? l.size / 2 : l.size;
      l.strong = t.strong;  // NEP 50
      l.spelling = base::printType(t);
      return l;
    }
    case base::TypeSyntax::Kind::kNone:
      l.kind = Kind::kNone;
      l.size = 1;  // tuples: the compiled side's i8 (data_model.cpp), so items after it are where it puts them
      l.spelling = "none";
      return l;
    case base::TypeSyntax::Kind::kUnicode:  // strings: a KilnStr
      l.kind = Kind::kStr;
      l.size = sizeof(KilnStr);
      l.align = 8;
      l.spelling = "unicode_type";
      return l;
    case base::TypeSyntax::Kind::kArray:
      l.kind = Kind::kArray;
      l.size = arrayStructSize(t.ndim);
      l.align = 8;
      l.dtype = t.items.empty() ? static_cast<Kind>(t.scalar) : Kind::kRecord;  // records: an array of records
      l.ndim = t.ndim;
      l.order = t.layout;
      l.readonly = t.readonly;
      l.buffer = t.named == "Bytes" ? BufferKind::kBytes : t.named == "bytearray" ? BufferKind::kBytearray
                 : t.named == "memoryview" ? BufferKind::kMemoryview : t.named == "pyarray" ? BufferKind::kPyarray
                                                                              : BufferKind::kNone;  // buffers:
      l.array_key = arrayKey(l.dtype, t.ndim, t.layout, t.readonly, l.buffer);
      l.spelling = arraySpelling(l.dtype, t.ndim, t.layout, t.readonly, l.buffer);
      if (!t.items.empty()) {
        l.record = base::printType(t.items[0]);
        l.record_size = static_cast<size_t>(t.items[0].count);
        if (t.items[0].kind == base::TypeSyntax::Kind::kCharSeq && t.items[0].named != "char")
          l.record_size *= 4;  // chararrays: UCS4 characters (an S dtype's are bytes)
        l.spelling = base::printType(t);
      }
      return l;
    case base::TypeSyntax::Kind::kSlice:  // slices2: {start, stop, step, nones}, as the compiled side's slice3_type
      l.kind = Kind::kSlice;
      l.size = sizeof(KilnSlice);
      l.align = 8;
      l.spelling = base::kSliceTypeName;
      return l;
    case base::TypeSyntax::Kind::kEllipsis:  // pyvals: handled above
      return absl::InternalError("ellipsis layout");
    case base::TypeSyntax::Kind::kNPGenerator:  // npgen: {PyObject* generator, bitgen_t*}
      l.kind = Kind::kTuple;
      l.size = 16;
      l.align = 8;
      l.npgen = t.named;
      l.spelling = base::printType(t);
      return l;
    case base::TypeSyntax::Kind::kCharSeq:  // records: only inside a record
      return absl::InvalidArgumentError("a string field type outside a record");
    case base::TypeSyntax::Kind::kNestedArray:  // records2: only inside a record
      return absl::InvalidArgumentError("a subarray field type outside a record");
    case base::TypeSyntax::Kind::kRecord:
      // records: an argument is a pointer to the np.void's bytes; a result
      // is the bytes themselves (copied out before the call's arrays go).
      l.kind = Kind::kRecord;
      l.record = base::printType(t);
      l.record_size = static_cast<size_t>(t.count);
      l.size = std::max<size_t>(8, (l.record_size + 7) / 8 * 8);
      l.align = 8;
      l.spelling = l.record;
      return l;
    case base::TypeSyntax::Kind::kList: {  // lists
      absl::StatusOr<Layout> item = layoutOf(t.items[0]);
      if (!item.ok()) return item.status();
      if (item->kind == Kind::kRecord) return absl::InvalidArgumentError("a list of records is not supported");
      l.kind = Kind::kList;
      l.size = 8;
      l.align = 8;
      l.reflected = t.reflected;
      l.typed = t.typed;  // tlist: boxed as a kiln.typed.List
      l.spelling = t.typed ? absl::StrCat("ListType[", item->spelling, "]")
                           : absl::StrCat(t.reflected ? "reflected list(" : "list(", item->spelling, ")");
      l.items.push_back(*std::move(item));
      return l;
    }
    case base::TypeSyntax::Kind::kOptional: {  // optional: {value, present} laid out as a tuple
      absl::StatusOr<Layout> item = layoutOf(t.items[0]);
      if (!item.ok()) return item.status();
      base::TypeSyntax b = base::TypeSyntax::scalarType(base::Scalar::kBool);
      absl::StatusOr<Layout> flag = layoutOf(b);
      if (!flag.ok()) return flag.status();
      Layout l = tupleOf({*std::move(item), *std::move(flag)});
      l.kind = Kind::kOptional;
      l.spelling = base::printType(t);
      return l;
    }
    case base::TypeSyntax::Kind::kUniTuple: {
      absl::StatusOr<Layout> item = layoutOf(t.items[0]);
      if (!item.ok()) return item.status();
      if (item->kind == Kind::kRecord) return absl::InvalidArgumentError("a tuple of records is not supported");
      Layout l = tupleOf(std::vector<Layout>(static_cast<size_t>(t.count), *item));
      if (!t.named.empty()) {  // namedtuples:
        l.named = t.named;
        l.spelling = base::printType(t);
      }
      return l;
    }
    case base::TypeSyntax::Kind::kDict: {  // dicts:
      std::vector<Layout> items;
      for (const base::TypeSyntax& item : t.items) {
        absl::StatusOr<Layout> l = layoutOf(item);
        if (!l.ok()) return l.status();
        items.push_back(*std::move(l));
      }
      l.kind = Kind::kDict;
      l.size = 8;
      l.align = 8;
      l.spelling = absl::StrCat("DictType[", items[0].spelling, ", ", items[1].spelling, "]");
      if (t.set) {  // sets:
        l.set = true;
        l.reflected = t.reflected;
        l.spelling = absl::StrCat(t.reflected ? "reflected set(" : "set(", items[0].spelling, ")");
      }
      l.items = std::move(items);
      return l;
    }
    case base::TypeSyntax::Kind::kStructRef: {  // structref: {meminfo}; the fields laid out as a tuple
      std::vector<Layout> items;
      for (const base::TypeSyntax& item : t.items) {
        absl::StatusOr<Layout> l = layoutOf(item);
        if (!l.ok()) return l.status();
        items.push_back(*std::move(l));
      }
      l.kind = Kind::kStructRef;
      l.size = 8;
      l.align = 8;
      l.named = t.named;
      l.spelling = base::printType(t);
      l.items.push_back(tupleOf(std::move(items)));
      return l;
    }
    case base::TypeSyntax::Kind::kTuple: {
      std::vector<Layout> items;
      for (const base::TypeSyntax& item : t.items) {
        absl::StatusOr<Layout> l = layoutOf(item);
        if (!l.ok()) return l.status();
        if (l->kind == Kind::kRecord) return absl::InvalidArgumentError("a tuple of records is not supported");
        items.push_back(*std::move(l));
      }
      Layout l = tupleOf(std::move(items));
      if (!t.named.empty()) {  // namedtuples:
        l.named = t.named;
        l.spelling = base::printType(t);
      }
      return l;
    }
  }
  return absl::InternalError("bad type syntax");
}

}  // namespace

absl::StatusOr<Layout> parseType(const std::string& spelling) {
  absl::StatusOr<base::TypeSyntax> t = base::parseType(spelling);
  if (!t.ok()) return t.status();
  return layoutOf(*t);
}

namespace {
bool isTypedDict(PyObject* v) {
  KilnMemInfo* mi = nullptr;
  std::string spelling;
  return typedDictHandle(v, &mi, &spelling);
}
}  // namespace

namespace {
// namedtuples: the classes seen, by their spelling, and the spelling of
// each class seen (which holds a reference to it: classes are never freed).
std::unordered_map<std::string, PyObject*>& namedtupleClasses() {
  static auto* classes = new std::unordered_map<std::string, PyObject*>();
  return *classes;
}
std::unordered_map<PyTypeObject*, std::string>& namedtupleNames() {
  static auto* names = new std::unordered_map<PyTypeObject*, std::string>();
  return *names;
}

bool identifierText(PyObject* s, std::string* out) {
  if (s == nullptr || !PyUnicode_Check(s)) return false;
  const char* c = PyUnicode_AsUTF8(s);
  if (c == nullptr) {
    PyErr_Clear();
    return false;
  }
  *out = c;
  return !out->empty();
}
}  // namespace

std::string namedtupleClass(PyTypeObject* cls) {
  auto& names = namedtupleNames();
  if (auto it = names.find(cls); it != names.end()) return it->second;
  if (!PyType_IsSubtype(cls, &PyTuple_Type)) return {};
  PyObject* o = reinterpret_cast<PyObject*>(cls);
  PyObject* fields = PyObject_GetAttrString(o, "_fields");
  PyObject* module = PyObject_GetAttrString(o, "__module__");
  PyObject* qualname = PyObject_GetAttrString(o, "__qualname__");
  std::string mod, qual, name;
  bool ok = fields != nullptr && PyTuple_Check(fields) && identifierText(module, &mod) &&
            identifierText(qualname, &qual) && qual.find("<locals>") == std::string::npos;
  if (ok) {
    name = absl::StrCat(mod, ".", qual, "[");
    for (Py_ssize_t i = 0; ok && i < PyTuple_GET_SIZE(fields); ++i) {
      std::string f;
      ok = identifierText(PyTuple_GET_ITEM(fields, i), &f);
      absl::StrAppend(&name, i > 0 ? ", " : "", f);
    }
    name += "]";
  }
  Py_XDECREF(fields);
  Py_XDECREF(module);
  Py_XDECREF(qualname);
  PyErr_Clear();
  if (!ok) return {};
  for (char c : name)  // what the type grammar reads as a class
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '[' || c == ']' ||
          c == ',' || c == ' '))
      return {};
  Py_INCREF(o);
  names[cls] = name;
  auto [it, fresh] = namedtupleClasses().emplace(name, o);
  if (!fresh) it->second = o;  // the same spelling for another class (redefined): the latest wins (both kept alive)
  return name;
}

namespace {
// enums: the classes seen, by their spelling.
std::unordered_map<std::string, PyObject*>& enumClasses() {
  static auto* classes = new std::unordered_map<std::string, PyObject*>();
  return *classes;
}
std::unordered_map<PyTypeObject*, std::pair<std::string, bool>>& enumNames() {
  static auto* names = new std::unordered_map<PyTypeObject*, std::pair<std::string, bool>>();
  return *names;
}
}  // namespace

std::string enumClass(PyTypeObject* cls, bool* is_int) {
  auto& names = enumNames();
  if (auto it = names.find(cls); it != names.end()) {
    if (is_int) *is_int = it->second.second;
    return it->second.first;
  }
  // Only classes whose metaclass is enum's (EnumMeta/EnumType) are looked at.
  static PyObject* enum_base = nullptr;
  static PyObject* int_enum_base = nullptr;
  if (enum_base == nullptr) {
    PyObject* mod = PyImport_ImportModule("enum");
    if (mod == nullptr) {
      PyErr_Clear();
      return {};
    }
    enum_base = PyObject_GetAttrString(mod, "Enum");
    int_enum_base = PyObject_GetAttrString(mod, "IntEnum");
    Py_DECREF(mod);
    if (enum_base == nullptr || int_enum_base == nullptr) {
      PyErr_Clear();
      return {};
    }
  }
  PyObject* o = reinterpret_cast<PyObject*>(cls);
  if (Py_TYPE(o) != Py_TYPE(enum_base) || !PyType_IsSubtype(cls, reinterpret_cast<PyTypeObject*>(enum_base)))
    return {};
  bool int_enum = PyType_IsSubtype(cls, reinterpret_cast<PyTypeObject*>(int_enum_base));
  PyObject* module = PyObject_GetAttrString(o, "__module__");
  PyObject* qualname = PyObject_GetAttrString(o, "__qualname__");
  std::string mod, qual;
  bool ok = identifierText(module, &mod) && identifierText(qualname, &qual) && qual.find("<locals>") == std::string::npos;
  Py_XDECREF(module);
  Py_XDECREF(qualname);
  PyErr_Clear();
  if (!ok) return {};
  std::string name = absl::StrCat(mod, ".", qual);
  for (char c : name)  // what the type grammar reads as an enum class
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return {};
  Py_INCREF(o);
  names[cls] = {name, int_enum};
  auto [it, fresh] = enumClasses().emplace(name, o);
  if (!fresh) it->second = o;  // redefined under the same name: the latest wins (both kept alive)
  if (is_int) *is_int = int_enum;
  return name;
}

namespace {
// enums: a member's spelling, "EnumMember(mod.Color, int64)"; empty when
// v is not a member or its value has no type.
std::string enumMemberSpelling(PyObject* v) {
  bool is_int = false;
  std::string cls = enumClass(Py_TYPE(v), &is_int);
  if (cls.empty()) return {};
  PyObject* value = PyObject_GetAttrString(v, "_value_");
  if (value == nullptr) {
    PyErr_Clear();
    return {};
  }
  std::string inner = typeofSpelling(value);
  Py_DECREF(value);
  if (inner.empty()) return {};
  return absl::StrCat(is_int ? "IntEnumMember(" : "EnumMember(", cls, ", ", inner, ")");
}
// dtypes: "class(float32)" for np.float32, "dtype(float32)" for a native
// np.dtype('float32'); empty for anything else (and for the NumPy types Kiln
// has no scalar for).
std::string dtypeSpelling(PyObject* v) {
  Kind k;
  if (PyType_Check(v))
    return numpyKind(reinterpret_cast<PyTypeObject*>(v), &k) ? absl::StrCat("class(", kindName(k), ")") : std::string();
  PyObject* np = PyDict_GetItemString(PyImport_GetModuleDict(), "numpy");  // borrowed
  if (np == nullptr) return {};
  static PyObject* dtype_type = nullptr;  // numpy.dtype, kept for the process
  if (dtype_type == nullptr) {
    dtype_type = PyObject_GetAttrString(np, "dtype");
    if (dtype_type == nullptr) {
      PyErr_Clear();
      return {};
    }
  }
  if (!PyType_Check(dtype_type) || !PyObject_TypeCheck(v, reinterpret_cast<PyTypeObject*>(dtype_type))) return {};
  PyObject* native = PyObject_GetAttrString(v, "isnative");
  PyObject* type = PyObject_GetAttrString(v, "type");
  std::string out;
  if (native == Py_True && type != nullptr && PyType_Check(type) && numpyKind(reinterpret_cast<PyTypeObject*>(type), &k))
    out = absl::StrCat("dtype(", kindName(k), ")");
  Py_XDECREF(native);
  Py_XDECREF(type);
  PyErr_Clear();
  return out;
}
}  // namespace

namespace {

// npgen: the bit generator class of a numpy.random.Generator ("PCG64"); empty
// for anything else. The Generator's bitgen_t is in its bit generator's
// "capsule" (a PyCapsule named "BitGenerator", NumPy's documented interface).
std::string npgenClass(PyObject* v) {
  if (std::strcmp(Py_TYPE(v)->tp_name, "numpy.random._generator.Generator") != 0) return {};
  PyObject* bg = PyObject_GetAttrString(v, "bit_generator");
  if (bg == nullptr) {
    PyErr_Clear();
    return {};
  }
  std::string name = Py_TYPE(bg)->tp_name;
  Py_DECREF(bg);
  if (size_t dot = name.rfind('.'); dot != std::string::npos) name = name.substr(dot + 1);
  for (char c : name)  // what the type grammar reads as an identifier
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_')) return {};
  return name;
}

// npgen: the generator's bitgen_t*, or null with an error set.
void* npgenBitgen(PyObject* v) {
  PyObject* bg = PyObject_GetAttrString(v, "bit_generator");
  if (bg == nullptr) return nullptr;
  PyObject* capsule = PyObject_GetAttrString(bg, "capsule");
  Py_DECREF(bg);
  if (capsule == nullptr) return nullptr;
  void* bitgen = PyCapsule_GetPointer(capsule, "BitGenerator");
  Py_DECREF(capsule);
  return bitgen;
}

// slices2: whether each part of a slice is None or an integer (Python's or NumPy's).
bool sliceOfIntegers(PyObject* v) {
  PySliceObject* s = reinterpret_cast<PySliceObject*>(v);
  for (PyObject* part : {s->start, s->stop, s->step}) {
    Kind k;
    if (part != Py_None && !PyLong_Check(part) && !(numpyKind(Py_TYPE(part), &k) && (isSigned(k) || isUnsigned(k) || k == Kind::kBool)))
      return false;
  }
  return true;
}

// slices2: a slice's parts as the compiled side holds them (INT64_MIN for a
// None start or stop, 1 for a None step; pyvals: and which were None, so it
// boxes back as it came); false with an error set.
bool unboxSlice(PyObject* v, void* dst) {
  if (!PySlice_Check(v) || !sliceOfIntegers(v)) {
    PyErr_Format(PyExc_TypeError, "expected a slice of integers or None, got %R", v);
    return false;
  }
  PySliceObject* s = reinterpret_cast<PySliceObject*>(v);
  int64_t parts[3] = {INT64_MIN, INT64_MIN, 1};
  PyObject* objs[3] = {s->start, s->stop, s->step};
  const int64_t none_bits[3] = {KILN_SLICE_START_NONE, KILN_SLICE_STOP_NONE, KILN_SLICE_STEP_NONE};
  KilnSlice out{};
  for (int i = 0; i < 3; ++i) {
    if (objs[i] == Py_None) {
      out.nones |= none_bits[i];
      continue;
    }
    uint64_t unused = 0;
    if (!integerValue(objs[i], false, &parts[i], &unused)) return false;
    if (parts[i] == INT64_MIN) {  // the value that stands for None
      PyErr_SetString(PyExc_OverflowError, "a slice bound of -2**63 is not supported");
      return false;
    }
  }
  out.start = parts[0];
  out.stop = parts[1];
  out.step = parts[2];
  std::memcpy(dst, &out, sizeof out);
  return true;
}

// pyvals: the slice object of a compiled slice value; None where its nones bits say.
PyObject* boxSlice(const void* p) {
  KilnSlice s = load<KilnSlice>(p);
  int64_t parts[3] = {s.start, s.stop, s.step};
  const int64_t none_bits[3] = {KILN_SLICE_START_NONE, KILN_SLICE_STOP_NONE, KILN_SLICE_STEP_NONE};
  PyObject* objs[3] = {nullptr, nullptr, nullptr};
  for (int i = 0; i < 3; ++i) {
    objs[i] = (s.nones & none_bits[i]) != 0 ? Py_NewRef(Py_None) : PyLong_FromLongLong(parts[i]);
    if (objs[i] == nullptr) {
      for (PyObject* o : objs) Py_XDECREF(o);
      return nullptr;
    }
  }
  PyObject* out = PySlice_New(objs[0], objs[1], objs[2]);
  for (PyObject* o : objs) Py_DECREF(o);
  return out;
}

}  // namespace

bool typeofKind(PyObject* v, Kind* kind, uint32_t* array_key) {
  PyTypeObject* t = Py_TYPE(v);
  if (t == &PyFloat_Type) *kind = Kind::kFloat64;
  else if (t == &PyLong_Type) *kind = Kind::kInt64;
  else if (t == &PyBool_Type) *kind = Kind::kBool;
  else if (t == &PyComplex_Type) *kind = Kind::kComplex128;
  else if (t == &PyTuple_Type) *kind = Kind::kTuple;
  else if (t == &PyUnicode_Type) *kind = Kind::kStr;  // strings
  else if (t == &PyList_Type) *kind = Kind::kList;  // lists: by spelling, as tuples
  else if (PyTuple_Check(v) && !namedtupleClass(t).empty()) *kind = Kind::kTuple;  // namedtuples
  else if (!enumClass(t).empty()) *kind = Kind::kTuple;  // enums: by spelling, as tuples
  else if (v == Py_None) *kind = Kind::kNone;  // None arguments: size=None, s.find(x, None, None)
  else if (t == &PySlice_Type) *kind = Kind::kSlice;  // slices2: unboxing checks its parts are integers or None
  else if (v == Py_Ellipsis) *kind = Kind::kTuple;  // pyvals: by spelling, as tuples
  else if (numpyKind(t, kind)) {
    // NEP 50: np.float64 beside float (np.float32 has no Python twin)
    *array_key = base::scalarHasPythonTwin(scalarOf(*kind)) ? kStrongScalarKey : 0;
    return true;
  }
  else if (int64_t unused; datetimeScalarValue(v, kind, &unused)) return *kind != Kind::kNone;  // datetime
  else if (isStructRefProxy(v)) *kind = Kind::kStructRef;  // structref: by spelling (the handle's)
  else if (!voidRecord(v).empty()) *kind = Kind::kRecord;  // records: a np.void of a structured dtype, by spelling
  else if (isTypedDict(v)) *kind = Kind::kDict;  // dicts: see typeofSpelling
  else if (t == &PySet_Type) *kind = Kind::kDict;  // sets: a reflected set, by spelling
  else if (PyList_Check(v)) *kind = Kind::kList;  // pyfuncs: kiln.typed.List, a list subclass
  // ndarrayKey is false until NumPy's C API is loaded, which the first
  // ndarray (numpy is then imported) triggers.
  else if (ndarrayKey(v, array_key) || (numpyApiReady(/*import_numpy=*/false) && ndarrayKey(v, array_key)))
    *kind = Kind::kArray;
  else if (bufferKey(v, array_key)) *kind = Kind::kArray;  // buffers: bytes, bytearray, memoryview, array.array
  else if (!dtypeSpelling(v).empty()) *kind = Kind::kTuple;  // dtypes: by spelling, as tuples
  else if (!npgenClass(v).empty()) *kind = Kind::kTuple;  // npgen: by spelling, as tuples
  else return false;
  return *kind != Kind::kArray || *array_key != 0;  // key 0: a dtype Kiln has no type for
}

std::string typeofSpelling(PyObject* v) {
  Kind kind;
  uint32_t key = 0;
  if (!typeofKind(v, &kind, &key)) return {};
  if (kind == Kind::kArray && arrayKeyDtype(key) == Kind::kRecord)  // records: an array of records
    return absl::StrCat(arrayKeyReadonly(key) ? "readonly " : "", "array(", ndarrayRecord(v), ", ", arrayKeyNdim(key), "d, ",
                        std::string(1, arrayKeyOrder(key)), ")");
  if (kind == Kind::kArray)
    return arraySpelling(arrayKeyDtype(key), arrayKeyNdim(key), arrayKeyOrder(key), arrayKeyReadonly(key),
                         arrayKeyBuffer(key));
  if (kind == Kind::kRecord) return voidRecord(v);  // records: a np.void of a structured dtype
  if (kind == Kind::kDict && PySet_CheckExact(v)) {
    // sets: Numba's reflected set, typed by one item (unboxing checks the
    // others). An empty set has no item type.
    if (PySet_GET_SIZE(v) == 0) return {};
    Py_ssize_t pos = 0;
    PyObject* first = nullptr;
    Py_hash_t hash;
    _PySet_NextEntry(v, &pos, &first, &hash);
    std::string item = typeofSpelling(first);
    if (item.empty()) return {};
    return absl::StrCat("reflected set(", item, ")");
  }
  if (kind == Kind::kDict) {  // dicts: the typed Dict's own type
    KilnMemInfo* mi = nullptr;
    std::string spelling;
    return typedDictHandle(v, &mi, &spelling) ? spelling : std::string();
  }
  if (kind == Kind::kList) {
    // lists: Numba's reflected list, typed by its first item (unboxing
    // checks the others). An empty list has no item type.
    // pyfuncs: kiln.typed.List knows its item type, empty too; tlist: it is
    // Numba's ListType[T] (typed by its first item when it has no type yet).
    if (!PyList_CheckExact(v)) {
      PyObject* declared = PyObject_GetAttrString(v, "_kiln_item_type");
      if (declared == nullptr) PyErr_Clear();
      const bool typed = declared != nullptr;
      std::string item = declared != nullptr && PyUnicode_Check(declared) ? PyUnicode_AsUTF8(declared) : "";
      Py_XDECREF(declared);
      if (typed && item.empty() && PyList_GET_SIZE(v) > 0) item = typeofSpelling(PyList_GET_ITEM(v, 0));
      if (typed) return item.empty() ? std::string() : absl::StrCat("ListType[", item, "]");
    }
    if (PyList_GET_SIZE(v) == 0) return {};
    std::string item = typeofSpelling(PyList_GET_ITEM(v, 0));
    if (item.empty()) return {};
    return absl::StrCat("reflected list(", item, ")");
  }
  if (kind == Kind::kStructRef) return structRefSpelling(v);  // structref: a proxy Kiln boxed
  if (kind != Kind::kTuple) return kindName(kind);
  if (!PyTuple_Check(v)) {
    if (v == Py_Ellipsis) return base::kEllipsisTypeName;  // pyvals:
    if (std::string d = dtypeSpelling(v); !d.empty()) return d;  // dtypes
    if (std::string g = npgenClass(v); !g.empty()) return absl::StrCat("NumPyRandomGeneratorType(", g, ")");  // npgen
    return enumMemberSpelling(v);  // enums
  }
  Py_ssize_t n = PyTuple_GET_SIZE(v);
  std::vector<std::string> items;
  for (Py_ssize_t i = 0; i < n; ++i) {
    std::string item = typeofSpelling(PyTuple_GET_ITEM(v, i));
    if (item.empty()) return {};
    items.push_back(std::move(item));
  }
  bool uniform = n > 0;
  for (const std::string& item : items) uniform = uniform && item == items[0];
  if (!PyTuple_CheckExact(v)) {  // namedtuples: the class, then the items
    std::string cls = namedtupleClass(Py_TYPE(v));
    if (uniform) return absl::StrCat("NamedUniTuple(", cls, ", ", items[0], " x ", n, ")");
    return absl::StrCat("NamedTuple(", cls, n > 0 ? ", " : "", absl::StrJoin(items, ", "), ")");
  }
  if (uniform) return absl::StrCat("UniTuple(", items[0], ", ", n, ")");
  return absl::StrCat("Tuple(", absl::StrJoin(items, ", "), ")");
}

std::string argumentSpelling(PyObject* v) {
  Kind kind;
  uint32_t key = 0;
  if (typeofKind(v, &kind, &key) && isScalar(kind) && key == kStrongScalarKey) {
    base::TypeSyntax t = base::TypeSyntax::scalarType(scalarOf(kind));
    t.strong = true;
    return base::printType(t);
  }
  return typeofSpelling(v);
}

bool convertible(Kind from, const Layout& to) {
  if (to.kind == Kind::kOptional) return from == Kind::kNone || convertible(from, to.items[0]);  // optional:
  if (to.kind == Kind::kTuple || from == Kind::kTuple || to.kind == Kind::kArray || from == Kind::kArray ||
      to.kind == Kind::kDict || from == Kind::kDict)
    return false;
  if (to.kind == Kind::kList || from == Kind::kList) return false;  // lists: matched by spelling
  if (to.kind == Kind::kRecord || from == Kind::kRecord) return false;  // records: matched by spelling
  if (to.kind == Kind::kStructRef || from == Kind::kStructRef) return false;  // structref: matched by spelling
  if (from == to.kind) return true;
  return isScalar(from) && isScalar(to.kind) &&
         base::scalarConversion(scalarOf(from), scalarOf(to.kind)) == base::ScalarConversion::kSafe;
}

bool narrowable(Kind from, const Layout& to) {
  if (to.kind == Kind::kOptional) return narrowable(from, to.items[0]);  // pysub3: optional(float32) given a float
  // pyfuncs, pysub3: an integer to any integer, a float (complex) to a smaller float (complex): Numba's unsafe conversions
  return isScalar(from) && isScalar(to.kind) &&
         base::scalarConversion(scalarOf(from), scalarOf(to.kind)) != base::ScalarConversion::kNone;
}

bool unbox(PyObject* v, const Layout& l, void* dst) {
  if (!l.enum_value.empty()) {  // enums: a member of the class, as its value
    if (enumClass(Py_TYPE(v)) != l.enum_class) {
      PyErr_Format(PyExc_TypeError, "expected %s, got %s", l.spelling.c_str(), Py_TYPE(v)->tp_name);
      return false;
    }
    PyObject* value = PyObject_GetAttrString(v, "_value_");
    if (value == nullptr) return false;
    bool ok = unbox(value, l.enum_value[0], dst);
    Py_DECREF(value);
    return ok;
  }
  if (l.ellipsis) {  // pyvals: the spelling is the whole value
    if (v == Py_Ellipsis) return true;
    PyErr_Format(PyExc_TypeError, "expected Ellipsis, got %R", v);
    return false;
  }
  if (l.dtype_form != 0) {  // dtypes: the spelling is the whole value
    if (dtypeSpelling(v) == l.spelling) return true;
    PyErr_Format(PyExc_TypeError, "expected %s, got %R", l.spelling.c_str(), v);
    return false;
  }
  if (!l.npgen.empty()) {  // npgen: the Generator and its bitgen_t, borrowed for the call
    if (npgenClass(v) != l.npgen) {
      PyErr_Format(PyExc_TypeError, "expected %s, got %s", l.spelling.c_str(), Py_TYPE(v)->tp_name);
      return false;
    }
    void* parts[2] = {v, npgenBitgen(v)};
    if (parts[1] == nullptr) return false;
    std::memcpy(dst, parts, sizeof parts);
    return true;
  }
  if (l.kind == Kind::kOptional) {  // optional: None, or the value and its flag
    char* d = static_cast<char*>(dst);
    std::memset(d, 0, l.size);
    if (v == Py_None) return true;
    if (!unbox(v, l.items[0], d + l.offsets[0])) return false;
    d[l.offsets[1]] = 1;
    return true;
  }
  switch (l.kind) {
    case Kind::kBool: {
      uint8_t b;
      Kind k;
      if (PyBool_Check(v)) b = v == Py_True;
      else if (numpyKind(Py_TYPE(v), &k) && k == Kind::kBool) b = numpyValue<uint8_t>(v) != 0;
      else {
        PyErr_Format(PyExc_TypeError, "expected a bool, got %s", Py_TYPE(v)->tp_name);
        return false;
      }
      std::memcpy(dst, &b, 1);
      return true;
    }
    case Kind::kInt8: return storeInt<int8_t>(v, dst);
    case Kind::kInt16: return storeInt<int16_t>(v, dst);
    case Kind::kInt32: return storeInt<int32_t>(v, dst);
    case Kind::kInt64: {
      if (PyLong_CheckExact(v)) {  // the common case, inline
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (overflow) {
          PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to int64");
          return false;
        }
        int64_t out = x;
        std::memcpy(dst, &out, 8);
        return true;
      }
      return storeInt<int64_t>(v, dst);
    }
    case Kind::kUint8: return storeInt<uint8_t>(v, dst);
    case Kind::kUint16: return storeInt<uint16_t>(v, dst);
    case Kind::kUint32: return storeInt<uint32_t>(v, dst);
    case Kind::kUint64: return storeInt<uint64_t>(v, dst);
    case Kind::kFloat16:
    case Kind::kFloat32:
    case Kind::kFloat64: {
      double d;
      Kind k;
      if (PyFloat_CheckExact(v)) d = PyFloat_AS_DOUBLE(v);
      else if (numpyKind(Py_TYPE(v), &k) && k == Kind::kFloat32) d = numpyValue<float>(v);
      else if (numpyKind(Py_TYPE(v), &k) && k == Kind::kFloat16) d = halfToDouble(numpyValue<uint16_t>(v));  // float16:
      else if ((d = PyFloat_AsDouble(v)) == -1.0 && PyErr_Occurred()) return false;
      if (l.kind == Kind::kFloat16) {  // float16: rounded once, from the double
        uint16_t h = doubleToHalf(d);
        std::memcpy(dst, &h, 2);
      } else if (l.kind == Kind::kFloat32) {
        float f = static_cast<float>(d);
        std::memcpy(dst, &f, 4);
      } else {
        std::memcpy(dst, &d, 8);
      }
      return true;
    }
    case Kind::kComplex64:
    case Kind::kComplex128: {
      Py_complex c = PyComplex_AsCComplex(v);
      if (c.real == -1.0 && PyErr_Occurred()) return false;
      if (l.kind == Kind::kComplex64) {
        float parts[2] = {static_cast<float>(c.real), static_cast<float>(c.imag)};
        std::memcpy(dst, parts, 8);
      } else {
        double parts[2] = {c.real, c.imag};
        std::memcpy(dst, parts, 16);
      }
      return true;
    }
#define KILN_DATETIME_SCALAR(Name, canonical, is_timedelta, unit) case Kind::k##Name:
#include "base/type_names.def"
    {  // datetime: a np.datetime64/np.timedelta64 of the unit
      Kind k;
      int64_t x = 0;
      if (!datetimeScalarValue(v, &k, &x) || k != l.kind) {
        std::string got = typeofSpelling(v);
        PyErr_Format(PyExc_TypeError, "expected %s, got %s", l.spelling.c_str(), got.empty() ? Py_TYPE(v)->tp_name : got.c_str());
        return false;
      }
      std::memcpy(dst, &x, 8);
      return true;
    }
    case Kind::kNone: return true;
    case Kind::kSlice: return unboxSlice(v, dst);  // slices2:
    case Kind::kStructRef: return unboxStructRef(v, l, dst);  // structref: the same block
    case Kind::kArray: return unboxArray(v, l, dst);
    case Kind::kRecord: {  // records: the np.void's own bytes, borrowed for the call (writes reach it)
      if (voidRecord(v) != l.record) {
        std::string got = typeofSpelling(v);
        PyErr_Format(PyExc_TypeError, "expected %s, got %s", l.spelling.c_str(), got.empty() ? Py_TYPE(v)->tp_name : got.c_str());
        return false;
      }
      void* data = voidData(v);
      std::memcpy(dst, &data, sizeof data);
      return true;
    }
    case Kind::kStr: {  // strings: the str's own characters, borrowed for the call
      if (!PyUnicode_Check(v)) {
        PyErr_Format(PyExc_TypeError, "expected str, got %s", Py_TYPE(v)->tp_name);
        return false;
      }
      if (PyUnicode_READY(v) < 0) return false;
      KilnStr s{nullptr, PyUnicode_DATA(v), PyUnicode_GET_LENGTH(v), PyUnicode_KIND(v)};
      std::memcpy(dst, &s, sizeof s);
      return true;
    }
    case Kind::kDict: {  // dicts: a typed Dict's block, borrowed for the call
      if (l.set) return unboxSet(v, l, dst);  // sets:
      KilnMemInfo* mi = nullptr;
      std::string spelling;
      if (!typedDictHandle(v, &mi, &spelling) || spelling != l.spelling) {
        PyErr_Format(PyExc_TypeError, "expected a typed Dict of type %s, got %s", l.spelling.c_str(), Py_TYPE(v)->tp_name);
        return false;
      }
      std::memcpy(dst, &mi, sizeof mi);
      return true;
    }
    case Kind::kOptional:  // optional: unboxed above the switch
      return false;
    case Kind::kList: {
      // lists: a new block holding a copy of the items; finishListArg
      // writes them back after the call.
      if (!PyList_Check(v)) {
        PyErr_Format(PyExc_TypeError, "expected %s, got %s", l.spelling.c_str(), Py_TYPE(v)->tp_name);
        return false;
      }
      const Layout& item = l.items[0];
      if (item.kind == Kind::kList) {
        PyErr_Format(PyExc_TypeError, "cannot reflect element of reflected container: %s", l.spelling.c_str());
        return false;
      }
      if (!listHomogeneous(v, item)) return false;
      Py_ssize_t n = PyList_GET_SIZE(v);
      KilnMemInfo* mi = nullptr;
      void (*dtor)(void*) = item.kind == Kind::kStr     ? dropStrItems  // strings2
                            : item.kind == Kind::kArray ? kArrayItemDtors[static_cast<size_t>(item.ndim)]
                                                        : nullptr;
      char* data = static_cast<char*>(
          kiln_mi_alloc_data_dtor(kListHeader + static_cast<size_t>(n) * item.size, 16, dtor, &mi));
      if (data == nullptr) {
        PyErr_NoMemory();
        return false;
      }
      int64_t header[2] = {n, n};
      std::memcpy(data, header, sizeof header);
      for (Py_ssize_t i = 0; i < n; ++i)
        if (!unbox(PyList_GET_ITEM(v, i), item, data + kListHeader + static_cast<size_t>(i) * item.size)) {
          kiln_mi_decref(mi);
          return false;
        }
      std::memcpy(dst, &mi, sizeof mi);
      return true;
    }
    case Kind::kTuple: {
      if (!PyTuple_Check(v) || PyTuple_GET_SIZE(v) != static_cast<Py_ssize_t>(l.items.size())) {
        PyErr_Format(PyExc_TypeError, "expected %s, got %s", l.spelling.c_str(), Py_TYPE(v)->tp_name);
        return false;
      }
      for (size_t i = 0; i < l.items.size(); ++i) {
        if (reflectedArg(l.items[i])) {  // lists, sets: a block for the call, written back after it
          PyObject* x = PyTuple_GET_ITEM(v, i);
          char* slot = static_cast<char*>(dst) + l.offsets[i];
          if (nested_reflected == nullptr) {
            PyErr_Format(PyExc_TypeError, "%s inside a tuple is not supported here", l.items[i].spelling.c_str());
            return false;
          }
          bool shared = false;
          for (const NestedReflected& r : *nested_reflected)
            if (r.value == x && r.layout->spelling == l.items[i].spelling) {
              std::memcpy(slot, &r.block, sizeof r.block);
              kiln_mi_incref(static_cast<KilnMemInfo*>(const_cast<void*>(r.block)));
              nested_reflected->push_back({r.block, x, &l.items[i], false});
              shared = true;
              break;
            }
          if (shared) continue;
          if (!unbox(x, l.items[i], slot)) return false;
          nested_reflected->push_back({load<const void*>(slot), x, &l.items[i], true});
          continue;
        }
        if (!unbox(PyTuple_GET_ITEM(v, i), l.items[i], static_cast<char*>(dst) + l.offsets[i])) return false;
      }
      return true;
    }
  }
  PyErr_SetString(PyExc_SystemError, "kiln: bad layout");
  return false;
}

PyObject* box(const Layout& l, const void* p, PyObject* args) { return boxValue(l, p, args); }

namespace {

PyObject* boxValue(const Layout& l, const void* p, PyObject* args) {
  if (!l.enum_value.empty()) {  // enums: the class's member of the value (Color(value))
    auto it = enumClasses().find(l.enum_class);
    if (it == enumClasses().end()) {
      PyErr_Format(PyExc_TypeError, "kiln: no enum class %s is known to box a result", l.enum_class.c_str());
      return nullptr;
    }
    PyObject* value = boxValue(l.enum_value[0], p, args);
    if (value == nullptr) return nullptr;
    PyObject* member = PyObject_CallOneArg(it->second, value);
    Py_DECREF(value);
    return member;
  }
  if (l.ellipsis) return Py_NewRef(Py_Ellipsis);  // pyvals:
  if (l.dtype_form != 0) return boxDtype(l);  // flatimag: np.dtype(...), as Numba boxes a class or dtype
  if (!l.npgen.empty()) {  // npgen: the Generator object itself (an argument, alive through the call)
    PyObject* g = load<PyObject*>(p);
    Py_INCREF(g);
    return g;
  }
  if (l.kind == Kind::kOptional) {  // optional: None (its value holds nothing) or the value
    const char* q = static_cast<const char*>(p);
    if (q[l.offsets[1]] == 0) Py_RETURN_NONE;
    return boxValue(l.items[0], q + l.offsets[0], args);
  }
  switch (l.kind) {
    case Kind::kBool: return PyBool_FromLong(load<uint8_t>(p) != 0);
    case Kind::kInt8: return PyLong_FromLong(load<int8_t>(p));
    case Kind::kInt16: return PyLong_FromLong(load<int16_t>(p));
    case Kind::kInt32: return PyLong_FromLong(load<int32_t>(p));
    case Kind::kInt64: return PyLong_FromLongLong(load<int64_t>(p));
    case Kind::kUint8: return PyLong_FromUnsignedLong(load<uint8_t>(p));
    case Kind::kUint16: return PyLong_FromUnsignedLong(load<uint16_t>(p));
    case Kind::kUint32: return PyLong_FromUnsignedLong(load<uint32_t>(p));
    case Kind::kUint64: return PyLong_FromUnsignedLongLong(load<uint64_t>(p));
    case Kind::kFloat32: return PyFloat_FromDouble(load<float>(p));
    case Kind::kFloat64: return PyFloat_FromDouble(load<double>(p));
    case Kind::kFloat16: {  // float16: a np.float16, as NumPy's own arithmetic returns
      PyObject* f = PyFloat_FromDouble(halfToDouble(load<uint16_t>(p)));
      Kind k;
      (void)numpyKind(Py_TYPE(f), &k);  // loads numpy's scalar types once
      PyTypeObject* type = nullptr;
      for (const NumpyScalar& s : numpy_scalars)
        if (s.kind == Kind::kFloat16) type = s.type;
      if (f == nullptr || type == nullptr) return f;
      PyObject* out = PyObject_CallOneArg(reinterpret_cast<PyObject*>(type), f);
      Py_DECREF(f);
      return out;
    }
    case Kind::kComplex64: {
      const float* f = static_cast<const float*>(p);
      return PyComplex_FromDoubles(load<float>(f), load<float>(f + 1));
    }
    case Kind::kComplex128: {
      const double* d = static_cast<const double*>(p);
      return PyComplex_FromDoubles(load<double>(d), load<double>(d + 1));
    }
#define KILN_DATETIME_SCALAR(Name, canonical, is_timedelta, unit) case Kind::k##Name:
#include "base/type_names.def"
      return boxDatetime(l.kind, load<int64_t>(p));  // datetime
    case Kind::kNone: Py_RETURN_NONE;
    case Kind::kArray: return boxArray(l, p, args);
    case Kind::kRecord: return boxRecord(l, p);  // records: a new np.void of the bytes
    case Kind::kSlice: return boxSlice(p);  // pyvals: None parts as they were
    case Kind::kStructRef: return boxStructRef(l, load<KilnMemInfo*>(p), args);  // structref: takes its reference
    case Kind::kStr: {  // strings: a new str; the result's reference is dropped
      KilnStr s = load<KilnStr>(p);
      int kind = s.kind == 1 ? PyUnicode_1BYTE_KIND : s.kind == 2 ? PyUnicode_2BYTE_KIND : PyUnicode_4BYTE_KIND;
      PyObject* out = PyUnicode_FromKindAndData(kind, s.data, s.length);
      kiln_mi_decref(static_cast<KilnMemInfo*>(s.meminfo));
      return out;
    }
    case Kind::kDict: {  // dicts: a Python dict with the items, in order; drops the result's reference
      if (l.set) return boxSet(l, p);  // sets:
      KilnMemInfo* mi = load<KilnMemInfo*>(p);
      // A dict of numbers and tuples comes back as a kiln.typed.Dict over
      // the same block (as Numba returns a typed Dict); others as a copy.
      if (PyObject* typed = wrapTypedDict(l, mi, args)) return typed;
      if (PyErr_Occurred()) return nullptr;
      PyObject* d = PyDict_New();
      for (int64_t ix = d ? kiln_dict_next(mi, 0) : -1; ix >= 0; ix = kiln_dict_next(mi, ix + 1)) {
        const void* kp = kiln_dict_key_at(mi, ix);
        const void* vp = kiln_dict_value_at(mi, ix);
        retainBlocks(l.items[1], vp);  // the boxed value's own references
        retainBlocks(l.items[0], kp);  // strings2: and the boxed key's (str keys)
        PyObject* key = boxValue(l.items[0], kp, args);
        PyObject* value = key ? boxValue(l.items[1], vp, args) : nullptr;
        if (key == nullptr) releaseBlocks(l.items[1], vp);
        if (value == nullptr || PyDict_SetItem(d, key, value) < 0) {
          Py_XDECREF(key);
          Py_XDECREF(value);
          Py_CLEAR(d);
          break;
        }
        Py_DECREF(key);
        Py_DECREF(value);
      }
      kiln_mi_decref(mi);
      return d;
    }
    case Kind::kOptional:  // optional: unboxed and boxed above the switch
      return nullptr;
    case Kind::kList: {
      // lists: a new Python list of the items, each boxed from a reference
      // of its own; then the block's reference (the result's) is dropped.
      // A list argument returned is that Python list itself.
      KilnMemInfo* mi = load<KilnMemInfo*>(p);
      if (list_parents != nullptr)
        for (const auto& [block, parent] : *list_parents)
          if (block == mi) {
            kiln_mi_decref(mi);
            Py_INCREF(parent);
            return parent;
          }
      const char* data = static_cast<const char*>(mi->data);
      int64_t n = load<int64_t>(data);
      const Layout& item = l.items[0];
      PyObject* out = PyList_New(static_cast<Py_ssize_t>(n));
      for (int64_t i = 0; out != nullptr && i < n; ++i) {
        const char* at = data + kListHeader + static_cast<size_t>(i) * item.size;
        retainBlocks(item, at);
        PyObject* x = boxValue(item, at, args);  // npfun3: a view of an argument keeps its strides
        if (x == nullptr) {
          Py_CLEAR(out);
          break;
        }
        PyList_SET_ITEM(out, static_cast<Py_ssize_t>(i), x);
      }
      kiln_mi_decref(mi);
      if (out != nullptr && l.typed) return wrapTypedList(out, item.spelling);  // tlist:
      return out;
    }
    case Kind::kTuple: {
      const char* base = static_cast<const char*>(p);
      PyObject* t = PyTuple_New(static_cast<Py_ssize_t>(l.items.size()));
      size_t i = 0;
      for (; t != nullptr && i < l.items.size(); ++i) {
        PyObject* item = boxValue(l.items[i], base + l.offsets[i], args);
        if (item == nullptr) break;
        PyTuple_SET_ITEM(t, static_cast<Py_ssize_t>(i), item);
      }
      if (t != nullptr && i == l.items.size() && !l.named.empty()) {  // namedtuples: an instance of the class
        auto it = namedtupleClasses().find(l.named);
        if (it == namedtupleClasses().end()) {
          Py_DECREF(t);
          PyErr_Format(PyExc_TypeError, "kiln: no namedtuple class %s is known to box a result", l.named.c_str());
          return nullptr;
        }
        PyObject* made = PyObject_Call(it->second, t, nullptr);
        Py_DECREF(t);
        return made;
      }
      if (t != nullptr && i == l.items.size()) return t;
      // The arrays not boxed yet still hold their references (item i dropped its own).
      for (size_t j = t == nullptr ? 0 : i + 1; j < l.items.size(); ++j) releaseBlocks(l.items[j], base + l.offsets[j]);
      Py_XDECREF(t);
      return nullptr;
    }
  }
  PyErr_SetString(PyExc_SystemError, "kiln: bad layout");
  return nullptr;
}

}  // namespace

bool writeBackList(PyObject* value, const Layout& l, const void* src, PyObject** items_before) {
  // lists: as Numba's reflected list, the Python list gets the items the
  // compiled code left in the block (appends, pops and stores included);
  // an item equal to the one already there (same type) is left as it was.
  KilnMemInfo* mi = load<KilnMemInfo*>(src);
  if (mi == nullptr) return true;
  const char* data = static_cast<const char*>(mi->data);
  Py_ssize_t n = static_cast<Py_ssize_t>(load<int64_t>(data));
  const Layout& item = l.items[0];
  // An array item borrowed from the list is boxed as the array it was (found
  // among the list's items before the write-back moves them).
  PyObject* before = item.kind == Kind::kArray ? PyList_AsTuple(value) : nullptr;
  if (item.kind == Kind::kArray && before == nullptr) return false;
  if (before != nullptr) {  // the caller's, until the result is boxed (it may borrow an item popped here)
    Py_INCREF(before);
    *items_before = before;
  }
  for (Py_ssize_t i = 0; i < n; ++i) {
    const char* at = data + kListHeader + static_cast<size_t>(i) * item.size;
    retainBlocks(item, at);  // strings2: boxing takes a reference of its own; the block keeps the list's
    PyObject* x = boxValue(item, at, before);
    if (x == nullptr) {
      Py_XDECREF(before);
      return false;
    }
    if (i < PyList_GET_SIZE(value)) {
      PyObject* old = PyList_GET_ITEM(value, i);
      // arrays: the same object or another (an array's == is elementwise);
      // typed Dicts: the same table or another (== would compare their
      // values, and arrays' == is elementwise)
      KilnMemInfo *old_table = nullptr, *new_table = nullptr;
      std::string spelling;
      int same = item.kind == Kind::kArray ? old == x
                 : item.kind == Kind::kDict && typedDictHandle(old, &old_table, &spelling) &&
                         typedDictHandle(x, &new_table, &spelling)
                     ? old_table == new_table
                 : Py_TYPE(old) == Py_TYPE(x) ? PyObject_RichCompareBool(old, x, Py_EQ)
                                              : 0;
      if (same < 0) {
        Py_DECREF(x);
        Py_XDECREF(before);
        return false;
      }
      if (same) Py_DECREF(x);
      else PyList_SetItem(value, i, x);  // steals x
    } else if (PyList_Append(value, x) < 0) {
      Py_DECREF(x);
      Py_XDECREF(before);
      return false;
    } else {
      Py_DECREF(x);
    }
  }
  Py_XDECREF(before);
  if (PyList_GET_SIZE(value) > n) return PyList_SetSlice(value, n, PyList_GET_SIZE(value), nullptr) == 0;
  return true;
}

// sets: a Python set argument is a new table of its items (hashed by
// CPython, as compiled code hashes them), written back after the call.
namespace {
int neverEqual(const void*, const void*) { return 0; }  // a Python set's items are distinct already
}  // namespace

bool unboxSet(PyObject* v, const Layout& l, void* dst) {
  if (!PySet_CheckExact(v)) {
    PyErr_Format(PyExc_TypeError, "expected %s, got %s", l.spelling.c_str(), Py_TYPE(v)->tp_name);
    return false;
  }
  const Layout& item = l.items[0];
  // Strings and bytes (pyrest: a Bytes item, CPython's hash is compiled
  // code's) are borrowed from the Python set for the call (no block).
  const bool bytes = item.kind == Kind::kArray && item.buffer == BufferKind::kBytes;
  if ((item.kind == Kind::kArray && !bytes) || item.kind == Kind::kList || item.kind == Kind::kDict) {
    PyErr_Format(PyExc_TypeError, "passing %s to a jitted function is not supported", l.spelling.c_str());
    return false;
  }
  std::string want = item.spelling;
  KilnMemInfo* mi = kiln_dict_new(static_cast<int64_t>(item.size), 0, PySet_GET_SIZE(v), nullptr);
  if (mi == nullptr) {
    PyErr_NoMemory();
    return false;
  }
  std::vector<char> buf(item.size + 8);
  Py_ssize_t pos = 0;
  PyObject* x = nullptr;
  Py_hash_t hash;
  while (_PySet_NextEntry(v, &pos, &x, &hash)) {
    if (item.kind == Kind::kTuple && PyTuple_Check(x) &&
        PyTuple_GET_SIZE(x) != static_cast<Py_ssize_t>(item.items.size())) {  // Numba's words
      PyErr_Format(PyExc_ValueError, "size mismatch for tuple, expected %zu element(s) but got %zd", item.items.size(),
                   PyTuple_GET_SIZE(x));
      kiln_mi_decref(mi);
      return false;
    }
    if (typeofSpelling(x) != want) {
      PyErr_Format(PyExc_TypeError, "can't unbox heterogeneous set: %s is not %s", Py_TYPE(x)->tp_name, want.c_str());
      kiln_mi_decref(mi);
      return false;
    }
    std::fill(buf.begin(), buf.end(), 0);
    int64_t found = 0;
    if (!unbox(x, item, buf.data()) || kiln_dict_insert(mi, buf.data(), hash, neverEqual, &found) == -2) {
      if (!PyErr_Occurred()) PyErr_NoMemory();
      kiln_mi_decref(mi);
      return false;
    }
  }
  std::memcpy(dst, &mi, sizeof mi);
  return true;
}

namespace {
PyObject* boxSet(const Layout& l, const void* p) {
  // A set argument returned is that Python set itself.
  KilnMemInfo* mi = load<KilnMemInfo*>(p);
  if (list_parents != nullptr)
    for (const auto& [block, parent] : *list_parents)
      if (block == mi) {
        kiln_mi_decref(mi);
        Py_INCREF(parent);
        return parent;
      }
  PyObject* s = PySet_New(nullptr);
  for (int64_t ix = s ? kiln_dict_next(mi, 0) : -1; ix >= 0; ix = kiln_dict_next(mi, ix + 1)) {
    retainBlocks(l.items[0], kiln_dict_key_at(mi, ix));  // the boxed item's own (strings)
    PyObject* x = boxValue(l.items[0], kiln_dict_key_at(mi, ix), nullptr);
    if (x == nullptr || PySet_Add(s, x) < 0) {
      Py_XDECREF(x);
      Py_CLEAR(s);
      break;
    }
    Py_DECREF(x);
  }
  kiln_mi_decref(mi);
  return s;
}
}  // namespace

bool writeBackSet(PyObject* value, const Layout& l, const void* src) {
  // As Numba's reflected sets: the Python set gets the items the compiled
  // code left in the table.
  KilnMemInfo* mi = load<KilnMemInfo*>(src);
  if (mi == nullptr) return true;
  // Unchanged (the same items): the Python set keeps its own objects.
  bool same = kiln_dict_len(mi) == PySet_GET_SIZE(value);
  for (int64_t ix = same ? kiln_dict_next(mi, 0) : -1; ix >= 0; ix = kiln_dict_next(mi, ix + 1)) {
    retainBlocks(l.items[0], kiln_dict_key_at(mi, ix));
    PyObject* x = boxValue(l.items[0], kiln_dict_key_at(mi, ix), nullptr);
    if (x == nullptr) return false;
    int in = PySet_Contains(value, x);
    Py_DECREF(x);
    if (in < 0) return false;
    if (!in) {
      same = false;
      break;
    }
  }
  if (same) return true;
  // Boxed before the set lets go of its items: strings borrow theirs.
  PyObject* items = PyList_New(0);
  for (int64_t ix = items ? kiln_dict_next(mi, 0) : -1; ix >= 0; ix = kiln_dict_next(mi, ix + 1)) {
    retainBlocks(l.items[0], kiln_dict_key_at(mi, ix));
    PyObject* x = boxValue(l.items[0], kiln_dict_key_at(mi, ix), nullptr);
    if (x == nullptr || PyList_Append(items, x) < 0) {
      Py_XDECREF(x);
      Py_CLEAR(items);
      break;
    }
    Py_DECREF(x);
  }
  if (items == nullptr) return false;
  bool ok = PySet_Clear(value) == 0;
  for (Py_ssize_t i = 0; ok && i < PyList_GET_SIZE(items); ++i) ok = PySet_Add(value, PyList_GET_ITEM(items, i)) == 0;
  Py_DECREF(items);
  return ok;
}

void releaseResult(const Layout& l, const void* src) { releaseBlocks(l, src); }

void dropList(const void* src) { kiln_mi_decref(load<KilnMemInfo*>(src)); }

// print: a value compiled code lends (print_hook.cpp), boxed with references of its own.
PyObject* boxBorrowed(const Layout& l, const void* src, PyObject* args) {
  retainBlocks(l, src);
  return box(l, src, args);
}

void setListParents(const std::vector<std::pair<const void*, PyObject*>>* parents) { list_parents = parents; }
void setNestedReflected(std::vector<NestedReflected>* nested) { nested_reflected = nested; }

}  // namespace kiln::python
