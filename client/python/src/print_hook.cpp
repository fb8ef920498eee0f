// print: the printer of compiled print() (runtime/cpu/kiln_print.h). Each
// value is boxed as a result of its type is, and the call is Python's own
// print(*values, sep=sep, end=end), so the text is what Python prints for the
// boxed objects (NumPy's for arrays, as Numba prints them) and it goes to
// sys.stdout as it is at the time of the call (a test's redirection included).
#include <Python.h>

#include <map>
#include <memory>
#include <string>

#include "kiln_abi.h"
#include "kiln_print.h"
#include "native.h"

namespace kiln::python {

// The layouts of the types printed so far, by spelling (only read and
// written holding the GIL).
const Layout* layoutOfSpelling(const char* spelling) {
  static auto* cache = new std::map<std::string, std::unique_ptr<Layout>>();
  auto it = cache->find(spelling);
  if (it != cache->end()) return it->second.get();
  absl::StatusOr<Layout> l = parseType(spelling);
  if (!l.ok()) return nullptr;
  return cache->emplace(spelling, std::make_unique<Layout>(*std::move(l))).first->second.get();
}

namespace {

PyObject* strObject(const KilnStr* s) {
  return PyUnicode_FromKindAndData(static_cast<int>(s->kind), s->data, static_cast<Py_ssize_t>(s->length));
}

int32_t printWithPython(int64_t n, void* const* values, const char* const* types, const KilnStr* sep,
                        const KilnStr* end) {
  PyGILState_STATE gil = PyGILState_Ensure();
  int32_t status = KILN_OK;
  PyObject* args = PyTuple_New(static_cast<Py_ssize_t>(n));
  PyObject* kwargs = PyDict_New();
  for (int64_t k = 0; args != nullptr && k < n && status == KILN_OK; ++k) {
    const Layout* l = layoutOfSpelling(types[k]);
    PyObject* v = l ? boxBorrowed(*l, values[k]) : nullptr;
    if (v == nullptr) {
      status = KILN_TYPE_ERROR;
      break;
    }
    PyTuple_SET_ITEM(args, static_cast<Py_ssize_t>(k), v);
  }
  if (status == KILN_OK && (args == nullptr || kwargs == nullptr)) status = KILN_MEMORY_ERROR;
  for (auto [name, s] : {std::pair{"sep", sep}, std::pair{"end", end}}) {
    if (status != KILN_OK || s == nullptr) continue;
    PyObject* o = strObject(s);
    if (o == nullptr || PyDict_SetItemString(kwargs, name, o) < 0) status = KILN_MEMORY_ERROR;
    Py_XDECREF(o);
  }
  if (status == KILN_OK) {
    PyObject* print = PyDict_GetItemString(PyEval_GetBuiltins(), "print");  // borrowed
    PyObject* r = print ? PyObject_Call(print, args, kwargs) : nullptr;
    if (r == nullptr) status = KILN_RUNTIME_ERROR;
    Py_XDECREF(r);
  }
  // The compiled code raises its own error; Python's is not kept.
  if (status != KILN_OK) PyErr_Clear();
  Py_XDECREF(args);
  Py_XDECREF(kwargs);
  PyGILState_Release(gil);
  return status;
}

}  // namespace

void installPrintHook() { kiln_print_set_hook(printWithPython); }

}  // namespace kiln::python
