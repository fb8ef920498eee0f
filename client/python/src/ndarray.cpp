// NumPy arrays in the extension: typeof, and unboxing into and boxing out of
// the C ABI's array struct (runtime/cpu/kiln_abi.h). The only file that uses
// NumPy's C API, which it imports lazily: `import kiln` must not import
// numpy, so the API is loaded on the first call that meets an ndarray (numpy
// is then already imported) or returns one.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "kiln_rt.h"
#include "native.h"

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/arrayscalars.h>

namespace kiln::python {
namespace {

using Kind = Layout::Kind;

bool api_loaded = false;
constexpr const char* kCapsuleName = "kiln.meminfo";

// datetime: NumPy's units in the order of NPY_DATETIMEUNIT (3, business
// days, is gone), then the generic unit.
constexpr const char* kNumpyUnits[] = {"Y", "M", "W", nullptr, "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as", ""};

// datetime: the kind of a datetime64/timedelta64 of this metadata; kNone
// when the unit has a multiplier ("10ms") or is unknown.
Kind datetimeKind(bool is_timedelta, const PyArray_DatetimeMetaData& meta) {
  const int unit = static_cast<int>(meta.base);
  if (unit < 0 || unit >= static_cast<int>(std::size(kNumpyUnits)) || kNumpyUnits[unit] == nullptr) return Kind::kNone;
  if (meta.num != 1 && unit != NPY_FR_GENERIC) return Kind::kNone;
  base::Scalar s;
  if (!base::datetimeScalar(is_timedelta, kNumpyUnits[unit], &s)) return Kind::kNone;
  return static_cast<Kind>(s);
}

// The Kiln scalar type of a dtype; kNone when it has none (object,
// strings, float16, long double, swapped byte order); kRecord for a
// structured dtype (recordSpelling says whether Kiln has a type for it).
Kind descrKind(PyArray_Descr* d) {
  if (PyDataType_HASFIELDS(d)) return Kind::kRecord;  // records:
  // chararrays: a U dtype travels as records do, by its spelling ("[unichr x N]").
  if (d->type_num == NPY_UNICODE && PyArray_ISNBO(d->byteorder) && PyDataType_ELSIZE(d) >= 4) return Kind::kRecord;
  if (d->type_num == NPY_STRING && PyDataType_ELSIZE(d) >= 1) return Kind::kRecord;  // chararrays: an S dtype, [char x N]
  if (PyDataType_HASSUBARRAY(d) || !PyArray_ISNBO(d->byteorder)) return Kind::kNone;
  const int type = d->type_num;
  const npy_intp size = PyDataType_ELSIZE(d);
  if (PyTypeNum_ISBOOL(type)) return Kind::kBool;
  if (PyTypeNum_ISSIGNED(type)) {
    switch (size) {
      case 1: return Kind::kInt8;
      case 2: return Kind::kInt16;
      case 4: return Kind::kInt32;
      case 8: return Kind::kInt64;
      default: return Kind::kNone;
    }
  }
  if (PyTypeNum_ISUNSIGNED(type)) {
    switch (size) {
      case 1: return Kind::kUint8;
      case 2: return Kind::kUint16;
      case 4: return Kind::kUint32;
      case 8: return Kind::kUint64;
      default: return Kind::kNone;
    }
  }
  if (PyTypeNum_ISFLOAT(type))  // float16: NPY_HALF is a float of 2 bytes
    return size == 2 ? Kind::kFloat16 : size == 4 ? Kind::kFloat32 : size == 8 ? Kind::kFloat64 : Kind::kNone;
  if (PyTypeNum_ISCOMPLEX(type))
    return size == 8 ? Kind::kComplex64 : size == 16 ? Kind::kComplex128 : Kind::kNone;
  if (type == NPY_DATETIME || type == NPY_TIMEDELTA) {  // datetime: the unit is in the dtype's metadata
    auto* meta = reinterpret_cast<PyArray_DatetimeDTypeMetaData*>(PyDataType_C_METADATA(d));
    return meta == nullptr ? Kind::kNone : datetimeKind(type == NPY_TIMEDELTA, meta->meta);
  }
  return Kind::kNone;
}

// The Kiln element type of an array's dtype (see descrKind).
Kind elementKind(PyArrayObject* a) { return descrKind(PyArray_DESCR(a)); }

// records2: Numba's spelling of a subarray field's dtype ("nestedarray(float64,
// (3,))"); empty when its base has no Kiln scalar type.
std::string nestedArraySpelling(PyArray_Descr* fd) {
  PyArray_ArrayDescr* sub = PyDataType_SUBARRAY(fd);
  if (sub == nullptr || sub->base == nullptr || sub->shape == nullptr) return {};
  const Kind k = descrKind(sub->base);
  if (k == Kind::kNone || k == Kind::kRecord) return {};
  std::vector<long long> shape;
  if (PyTuple_Check(sub->shape)) {
    for (Py_ssize_t d = 0; d < PyTuple_GET_SIZE(sub->shape); ++d) shape.push_back(PyLong_AsLongLong(PyTuple_GET_ITEM(sub->shape, d)));
  } else {
    shape.push_back(PyLong_AsLongLong(sub->shape));
  }
  if (PyErr_Occurred()) {
    PyErr_Clear();
    return {};
  }
  if (shape.empty()) return {};
  std::string out = std::string("nestedarray(") + base::scalarName(static_cast<base::Scalar>(k)) + ", (";
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 0) return {};
    out += (d > 0 ? ", " : "") + std::to_string(shape[d]);
  }
  return out + (shape.size() == 1 ? ",))" : "))");
}

// records: Numba's spelling of a structured dtype, "Record(a[type=int16;
// offset=0],...;size;aligned)"; empty when a field has no Kiln type (a
// subarray, a string, an object) or a name that is no identifier.
std::string recordSpelling(PyArray_Descr* d, int depth = 0) {
  if (!PyDataType_HASFIELDS(d) && d->type_num == NPY_UNICODE && PyArray_ISNBO(d->byteorder) &&
      PyDataType_ELSIZE(d) >= 4)  // chararrays: a U dtype, Numba's [unichr x N]
    return "[unichr x " + std::to_string(PyDataType_ELSIZE(d) / 4) + "]";
  if (!PyDataType_HASFIELDS(d) && d->type_num == NPY_STRING && PyDataType_ELSIZE(d) >= 1)  // chararrays: an S dtype
    return "[char x " + std::to_string(PyDataType_ELSIZE(d)) + "]";
  if (!PyDataType_HASFIELDS(d) || depth > base::kMaxTypeDepth) return {};
  PyObject* names = PyDataType_NAMES(d);
  PyObject* fields = PyDataType_FIELDS(d);
  if (names == nullptr || !PyTuple_Check(names) || PyTuple_GET_SIZE(names) == 0 || fields == nullptr) return {};
  std::string out = "Record(";
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); ++i) {
    PyObject* name = PyTuple_GET_ITEM(names, i);
    const char* text = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : nullptr;
    if (text == nullptr) {
      PyErr_Clear();
      return {};
    }
    std::string field = text;
    for (char c : field)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return {};
    PyObject* info = PyDict_GetItem(fields, name);  // borrowed: (dtype, offset[, title])
    if (field.empty() || info == nullptr || !PyTuple_Check(info) || PyTuple_GET_SIZE(info) < 2) return {};
    auto* fd = reinterpret_cast<PyArray_Descr*>(PyTuple_GET_ITEM(info, 0));
    const long long offset = PyLong_AsLongLong(PyTuple_GET_ITEM(info, 1));
    if (offset < 0) {
      PyErr_Clear();
      return {};
    }
    std::string type;
    const Kind k = descrKind(fd);
    if (PyDataType_HASSUBARRAY(fd)) type = nestedArraySpelling(fd);  // records2: a subarray field
    else if (k == Kind::kRecord) type = recordSpelling(fd, depth + 1);
    else if (k != Kind::kNone) type = base::scalarName(static_cast<base::Scalar>(k));
    else if (fd->type_num == NPY_UNICODE && PyArray_ISNBO(fd->byteorder) && PyDataType_ELSIZE(fd) >= 4)
      type = "[unichr x " + std::to_string(PyDataType_ELSIZE(fd) / 4) + "]";  // a U field
    else if (fd->type_num == NPY_STRING && PyDataType_ELSIZE(fd) >= 1)
      type = "[char x " + std::to_string(PyDataType_ELSIZE(fd)) + "]";  // charseq: an S field
    if (type.empty()) return {};
    std::string title;  // NumPy's (title, name) field: a title that is an identifier names the field too
    if (PyTuple_GET_SIZE(info) >= 3 && PyUnicode_Check(PyTuple_GET_ITEM(info, 2))) {
      const char* t = PyUnicode_AsUTF8(PyTuple_GET_ITEM(info, 2));
      if (t == nullptr) {
        PyErr_Clear();
        return {};
      }
      title = t;
      if (title.empty() || std::isdigit(static_cast<unsigned char>(title[0]))) return {};
      for (char c : title)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return {};
    } else if (PyTuple_GET_SIZE(info) >= 3 && PyTuple_GET_ITEM(info, 2) != Py_None) {
      return {};  // a title that is no str: no Kiln type
    }
    out += (i > 0 ? "," : "") + field + "[type=" + type + ";offset=" + std::to_string(offset) +
           (title.empty() ? "" : ";title=" + title) + "]";
  }
  const bool aligned = (PyDataType_FLAGS(d) & NPY_ALIGNED_STRUCT) != 0;
  out += ";" + std::to_string(PyDataType_ELSIZE(d)) + ";" + (aligned ? "True" : "False") + ")";
  return out;
}

// records: the dtype a Record spelling stands for, new; null with an error.
PyArray_Descr* recordDescr(const base::TypeSyntax& t) {
  PyObject* names = PyList_New(0);
  PyObject* formats = PyList_New(0);
  PyObject* offsets = PyList_New(0);
  PyObject* titles = PyList_New(0);
  PyObject* spec = PyDict_New();
  bool ok = names && formats && offsets && titles && spec;
  bool titled = false;
  for (size_t i = 0; ok && i < t.items.size(); ++i) {
    PyObject* name = PyUnicode_FromString(t.field_names[i].c_str());
    PyObject* format = nullptr;
    if (t.items[i].kind == base::TypeSyntax::Kind::kRecord) format = reinterpret_cast<PyObject*>(recordDescr(t.items[i]));
    else if (t.items[i].kind == base::TypeSyntax::Kind::kCharSeq)
      format = PyUnicode_FromString(((t.items[i].named == "char" ? "S" : "U") + std::to_string(t.items[i].count)).c_str());
    else if (t.items[i].kind == base::TypeSyntax::Kind::kNestedArray) {  // records2: "(3,)float64"
      std::string shape = "(";
      for (int64_t d : t.items[i].shape) shape += std::to_string(d) + ",";
      format = PyUnicode_FromString((shape + ")" + base::scalarName(t.items[i].scalar)).c_str());
    }
    else format = PyUnicode_FromString(base::scalarName(t.items[i].scalar));
    PyObject* offset = PyLong_FromLongLong(t.field_offsets[i]);
    const std::string& title_text = i < t.field_titles.size() ? t.field_titles[i] : std::string();
    titled = titled || !title_text.empty();
    PyObject* title = title_text.empty() ? Py_NewRef(Py_None) : PyUnicode_FromString(title_text.c_str());
    ok = name && format && offset && title && PyList_Append(names, name) == 0 && PyList_Append(formats, format) == 0 &&
         PyList_Append(offsets, offset) == 0 && PyList_Append(titles, title) == 0;
    Py_XDECREF(title);
    Py_XDECREF(name);
    Py_XDECREF(format);
    Py_XDECREF(offset);
  }
  PyObject* itemsize = ok ? PyLong_FromLongLong(t.count) : nullptr;
  ok = ok && itemsize && PyDict_SetItemString(spec, "names", names) == 0 &&
       PyDict_SetItemString(spec, "formats", formats) == 0 && PyDict_SetItemString(spec, "offsets", offsets) == 0 &&
       PyDict_SetItemString(spec, "itemsize", itemsize) == 0 &&
       (!titled || PyDict_SetItemString(spec, "titles", titles) == 0);
  Py_XDECREF(itemsize);
  Py_XDECREF(titles);
  PyArray_Descr* descr = nullptr;
  if (ok && !(t.aligned ? PyArray_DescrAlignConverter(spec, &descr) : PyArray_DescrConverter(spec, &descr)))
    descr = nullptr;
  Py_XDECREF(names);
  Py_XDECREF(formats);
  Py_XDECREF(offsets);
  Py_XDECREF(spec);
  return descr;
}

PyArray_Descr* recordDescr(const std::string& spelling) {
  constexpr std::string_view kCharSeq = "[unichr x ", kBytesSeq = "[char x ";
  const bool bytes = spelling.compare(0, kBytesSeq.size(), kBytesSeq) == 0;
  if (bytes || spelling.compare(0, kCharSeq.size(), kCharSeq) == 0) {  // chararrays: a U or S dtype
    const size_t at = bytes ? kBytesSeq.size() : kCharSeq.size();
    PyObject* s = PyUnicode_FromFormat("%s%s", bytes ? "S" : "U", spelling.substr(at, spelling.size() - at - 1).c_str());
    PyArray_Descr* descr = nullptr;
    const int ok = s != nullptr && PyArray_DescrConverter(s, &descr);
    Py_XDECREF(s);
    return ok ? descr : nullptr;
  }
  absl::StatusOr<base::TypeSyntax> t = base::parseType(spelling);
  if (!t.ok() || t->kind != base::TypeSyntax::Kind::kRecord) {
    PyErr_Format(PyExc_SystemError, "kiln: bad record type %s", spelling.c_str());
    return nullptr;
  }
  return recordDescr(*t);
}

// datetime: the descr of a datetime64/timedelta64 kind ("M8[ns]"), new.
PyArray_Descr* datetimeDescr(Kind kind) {
  bool is_timedelta = false;
  const char* unit = "";
  base::scalarIsDatetime(static_cast<base::Scalar>(kind), &is_timedelta, &unit);
  std::string spelling = std::string(is_timedelta ? "m8" : "M8") + (*unit ? std::string("[") + unit + "]" : "");
  PyObject* s = PyUnicode_FromString(spelling.c_str());
  if (s == nullptr) return nullptr;
  PyArray_Descr* descr = nullptr;
  int ok = PyArray_DescrConverter(s, &descr);
  Py_DECREF(s);
  return ok ? descr : nullptr;
}

int typeNum(Kind kind) {
  switch (kind) {
    case Kind::kBool: return NPY_BOOL;
    case Kind::kInt8: return NPY_INT8;
    case Kind::kInt16: return NPY_INT16;
    case Kind::kInt32: return NPY_INT32;
    case Kind::kInt64: return NPY_INT64;
    case Kind::kUint8: return NPY_UINT8;
    case Kind::kUint16: return NPY_UINT16;
    case Kind::kUint32: return NPY_UINT32;
    case Kind::kUint64: return NPY_UINT64;
    case Kind::kFloat32: return NPY_FLOAT32;
    case Kind::kFloat64: return NPY_FLOAT64;
    case Kind::kComplex64: return NPY_COMPLEX64;
    case Kind::kComplex128: return NPY_COMPLEX128;
    case Kind::kFloat16: return NPY_FLOAT16;  // float16:
#define KILN_DATETIME_SCALAR(Name, canonical, is_timedelta, unit) case Kind::k##Name:
#include "base/type_names.def"
      return -1;  // datetime: datetimeDescr
    case Kind::kNone: case Kind::kTuple: case Kind::kArray: case Kind::kStr: case Kind::kDict: case Kind::kList: case Kind::kOptional: case Kind::kRecord: case Kind::kSlice: case Kind::kStructRef: return -1;
  }
  return -1;
}

npy_intp itemBytes(Kind kind) {
  switch (kind) {
    case Kind::kBool: case Kind::kInt8: case Kind::kUint8: return 1;
    case Kind::kInt16: case Kind::kUint16: case Kind::kFloat16: return 2;
    case Kind::kInt32: case Kind::kUint32: case Kind::kFloat32: return 4;
    case Kind::kInt64: case Kind::kUint64: case Kind::kFloat64: case Kind::kComplex64: return 8;
#define KILN_DATETIME_SCALAR(Name, canonical, is_timedelta, unit) case Kind::k##Name:
#include "base/type_names.def"
      return 8;
    case Kind::kComplex128: return 16;
    case Kind::kNone: case Kind::kTuple: case Kind::kArray: case Kind::kStr: case Kind::kDict: case Kind::kList: case Kind::kOptional: case Kind::kRecord: case Kind::kSlice: case Kind::kStructRef: return 1;
  }
  return 1;
}

// Whether an ndarray may be passed where `l` (an array type) is declared:
// same dtype and ndim, contiguous when the layout promises it, and writeable
// unless the type is readonly.
bool passable(PyArrayObject* a, const Layout& l) {
  if (elementKind(a) != l.dtype || PyArray_NDIM(a) != l.ndim) return false;
  if (l.dtype == Kind::kRecord && recordSpelling(PyArray_DESCR(a)) != l.record) return false;  // records:
  if (!l.readonly && !PyArray_ISWRITEABLE(a)) return false;  // compiled code may write to it
  switch (l.order) {
    case 'C': return PyArray_IS_C_CONTIGUOUS(a);
    case 'F': return PyArray_IS_F_CONTIGUOUS(a);
    default: return true;
  }
}

// A capsule holds one reference to a block of the memory runtime.
void releaseBlock(PyObject* capsule) {
  kiln_mi_decref(static_cast<KilnMemInfo*>(PyCapsule_GetPointer(capsule, kCapsuleName)));
}

// The bytes of one element of an array type.
npy_intp itemSize(const Layout& l) {
  return l.dtype == Kind::kRecord ? static_cast<npy_intp>(l.record_size) : itemBytes(l.dtype);  // records:
}

// A new reference to the dtype of an array type's elements, or null with an error.
PyArray_Descr* descrOf(const Layout& l) {
  return l.dtype == Kind::kRecord ? recordDescr(l.record)  // records:
         : base::scalarIsDatetime(static_cast<base::Scalar>(l.dtype)) ? datetimeDescr(l.dtype)
                                                                       : PyArray_DescrFromType(typeNum(l.dtype));
}

// tdarrays: the destructor of a block that owns a Python array (ownArray):
// drops the reference, taking the GIL, since compiled code may release the
// block last, with the GIL released.
void dropOwnedArray(void* data) {
  if (!Py_IsInitialized()) return;  // at exit, after the interpreter: nothing left to release
  PyGILState_STATE gil = PyGILState_Ensure();
  Py_DECREF(*static_cast<PyObject**>(data));
  PyGILState_Release(gil);
}

// The bytes [*lo, *hi) an array's elements span; false when it has none.
bool extent(const char* data, int nd, const npy_intp* shape, const npy_intp* strides, npy_intp item,
            const char** lo, const char** hi) {
  npy_intp low = 0, high = item;
  for (int i = 0; i < nd; ++i) {
    if (shape[i] == 0) return false;
    const npy_intp span = (shape[i] - 1) * strides[i];
    (span < 0 ? low : high) += span;
  }
  *lo = data + low;
  *hi = data + high;
  return true;
}

// The argument (an ndarray, or one inside a tuple argument) whose memory
// holds [lo, hi); borrowed, or null.
PyObject* argumentHolding(PyObject* v, const char* lo, const char* hi) {
  if (PyTuple_Check(v)) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(v); ++i)
      if (PyObject* a = argumentHolding(PyTuple_GET_ITEM(v, i), lo, hi)) return a;
    return nullptr;
  }
  if (PyList_Check(v)) {  // lists: an array item of a list argument (borrowed by the call's block)
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); ++i)
      if (PyObject* a = argumentHolding(PyList_GET_ITEM(v, i), lo, hi)) return a;
    return nullptr;
  }
  if (bufferHolds(v, lo, hi)) return v;  // buffers: a view of a bytes/bytearray/memoryview argument
  if (!PyArray_Check(v)) return nullptr;
  auto* a = reinterpret_cast<PyArrayObject*>(v);
  const char *alo, *ahi;
  if (!extent(static_cast<const char*>(PyArray_DATA(a)), PyArray_NDIM(a), PyArray_DIMS(a), PyArray_STRIDES(a),
              PyArray_ITEMSIZE(a), &alo, &ahi))
    return nullptr;
  return alo <= lo && hi <= ahi ? v : nullptr;
}

// Whether ndarray v is exactly the array described (its data, shape,
// strides and element type).
bool sameArray(PyObject* v, const Layout& l, const void* data, const npy_intp* shape, const npy_intp* strides) {
  if (!PyArray_Check(v)) return false;
  auto* a = reinterpret_cast<PyArrayObject*>(v);
  if (PyArray_DATA(a) != data || PyArray_NDIM(a) != l.ndim || elementKind(a) != l.dtype) return false;
  for (int i = 0; i < l.ndim; ++i)
    if (PyArray_DIM(a, i) != shape[i] || PyArray_STRIDE(a, i) != strides[i]) return false;
  return true;
}

template <typename T>
T load(const char* p) {
  T out;
  std::memcpy(&out, p, sizeof out);
  return out;
}

}  // namespace

bool numpyApiReady(bool import_numpy) {
  if (api_loaded) return true;
  if (!import_numpy && PyDict_GetItemString(PyImport_GetModuleDict(), "numpy") == nullptr) return false;
  if (_import_array() < 0) {
    if (!import_numpy) PyErr_Clear();
    return false;
  }
  api_loaded = true;
  return true;
}

bool ndarrayKey(PyObject* v, uint32_t* key) {
  if (!api_loaded || !PyArray_Check(v)) return false;
  auto* a = reinterpret_cast<PyArrayObject*>(v);
  const Kind k = elementKind(a);
  const int nd = PyArray_NDIM(a);
  // Numba's typeof: C-contiguous is C, else F-contiguous is F, else A.
  const char order = PyArray_IS_C_CONTIGUOUS(a) ? 'C' : PyArray_IS_F_CONTIGUOUS(a) ? 'F' : 'A';
  // Read-only arrays are `readonly array(...)`, as Numba: typing refuses
  // the writes.
  const bool untyped = k == Kind::kNone || nd > kMaxArrayDims ||
                       (k == Kind::kRecord && recordSpelling(PyArray_DESCR(a)).empty());  // records:
  *key = untyped ? 0 : arrayKey(k, nd, order, !PyArray_ISWRITEABLE(a));
  return true;
}

std::string ndarrayRecord(PyObject* v) {
  if (!api_loaded || !PyArray_Check(v)) return {};
  return recordSpelling(PyArray_DESCR(reinterpret_cast<PyArrayObject*>(v)));
}

std::string voidRecord(PyObject* v) {
  if (!numpyApiReady(/*import_numpy=*/false) || !PyArray_IsScalar(v, Void)) return {};
  const auto* scalar = reinterpret_cast<PyVoidScalarObject*>(v);
  std::string spelling = recordSpelling(scalar->descr);
  // rorecord: an element of a read-only array is a view NumPy will not write
  // through; compiled code is refused writes to it when typed.
  if (spelling.empty() || (scalar->flags & NPY_ARRAY_WRITEABLE) != 0) return spelling;
  return "readonly " + spelling;
}

void* voidData(PyObject* v) { return reinterpret_cast<PyVoidScalarObject*>(v)->obval; }

PyObject* boxRecord(const Layout& l, const void* bytes) {
  if (!numpyApiReady(/*import_numpy=*/true)) return nullptr;
  PyArray_Descr* descr = recordDescr(l.record);
  if (descr == nullptr) return nullptr;
  npy_intp one = 1;
  // A one-element array owning a copy; its element is the np.void.
  PyObject* arr = PyArray_NewFromDescr(&PyArray_Type, descr, 1, &one, nullptr, nullptr, 0, nullptr);
  if (arr == nullptr) return nullptr;
  std::memcpy(PyArray_DATA(reinterpret_cast<PyArrayObject*>(arr)), bytes, l.record_size);
  // As Numba: a np.record (a np.void with attribute access to its fields).
  PyObject* np = PyDict_GetItemString(PyImport_GetModuleDict(), "numpy");  // borrowed
  PyObject* recarray = np ? PyObject_GetAttrString(np, "recarray") : nullptr;
  PyObject* view = recarray ? PyObject_CallMethod(arr, "view", "O", recarray) : nullptr;
  Py_XDECREF(recarray);
  Py_DECREF(arr);
  if (view == nullptr) return nullptr;
  PyObject* out = PySequence_GetItem(view, 0);
  Py_DECREF(view);
  return out;
}

PyObject* boxDtype(const Layout& l) {
  if (!numpyApiReady(/*import_numpy=*/true)) return nullptr;
  PyArray_Descr* descr = l.dtype == Kind::kRecord ? recordDescr(l.record) : PyArray_DescrFromType(typeNum(l.dtype));
  return reinterpret_cast<PyObject*>(descr);  // a new reference
}

bool arrayPassable(PyObject* v, const Layout& l) {
  // tdarrays: a typed Dict's store may be the first place an ndarray is met
  return numpyApiReady(/*import_numpy=*/false) && PyArray_Check(v) && passable(reinterpret_cast<PyArrayObject*>(v), l);
}

bool unboxArray(PyObject* v, const Layout& l, void* dst) {
  if (l.buffer != BufferKind::kNone) return unboxBuffer(v, l, dst);  // buffers:
  if (!arrayPassable(v, l)) {
    std::string got = typeofSpelling(v);
    PyErr_Format(PyExc_TypeError, "expected %s, got %s", l.spelling.c_str(),
                 got.empty() ? Py_TYPE(v)->tp_name : got.c_str());
    return false;
  }
  auto* a = reinterpret_cast<PyArrayObject*>(v);
  auto* out = static_cast<char*>(dst);
  void* head[2] = {nullptr, PyArray_DATA(a)};  // borrowed: meminfo is NULL
  std::memcpy(out, head, sizeof head);
  for (int i = 0; i < l.ndim; ++i) {
    const int64_t dim = PyArray_DIM(a, i), stride = PyArray_STRIDE(a, i);
    std::memcpy(out + 16 + 8 * i, &dim, 8);
    std::memcpy(out + 16 + 8 * (l.ndim + i), &stride, 8);
  }
  return true;
}

bool ownArray(PyObject* v, void* dst) {
  KilnMemInfo* mi = nullptr;
  void* data = kiln_mi_alloc_data_dtor(sizeof(PyObject*), alignof(PyObject*), dropOwnedArray, &mi);
  if (data == nullptr) {
    PyErr_NoMemory();
    return false;
  }
  Py_INCREF(v);
  std::memcpy(data, &v, sizeof v);
  std::memcpy(dst, &mi, sizeof mi);  // the struct's meminfo: its reference passes to the holder
  return true;
}

bool adoptBorrowedArray(const Layout& l, void* place, PyObject* args) {
  char* p = static_cast<char*>(place);
  if (load<KilnMemInfo*>(p) != nullptr) return true;
  npy_intp shape[kMaxArrayDims], strides[kMaxArrayDims];
  for (int i = 0; i < l.ndim; ++i) {
    shape[i] = load<int64_t>(p + 16 + 8 * i);
    strides[i] = load<int64_t>(p + 16 + 8 * (l.ndim + i));
  }
  void* data = load<void*>(p + 8);
  const char *lo, *hi;
  if (!extent(static_cast<const char*>(data), l.ndim, shape, strides, itemSize(l), &lo, &hi))
    return true;  // no elements: no memory to keep
  if (!numpyApiReady(/*import_numpy=*/true)) return false;
  if (PyObject* holder = args != nullptr ? argumentHolding(args, lo, hi) : nullptr) {
    PyObject* base = viewBase(holder);  // a buffer's export keeps its memory where it is, as a view's
    if (base == nullptr) return false;
    const bool ok = ownArray(base, p);
    Py_DECREF(base);
    return ok;
  }
  // Memory no argument holds (a constant of the compiled library, which may
  // be unloaded first): a copy that the block owns.
  PyArray_Descr* descr = descrOf(l);
  PyObject* view = descr != nullptr ? PyArray_NewFromDescr(&PyArray_Type, descr, l.ndim, shape, strides, data, 0, nullptr)
                                    : nullptr;  // steals descr
  PyObject* copy = view != nullptr ? PyArray_NewCopy(reinterpret_cast<PyArrayObject*>(view), NPY_KEEPORDER) : nullptr;
  Py_XDECREF(view);
  if (copy == nullptr) return false;
  auto* c = reinterpret_cast<PyArrayObject*>(copy);
  void* copy_data = PyArray_DATA(c);
  std::memcpy(p + 8, &copy_data, sizeof copy_data);
  for (int i = 0; i < l.ndim; ++i) {
    const int64_t stride = PyArray_STRIDE(c, i);
    std::memcpy(p + 16 + 8 * (l.ndim + i), &stride, 8);
  }
  const bool ok = ownArray(copy, p);
  Py_DECREF(copy);
  return ok;
}

bool datetimeScalarValue(PyObject* v, Kind* kind, int64_t* value) {
  if (!numpyApiReady(/*import_numpy=*/false)) return false;
  const bool dt = PyArray_IsScalar(v, Datetime);
  if (!dt && !PyArray_IsScalar(v, Timedelta)) return false;
  auto* s = reinterpret_cast<PyDatetimeScalarObject*>(v);
  *kind = datetimeKind(!dt, s->obmeta);
  *value = s->obval;
  return true;
}

PyObject* boxDatetime(Kind kind, int64_t value) {
  if (!numpyApiReady(/*import_numpy=*/true)) return nullptr;
  PyArray_Descr* descr = datetimeDescr(kind);
  if (descr == nullptr) return nullptr;
  PyObject* out = PyArray_Scalar(&value, descr, nullptr);
  Py_DECREF(descr);
  return out;
}

void releaseArray(const void* src) { kiln_mi_decref(load<KilnMemInfo*>(static_cast<const char*>(src))); }

PyObject* boxArray(const Layout& l, const void* src, PyObject* args) {
  const char* p = static_cast<const char*>(src);
  auto* meminfo = load<KilnMemInfo*>(p);
  void* data = load<void*>(p + 8);
  if (l.buffer == BufferKind::kBytes && l.ndim == 1) {  // charseq: a Bytes value (an S field) is a new bytes object
    const int64_t n = load<int64_t>(p + 16), stride = load<int64_t>(p + 24);
    PyObject* out = n < 0 ? nullptr : PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(n));
    if (out != nullptr)
      for (int64_t k = 0; k < n; ++k) PyBytes_AS_STRING(out)[k] = static_cast<const char*>(data)[k * stride];
    kiln_mi_decref(meminfo);
    if (out == nullptr && !PyErr_Occurred()) PyErr_SetString(PyExc_SystemError, "compiled code returned bytes of a negative length");
    return out;
  }
  auto fail = [&]() -> PyObject* {
    kiln_mi_decref(meminfo);  // the result's reference
    return nullptr;
  };
  npy_intp shape[kMaxArrayDims], strides[kMaxArrayDims];
  for (int i = 0; i < l.ndim; ++i) {
    shape[i] = load<int64_t>(p + 16 + 8 * i);
    strides[i] = load<int64_t>(p + 16 + 8 * (l.ndim + i));
    if (shape[i] < 0) {
      PyErr_Format(PyExc_SystemError, "compiled code returned %s with a negative dimension", l.spelling.c_str());
      return fail();
    }
  }
  if (!numpyApiReady(/*import_numpy=*/true)) return fail();
  // tdarrays: an array a container holds for Python (ownArray) comes back as
  // the ndarray itself when it is exactly that array (Numba returns its
  // parent so), else as a view based on the block like any other.
  if (meminfo != nullptr && meminfo->dtor == dropOwnedArray) {
    PyObject* held = load<PyObject*>(static_cast<const char*>(meminfo->data));
    if (sameArray(held, l, data, shape, strides) &&
        (!l.readonly || !PyArray_ISWRITEABLE(reinterpret_cast<PyArrayObject*>(held)))) {  // as an argument's
      Py_INCREF(held);
      kiln_mi_decref(meminfo);  // the result's reference (held keeps its own)
      return held;
    }
  }
  // Borrowed memory is an argument's: the argument itself when the result
  // is exactly it (as Numba), else a view whose base is that argument.
  PyObject* base = nullptr;
  if (meminfo == nullptr && args != nullptr) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(args); ++i)
      if (sameArray(PyTuple_GET_ITEM(args, i), l, data, shape, strides) &&
          (!l.readonly || !PyArray_ISWRITEABLE(reinterpret_cast<PyArrayObject*>(PyTuple_GET_ITEM(args, i))))) {
        PyObject* same = PyTuple_GET_ITEM(args, i);
        Py_INCREF(same);
        return same;
      }
    const char *lo, *hi;
    if (extent(static_cast<const char*>(data), l.ndim, shape, strides, itemSize(l), &lo, &hi))
      base = argumentHolding(args, lo, hi);
  }
  PyArray_Descr* descr = descrOf(l);
  if (descr == nullptr) return fail();
  // With data and strides given, NumPy computes the contiguity flags.
  // A view of a read-only argument is read-only too, and so is a result of a
  // readonly type (npmore: np.broadcast_to's views, as NumPy's).
  // buffers: a view of a buffer argument is writeable when its type is.
  const bool writeable = !l.readonly && (base == nullptr || !PyArray_Check(base) ||
                                         PyArray_ISWRITEABLE(reinterpret_cast<PyArrayObject*>(base)));
  PyObject* arr = PyArray_NewFromDescr(&PyArray_Type, descr, l.ndim, shape, strides, data,
                                       writeable ? NPY_ARRAY_WRITEABLE : 0, nullptr);  // steals descr
  if (arr == nullptr) return fail();
  if (meminfo == nullptr && base == nullptr) {  // nothing to share (an empty view): a copy
    PyObject* copy = PyArray_NewCopy(reinterpret_cast<PyArrayObject*>(arr), NPY_KEEPORDER);
    Py_DECREF(arr);
    if (copy != nullptr && l.readonly) PyArray_CLEARFLAGS(reinterpret_cast<PyArrayObject*>(copy), NPY_ARRAY_WRITEABLE);
    return copy;
  }
  if (base != nullptr) {
    base = viewBase(base);  // np0d: a buffer argument's memory stays exported while the view lives
    if (base == nullptr) {
      Py_DECREF(arr);
      return nullptr;  // borrowed memory: no block reference to drop
    }
  } else {
    base = PyCapsule_New(meminfo, kCapsuleName, releaseBlock);
    if (base == nullptr) {
      Py_DECREF(arr);
      return fail();
    }
  }
  // Steals `base`, releasing it on failure too (which drops the reference).
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(arr), base) < 0) {
    Py_DECREF(arr);
    return nullptr;
  }
  return arr;
}

}  // namespace kiln::python
