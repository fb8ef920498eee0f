// NumPy arrays in the extension: typeof, and unboxing into and boxing out of
// the C ABI's array struct (runtime/cpu/kiln_abi.h). The only file that uses
// NumPy's C API, which it imports lazily: `import kiln` must not import
// numpy, so the API is loaded on the first call that meets an ndarray (numpy
// is then already imported) or returns one.
#include <algorithm>
#include <cstdlib>
#include <cstring>

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

// The Kiln element type of an array's dtype; kNone when it has none
// (object, strings, structured, float16, long double, swapped byte order).
Kind elementKind(PyArrayObject* a) {
  if (!PyArray_ISNOTSWAPPED(a)) return Kind::kNone;
  const int type = PyArray_TYPE(a);
  const npy_intp size = PyArray_ITEMSIZE(a);
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
  if (PyTypeNum_ISFLOAT(type)) return size == 4 ? Kind::kFloat32 : size == 8 ? Kind::kFloat64 : Kind::kNone;
  if (PyTypeNum_ISCOMPLEX(type))
    return size == 8 ? Kind::kComplex64 : size == 16 ? Kind::kComplex128 : Kind::kNone;
  if (type == NPY_DATETIME || type == NPY_TIMEDELTA) {  // datetime: the unit is in the dtype's metadata
    auto* meta = reinterpret_cast<PyArray_DatetimeDTypeMetaData*>(PyDataType_C_METADATA(PyArray_DESCR(a)));
    return meta == nullptr ? Kind::kNone : datetimeKind(type == NPY_TIMEDELTA, meta->meta);
  }
  return Kind::kNone;
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
#define KILN_DATETIME_SCALAR(Name, canonical, is_timedelta, unit) case Kind::k##Name:
#include "base/type_names.def"
      return -1;  // datetime: datetimeDescr
    case Kind::kNone: case Kind::kTuple: case Kind::kArray: case Kind::kStr: case Kind::kDict: case Kind::kList: case Kind::kOptional: return -1;
  }
  return -1;
}

npy_intp itemBytes(Kind kind) {
  switch (kind) {
    case Kind::kBool: case Kind::kInt8: case Kind::kUint8: return 1;
    case Kind::kInt16: case Kind::kUint16: return 2;
    case Kind::kInt32: case Kind::kUint32: case Kind::kFloat32: return 4;
    case Kind::kInt64: case Kind::kUint64: case Kind::kFloat64: case Kind::kComplex64: return 8;
#define KILN_DATETIME_SCALAR(Name, canonical, is_timedelta, unit) case Kind::k##Name:
#include "base/type_names.def"
      return 8;
    case Kind::kComplex128: return 16;
    case Kind::kNone: case Kind::kTuple: case Kind::kArray: case Kind::kStr: case Kind::kDict: case Kind::kList: case Kind::kOptional: return 1;
  }
  return 1;
}

// Whether an ndarray may be passed where `l` (an array type) is declared:
// same dtype and ndim, contiguous when the layout promises it, and writeable
// unless the type is readonly.
bool passable(PyArrayObject* a, const Layout& l) {
  if (elementKind(a) != l.dtype || PyArray_NDIM(a) != l.ndim) return false;
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
  const bool untyped = k == Kind::kNone || nd > kMaxArrayDims;
  *key = untyped ? 0 : arrayKey(k, nd, order, !PyArray_ISWRITEABLE(a));
  return true;
}

bool arrayPassable(PyObject* v, const Layout& l) {
  return api_loaded && PyArray_Check(v) && passable(reinterpret_cast<PyArrayObject*>(v), l);
}

bool unboxArray(PyObject* v, const Layout& l, void* dst) {
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
    if (extent(static_cast<const char*>(data), l.ndim, shape, strides, itemBytes(l.dtype), &lo, &hi))
      base = argumentHolding(args, lo, hi);
  }
  PyArray_Descr* descr = base::scalarIsDatetime(static_cast<base::Scalar>(l.dtype)) ? datetimeDescr(l.dtype)
                                                                                   : PyArray_DescrFromType(typeNum(l.dtype));
  if (descr == nullptr) return fail();
  // With data and strides given, NumPy computes the contiguity flags.
  // A view of a read-only argument is read-only too, and so is a result of a
  // readonly type (npmore: np.broadcast_to's views, as NumPy's).
  const bool writeable =
      !l.readonly && (base == nullptr || PyArray_ISWRITEABLE(reinterpret_cast<PyArrayObject*>(base)));
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
    Py_INCREF(base);
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
