// cudahost: kiln.cuda's launch hot path, `kernel[griddim, blockdim](*args)`,
// as two native calls and no Python frame in the common case.
//
// kiln.cuda.Kernel subclasses KernelBase, whose subscript looks the launch
// configuration up in a per-kernel table of Launch objects (made once per
// configuration by the Python side's _make_launch, which checks it). A
// Launch call in the emulation swaps each device array for its host view,
// sets the emulation's configuration (kiln_cuda_sim_configure) and calls the
// kernel's dispatcher, whose native path types the arguments, finds the
// overload compiled for them (the per-signature launcher) and unboxes them
// into its argument block: nothing in Python decides anything per launch.
// On a GPU a Launch hands over to the Python driver path (Kernel._launch).
// A failed launch goes to Kernel._launch_failed with the emulation's fault
// record, which names the kernel and the faulting thread.
#include <cstdint>

#include "kiln_cuda_sim.h"
#include "native.h"

namespace kiln::python {
namespace {

// Set once by kiln.cuda (_kiln._cuda_launch_setup): the device-array class,
// NumPy's ndarray, and the function that turns any other CUDA Array
// Interface exporter into a host array (kiln.cuda._api._host_array).
PyTypeObject* g_device_array = nullptr;
PyTypeObject* g_ndarray = nullptr;
PyObject* g_host_array = nullptr;

// At most this many configurations are remembered per kernel (a program
// that launches with ever new grid sizes goes through _make_launch).
constexpr Py_ssize_t kMaxLaunches = 64;

struct LaunchObject {
  PyObject_HEAD
  PyObject* kernel;      // the kiln.cuda.Kernel
  PyObject* dispatcher;  // its dispatcher
  PyObject* cfg;         // ((gx, gy, gz), (bx, by, bz), shmem), for the Python paths
  PyObject* stream;
  int32_t grid[3];
  int32_t block[3];
  int64_t shmem;
  bool emulated;
};

// A launch argument as the emulated kernel takes it: a new reference, or
// null with an error set.
PyObject* hostArgument(PyObject* a) {
  PyTypeObject* t = Py_TYPE(a);
  if (t == g_ndarray || PyLong_CheckExact(a) || PyFloat_CheckExact(a) || PyBool_Check(a)) return Py_NewRef(a);
  if (g_device_array != nullptr && PyType_IsSubtype(t, g_device_array)) {
    // The host view is cached on the array (_host) once made (_ary).
    static PyObject* host_name = PyUnicode_InternFromString("_host");
    static PyObject* ary_name = PyUnicode_InternFromString("_ary");
    if (host_name == nullptr || ary_name == nullptr) return nullptr;
    PyObject* host = PyObject_GetAttr(a, host_name);
    if (host == nullptr) return nullptr;
    if (host != Py_None) return host;
    Py_DECREF(host);
    return PyObject_GetAttr(a, ary_name);
  }
  return PyObject_CallOneArg(g_host_array, a);
}

PyObject* launchCall(PyObject* self_obj, PyObject* args, PyObject* kwargs) {
  auto* self = reinterpret_cast<LaunchObject*>(self_obj);
  if (kwargs != nullptr && PyDict_GET_SIZE(kwargs) != 0) {
    PyErr_SetString(PyExc_TypeError, "a kernel launch takes positional arguments only");
    return nullptr;
  }
  if (!self->emulated || g_host_array == nullptr)
    return PyObject_CallMethod(self->kernel, "_launch", "OOO", self->cfg, args, self->stream);
  const Py_ssize_t n = PyTuple_GET_SIZE(args);
  PyObject* host = PyTuple_New(n);
  if (host == nullptr) return nullptr;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* h = hostArgument(PyTuple_GET_ITEM(args, i));
    if (h == nullptr) {
      Py_DECREF(host);
      return nullptr;
    }
    PyTuple_SET_ITEM(host, i, h);
  }
  if (kiln_cuda_sim_configure(self->grid[0], self->grid[1], self->grid[2], self->block[0], self->block[1],
                              self->block[2], self->shmem) != 0) {
    Py_DECREF(host);
    PyErr_SetString(PyExc_ValueError, "invalid launch configuration");
    return nullptr;
  }
  PyObject* r = PyObject_Call(self->dispatcher, host, nullptr);
  Py_DECREF(host);
  if (r != nullptr) return r;
  PyObject *type, *exc, *tb;
  PyErr_Fetch(&type, &exc, &tb);
  PyErr_NormalizeException(&type, &exc, &tb);
  if (tb != nullptr) PyException_SetTraceback(exc, tb);
  Py_XDECREF(type);
  Py_XDECREF(tb);
  int32_t fault[6];
  PyObject* where = kiln_cuda_sim_last_fault(fault) != 0
                        ? Py_BuildValue("(iiiiii)", fault[0], fault[1], fault[2], fault[3], fault[4], fault[5])
                        : Py_NewRef(Py_None);
  if (where == nullptr) {
    Py_DECREF(exc);
    return nullptr;
  }
  r = PyObject_CallMethod(self->kernel, "_launch_failed", "NN", exc, where);
  if (r != nullptr) {  // _launch_failed always raises
    Py_DECREF(r);
    PyErr_SetString(PyExc_SystemError, "Kernel._launch_failed returned");
  }
  return nullptr;
}

int dim3From(PyObject* t, int32_t out[3]) {
  if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3) {
    PyErr_SetString(PyExc_TypeError, "a launch dimension must be a tuple of 3 ints");
    return -1;
  }
  for (Py_ssize_t i = 0; i < 3; ++i) {
    long v = PyLong_AsLong(PyTuple_GET_ITEM(t, i));
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v < 1 || v > INT32_MAX) {
      PyErr_SetString(PyExc_ValueError, "a launch dimension is out of range");
      return -1;
    }
    out[i] = static_cast<int32_t>(v);
  }
  return 0;
}

// KernelLaunch(kernel, dispatcher, cfg, stream, emulated)
PyObject* launchNew(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  PyObject *kernel, *dispatcher, *cfg, *stream;
  int emulated;
  static const char* kNames[] = {"kernel", "dispatcher", "cfg", "stream", "emulated", nullptr};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO!Op", const_cast<char**>(kNames), &kernel, &dispatcher,
                                   &PyTuple_Type, &cfg, &stream, &emulated))
    return nullptr;
  if (PyTuple_GET_SIZE(cfg) != 3) {
    PyErr_SetString(PyExc_TypeError, "cfg must be (grid, block, shmem)");
    return nullptr;
  }
  int32_t grid[3], block[3];
  if (dim3From(PyTuple_GET_ITEM(cfg, 0), grid) < 0 || dim3From(PyTuple_GET_ITEM(cfg, 1), block) < 0) return nullptr;
  long long shmem = PyLong_AsLongLong(PyTuple_GET_ITEM(cfg, 2));
  if (shmem == -1 && PyErr_Occurred()) return nullptr;
  auto* self = reinterpret_cast<LaunchObject*>(type->tp_alloc(type, 0));
  if (self == nullptr) return nullptr;
  self->kernel = Py_NewRef(kernel);
  self->dispatcher = Py_NewRef(dispatcher);
  self->cfg = Py_NewRef(cfg);
  self->stream = Py_NewRef(stream);
  for (int i = 0; i < 3; ++i) {
    self->grid[i] = grid[i];
    self->block[i] = block[i];
  }
  self->shmem = shmem;
  self->emulated = emulated != 0;
  return reinterpret_cast<PyObject*>(self);
}

int launchTraverse(PyObject* self_obj, visitproc visit, void* arg) {
  auto* self = reinterpret_cast<LaunchObject*>(self_obj);
  Py_VISIT(self->kernel);
  Py_VISIT(self->dispatcher);
  Py_VISIT(self->cfg);
  Py_VISIT(self->stream);
  return 0;
}

int launchClear(PyObject* self_obj) {
  auto* self = reinterpret_cast<LaunchObject*>(self_obj);
  Py_CLEAR(self->kernel);
  Py_CLEAR(self->dispatcher);
  Py_CLEAR(self->cfg);
  Py_CLEAR(self->stream);
  return 0;
}

void launchDealloc(PyObject* self) {
  PyObject_GC_UnTrack(self);
  launchClear(self);
  Py_TYPE(self)->tp_free(self);
}

PyObject* launchConfig(PyObject* self, void*) { return Py_NewRef(reinterpret_cast<LaunchObject*>(self)->cfg); }
PyObject* launchStream(PyObject* self, void*) { return Py_NewRef(reinterpret_cast<LaunchObject*>(self)->stream); }

PyGetSetDef kLaunchGetSet[] = {
    {"config", launchConfig, nullptr, "((gx, gy, gz), (bx, by, bz), dynamic shared bytes)", nullptr},
    {"stream", launchStream, nullptr, "the launch's stream (None: the default)", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

// ---- KernelBase: the subscript ----

struct KernelBaseObject {
  PyObject_HEAD
  PyObject* launches;  // dict: the subscript's key -> KernelLaunch
};

// A dimension as the table keys it: an int, or a tuple of ints (exactly:
// 1.0 and True equal 1 as dict keys, but are not launch dimensions).
bool plainDims(PyObject* d) {
  if (PyLong_CheckExact(d)) return true;
  if (!PyTuple_CheckExact(d)) return false;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(d); ++i)
    if (!PyLong_CheckExact(PyTuple_GET_ITEM(d, i))) return false;
  return true;
}

// Whether the table may hold this configuration: (grid, block[, stream[,
// shmem]]) of plain dimensions, an int shmem, and a stream that is None, 0
// or an object compared by identity.
bool tableKey(PyObject* key) {
  if (!PyTuple_CheckExact(key)) return false;
  Py_ssize_t n = PyTuple_GET_SIZE(key);
  if (n < 2 || n > 4 || !plainDims(PyTuple_GET_ITEM(key, 0)) || !plainDims(PyTuple_GET_ITEM(key, 1))) return false;
  if (n >= 3) {
    PyObject* s = PyTuple_GET_ITEM(key, 2);
    PyTypeObject* t = Py_TYPE(s);
    if (s != Py_None && !PyLong_CheckExact(s) && (t->tp_hash != PyBaseObject_Type.tp_hash ||
                                                  t->tp_richcompare != PyBaseObject_Type.tp_richcompare))
      return false;
  }
  return n < 4 || PyLong_CheckExact(PyTuple_GET_ITEM(key, 3));
}

PyObject* kernelSubscript(PyObject* self_obj, PyObject* key) {
  auto* self = reinterpret_cast<KernelBaseObject*>(self_obj);
  const bool keyed = tableKey(key);
  if (keyed) {
    PyObject* hit = PyDict_GetItemWithError(self->launches, key);
    if (hit != nullptr) return Py_NewRef(hit);
    if (PyErr_Occurred()) return nullptr;
  }
  static PyObject* make_launch = PyUnicode_InternFromString("_make_launch");
  if (make_launch == nullptr) return nullptr;
  PyObject* launch = PyObject_CallMethodOneArg(self_obj, make_launch, key);
  if (launch == nullptr) return nullptr;
  if (keyed && PyDict_GET_SIZE(self->launches) < kMaxLaunches && PyDict_SetItem(self->launches, key, launch) < 0) {
    Py_DECREF(launch);
    return nullptr;
  }
  return launch;
}

PyObject* kernelNew(PyTypeObject* type, PyObject*, PyObject*) {
  auto* self = reinterpret_cast<KernelBaseObject*>(type->tp_alloc(type, 0));
  if (self == nullptr) return nullptr;
  self->launches = PyDict_New();
  if (self->launches == nullptr) {
    Py_DECREF(self);
    return nullptr;
  }
  return reinterpret_cast<PyObject*>(self);
}

int kernelTraverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(reinterpret_cast<KernelBaseObject*>(self)->launches);
  return 0;
}

int kernelClear(PyObject* self) {
  Py_CLEAR(reinterpret_cast<KernelBaseObject*>(self)->launches);
  return 0;
}

void kernelDealloc(PyObject* self) {
  PyObject_GC_UnTrack(self);
  kernelClear(self);
  // A static type: subtype_dealloc drops the reference of a heap subclass.
  Py_TYPE(self)->tp_free(self);
}

// _forget_launches(): drops the remembered configurations.
PyObject* kernelForget(PyObject* self, PyObject*) {
  PyDict_Clear(reinterpret_cast<KernelBaseObject*>(self)->launches);
  Py_RETURN_NONE;
}

PyMethodDef kKernelMethods[] = {
    {"_forget_launches", kernelForget, METH_NOARGS, "drops the remembered launch configurations"},
    {nullptr, nullptr, 0, nullptr},
};

PyMappingMethods kKernelMapping = {nullptr, kernelSubscript, nullptr};

// _cuda_launch_setup(device_array_type, ndarray_type, host_array)
PyObject* cudaLaunchSetup(PyObject*, PyObject* args) {
  PyObject *device_array, *ndarray, *host_array;
  if (!PyArg_ParseTuple(args, "O!O!O", &PyType_Type, &device_array, &PyType_Type, &ndarray, &host_array))
    return nullptr;
  Py_XSETREF(g_device_array, reinterpret_cast<PyTypeObject*>(Py_NewRef(device_array)));
  Py_XSETREF(g_ndarray, reinterpret_cast<PyTypeObject*>(Py_NewRef(ndarray)));
  Py_XSETREF(g_host_array, Py_NewRef(host_array));
  Py_RETURN_NONE;
}

}  // namespace

PyTypeObject KernelLaunchType = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "kiln._kiln.KernelLaunch";
  t.tp_basicsize = sizeof(LaunchObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
  t.tp_doc = "A kiln.cuda launch configuration of one kernel: call it with the kernel's arguments";
  t.tp_new = launchNew;
  t.tp_dealloc = launchDealloc;
  t.tp_traverse = launchTraverse;
  t.tp_clear = launchClear;
  t.tp_call = launchCall;
  t.tp_getset = kLaunchGetSet;
  return t;
}();

PyTypeObject KernelBaseType = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "kiln._kiln.KernelBase";
  t.tp_basicsize = sizeof(KernelBaseObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC;
  t.tp_doc = "Native base of kiln.cuda.Kernel: kernel[config] looks the launch up natively";
  t.tp_new = kernelNew;
  t.tp_dealloc = kernelDealloc;
  t.tp_traverse = kernelTraverse;
  t.tp_clear = kernelClear;
  t.tp_as_mapping = &kKernelMapping;
  t.tp_methods = kKernelMethods;
  return t;
}();

PyMethodDef kCudaLaunchFunctions[] = {
    {"_cuda_launch_setup", cudaLaunchSetup, METH_VARARGS,
     "_cuda_launch_setup(device_array_type, ndarray_type, host_array): kiln.cuda's types for the launch path"},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace kiln::python
