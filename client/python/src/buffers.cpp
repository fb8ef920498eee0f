// buffers: bytes, bytearray, memoryview and array.array arguments, typed as
// Numba types them (Bytes(uint8, 1d, C), bytearray(uint8, 1d, C),
// memoryview(float64, 2d, F), pyarray(int32, 1d, C)): an array named for its
// exporter, over the exporter's memory, read through the buffer protocol.
// The compiled side holds no reference (meminfo NULL, as for an ndarray
// argument); the argument tuple keeps the exporter alive for the call, and a
// returned view keeps a buffer export of it (viewBase).
#include <cstring>

#include "native.h"

namespace kiln::python {
namespace {

using Kind = Layout::Kind;

// The exporter kind of v; kNone for anything else (an ndarray among them).
BufferKind exporterOf(PyObject* v) {
  if (PyBytes_CheckExact(v)) return BufferKind::kBytes;
  if (PyByteArray_CheckExact(v)) return BufferKind::kBytearray;
  if (PyMemoryView_Check(v)) return BufferKind::kMemoryview;
  if (std::strcmp(Py_TYPE(v)->tp_name, "array.array") == 0) return BufferKind::kPyarray;
  return BufferKind::kNone;
}

Kind sizedInt(Py_ssize_t size, bool is_signed) {
  switch (size) {
    case 1: return is_signed ? Kind::kInt8 : Kind::kUint8;
    case 2: return is_signed ? Kind::kInt16 : Kind::kUint16;
    case 4: return is_signed ? Kind::kInt32 : Kind::kUint32;
    case 8: return is_signed ? Kind::kInt64 : Kind::kUint64;
    default: return Kind::kNone;
  }
}

// The element kind of a struct-module format in native byte order and
// alignment ("d", "@i", "Zf"); kNone for one Kiln has no type for.
Kind formatKind(const char* format, Py_ssize_t itemsize) {
  if (format == nullptr) return Kind::kUint8;  // unformatted bytes
  if (*format == '@') ++format;
  const std::string f(format);
  if (f == "?") return itemsize == 1 ? Kind::kBool : Kind::kNone;
  if (f == "b" || f == "h" || f == "i" || f == "l" || f == "q" || f == "n") return sizedInt(itemsize, true);
  if (f == "B" || f == "H" || f == "I" || f == "L" || f == "Q" || f == "N") return sizedInt(itemsize, false);
  if (f == "f") return itemsize == 4 ? Kind::kFloat32 : Kind::kNone;
  if (f == "d") return itemsize == 8 ? Kind::kFloat64 : Kind::kNone;
  if (f == "Zf") return itemsize == 8 ? Kind::kComplex64 : Kind::kNone;
  if (f == "Zd") return itemsize == 16 ? Kind::kComplex128 : Kind::kNone;
  return Kind::kNone;
}

// A strided view of v's buffer; false (no error set) when it exports none.
bool viewOf(PyObject* v, Py_buffer* view) {
  if (PyObject_GetBuffer(v, view, PyBUF_RECORDS_RO) == 0) return true;
  PyErr_Clear();
  return false;
}

uint32_t keyOf(const Py_buffer& view, BufferKind exporter) {
  const Kind k = formatKind(view.format, view.itemsize);
  if (k == Kind::kNone || view.ndim < 0 || view.ndim > kMaxArrayDims) return 0;
  // Numba's typeof: C-contiguous is C, else F-contiguous is F, else A.
  const char order = PyBuffer_IsContiguous(&view, 'C') ? 'C' : PyBuffer_IsContiguous(&view, 'F') ? 'F' : 'A';
  return arrayKey(k, view.ndim, order, view.readonly != 0, exporter);
}

}  // namespace

bool bufferKey(PyObject* v, uint32_t* key) {
  const BufferKind exporter = exporterOf(v);
  if (exporter == BufferKind::kNone) return false;
  Py_buffer view;
  *key = 0;
  if (!viewOf(v, &view)) return true;
  *key = keyOf(view, exporter);
  PyBuffer_Release(&view);
  return true;
}

bool unboxBuffer(PyObject* v, const Layout& l, void* dst) {
  const BufferKind exporter = exporterOf(v);
  Py_buffer view;
  if (exporter == BufferKind::kNone || !viewOf(v, &view)) {
    std::string got = typeofSpelling(v);
    PyErr_Format(PyExc_TypeError, "expected %s, got %s", l.spelling.c_str(), got.empty() ? Py_TYPE(v)->tp_name : got.c_str());
    return false;
  }
  if (keyOf(view, exporter) != l.array_key) {
    PyBuffer_Release(&view);
    std::string got = typeofSpelling(v);
    PyErr_Format(PyExc_TypeError, "expected %s, got %s", l.spelling.c_str(), got.empty() ? Py_TYPE(v)->tp_name : got.c_str());
    return false;
  }
  auto* out = static_cast<char*>(dst);
  void* head[2] = {nullptr, view.buf};  // borrowed: the argument tuple keeps the exporter alive
  std::memcpy(out, head, sizeof head);
  int64_t stride = view.itemsize;
  for (int i = view.ndim - 1; i >= 0; --i) {  // strides: the exporter's, else C order
    const int64_t dim = view.shape ? view.shape[i] : view.len / view.itemsize;
    const int64_t s = view.strides ? view.strides[i] : stride;
    std::memcpy(out + 16 + 8 * i, &dim, 8);
    std::memcpy(out + 16 + 8 * (l.ndim + i), &s, 8);
    stride *= dim;
  }
  // Numba's buffers hold the memory only for the call, as here: the
  // exporter (a bytearray) may not be resized while compiled code runs, and
  // compiled code calls no Python that could.
  PyBuffer_Release(&view);
  return true;
}

bool bufferHolds(PyObject* v, const char* lo, const char* hi) {
  if (exporterOf(v) == BufferKind::kNone) return false;
  Py_buffer view;
  if (!viewOf(v, &view)) return false;
  bool holds = false;
  if (PyBuffer_IsContiguous(&view, 'A')) {
    const char* start = static_cast<const char*>(view.buf);
    holds = start <= lo && hi <= start + view.len;
  }
  PyBuffer_Release(&view);
  return holds;
}

PyObject* viewBase(PyObject* holder) {
  switch (exporterOf(holder)) {
    case BufferKind::kNone:   // an ndarray (NumPy's PyArray_SetBaseObject keeps the owner of its memory)
    case BufferKind::kBytes:  // immutable, never resized: NumPy's base is the bytes object
      Py_INCREF(holder);
      return holder;
    case BufferKind::kBytearray:
    case BufferKind::kMemoryview:
    case BufferKind::kPyarray:
      return PyMemoryView_FromObject(holder);
  }
  Py_INCREF(holder);
  return holder;
}

}  // namespace kiln::python
