#pragma once
// Shared pieces of the kiln._kiln extension.
//
//  value_types: Numba-style type spellings <-> native layouts, typeof of a
//    Python value, unboxing into and boxing out of the C ABI storage.
//  bundle_builder: the plain Python structure built by kiln/bundle.py ->
//    kiln::v1::Bundle.
//  dispatcher: the native Dispatcher type (the call hot path).
//  module: module functions (compile, info, stats, ...) and init.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kiln/v1/kiln.pb.h"

namespace kiln::python {

/// The native form of one value type.
struct Layout {
  enum class Kind {
    kBool, kInt8, kInt16, kInt32, kInt64, kUint8, kUint16, kUint32, kUint64,
    kFloat32, kFloat64, kComplex64, kComplex128, kNone, kTuple,
  };
  Kind kind = Kind::kNone;
  size_t size = 0, align = 1;
  std::vector<Layout> items;     // kTuple
  std::vector<size_t> offsets;   // kTuple: C struct offsets of items
  std::string spelling;          // canonical: "int64", "UniTuple(int64, 2)"
};

/// Parses "float64", "i8", "UniTuple(int64, 2)", "UniTuple(int64 x 2)",
/// "Tuple(int64, float64)", "none"/"void" into a layout.
absl::StatusOr<Layout> parseType(const std::string& spelling);

/// The argument kind of a value, computed without allocating for scalars.
/// kTuple means "see typeofSpelling"; returns false when untypeable.
bool typeofKind(PyObject* value, Layout::Kind* kind);
/// Numba's typeof as a spelling; empty when the value has no Kiln type.
std::string typeofSpelling(PyObject* value);

/// Whether a value of kind `from` may be passed where `to` is declared
/// (exact, or a safe conversion: bool -> int/float, int -> float64, ...).
bool convertible(Layout::Kind from, const Layout& to);

/// Unbox `value` into `dst` as `layout`; returns false with a Python error set.
bool unbox(PyObject* value, const Layout& layout, void* dst);
/// A new reference to the Python value stored at `src`, or null with an error.
PyObject* box(const Layout& layout, const void* src);

/// kiln.errors.<name> (borrowed, cached), falling back to RuntimeError.
PyObject* kilnError(const char* name);

/// kiln/bundle.py's plain structure -> Bundle; false with a Python error set.
bool buildBundle(PyObject* spec, kiln::v1::Bundle* out);

extern PyTypeObject DispatcherType;
extern PyTypeObject BundleType;

struct BundleObject {
  PyObject_HEAD
  kiln::v1::Bundle* bundle;
  uint8_t hash[32];
};

}  // namespace kiln::python
