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
// On a GPU a Launch first tries the device signatures the Python driver
// path registered on it (_register_device, after a launch of that signature
// with this configuration has been checked and has run): each argument must
// be a GPU-resident device array of the registered dtype, ndim and layout or
// a Python int/float/bool where one was, on the thread that registered it;
// the arguments are then packed natively at the signature's parameter
// offsets and the driver layer's kiln_cuda_launch is called once. Anything
// else (host arrays to copy, foreign arrays, a new signature, debug=True)
// goes to the Python driver path (Kernel._launch).
// A failed launch goes to Kernel._launch_failed with the emulation's fault
// record, which names the kernel and the faulting thread.
#include <cstdint>
#include <cstring>
#include <vector>


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

// kiln_cuda_launch (runtime/cuda/kiln_cuda.h), reached through the address
// kiln.cuda._driver registers: the extension does not link the driver layer.
using DeviceLaunchFn = int (*)(void* function, const uint32_t grid[3], const uint32_t block[3], uint32_t shared,
                               void* stream, const void* layout, const void* block_bytes);

// One argument of a registered device signature.
struct DeviceArg {
  char kind = 0;             // 'A' array, 'i' int64, 'f' float64, 'b' bool
  PyObject* dtype = nullptr;  // arrays: the dtype object (builtin dtypes are singletons)
  Py_ssize_t ndim = 0;
  char layout = 'C';
};

struct DeviceSignature {
  std::vector<DeviceArg> args;
  std::vector<std::pair<uint32_t, uint32_t>> params;  // (offset, size) per kernel parameter
  uint32_t nbytes = 0;
  PyObject* space = nullptr;  // the device arrays' memory space (kiln.cuda._driver.DEVICE)
  void* function = nullptr;
  void* layout = nullptr;
  void* stream = nullptr;
  DeviceLaunchFn launch = nullptr;
  unsigned long thread = 0;  // the CUDA context is current on this thread
};

constexpr size_t kMaxDeviceSignatures = 8;
constexpr size_t kMaxParamBytes = 4096;  // CUDA's limit on a kernel's parameters

struct LaunchObject {
  PyObject_HEAD
  std::vector<DeviceSignature>* device;  // GPU: registered signatures
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

// An int attribute of `a` (-1 with an error set... or a legitimate -1:
// callers check PyErr_Occurred).
bool attrValue(PyObject* a, PyObject* name, PyObject** out) {
  *out = PyObject_GetAttr(a, name);
  return *out != nullptr;
}

// Packs an int64 sequence (a shape or strides tuple) at consecutive params.
bool packInts(const std::vector<int64_t>& values, const DeviceSignature& sig, size_t* param, unsigned char* block) {
  for (int64_t v : values) {
    if (*param >= sig.params.size() || sig.params[*param].second != 8) return false;
    std::memcpy(block + sig.params[*param].first, &v, 8);
    ++*param;
  }
  return true;
}

// One registered signature against a launch's arguments: 1 launched, 0 not
// this signature (nothing done, no error), -1 an error set.
int deviceLaunch(LaunchObject* self, const DeviceSignature& sig, PyObject* args) {
  const Py_ssize_t n = PyTuple_GET_SIZE(args);
  if (n != static_cast<Py_ssize_t>(sig.args.size()) || PyThread_get_thread_ident() != sig.thread) return 0;
  static PyObject* s_space = PyUnicode_InternFromString("_space");
  static PyObject* s_dtype = PyUnicode_InternFromString("dtype");
  static PyObject* s_shape = PyUnicode_InternFromString("shape");
  static PyObject* s_strides = PyUnicode_InternFromString("strides");
  static PyObject* s_ptr = PyUnicode_InternFromString("_ptr");
  static PyObject* s_itemsize = PyUnicode_InternFromString("itemsize");
  if (!s_space || !s_dtype || !s_shape || !s_strides || !s_ptr || !s_itemsize) return -1;
  alignas(16) unsigned char block[kMaxParamBytes];
  if (sig.nbytes > sizeof block) return 0;
  std::memset(block, 0, sig.nbytes);
  size_t param = 0;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* a = PyTuple_GET_ITEM(args, i);
    const DeviceArg& want = sig.args[i];
    if (want.kind == 'i' || want.kind == 'f' || want.kind == 'b') {
      if (param >= sig.params.size()) return 0;
      auto [offset, size] = sig.params[param++];
      if (want.kind == 'b') {
        if (!PyBool_Check(a) || size != 1) return 0;
        block[offset] = a == Py_True ? 1 : 0;
      } else if (want.kind == 'i') {
        if (!PyLong_CheckExact(a) || size != 8) return 0;
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(a, &overflow);
        if (overflow != 0 || (v == -1 && PyErr_Occurred())) {
          PyErr_Clear();
          return 0;
        }
        std::memcpy(block + offset, &v, 8);
      } else {
        if (!PyFloat_CheckExact(a) || size != 8) return 0;
        double v = PyFloat_AS_DOUBLE(a);
        std::memcpy(block + offset, &v, 8);
      }
      continue;
    }
    // An array: a GPU-resident device array of the registered dtype, ndim, layout.
    if (g_device_array == nullptr || !PyType_IsSubtype(Py_TYPE(a), g_device_array)) return 0;
    PyObject *space, *dtype, *shape, *strides, *ptr;
    if (!attrValue(a, s_space, &space)) return -1;
    Py_DECREF(space);  // identity only: the device array holds it
    if (space != sig.space) return 0;
    if (!attrValue(a, s_dtype, &dtype)) return -1;
    Py_DECREF(dtype);
    if (dtype != want.dtype) return 0;
    if (!attrValue(a, s_shape, &shape)) return -1;
    if (!PyTuple_Check(shape) || PyTuple_GET_SIZE(shape) != want.ndim) {
      Py_DECREF(shape);
      return 0;
    }
    if (!attrValue(a, s_strides, &strides)) {
      Py_DECREF(shape);
      return -1;
    }
    std::vector<int64_t> sh(static_cast<size_t>(want.ndim)), st(static_cast<size_t>(want.ndim));
    bool ok = PyTuple_Check(strides) && PyTuple_GET_SIZE(strides) == want.ndim;
    for (Py_ssize_t d = 0; ok && d < want.ndim; ++d) {
      sh[d] = PyLong_AsLongLong(PyTuple_GET_ITEM(shape, d));
      st[d] = PyLong_AsLongLong(PyTuple_GET_ITEM(strides, d));
    }
    Py_DECREF(shape);
    Py_DECREF(strides);
    if (PyErr_Occurred()) return -1;
    if (!ok) return 0;
    PyObject* item = PyObject_GetAttr(want.dtype, s_itemsize);
    if (item == nullptr) return -1;
    int64_t itemsize = PyLong_AsLongLong(item);
    Py_DECREF(item);
    // The layout as the Python path spells it (_array_type of the CUDA Array
    // Interface): C when C-contiguous ignoring extents of 1 (the interface
    // then gives no strides and the packing uses C strides from the shape),
    // F when exactly F-ordered, else A.
    int64_t size = 1;
    for (int64_t v : sh) size *= v;
    bool c = true;
    int64_t step = itemsize;
    for (Py_ssize_t d = want.ndim - 1; d >= 0; --d) {
      if (sh[d] > 1 && st[d] != step) c = false;
      step *= std::max<int64_t>(sh[d], 1);
    }
    c = c || size == 0;
    bool f = true;
    step = itemsize;
    for (Py_ssize_t d = 0; d < want.ndim; ++d) {
      if (st[d] != step) f = false;
      step *= sh[d];
    }
    char layout = c ? 'C' : f ? 'F' : 'A';
    if (layout != want.layout) return 0;
    if (c) {  // the strides the Python path packs: C order from the shape
      step = itemsize;
      for (Py_ssize_t d = want.ndim - 1; d >= 0; --d) {
        st[d] = step;
        step *= sh[d];
      }
    }
    if (!attrValue(a, s_ptr, &ptr)) return -1;
    unsigned long long address = PyLong_AsUnsignedLongLong(ptr);
    Py_DECREF(ptr);
    if (PyErr_Occurred()) return -1;
    if (size == 0) address = 0;
    if (param >= sig.params.size() || sig.params[param].second != 8) return 0;
    std::memcpy(block + sig.params[param++].first, &address, 8);
    if (!packInts(sh, sig, &param, block) || !packInts(st, sig, &param, block)) return 0;
  }
  if (param != sig.params.size()) return 0;
  uint32_t grid[3], blk[3];
  for (int k = 0; k < 3; ++k) {
    grid[k] = static_cast<uint32_t>(self->grid[k]);
    blk[k] = static_cast<uint32_t>(self->block[k]);
  }
  int rc = sig.launch(sig.function, grid, blk, static_cast<uint32_t>(self->shmem), sig.stream, sig.layout, block);
  if (rc == 0) return 1;
  PyObject* r = PyObject_CallMethod(self->kernel, "_device_launch_failed", "i", rc);
  Py_XDECREF(r);  // raises
  if (r != nullptr) PyErr_SetString(PyExc_SystemError, "Kernel._device_launch_failed returned");
  return -1;
}

PyObject* launchCall(PyObject* self_obj, PyObject* args, PyObject* kwargs) {
  auto* self = reinterpret_cast<LaunchObject*>(self_obj);
  if (kwargs != nullptr && PyDict_GET_SIZE(kwargs) != 0) {
    PyErr_SetString(PyExc_TypeError, "a kernel launch takes positional arguments only");
    return nullptr;
  }
  if (!self->emulated || g_host_array == nullptr) {
    if (self->device != nullptr)
      for (const DeviceSignature& sig : *self->device) {
        int r = deviceLaunch(self, sig, args);
        if (r != 0) return r > 0 ? Py_NewRef(Py_None) : nullptr;
      }
    return PyObject_CallMethod(self->kernel, "_launch", "OOOO", self->cfg, args, self->stream, self_obj);
  }
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
  self->device = nullptr;
  return reinterpret_cast<PyObject*>(self);
}

void clearDevice(LaunchObject* self) {
  if (self->device == nullptr) return;
  for (DeviceSignature& sig : *self->device) {
    Py_CLEAR(sig.space);
    for (DeviceArg& a : sig.args) Py_CLEAR(a.dtype);
  }
  delete self->device;
  self->device = nullptr;
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
  clearDevice(self);
  return 0;
}

void launchDealloc(PyObject* self) {
  PyObject_GC_UnTrack(self);
  launchClear(self);
  Py_TYPE(self)->tp_free(self);
}

// _register_device(space, function, layout, launch_fn, stream, nbytes,
//                  params, args): a device signature this launch may run
// natively (kiln.cuda._driver.launch, after running it once): the function,
// layout and stream handles and kiln_cuda_launch's address as ints; params
// [(offset, size)] per kernel parameter; args one per argument: ("A", dtype,
// ndim, layout) or ("i",) int64, ("f",) float64, ("b",) bool.
PyObject* launchRegister(PyObject* self_obj, PyObject* args) {
  auto* self = reinterpret_cast<LaunchObject*>(self_obj);
  PyObject *space, *params, *spec;
  unsigned long long function, layout, launch_fn, stream;
  unsigned int nbytes;
  if (!PyArg_ParseTuple(args, "OKKKKIO!O!", &space, &function, &layout, &launch_fn, &stream, &nbytes, &PyList_Type,
                        &params, &PyTuple_Type, &spec))
    return nullptr;
  if (self->device != nullptr && self->device->size() >= kMaxDeviceSignatures) Py_RETURN_FALSE;
  if (nbytes > kMaxParamBytes || launch_fn == 0) Py_RETURN_FALSE;
  DeviceSignature sig;
  sig.nbytes = nbytes;
  sig.function = reinterpret_cast<void*>(static_cast<uintptr_t>(function));
  sig.layout = reinterpret_cast<void*>(static_cast<uintptr_t>(layout));
  sig.stream = reinterpret_cast<void*>(static_cast<uintptr_t>(stream));
  sig.launch = reinterpret_cast<DeviceLaunchFn>(static_cast<uintptr_t>(launch_fn));
  sig.thread = PyThread_get_thread_ident();
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(params); ++i) {
    unsigned int offset, size;
    if (!PyArg_ParseTuple(PyList_GET_ITEM(params, i), "II", &offset, &size)) return nullptr;
    if (offset + size > nbytes) {
      PyErr_SetString(PyExc_ValueError, "a kernel parameter lies outside the argument block");
      return nullptr;
    }
    sig.params.emplace_back(offset, size);
  }
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(spec); ++i) {
    PyObject* item = PyTuple_GET_ITEM(spec, i);
    const char* kind;
    DeviceArg a;
    PyObject* dtype = nullptr;
    const char* layout_name = "C";
    if (!PyTuple_Check(item) || !PyArg_ParseTuple(item, "s|Ons", &kind, &dtype, &a.ndim, &layout_name)) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "a device argument spec is a tuple");
      return nullptr;
    }
    a.kind = kind[0];
    a.layout = layout_name[0];
    if (std::strchr("Aifb", a.kind) == nullptr || (a.kind == 'A' && dtype == nullptr)) {
      PyErr_Format(PyExc_ValueError, "bad device argument spec %R", item);
      return nullptr;
    }
    a.dtype = Py_XNewRef(dtype);
    sig.args.push_back(a);
  }
  sig.space = Py_NewRef(space);
  if (self->device == nullptr) self->device = new std::vector<DeviceSignature>();
  self->device->push_back(std::move(sig));
  Py_RETURN_TRUE;
}

PyMethodDef kLaunchMethods[] = {
    {"_register_device", launchRegister, METH_VARARGS,
     "_register_device(space, function, layout, launch_fn, stream, nbytes, params, args): a device signature"},
    {nullptr, nullptr, 0, nullptr},
};

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
  t.tp_methods = kLaunchMethods;
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
