// objmode: the hook that runs a `with objmode(...)` block of compiled code
// in the interpreter (runtime/cpu/kiln_objmode.h). The block itself is a
// Python function kiln/_objmode.py made from the function's source; its
// runner (kiln._objmode._run, installed with _set_objmode_runner) takes the
// block's key and the values it reads, boxed as print() boxes them (an
// array is a view of the same memory, so writes are seen both ways), and
// returns the names and values of the declared outputs. Each output is
// converted to its declared type as an argument is, and then made to own
// the memory it borrows from the Python object (one reference to it per
// borrowed block), since the object may die as soon as the block returns.
// An exception the block raised waits here, per thread, until the caller of
// the compiled code raises it (raiseFromCompiled): the same object, with the
// traceback through the user's lines.
#include <Python.h>

#include <cstring>
#include <set>
#include <string>

#include "kiln_abi.h"
#include "kiln_objmode.h"
#include "kiln_rt.h"
#include "kiln_unicode.h"
#include "native.h"

namespace kiln::python {
namespace {

thread_local PyObject* call_args = nullptr;  // currentCallArgs (borrowed: the call holds it)
PyObject* runner = nullptr;  // kiln._objmode._run (owned; read and written holding the GIL)
thread_local PyObject* pending = nullptr;  // the exception a block raised, normalized (owned)
thread_local const char* pending_class = nullptr;  // its class path, as compiled code raised it

// Takes the raised exception out of the interpreter, normalized, with its traceback.
PyObject* takeException() {
#if PY_VERSION_HEX >= 0x030C0000
  return PyErr_GetRaisedException();
#else
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  if (tb != nullptr && value != nullptr) PyException_SetTraceback(value, tb);
  Py_XDECREF(type);
  Py_XDECREF(tb);
  return value;
#endif
}

// ",module:qualname,...,": the class paths (bundle.py's exception_path) of
// the exception's class and its bases, interned for the life of the process
// (compiled code holds the pointer as KilnError.class_name).
const char* classPath(PyObject* exc) {
  static auto* interned = new std::set<std::string>();
  std::string path = ",builtins:Exception,";
  PyObject* fn = runner != nullptr ? PyObject_GetAttrString(runner, "__kiln_error_path__") : nullptr;
  PyObject* text = fn != nullptr ? PyObject_CallOneArg(fn, exc) : nullptr;
  if (text != nullptr && PyUnicode_Check(text)) {
    if (const char* utf8 = PyUnicode_AsUTF8(text)) path = utf8;
  }
  if (text == nullptr) PyErr_Clear();
  Py_XDECREF(text);
  Py_XDECREF(fn);
  return interned->insert(path).first->c_str();
}

// Keeps the exception (and forgets any earlier one, which compiled code handled).
const char* keep(PyObject* exc) {
  Py_XDECREF(pending);
  pending = exc;
  pending_class = exc != nullptr ? classPath(exc) : nullptr;
  return pending_class;
}

// The data of a keeper block: the Python object whose memory an output borrows.
void dropKept(void* data) {
  PyObject* o = nullptr;
  std::memcpy(&o, data, sizeof o);
  if (o == nullptr || !Py_IsInitialized()) return;
  PyGILState_STATE gil = PyGILState_Ensure();
  Py_DECREF(o);
  PyGILState_Release(gil);
}

// Points every borrowed block (a null meminfo: an array's or a str's) of the
// value at `dst` at a keeper of `owner`; false (memory) when one cannot be made.
bool adopt(const Layout& l, char* dst, PyObject* owner) {
  switch (l.kind) {
    case Layout::Kind::kArray:
    case Layout::Kind::kStr: {  // both start with their meminfo
      KilnMemInfo* mi = nullptr;
      std::memcpy(&mi, dst, sizeof mi);
      if (mi != nullptr) return true;
      void* data = kiln_mi_alloc_data_dtor(sizeof(PyObject*), alignof(PyObject*), dropKept, &mi);
      if (data == nullptr) return false;
      Py_INCREF(owner);
      std::memcpy(data, &owner, sizeof owner);
      std::memcpy(dst, &mi, sizeof mi);
      return true;
    }
    case Layout::Kind::kTuple:
      for (size_t k = 0; k < l.items.size(); ++k)
        if (!adopt(l.items[k], dst + l.offsets[k],
                   PyTuple_Check(owner) && k < static_cast<size_t>(PyTuple_GET_SIZE(owner))
                       ? PyTuple_GET_ITEM(owner, static_cast<Py_ssize_t>(k)) : owner))
          return false;
      return true;
    default:  // scalars own nothing; typing admits no other output (rules_print.cpp)
      return true;
  }
}

// Python's error for output `name`: the conversion's own class and words, naming the variable.
void nameOutput(PyObject* name, const char* spelling) {
  PyObject* exc = takeException();
  if (exc == nullptr) return;
  PyErr_Format(reinterpret_cast<PyObject*>(Py_TYPE(exc)), "with objmode(): output '%U' is declared %s: %S", name,
               spelling, exc);
  Py_DECREF(exc);
}

int32_t runBlock(const char* key, int64_t nin, void* const* inputs, const char* const* in_types, int64_t nout,
                 void* const* outputs, const char* const* out_types, const char** error_class) {
  PyGILState_STATE gil = PyGILState_Ensure();
  int32_t status = KILN_OK;
  int64_t converted = 0;
  PyObject* args = PyTuple_New(static_cast<Py_ssize_t>(nin));
  PyObject* result = nullptr;
  for (int64_t k = 0; args != nullptr && k < nin; ++k) {
    const Layout* l = layoutOfSpelling(in_types[k]);
    PyObject* v = l ? boxBorrowed(*l, inputs[k], call_args) : nullptr;
    if (v == nullptr) {
      if (!PyErr_Occurred()) PyErr_Format(PyExc_TypeError, "with objmode(): cannot box a value of type %s", in_types[k]);
      Py_CLEAR(args);
      break;
    }
    PyTuple_SET_ITEM(args, static_cast<Py_ssize_t>(k), v);
  }
  if (args != nullptr) {
    if (runner == nullptr) PyErr_SetString(PyExc_RuntimeError, "with objmode(): the block runner is not installed");
    else result = PyObject_CallFunction(runner, "sO", key, args);
  }
  PyObject *names = nullptr, *values = nullptr;
  if (result != nullptr && (!PyTuple_Check(result) || PyTuple_GET_SIZE(result) != 2 ||
                            !PyTuple_Check(names = PyTuple_GET_ITEM(result, 0)) ||
                            !PyTuple_Check(values = PyTuple_GET_ITEM(result, 1)) ||
                            PyTuple_GET_SIZE(values) != nout || PyTuple_GET_SIZE(names) != nout)) {
    PyErr_SetString(PyExc_SystemError, "with objmode(): the runner returned a bad result");
    Py_CLEAR(result);
  }
  for (; result != nullptr && converted < nout; ++converted) {
    const Layout* l = layoutOfSpelling(out_types[converted]);
    PyObject* v = PyTuple_GET_ITEM(values, converted);
    char* dst = static_cast<char*>(outputs[converted]);
    // An array output may be the first ndarray this process hands to compiled code.
    if (l != nullptr && std::strstr(out_types[converted], "array(") != nullptr && !numpyApiReady(true)) {
      nameOutput(PyTuple_GET_ITEM(names, converted), out_types[converted]);
      break;
    }
    if (l == nullptr || !unbox(v, *l, dst)) {
      if (l == nullptr) PyErr_Format(PyExc_TypeError, "no type %s", out_types[converted]);
      nameOutput(PyTuple_GET_ITEM(names, converted), out_types[converted]);
      break;
    }
    if (!adopt(*l, dst, v)) {
      releaseResult(*l, dst);
      PyErr_NoMemory();
      break;
    }
  }
  if (result == nullptr || converted < nout) {
    for (int64_t k = 0; k < converted; ++k)  // the outputs converted before the failure
      if (const Layout* l = layoutOfSpelling(out_types[k])) releaseResult(*l, outputs[k]);
    *error_class = keep(takeException());
    status = KILN_PYTHON_ERROR;
  }
  Py_XDECREF(result);
  Py_XDECREF(args);
  PyGILState_Release(gil);
  return status;
}

PyObject* setRunner(PyObject*, PyObject* fn) {
  Py_INCREF(fn);
  Py_XSETREF(runner, fn);
  Py_RETURN_NONE;
}

}  // namespace

PyObject* currentCallArgs() { return call_args; }

CurrentCallArgs::CurrentCallArgs(PyObject* args) : outer_(call_args) { call_args = args; }

CurrentCallArgs::~CurrentCallArgs() { call_args = outer_; }

PyMethodDef kObjmodeFunctions[] = {
    {"_set_objmode_runner", setRunner, METH_O, "objmode: installs kiln._objmode._run, the runner of with objmode() blocks"},
    {nullptr, nullptr, 0, nullptr}};

void installObjmodeHook() { kiln_objmode_set_hook(runBlock); }

bool restoreObjmodeError(const char* class_name) {
  if (pending == nullptr || class_name == nullptr || class_name != pending_class) return false;
  PyObject* exc = pending;
  pending = nullptr;
  pending_class = nullptr;
#if PY_VERSION_HEX >= 0x030C0000
  PyErr_SetRaisedException(exc);
#else
  PyObject* type = reinterpret_cast<PyObject*>(Py_TYPE(exc));
  Py_INCREF(type);
  PyErr_Restore(type, exc, PyException_GetTraceback(exc));  // steals all three
#endif
  return true;
}

}  // namespace kiln::python
