// structref: a StructRef that compiled code returned, boxed as an instance
// of the user's StructRefProxy subclass (numba.experimental.structref), as
// Numba boxes it: the proxy's `_meminfo` slot holds a
// kiln._kiln.StructRefHandle, which owns one reference to Kiln's block
// (runtime/cpu/kiln_rt.h) and knows the StructRef's spelling; `_type` holds
// the spelling too. Passed back to a jitted function, the proxy unboxes to
// the same block (identity: writes made by one call are seen by the next).
// A proxy whose `_meminfo` is not Kiln's (one Numba made) has no Kiln type.
//
// The block's destructor is the compiled object's (lower_structref.cpp),
// and compiled libraries stay loaded while their dispatcher lives, as for
// every block compiled code returns with a destructor (lists, generators).
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "kiln_rt.h"
#include "native.h"

namespace kiln::python {
namespace {

struct StructRefHandle {
  PyObject_HEAD
  KilnMemInfo* mi;
  std::string* spelling;
};

void handleDealloc(PyObject* self) {
  auto* h = reinterpret_cast<StructRefHandle*>(self);
  if (h->mi != nullptr) kiln_mi_decref(h->mi);
  delete h->spelling;
  Py_TYPE(self)->tp_free(self);
}

PyObject* handleRepr(PyObject* self) {
  auto* h = reinterpret_cast<StructRefHandle*>(self);
  return PyUnicode_FromFormat("<kiln StructRef %s at %p>", h->spelling->c_str(), static_cast<void*>(h->mi));
}

// The proxy classes by StructRef class ("module.qualname[a, b]"), from
// bundle.py (structref_register); each holds a reference to its class.
std::map<std::string, PyObject*>& proxies() {
  static auto* m = new std::map<std::string, PyObject*>();
  return *m;
}

// The handle in a proxy's `_meminfo`, or null (no error set). On the call
// path: the class is asked through its method cache, with interned names.
StructRefHandle* handleOf(PyObject* v) {
  static PyObject* box_name = PyUnicode_InternFromString("_numba_box_");
  static PyObject* meminfo_name = PyUnicode_InternFromString("_meminfo");
  if (PyType_Check(v) || _PyType_Lookup(Py_TYPE(v), box_name) == nullptr) return nullptr;
  PyObject* mi = PyObject_GetAttr(v, meminfo_name);
  if (mi == nullptr) {
    PyErr_Clear();
    return nullptr;
  }
  StructRefHandle* h = Py_TYPE(mi) == &StructRefHandleType ? reinterpret_cast<StructRefHandle*>(mi) : nullptr;
  Py_DECREF(mi);  // the proxy keeps it alive
  return h;
}

}  // namespace

PyTypeObject StructRefHandleType = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "kiln._kiln.StructRefHandle";
  t.tp_basicsize = sizeof(StructRefHandle);
  t.tp_flags = Py_TPFLAGS_DEFAULT;
  t.tp_dealloc = handleDealloc;
  t.tp_repr = handleRepr;
  t.tp_doc = "structref: Kiln's reference to a StructRef block (a proxy's _meminfo)";
  return t;
}();

bool isStructRefProxy(PyObject* v) { return handleOf(v) != nullptr; }

bool structRefOf(PyObject* v, const std::string& spelling) {
  StructRefHandle* h = handleOf(v);
  return h != nullptr && *h->spelling == spelling;
}

std::string structRefSpelling(PyObject* v) {
  StructRefHandle* h = handleOf(v);
  return h == nullptr ? std::string() : *h->spelling;
}

bool unboxStructRef(PyObject* v, const Layout& l, void* dst) {
  StructRefHandle* h = handleOf(v);
  if (h == nullptr || *h->spelling != l.spelling) {  // a call matched it by spelling: only a direct unbox gets here
    PyErr_Format(PyExc_TypeError, "cannot pass %R as %s (a StructRef made by Kiln's compiled code of that type)", v,
                 l.spelling.c_str());
    return false;
  }
  std::memcpy(dst, &h->mi, sizeof h->mi);  // borrowed for the call: the proxy holds the reference
  return true;
}

PyObject* boxStructRef(const Layout& l, KilnMemInfo* mi, PyObject* args) {
  // An array field that borrows an argument's memory gets a block of its own first.
  if (!adoptArgumentArrays(l, &mi, args)) {
    kiln_mi_decref(mi);
    return nullptr;
  }
  auto it = proxies().find(l.named);
  if (it == proxies().end()) {
    kiln_mi_decref(mi);
    PyErr_Format(PyExc_TypeError, "kiln: no StructRefProxy class is known to box a %s", l.spelling.c_str());
    return nullptr;
  }
  auto* h = PyObject_New(StructRefHandle, &StructRefHandleType);
  if (h == nullptr) {
    kiln_mi_decref(mi);
    return nullptr;
  }
  h->mi = mi;
  h->spelling = new std::string(l.spelling);
  PyObject* handle = reinterpret_cast<PyObject*>(h);
  PyObject* inst = PyObject_CallMethod(reinterpret_cast<PyObject*>(&PyBaseObject_Type), "__new__", "O", it->second);
  PyObject* type = PyUnicode_FromString(l.spelling.c_str());
  if (inst == nullptr || type == nullptr || PyObject_SetAttrString(inst, "_meminfo", handle) < 0 ||
      PyObject_SetAttrString(inst, "_type", type) < 0) {
    Py_XDECREF(inst);
    Py_XDECREF(type);
    Py_DECREF(handle);
    return nullptr;
  }
  Py_DECREF(type);
  Py_DECREF(handle);
  return inst;
}

PyObject* structRefRegister(PyObject*, PyObject* args) {
  const char* name = nullptr;
  PyObject* cls = nullptr;
  if (!PyArg_ParseTuple(args, "sO", &name, &cls)) return nullptr;
  Py_INCREF(cls);
  auto [it, fresh] = proxies().emplace(name, cls);
  if (!fresh) {  // redefined under the same name: the latest wins (both kept alive)
    it->second = cls;
  }
  Py_RETURN_NONE;
}

}  // namespace kiln::python
