// NumPy arrays in the extension: typeof, and unboxing into and boxing out of
// the C ABI's array struct (runtime/cpu/kiln_abi.h). The only file that uses
// NumPy's C API, which it imports lazily: `import kiln` must not import
// numpy, so the API is loaded on the first call that meets an ndarray (numpy
// is then already imported) or returns one.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "native.h"

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

namespace kiln::python {
namespace {

using Kind = Layout::Kind;

bool api_loaded = false;
constexpr const char* kCapsuleName = "kiln.meminfo";

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
  return Kind::kNone;
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
    case Kind::kNone: case Kind::kTuple: case Kind::kArray: return -1;
  }
  return -1;
}

// Whether an ndarray may be passed where `l` (an array type) is declared:
// same dtype and ndim, and contiguous when the layout promises it.
bool passable(PyArrayObject* a, const Layout& l) {
  if (elementKind(a) != l.dtype || PyArray_NDIM(a) != l.ndim) return false;
  switch (l.order) {
    case 'C': return PyArray_IS_C_CONTIGUOUS(a);
    case 'F': return PyArray_IS_F_CONTIGUOUS(a);
    default: return true;
  }
}

void freeBlock(PyObject* capsule) { std::free(PyCapsule_GetPointer(capsule, kCapsuleName)); }

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
  // Read-only arrays have no type yet: compiled code could write to them
  // (Numba types them `readonly array` and refuses the writes).
  const bool untyped = k == Kind::kNone || nd > kMaxArrayDims || !PyArray_ISWRITEABLE(a);
  *key = untyped ? 0 : arrayKey(k, nd, order);
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

namespace {

// The lowest and one-past-highest byte an array's elements occupy.
std::pair<const char*, const char*> extent(const char* data, int nd, const npy_intp* shape, const npy_intp* strides,
                                           npy_intp itemsize) {
  const char* lo = data;
  const char* hi = data + itemsize;
  for (int i = 0; i < nd; ++i) {
    if (shape[i] == 0) return {data, data};
    (strides[i] < 0 ? lo : hi) += (shape[i] - 1) * strides[i];
  }
  return {lo, hi};
}

// The argument array whose memory holds the borrowed array (data, shape,
// strides), or nullptr; *same: it describes exactly that argument.
PyArrayObject* argumentHolding(PyObject* args, int type_num, const char* data, int nd, const npy_intp* shape,
                               const npy_intp* strides, bool* same) {
  *same = false;
  if (args == nullptr || !PyTuple_Check(args)) return nullptr;
  for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(args); ++k) {
    PyObject* v = PyTuple_GET_ITEM(args, k);
    if (!PyArray_Check(v)) continue;
    auto* a = reinterpret_cast<PyArrayObject*>(v);
    if (PyArray_TYPE(a) != type_num) continue;
    const char* adata = static_cast<const char*>(PyArray_DATA(a));
    if (adata == data && PyArray_NDIM(a) == nd && std::equal(shape, shape + nd, PyArray_DIMS(a)) &&
        std::equal(strides, strides + nd, PyArray_STRIDES(a))) {
      *same = true;
      return a;
    }
    auto [lo, hi] = extent(data, nd, shape, strides, PyArray_ITEMSIZE(a));
    auto [alo, ahi] = extent(adata, PyArray_NDIM(a), PyArray_DIMS(a), PyArray_STRIDES(a), PyArray_ITEMSIZE(a));
    if (lo < hi && alo <= lo && hi <= ahi) return a;
  }
  return nullptr;
}

}  // namespace

PyObject* boxArray(const Layout& l, const void* src, ArrayOwners* owners, PyObject* args) {
  const char* p = static_cast<const char*>(src);
  void* meminfo = load<void*>(p);
  void* data = load<void*>(p + 8);
  // A block already handed to an array of this result (a tuple holding an
  // array and a view of it) is shared, not freed twice.
  PyObject* owner = nullptr;
  for (const auto& [block, capsule] : *owners)
    if (meminfo != nullptr && block == meminfo) owner = capsule;
  auto fail = [&]() -> PyObject* {
    if (owner == nullptr && meminfo != nullptr) {
      std::free(meminfo);
      owners->emplace_back(meminfo, nullptr);  // freed: the result's other arrays must not free it again
    }
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
  bool same = false;
  PyArrayObject* holder = meminfo == nullptr ? argumentHolding(args, typeNum(l.dtype), static_cast<const char*>(data),
                                                               l.ndim, shape, strides, &same)
                                             : nullptr;
  if (same) {  // the argument itself comes back, as in Numba (`f(a) is a`)
    Py_INCREF(holder);
    return reinterpret_cast<PyObject*>(holder);
  }
  PyArray_Descr* descr = PyArray_DescrFromType(typeNum(l.dtype));
  if (descr == nullptr) return fail();
  // With data and strides given, NumPy computes the contiguity flags.
  PyObject* arr = PyArray_NewFromDescr(&PyArray_Type, descr, l.ndim, shape, strides, data, NPY_ARRAY_WRITEABLE,
                                       nullptr);  // steals descr
  if (arr == nullptr) return fail();
  if (holder != nullptr) {  // a view of an argument: NumPy's view, keeping the argument alive
    Py_INCREF(holder);
    if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(arr), reinterpret_cast<PyObject*>(holder)) < 0) {
      Py_DECREF(arr);
      return nullptr;
    }
    return arr;
  }
  if (meminfo == nullptr) {  // other borrowed memory (no argument holds it): the caller gets its own copy
    PyObject* copy = PyArray_NewCopy(reinterpret_cast<PyArrayObject*>(arr), NPY_KEEPORDER);
    Py_DECREF(arr);
    return copy;
  }
  if (owner != nullptr) {
    Py_INCREF(owner);
  } else {
    owner = PyCapsule_New(meminfo, kCapsuleName, freeBlock);
    if (owner == nullptr) {
      Py_DECREF(arr);
      return fail();
    }
    owners->emplace_back(meminfo, owner);
  }
  // Steals `owner`, releasing it on failure too (which frees an unshared
  // block); boxing stops at the first failure, so the stale entry in
  // `owners` is only compared, never used.
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(arr), owner) < 0) {
    Py_DECREF(arr);
    return nullptr;
  }
  return arr;
}

}  // namespace kiln::python
