// kiln._kiln: module functions and initialisation. RPCs run with the GIL
// released; their failures raise kiln.errors.KilnError.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/facts.h"
#include "base/signature_grammar.h"
#include "base/type_grammar.h"
#include "kiln/client/client.h"
#include "kiln/client/local_server.h"
#include "kiln_linalg.h"  // linalg:
#include "kiln_native.h"  // native:
#include "kiln_random.h"
#include "kiln_rt.h"
#include "kiln_unicode.h"
#include "native.h"

namespace kiln::python {
namespace {

std::string& packageDir() {
  static std::string dir;
  return dir;
}

}  // namespace

client::LocalServerOptions serverOptions() {
  client::LocalServerOptions options;
  if (!packageDir().empty()) options.kilnd_hint = packageDir() + "/bin/kilnd";
  return options;
}

namespace {

// Raises the kiln.errors class of base/status_errors.def for the status's
// code, with .code set to the code's name ("INVALID_ARGUMENT").
PyObject* raiseStatus(const absl::Status& status) {
  const char* cls_name = "KilnError";
  const char* code_name = "UNKNOWN";
  for (const base::StatusErrorRow& row : base::statusErrorTable()) {
    if (row.code == static_cast<int>(status.code())) {
      cls_name = row.python_error.data();
      code_name = row.name.data();
    }
  }
  // client.cpp's fromGrpc already words gRPC's own failures; nothing
  // reaches the user empty.
  std::string message(status.message());
  if (message.empty()) message = absl::StrCat("kiln request failed with ", code_name, " and no message");
  PyObject* cls = kilnError(cls_name);
  PyObject* text = PyUnicode_DecodeUTF8(message.data(), static_cast<Py_ssize_t>(message.size()), "backslashreplace");
  if (text == nullptr) return nullptr;
  PyObject* exc = PyObject_CallOneArg(cls, text);
  Py_DECREF(text);
  if (exc == nullptr) return nullptr;
  PyObject* code = PyUnicode_FromString(code_name);
  if (code == nullptr || PyObject_SetAttrString(exc, "code", code) < 0) {
    Py_XDECREF(code);
    Py_DECREF(exc);
    return nullptr;
  }
  Py_DECREF(code);
  PyErr_SetObject(cls, exc);
  Py_DECREF(exc);
  return nullptr;
}

// The client for KILN_SERVER or the local server, resolved on every use so a
// changed environment (tests) or a restarted server is picked up.
absl::StatusOr<std::shared_ptr<client::Client>> currentClient(bool start) {
  return client::defaultClient(serverOptions(), start);
}

// ---- Bundle objects ----

void bundleDealloc(PyObject* self) {
  delete reinterpret_cast<BundleObject*>(self)->bundle;
  Py_TYPE(self)->tp_free(self);
}

PyObject* bundleHash(PyObject* self, void*) {
  return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(reinterpret_cast<BundleObject*>(self)->hash), 32);
}

PyObject* bundleHex(PyObject* self, void*) {
  client::BundleHash h;
  std::copy_n(reinterpret_cast<BundleObject*>(self)->hash, 32, h.begin());
  return PyUnicode_FromString(client::hexHash(h).c_str());
}

PyObject* bundleSerialized(PyObject* self, PyObject*) {
  std::string bytes = reinterpret_cast<BundleObject*>(self)->bundle->SerializeAsString();
  return PyBytes_FromStringAndSize(bytes.data(), static_cast<Py_ssize_t>(bytes.size()));
}

PyGetSetDef kBundleGetSet[] = {
    {"hash", bundleHash, nullptr, "SHA-256 of the deterministic serialization (32 bytes)", nullptr},
    {"hex", bundleHex, nullptr, "the hash in hex", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};
PyMethodDef kBundleMethods[] = {
    {"serialize", bundleSerialized, METH_NOARGS, "the kiln.v1.Bundle message as bytes"},
    {nullptr, nullptr, 0, nullptr},
};

// ---- module functions ----

PyObject* makeBundle(PyObject*, PyObject* spec) {
  auto bundle = std::make_unique<kiln::v1::Bundle>();
  if (!buildBundle(spec, bundle.get())) return nullptr;
  auto* self = PyObject_New(BundleObject, &BundleType);
  if (self == nullptr) return nullptr;
  client::BundleHash h = client::bundleHash(*bundle);
  std::copy(h.begin(), h.end(), self->hash);
  self->bundle = bundle.release();
  return reinterpret_cast<PyObject*>(self);
}

PyObject* typeofValue(PyObject*, PyObject* value) {
  std::string s = typeofSpelling(value);
  if (s.empty()) Py_RETURN_NONE;
  return PyUnicode_FromString(s.c_str());
}

// namedtuples: the spelling of a namedtuple class (remembered for boxing), or None.
PyObject* namedtupleClassName(PyObject*, PyObject* cls) {
  if (!PyType_Check(cls)) Py_RETURN_NONE;
  std::string s = namedtupleClass(reinterpret_cast<PyTypeObject*>(cls));
  if (s.empty()) Py_RETURN_NONE;
  return PyUnicode_FromString(s.c_str());
}

PyObject* canonicalType(PyObject*, PyObject* arg) {
  const char* s = PyUnicode_AsUTF8(arg);
  if (s == nullptr) return nullptr;
  absl::StatusOr<std::string> c = base::canonicalType(s);
  if (!c.ok()) {
    PyErr_SetString(PyExc_ValueError, std::string(c.status().message()).c_str());
    return nullptr;
  }
  return PyUnicode_FromStringAndSize(c->data(), static_cast<Py_ssize_t>(c->size()));
}

// NEP 50: typeof_argument(value): the type a value is compiled for as an
// argument ("np.float64" for a NumPy float64), or None.
PyObject* typeofArgument(PyObject*, PyObject* value) {
  std::string s = argumentSpelling(value);
  if (s.empty()) Py_RETURN_NONE;
  return PyUnicode_FromString(s.c_str());
}

// NEP 50: numba_spelling(type) and declared_argument(type): a spelling
// through base::numbaSpelling or base::declaredArgument.
PyObject* spellingThrough(PyObject* arg, std::string (*how)(const base::TypeSyntax&)) {
  const char* s = PyUnicode_AsUTF8(arg);
  if (s == nullptr) return nullptr;
  absl::StatusOr<base::TypeSyntax> t = base::parseType(s);
  if (!t.ok()) {
    PyErr_SetString(PyExc_ValueError, std::string(t.status().message()).c_str());
    return nullptr;
  }
  std::string out = how(*t);
  return PyUnicode_FromStringAndSize(out.data(), static_cast<Py_ssize_t>(out.size()));
}
PyObject* numbaSpellingOf(PyObject*, PyObject* arg) { return spellingThrough(arg, base::numbaSpelling); }
PyObject* declaredArgumentOf(PyObject*, PyObject* arg) {
  return spellingThrough(arg, [](const base::TypeSyntax& t) { return base::printType(base::declaredArgument(t)); });
}

// parse_signature(text) -> (return_type or "", (arg_type, ...)), canonical.
PyObject* parseSignature(PyObject*, PyObject* arg) {
  const char* s = PyUnicode_AsUTF8(arg);
  if (s == nullptr) return nullptr;
  absl::StatusOr<base::SignatureSyntax> sig = base::parseSignature(s);
  if (!sig.ok()) {
    PyErr_SetString(PyExc_ValueError, std::string(sig.status().message()).c_str());
    return nullptr;
  }
  PyObject* args = PyTuple_New(static_cast<Py_ssize_t>(sig->args.size()));
  if (args == nullptr) return nullptr;
  for (size_t i = 0; i < sig->args.size(); ++i)
    PyTuple_SET_ITEM(args, static_cast<Py_ssize_t>(i), PyUnicode_FromString(base::printType(sig->args[i]).c_str()));
  std::string ret = sig->return_type ? base::printType(*sig->return_type) : "";
  return Py_BuildValue("(sN)", ret.c_str(), args);
}

// compile(bundle, arg_types, return_type, opt_level, fastmath, boundscheck, error_model, emit[, tier[, triple, cpu]]) -> dict
// tier: a target tier name (client.h's tierTarget; "" = the default).
// fastmath: a bool, or a sequence of LLVM fast-math flag names (the server
// checks them).
PyObject* compileBundle(PyObject*, PyObject* args) {
  PyObject *bundle_obj, *arg_types, *fastmath;
  const char *ret, *error_model;
  const char* tier = "";
  const char *triple = "", *cpu = "";  // cuda: optional, the host when empty
  int opt_level, boundscheck, emit;
  if (!PyArg_ParseTuple(args, "O!OsiOpsi|sss", &BundleType, &bundle_obj, &arg_types, &ret, &opt_level, &fastmath,
                        &boundscheck, &error_model, &emit, &tier, &triple, &cpu))
    return nullptr;
  if (!kiln::v1::Emit_IsValid(emit)) return PyErr_Format(PyExc_ValueError, "bad emit %d", emit);
  CompileCall call;
  if (!argTypesFrom(arg_types, &call) || !fastmathFrom(fastmath, &call)) return nullptr;
  call.return_type = ret;
  call.opt_level = opt_level;
  call.boundscheck = boundscheck;
  call.error_model = error_model;
  call.emit = emit;
  call.target_tier = tier;
  call.target_triple = triple;
  call.target_cpu = cpu;
  kiln::v1::CompileResponse reply;
  if (!compileRpc(*reinterpret_cast<BundleObject*>(bundle_obj), call, &reply)) return nullptr;
  if (reply.status() == kiln::v1::CompileResponse::STATUS_ERROR) return diagnosticDict(reply.diagnostic());
  const kiln::v1::Artifact& a = reply.artifact();
  PyObject* types = PyTuple_New(a.arg_types_size());
  if (types == nullptr) return nullptr;
  for (int i = 0; i < a.arg_types_size(); ++i) PyTuple_SET_ITEM(types, i, PyUnicode_FromString(a.arg_types(i).c_str()));
  return Py_BuildValue("{s:O,s:y#,s:s#,s:s#,s:N,s:s#,s:O,s:d,s:y#}", "ok", Py_True, "shared_object",
                       a.shared_object().data(), (Py_ssize_t)a.shared_object().size(), "entry_symbol",
                       a.entry_symbol().data(), (Py_ssize_t)a.entry_symbol().size(), "return_type",
                       a.return_type().data(), (Py_ssize_t)a.return_type().size(), "arg_types", types, "text",
                       reply.text().data(), (Py_ssize_t)reply.text().size(), "cache_hit",
                       reply.cache_hit() ? Py_True : Py_False, "compile_seconds", reply.compile_seconds(),
                       "cache_key", a.cache_key().data(), (Py_ssize_t)a.cache_key().size());
}

// ---- gpu: the server's GPU pool (docs/cuda.md "Remote launches") ----------

bool int64sFrom(PyObject* seq, const char* what, std::vector<int64_t>* out) {
  PyObject* fast = PySequence_Fast(seq, what);
  if (fast == nullptr) return false;
  for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(fast); ++k) {
    long long v = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(fast, k));
    if (v == -1 && PyErr_Occurred()) {
      Py_DECREF(fast);
      return false;
    }
    out->push_back(v);
  }
  Py_DECREF(fast);
  return true;
}

// (device, generation, id, pool) <-> DeviceArrayHandle.
bool handleFrom(PyObject* t, kiln::v1::DeviceArrayHandle* h) {
  unsigned int device = 0;
  unsigned long long generation = 0, id = 0, pool = 0;
  if (!PyArg_ParseTuple(t, "IKKK", &device, &generation, &id, &pool)) return false;
  h->set_device(device);
  h->set_generation(generation);
  h->set_id(id);
  h->set_pool(pool);
  return true;
}

PyObject* handleTuple(const kiln::v1::DeviceArrayHandle& h) {
  return Py_BuildValue("(IKKK)", h.device(), static_cast<unsigned long long>(h.generation()),
                       static_cast<unsigned long long>(h.id()), static_cast<unsigned long long>(h.pool()));
}

bool viewFrom(unsigned int itemsize, PyObject* shape, PyObject* strides, unsigned long long offset,
              kiln::v1::ArrayView* view) {
  std::vector<int64_t> sh, st;
  if (!int64sFrom(shape, "shape must be a sequence", &sh) || !int64sFrom(strides, "strides must be a sequence", &st))
    return false;
  view->set_itemsize(itemsize);
  for (int64_t n : sh) view->add_shape(n);
  for (int64_t n : st) view->add_strides(n);
  view->set_offset(offset);
  return true;
}

// Runs `call` on the current client with the GIL released.
template <typename T, typename F>
absl::StatusOr<T> onClient(F call) {
  absl::StatusOr<T> out = absl::UnknownError("");
  Py_BEGIN_ALLOW_THREADS
  absl::StatusOr<std::shared_ptr<client::Client>> c = currentClient(/*start=*/true);
  if (c.ok()) out = call(**c);
  else out = c.status();
  Py_END_ALLOW_THREADS
  return out;
}

// (kind, line, (thread), (block), message) of a kernel's own error.
PyObject* kernelErrorTuple(const kiln::v1::KernelError& e) {
  auto at = [](const google::protobuf::RepeatedField<int32_t>& v, int k) { return k < v.size() ? v[k] : -1; };
  return Py_BuildValue("(ii(iii)(iii)s#)", e.kind(), e.line(), at(e.thread(), 0), at(e.thread(), 1),
                       at(e.thread(), 2), at(e.block(), 0), at(e.block(), 1), at(e.block(), 2), e.message().data(),
                       static_cast<Py_ssize_t>(e.message().size()));
}

// gpu_launch(bundle, arg_types, opt_level, fastmath, boundscheck, error_model,
//            grid, block, shared, device, name, args, session=b"", stream=0) -> dict
// (a non-empty session and a stream other than 0: queued, {"status": "queued"})
PyObject* gpuLaunch(PyObject*, PyObject* args) {
  PyObject *bundle_obj, *arg_types, *fastmath, *grid, *block, *launch_args;
  const char *error_model, *name;
  int opt_level, boundscheck;
  unsigned int shared = 0, device = 0;
  const char* session = "";
  Py_ssize_t session_size = 0;
  unsigned long long stream = 0;
  if (!PyArg_ParseTuple(args, "O!OiOpsOOIIsO|y#K", &BundleType, &bundle_obj, &arg_types, &opt_level, &fastmath,
                        &boundscheck, &error_model, &grid, &block, &shared, &device, &name, &launch_args, &session,
                        &session_size, &stream))
    return nullptr;
  CompileCall call;
  if (!argTypesFrom(arg_types, &call) || !fastmathFrom(fastmath, &call)) return nullptr;
  kiln::v1::LaunchRequest request;
  kiln::v1::CompileRequest* k = request.mutable_kernel();
  for (const std::string& t : call.arg_types) k->add_arg_types(t);
  call.opt_level = opt_level;
  call.boundscheck = boundscheck;
  call.error_model = error_model;
  optionsFrom(call, k->mutable_options());
  std::vector<int64_t> g, b;
  if (!int64sFrom(grid, "grid must be a sequence", &g) || !int64sFrom(block, "block must be a sequence", &b))
    return nullptr;
  for (int64_t n : g) request.add_grid(static_cast<uint32_t>(n));
  for (int64_t n : b) request.add_block(static_cast<uint32_t>(n));
  request.set_shared_bytes(shared);
  request.set_device(device);
  request.set_kernel_name(name);
  request.set_session(session, static_cast<size_t>(session_size));
  request.set_stream(stream);
  PyObject* fast = PySequence_Fast(launch_args, "args must be a sequence");
  if (fast == nullptr) return nullptr;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(fast); ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(fast, i);
    const char* kind = nullptr;
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) < 2 ||
        (kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(item, 0))) == nullptr) {
      Py_DECREF(fast);
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "a launch argument is a (kind, ...) tuple");
      return nullptr;
    }
    kiln::v1::LaunchArg* a = request.add_args();
    bool ok = true;
    if (std::string_view(kind) == "host") {
      Py_buffer buf;
      PyObject *shape, *strides;
      unsigned int itemsize;
      unsigned long long offset;
      int copy_back;
      ok = PyArg_ParseTuple(item, "sy*IOOKp", &kind, &buf, &itemsize, &shape, &strides, &offset, &copy_back);
      if (ok) {
        a->mutable_host()->set_data(static_cast<const char*>(buf.buf), static_cast<size_t>(buf.len));
        PyBuffer_Release(&buf);
        a->mutable_host()->set_copy_back(copy_back);
        ok = viewFrom(itemsize, shape, strides, offset, a->mutable_host()->mutable_view());
      }
    } else if (std::string_view(kind) == "device") {
      PyObject *handle, *shape, *strides;
      unsigned int itemsize;
      unsigned long long offset;
      ok = PyArg_ParseTuple(item, "sOIOOK", &kind, &handle, &itemsize, &shape, &strides, &offset) &&
           handleFrom(handle, a->mutable_device()->mutable_handle()) &&
           viewFrom(itemsize, shape, strides, offset, a->mutable_device()->mutable_view());
    } else if (std::string_view(kind) == "scalar") {
      const char* bytes;
      Py_ssize_t n;
      ok = PyArg_ParseTuple(item, "sy#", &kind, &bytes, &n);
      if (ok) a->set_scalar(bytes, static_cast<size_t>(n));
    } else {
      PyErr_Format(PyExc_ValueError, "unknown launch argument kind '%s'", kind);
      ok = false;
    }
    if (!ok) {
      Py_DECREF(fast);
      return nullptr;
    }
  }
  Py_DECREF(fast);
  const BundleObject& bo = *reinterpret_cast<BundleObject*>(bundle_obj);
  client::BundleHash hash;
  std::copy_n(bo.hash, 32, hash.begin());
  absl::StatusOr<kiln::v1::LaunchResponse> reply = onClient<kiln::v1::LaunchResponse>(
      [&](client::Client& c) { return c.launch(*bo.bundle, hash, std::move(request)); });
  if (!reply.ok()) return raiseStatus(reply.status());
  if (reply->status() == kiln::v1::LaunchResponse::STATUS_COMPILE_ERROR)
    return Py_BuildValue("{s:s,s:N}", "status", "compile_error", "diagnostic", diagnosticDict(reply->diagnostic()));
  if (reply->status() == kiln::v1::LaunchResponse::STATUS_QUEUED) return Py_BuildValue("{s:s}", "status", "queued");
  if (reply->status() == kiln::v1::LaunchResponse::STATUS_KERNEL_ERROR)
    return Py_BuildValue("{s:s,s:N}", "status", "kernel_error", "kernel_error", kernelErrorTuple(reply->kernel_error()));
  PyObject* data = PyList_New(reply->host_data_size());
  if (data == nullptr) return nullptr;
  for (int i = 0; i < reply->host_data_size(); ++i) {
    const std::string& d = reply->host_data(i);
    PyObject* v = d.empty() ? Py_NewRef(Py_None) : PyBytes_FromStringAndSize(d.data(), static_cast<Py_ssize_t>(d.size()));
    if (v == nullptr) {
      Py_DECREF(data);
      return nullptr;
    }
    PyList_SET_ITEM(data, i, v);
  }
  return Py_BuildValue("{s:s,s:N,s:O}", "status", "ok", "host_data", data, "cache_hit",
                       reply->cache_hit() ? Py_True : Py_False);
}

// gpu_alloc(device, nbytes, data=None) -> handle
PyObject* gpuAlloc(PyObject*, PyObject* args) {
  unsigned int device = 0;
  unsigned long long nbytes = 0;
  Py_buffer buf{};
  buf.buf = nullptr;
  const char* session = nullptr;
  Py_ssize_t session_size = 0;
  if (!PyArg_ParseTuple(args, "IK|y*y#", &device, &nbytes, &buf, &session, &session_size)) return nullptr;
  kiln::v1::AllocDeviceRequest request;
  request.set_device(device);
  request.set_bytes(nbytes);
  if (session != nullptr) request.set_session(session, static_cast<size_t>(session_size));
  if (buf.buf != nullptr) {
    request.set_data(static_cast<const char*>(buf.buf), static_cast<size_t>(buf.len));
    PyBuffer_Release(&buf);
  }
  absl::StatusOr<kiln::v1::AllocDeviceResponse> reply =
      onClient<kiln::v1::AllocDeviceResponse>([&](client::Client& c) { return c.allocDevice(request); });
  if (!reply.ok()) return raiseStatus(reply.status());
  return handleTuple(reply->handle());
}

// gpu_read(handle, offset, nbytes) -> bytes
PyObject* gpuRead(PyObject*, PyObject* args) {
  PyObject* handle;
  unsigned long long offset = 0, nbytes = 0;
  if (!PyArg_ParseTuple(args, "OKK", &handle, &offset, &nbytes)) return nullptr;
  kiln::v1::ReadDeviceRequest request;
  if (!handleFrom(handle, request.mutable_handle())) return nullptr;
  request.set_offset(offset);
  request.set_bytes(nbytes);
  absl::StatusOr<kiln::v1::ReadDeviceResponse> reply =
      onClient<kiln::v1::ReadDeviceResponse>([&](client::Client& c) { return c.readDevice(request); });
  if (!reply.ok()) return raiseStatus(reply.status());
  return PyBytes_FromStringAndSize(reply->data().data(), static_cast<Py_ssize_t>(reply->data().size()));
}

// gpu_write(handle, offset, data)
PyObject* gpuWrite(PyObject*, PyObject* args) {
  PyObject* handle;
  unsigned long long offset = 0;
  Py_buffer buf;
  if (!PyArg_ParseTuple(args, "OKy*", &handle, &offset, &buf)) return nullptr;
  kiln::v1::WriteDeviceRequest request;
  request.set_data(static_cast<const char*>(buf.buf), static_cast<size_t>(buf.len));
  PyBuffer_Release(&buf);
  if (!handleFrom(handle, request.mutable_handle())) return nullptr;
  request.set_offset(offset);
  absl::StatusOr<bool> done = onClient<bool>([&](client::Client& c) -> absl::StatusOr<bool> {
    absl::Status s = c.writeDevice(request);
    if (!s.ok()) return s;
    return true;
  });
  if (!done.ok()) return raiseStatus(done.status());
  Py_RETURN_NONE;
}

// gpu_sync(session, stream, end=False) -> None, or (kernel name, kernel error
// tuple) for a queued launch's own error; a fault raises as any RPC error.
PyObject* gpuSync(PyObject*, PyObject* args) {
  const char* session;
  Py_ssize_t session_size = 0;
  unsigned long long stream = 0;
  int end = 0;
  int keepalive = 0;
  const char* server = "";
  if (!PyArg_ParseTuple(args, "y#K|pps", &session, &session_size, &stream, &end, &keepalive, &server)) return nullptr;
  kiln::v1::SyncLaunchesRequest request;
  request.set_session(session, static_cast<size_t>(session_size));
  request.set_stream(stream);
  request.set_end(end);
  request.set_keepalive(keepalive);
  absl::StatusOr<kiln::v1::SyncLaunchesResponse> reply = absl::UnknownError("");
  if (*server == '\0') {
    reply = onClient<kiln::v1::SyncLaunchesResponse>([&](client::Client& c) { return c.syncLaunches(request); });
  } else {
    // A named server (the leases of kiln/cuda/_remote.py renew a session on
    // every server it holds memory of, whatever KILN_SERVER is now).
    const std::string target = server;
    Py_BEGIN_ALLOW_THREADS
    absl::StatusOr<client::ConnectOptions> options = client::connectOptionsFromEnv(target);
    absl::StatusOr<std::shared_ptr<client::Client>> c =
        options.ok() ? client::Client::connect(target, *options) : options.status();
    reply = c.ok() ? (*c)->syncLaunches(request) : c.status();
    Py_END_ALLOW_THREADS
  }
  if (!reply.ok()) return raiseStatus(reply.status());
  if (reply->kernel_error().kind() == 0) Py_RETURN_NONE;
  return Py_BuildValue("(s#N)", reply->kernel_name().data(), static_cast<Py_ssize_t>(reply->kernel_name().size()),
                       kernelErrorTuple(reply->kernel_error()));
}

// gpu_free(handle)
PyObject* gpuFree(PyObject*, PyObject* arg) {
  kiln::v1::FreeDeviceRequest request;
  if (!handleFrom(arg, request.mutable_handle())) return nullptr;
  absl::StatusOr<bool> done = onClient<bool>([&](client::Client& c) -> absl::StatusOr<bool> {
    absl::Status s = c.freeDevice(request);
    if (!s.ok()) return s;
    return true;
  });
  if (!done.ok()) return raiseStatus(done.status());
  Py_RETURN_NONE;
}

// gpu_pool_info() -> None or {"backend", "devices", "triple", "cpu", "max_device_bytes", "max_launch_seconds",
// "session_idle_seconds", "compute_capabilities": [(major, minor) per GPU, under the driver]}
PyObject* gpuPoolInfo(PyObject*, PyObject*) {
  absl::StatusOr<kiln::v1::ServerInfo> info =
      onClient<kiln::v1::ServerInfo>([](client::Client& c) { return c.info(); });
  if (!info.ok()) return raiseStatus(info.status());
  if (!info->has_gpu_pool()) Py_RETURN_NONE;
  const kiln::v1::GpuPoolInfo& g = info->gpu_pool();
  PyObject* ccs = PyList_New(0);
  if (ccs == nullptr) return nullptr;
  for (const kiln::v1::GpuDeviceInfo& d : g.device_info()) {
    PyObject* cc = Py_BuildValue("(II)", d.cc_major(), d.cc_minor());
    if (cc == nullptr || PyList_Append(ccs, cc) != 0) {
      Py_XDECREF(cc);
      Py_DECREF(ccs);
      return nullptr;
    }
    Py_DECREF(cc);
  }
  return Py_BuildValue("{s:s,s:I,s:s,s:s,s:K,s:d,s:d,s:N}", "backend", g.backend().c_str(), "devices", g.devices(),
                       "triple", g.target().triple().c_str(), "cpu", g.target().cpu().c_str(), "max_device_bytes",
                       static_cast<unsigned long long>(g.max_device_bytes()), "max_launch_seconds",
                       g.max_launch_seconds(), "session_idle_seconds", g.session_idle_seconds(),
                       "compute_capabilities", ccs);
}

PyObject* serverTarget(PyObject*, PyObject* args) {
  int start = 1;
  if (!PyArg_ParseTuple(args, "|p", &start)) return nullptr;
  absl::StatusOr<std::string> target;
  Py_BEGIN_ALLOW_THREADS
  target = client::defaultServerTarget(serverOptions(), start);
  Py_END_ALLOW_THREADS
  if (!target.ok()) return raiseStatus(target.status());
  return PyUnicode_FromString(target->c_str());
}

PyObject* serverInfo(PyObject*, PyObject* args) {
  int start = 1;
  if (!PyArg_ParseTuple(args, "|p", &start)) return nullptr;
  absl::StatusOr<kiln::v1::ServerInfo> info;
  std::string target;
  Py_BEGIN_ALLOW_THREADS
  absl::StatusOr<std::shared_ptr<client::Client>> c = currentClient(start);
  if (c.ok()) {
    target = (*c)->target();
    info = (*c)->info();
  } else {
    info = c.status();
  }
  Py_END_ALLOW_THREADS
  if (!info.ok()) return raiseStatus(info.status());
  PyObject* pythons = PyList_New(0);
  for (const std::string& v : info->python_versions()) {
    PyObject* s = PyUnicode_FromString(v.c_str());
    PyList_Append(pythons, s);
    Py_DECREF(s);
  }
  PyObject* targets = PyList_New(0);
  for (const std::string& v : info->targets()) {
    PyObject* s = PyUnicode_FromString(v.c_str());
    PyList_Append(targets, s);
    Py_DECREF(s);
  }
  return Py_BuildValue("{s:s,s:s,s:s,s:N,s:N,s:I,s:L}", "target", target.c_str(), "version",
                       info->version().c_str(), "compiler_build_id", info->compiler_build_id().c_str(),
                       "python_versions", pythons, "targets", targets, "protocol_version",
                       info->protocol_version(), "pid", static_cast<long long>(info->pid()));
}

PyObject* serverStats(PyObject*, PyObject* args) {
  int start = 1;
  if (!PyArg_ParseTuple(args, "|p", &start)) return nullptr;
  absl::StatusOr<kiln::v1::StatsResponse> st;
  Py_BEGIN_ALLOW_THREADS
  absl::StatusOr<std::shared_ptr<client::Client>> c = currentClient(start);
  st = c.ok() ? (*c)->stats() : absl::StatusOr<kiln::v1::StatsResponse>(c.status());
  Py_END_ALLOW_THREADS
  if (!st.ok()) return raiseStatus(st.status());
  PyObject* dict = Py_BuildValue(
      "{s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:d,s:K,s:d}", "compile_requests", st->compile_requests(), "cache_hits",
      st->cache_hits(), "cache_misses", st->cache_misses(), "compiles", st->compiles(), "compile_errors",
      st->compile_errors(), "bundles_stored", st->bundles_stored(), "bundle_uploads", st->bundle_uploads(),
      "compile_seconds_total", st->compile_seconds_total(), "cache_entries", st->cache_entries(), "uptime_seconds",
      st->uptime_seconds());
  // The cache's health (docs/operations.md, "Storage faults").
  PyObject* health = dict == nullptr ? nullptr
                                     : Py_BuildValue("{s:K,s:K,s:K,s:K,s:K,s:O,s:s,s:K,s:K,s:K}", "internal_errors",
                                                     st->internal_errors(), "corrupt_values", st->corrupt_values(),
                                                     "cache_bytes", st->cache_bytes(), "cache_max_bytes",
                                                     st->cache_max_bytes(), "cache_evictions", st->cache_evictions(),
                                                     "cache_read_only", st->cache_read_only() ? Py_True : Py_False,
                                                     "cache_read_only_reason", st->cache_read_only_reason().c_str(),
                                                     "cache_dropped_writes", st->cache_dropped_writes(),
                                                     "cache_moved_aside", st->cache_moved_aside(), "cache_rebuilds",
                                                     st->cache_rebuilds());
  if (health == nullptr || PyDict_Update(dict, health) != 0) {
    Py_XDECREF(health);
    Py_XDECREF(dict);
    return nullptr;
  }
  Py_DECREF(health);
  // metrics: waits, the time since zero-stats and the shared tier.
  const kiln::v1::TierStats& l2 = st->l2();
  PyObject* more = Py_BuildValue("{s:K,s:d,s:{s:K,s:K,s:K,s:K,s:K,s:K,s:O}}", "single_flight_waits",
                                 st->single_flight_waits(), "since_zero_seconds", st->since_zero_seconds(), "l2",
                                 "hits", l2.hits(), "misses", l2.misses(), "errors", l2.errors(), "writes", l2.writes(),
                                 "lock_waits", l2.lock_waits(), "corrupt_values", l2.corrupt_values(), "degraded",
                                 l2.degraded() ? Py_True : Py_False);
  if (more == nullptr || PyDict_Update(dict, more) != 0) {
    Py_XDECREF(more);
    Py_DECREF(dict);
    return nullptr;
  }
  Py_DECREF(more);
  return dict;
}

PyObject* serverShutdown(PyObject*, PyObject*) {
  absl::Status s;
  Py_BEGIN_ALLOW_THREADS
  absl::StatusOr<std::shared_ptr<client::Client>> c = currentClient(/*start=*/false);
  s = c.ok() ? (*c)->shutdown() : c.status();
  Py_END_ALLOW_THREADS
  if (!s.ok()) return raiseStatus(s);
  Py_RETURN_NONE;
}

// metrics: kilnctl zero-stats.
PyObject* serverZeroStats(PyObject*, PyObject*) {
  absl::Status s;
  Py_BEGIN_ALLOW_THREADS
  absl::StatusOr<std::shared_ptr<client::Client>> c = currentClient(/*start=*/false);
  s = c.ok() ? (*c)->zeroStats() : c.status();
  Py_END_ALLOW_THREADS
  if (!s.ok()) return raiseStatus(s);
  Py_RETURN_NONE;
}

// metrics: kilnctl cache evict|clear. older_than < 0 and down_to < 0 mean
// "not given".
PyObject* serverEvictCache(PyObject*, PyObject* args, PyObject* kwargs) {
  static const char* kKeywords[] = {"all", "key_prefix", "older_than_seconds", "down_to_bytes", nullptr};
  int all = 0;
  const char* prefix = "";
  double older_than = -1;
  long long down_to = -1;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|psdL", const_cast<char**>(kKeywords), &all, &prefix, &older_than,
                                   &down_to))
    return nullptr;
  kiln::v1::EvictCacheRequest request;
  request.set_all(all != 0);
  request.set_key_prefix(prefix);
  if (older_than >= 0) request.set_older_than_seconds(older_than);
  if (down_to >= 0) request.set_down_to_bytes(static_cast<uint64_t>(down_to));
  absl::StatusOr<kiln::v1::EvictCacheResponse> r;
  Py_BEGIN_ALLOW_THREADS
  absl::StatusOr<std::shared_ptr<client::Client>> c = currentClient(/*start=*/false);
  r = c.ok() ? (*c)->evictCache(request) : absl::StatusOr<kiln::v1::EvictCacheResponse>(c.status());
  Py_END_ALLOW_THREADS
  if (!r.ok()) return raiseStatus(r.status());
  return Py_BuildValue("{s:K,s:K,s:K}", "evicted_values", r->evicted_values(), "evicted_bytes", r->evicted_bytes(),
                       "remaining_bytes", r->remaining_bytes());
}

PyObject* hostTargetDict(PyObject*, PyObject*) {
  kiln::v1::Target t = client::hostTarget();
  PyObject* features = PyList_New(0);
  for (const std::string& f : t.features()) {
    PyObject* s = PyUnicode_FromString(f.c_str());
    PyList_Append(features, s);
    Py_DECREF(s);
  }
  return Py_BuildValue("{s:s,s:s,s:N}", "triple", t.triple().c_str(), "cpu", t.cpu().c_str(), "features", features);
}

// keys: target_for_tier(tier) -> {"triple", "cpu", "features"} as a compile
// request would send it ("" = $KILN_TARGET_TIER or the default); ValueError
// for a name that is not a tier.
PyObject* targetForTier(PyObject*, PyObject* args) {
  const char* tier = "";
  if (!PyArg_ParseTuple(args, "|s", &tier)) return nullptr;
  absl::StatusOr<kiln::v1::Target> t = client::tierTarget(tier);
  if (!t.ok()) {
    PyErr_SetString(PyExc_ValueError, std::string(t.status().message()).c_str());
    return nullptr;
  }
  PyObject* features = PyList_New(0);
  for (const std::string& f : t->features()) {
    PyObject* s = PyUnicode_FromString(f.c_str());
    PyList_Append(features, s);
    Py_DECREF(s);
  }
  absl::Status runs = client::checkRunsHere(*t);
  return Py_BuildValue("{s:s,s:s,s:N,s:O,s:s}", "triple", t->triple().c_str(), "cpu", t->cpu().c_str(), "features",
                       features, "runs_here", runs.ok() ? Py_True : Py_False, "why_not",
                       std::string(runs.message()).c_str());
}

PyObject* bestTier(PyObject*, PyObject*) { return PyUnicode_FromString(client::bestTier().c_str()); }

PyObject* setPackageDir(PyObject*, PyObject* arg) {
  const char* s = PyUnicode_AsUTF8(arg);
  if (s == nullptr) return nullptr;
  packageDir() = s;
  Py_RETURN_NONE;
}

PyObject* localCacheDir(PyObject*, PyObject*) { return PyUnicode_FromString(client::localCacheDir().c_str()); }

PyObject* localServerPaths(PyObject*, PyObject*) {
  absl::StatusOr<client::LocalServerPaths> paths = client::localServerPaths(serverOptions());
  if (!paths.ok()) return raiseStatus(paths.status());
  return Py_BuildValue("{s:s,s:s}", "kilnd", paths->kilnd.c_str(), "dir", paths->dir.c_str());
}

// The memory runtime's counters (runtime/cpu/kiln_rt.h), process-wide.
PyObject* runtimeStats(PyObject*, PyObject*) {
  KilnRtStats st;
  kiln_rt_stats(&st);
  return Py_BuildValue("{s:L,s:L,s:L,s:L}", "live_allocations", static_cast<long long>(st.live_count), "live_bytes",
                       static_cast<long long>(st.live_bytes), "total_allocations", static_cast<long long>(st.total_allocs),
                       "total_frees", static_cast<long long>(st.total_frees));
}

PyObject* liveAllocations(PyObject*, PyObject*) {
  KilnRtStats st;
  kiln_rt_stats(&st);
  return PyLong_FromLongLong(st.live_count);
}

// linalg: installs the BLAS/LAPACK kiln/_linalg_backend.py found:
// _set_linalg_backend(int_bytes, addresses) with 4 * KILN_LINALG_ROUTINE_COUNT
// addresses (0 where missing), in kiln_linalg.h's order.
PyObject* setLinalgBackend(PyObject*, PyObject* args) {
  int int_bytes = 0;
  PyObject* seq = nullptr;
  if (!PyArg_ParseTuple(args, "iO", &int_bytes, &seq)) return nullptr;
  PyObject* fast = PySequence_Fast(seq, "addresses must be a sequence");
  if (!fast) return nullptr;
  std::vector<void*> fns;
  for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(fast); ++k) {
    void* p = PyLong_AsVoidPtr(PySequence_Fast_GET_ITEM(fast, k));
    if (p == nullptr && PyErr_Occurred()) {
      Py_DECREF(fast);
      return nullptr;
    }
    fns.push_back(p);
  }
  Py_DECREF(fast);
  if (kiln_linalg_set_backend(int_bytes, fns.data(), static_cast<int>(fns.size())) != 0) {
    PyErr_SetString(PyExc_ValueError, "_set_linalg_backend: wrong integer width or number of addresses");
    return nullptr;
  }
  Py_RETURN_NONE;
}

// _share_random_streams(numpy_state, python_state): the addresses of Numba's
// functions returning the calling thread's random states, or (0, 0) for
// the runtime's own (kiln/_random_streams.py, runtime/cpu/kiln_random.h).
PyObject* shareRandomStreams(PyObject*, PyObject* args) {
  PyObject* numpy_state = nullptr;
  PyObject* python_state = nullptr;
  if (!PyArg_ParseTuple(args, "OO", &numpy_state, &python_state)) return nullptr;
  void* np = PyLong_AsVoidPtr(numpy_state);
  if (np == nullptr && PyErr_Occurred()) return nullptr;
  void* py = PyLong_AsVoidPtr(python_state);
  if (py == nullptr && PyErr_Occurred()) return nullptr;
  if ((np == nullptr) != (py == nullptr)) {
    PyErr_SetString(PyExc_ValueError, "_share_random_streams: both addresses or neither");
    return nullptr;
  }
  kiln_random_share(reinterpret_cast<void* (*)(void)>(np), reinterpret_cast<void* (*)(void)>(py));
  Py_RETURN_NONE;
}

// _native_register(key, address): the address of a native function in this
// process, under the stable key compiled code names it by (kiln/_native.py,
// runtime/cpu/kiln_native.h).
PyObject* nativeRegister(PyObject*, PyObject* args) {
  const char* key = nullptr;
  PyObject* address = nullptr;
  if (!PyArg_ParseTuple(args, "sO", &key, &address)) return nullptr;
  void* p = PyLong_AsVoidPtr(address);
  if (p == nullptr && PyErr_Occurred()) return nullptr;
  if (kiln_native_register(key, p) != 0) return PyErr_NoMemory();
  Py_RETURN_NONE;
}

// cuda_sm_for(major, minor) -> "sm_86" or None (base::cudaSmFor).
PyObject* cudaSmFor(PyObject*, PyObject* args) {
  int major = 0;
  int minor = 0;
  if (!PyArg_ParseTuple(args, "ii", &major, &minor)) return nullptr;
  const std::optional<absl::string_view> sm = base::cudaSmFor(major, minor);
  if (!sm) Py_RETURN_NONE;
  return PyUnicode_FromStringAndSize(sm->data(), static_cast<Py_ssize_t>(sm->size()));
}

PyMethodDef kFunctions[] = {
    {"cuda_sm_for", cudaSmFor, METH_VARARGS,
     "cuda_sm_for(major, minor) -> the SM kilnd compiles for on a GPU of that compute capability, or None"},
    {"_native_register", nativeRegister, METH_VARARGS, "register a native function's address (kiln/_native.py)"},
    {"_share_random_streams", shareRandomStreams, METH_VARARGS,
     "draw from Numba's per-thread random states (kiln/_random_streams.py)"},
    {"_set_linalg_backend", setLinalgBackend, METH_VARARGS, "install the BLAS/LAPACK found (kiln/_linalg_backend.py)"},
    {"make_bundle", makeBundle, METH_O, "make_bundle(spec) -> Bundle (see kiln/bundle.py)"},
    {"typeof", typeofValue, METH_O, "Numba-style type name of a value, or None"},
    {"canonical_type", canonicalType, METH_O, "the canonical spelling of a type name"},
    {"typeof_argument", typeofArgument, METH_O,
     "NEP 50: the type a value is compiled for as an argument ('np.float64' for a NumPy float64), or None"},
    {"numba_spelling", numbaSpellingOf, METH_O, "NEP 50: a type's spelling in Numba's words ('np.float64' -> 'float64')"},
    {"declared_argument", declaredArgumentOf, METH_O,
     "NEP 50: a signature's argument type as Numba means it ('float64' -> 'np.float64', a NumPy scalar)"},
    {"structref_register", structRefRegister, METH_VARARGS, "structref: structref_register(name, proxy_class)"},
    {"namedtuple_class", namedtupleClassName, METH_O, "namedtuples: 'module.qualname[fields]' of a namedtuple class, or None"},
    {"parse_signature", parseSignature, METH_O,
     "parse_signature('float64(f8, int64)') -> ('float64', ('float64', 'int64')); '' when no return type"},
    {"compile", compileBundle, METH_VARARGS,
     "compile(bundle, arg_types, return_type, opt_level, fastmath, boundscheck, error_model, emit"
     "[, tier[, triple, cpu]]) -> dict"},
    {"gpu_launch", gpuLaunch, METH_VARARGS, "gpu: a launch on the server's GPU pool (kiln/cuda/_remote.py)"},
    {"gpu_alloc", gpuAlloc, METH_VARARGS,
     "gpu_alloc(device, nbytes, data=b'', session=b'') -> handle (the session's: freed when it ends)"},
    {"gpu_read", gpuRead, METH_VARARGS, "gpu_read(handle, offset, nbytes) -> bytes"},
    {"gpu_write", gpuWrite, METH_VARARGS, "gpu_write(handle, offset, data)"},
    {"gpu_free", gpuFree, METH_O, "gpu_free(handle)"},
    {"gpu_sync", gpuSync, METH_VARARGS,
     "gpu_sync(session, stream, end=False, keepalive=False, server=''): waits for queued launches (keepalive: "
     "only renews the session's lease) on the current server, or on `server` (a KILN_SERVER value)"},
    {"gpu_pool_info", gpuPoolInfo, METH_NOARGS, "the server's GPU pool, or None"},
    {"server_target", serverTarget, METH_VARARGS, "server_target(start=True) -> gRPC target"},
    {"server_info", serverInfo, METH_VARARGS, "server_info(start=True) -> dict"},
    {"server_stats", serverStats, METH_VARARGS, "server_stats(start=True) -> dict"},
    {"server_shutdown", serverShutdown, METH_NOARGS, "stop the server (never starts one)"},
    {"server_zero_stats", serverZeroStats, METH_NOARGS, "zero the server's GetStats counters (never starts one)"},
    {"server_evict_cache", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(serverEvictCache)),
     METH_VARARGS | METH_KEYWORDS,
     "server_evict_cache(all=False, key_prefix='', older_than_seconds=-1, down_to_bytes=-1) -> dict"},
    {"host_target", hostTargetDict, METH_NOARGS, "this machine as an LLVM target"},
    {"target_for_tier", targetForTier, METH_VARARGS, "target_for_tier(tier='') -> the target a compile sends"},
    {"best_tier", bestTier, METH_NOARGS, "the highest x86-64 level this CPU runs"},
    {"local_cache_dir", localCacheDir, METH_NOARGS, "$XDG_CACHE_HOME/kiln"},
    {"local_server_paths", localServerPaths, METH_NOARGS,
     "{'kilnd': the local server's binary, 'dir': its folder (socket, log, cache.db)}, running or not"},
    {"runtime_stats", runtimeStats, METH_NOARGS,
     "the memory runtime's counters: live_allocations, live_bytes, total_allocations, total_frees"},
    {"live_allocations", liveAllocations, METH_NOARGS, "arrays allocated by compiled code and not yet freed"},
    {"_set_package_dir", setPackageDir, METH_O, "where kiln/bin/kilnd is looked for"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef kModule = {PyModuleDef_HEAD_INIT, "kiln._kiln", "Kiln's native core", -1, kFunctions,
                       nullptr, nullptr, nullptr, nullptr};

}  // namespace

PyTypeObject BundleType = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "kiln._kiln.Bundle";
  t.tp_basicsize = sizeof(BundleObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT;
  t.tp_doc = "A kiln.v1.Bundle message and its content hash";
  t.tp_dealloc = bundleDealloc;
  t.tp_getset = kBundleGetSet;
  t.tp_methods = kBundleMethods;
  return t;
}();

PyObject* kilnError(const char* name) {
  static PyObject* errors = nullptr;
  if (errors == nullptr) errors = PyImport_ImportModule("kiln.errors");
  if (errors == nullptr) {
    PyErr_Clear();
    return PyExc_RuntimeError;
  }
  PyObject* cls = PyObject_GetAttrString(errors, name);
  if (cls == nullptr) {
    PyErr_Clear();
    return PyExc_RuntimeError;
  }
  Py_DECREF(cls);  // the module keeps it alive
  return cls;
}

bool stringsFrom(PyObject* value, const char* what, std::vector<std::string>* out) {
  PyObject* seq = PySequence_Fast(value, what);
  if (seq == nullptr) return false;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); ++i) {
    const char* s = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i));
    if (s == nullptr) {
      Py_DECREF(seq);
      return false;
    }
    out->push_back(s);
  }
  Py_DECREF(seq);
  return true;
}

bool argTypesFrom(PyObject* arg_types, CompileCall* call) {
  return stringsFrom(arg_types, "arg_types must be a sequence of type names", &call->arg_types);
}

bool fastmathFrom(PyObject* value, CompileCall* call) {
  if (PyBool_Check(value)) {
    call->fastmath = value == Py_True;
    return true;
  }
  return stringsFrom(value, "fastmath must be a bool or a sequence of flag names", &call->fastmath_flags);
}

void optionsFrom(const CompileCall& call, kiln::v1::Options* o) {
  o->set_opt_level(call.opt_level);
  o->set_fastmath(call.fastmath);
  for (const std::string& f : call.fastmath_flags) o->add_fastmath_flags(f);
  o->set_boundscheck(call.boundscheck);
  o->set_error_model(call.error_model);
}

bool compileRpc(const BundleObject& b, const CompileCall& call, kiln::v1::CompileResponse* out) {
  client::CompileArgs ca;
  ca.arg_types = call.arg_types;
  ca.return_type = call.return_type;
  optionsFrom(call, &ca.options);
  ca.emit = static_cast<kiln::v1::Emit>(call.emit);
  if (!call.target_triple.empty()) {  // cuda: e.g. nvptx64-nvidia-cuda / sm_80, no features
    ca.has_target = true;
    ca.target.set_triple(call.target_triple);
    ca.target.set_cpu(call.target_cpu);
  } else {
    // keys: the tier chosen by option ("" = $KILN_TARGET_TIER or the
    // default); a binary this CPU cannot run is refused here, before the RPC.
    absl::StatusOr<kiln::v1::Target> target = client::tierTarget(call.target_tier);
    if (!target.ok()) {
      PyErr_SetString(PyExc_ValueError, std::string(target.status().message()).c_str());
      return false;
    }
    if (absl::Status runs = client::checkRunsHere(*target); ca.emit == kiln::v1::EMIT_BINARY && !runs.ok()) {
      PyErr_SetString(kilnError("UnsupportedTargetError"), std::string(runs.message()).c_str());
      return false;
    }
    ca.has_target = true;
    ca.target = *std::move(target);
  }
  client::BundleHash hash;
  std::copy_n(b.hash, 32, hash.begin());
  absl::StatusOr<kiln::v1::CompileResponse> reply;
  Py_BEGIN_ALLOW_THREADS
  absl::StatusOr<std::shared_ptr<client::Client>> c = currentClient(/*start=*/true);
  if (c.ok()) reply = (*c)->compile(*b.bundle, hash, ca);
  else reply = c.status();
  Py_END_ALLOW_THREADS
  if (!reply.ok()) {
    raiseStatus(reply.status());
    return false;
  }
  *out = *std::move(reply);
  return true;
}

PyObject* diagnosticDict(const kiln::v1::Diagnostic& d) {
  return Py_BuildValue("{s:O,s:i,s:s#,s:s#,s:i,s:s#}", "ok", Py_False, "kind", static_cast<int>(d.kind()), "message",
                       d.message().data(), (Py_ssize_t)d.message().size(), "filename", d.filename().data(),
                       (Py_ssize_t)d.filename().size(), "line", d.line(), "function", d.function().data(),
                       (Py_ssize_t)d.function().size());
}

namespace {

// {value name: number} of a generated enum, read from its descriptor.
PyObject* enumDict(const google::protobuf::EnumDescriptor* e) {
  PyObject* d = PyDict_New();
  for (int i = 0; d != nullptr && i < e->value_count(); ++i) {
    PyObject* n = PyLong_FromLong(e->value(i)->number());
    if (n == nullptr || PyDict_SetItemString(d, e->value(i)->name().c_str(), n) < 0) {
      Py_XDECREF(n);
      Py_CLEAR(d);
      break;
    }
    Py_DECREF(n);
  }
  return d;
}

// The facts of base/ and kiln.proto the package must not copy by hand:
//   EMITS            {"binary": 0, "llvm": 4, ...}         (kiln.v1.Emit values)
//   DIAGNOSTIC_KINDS {1: ("TypingError", "TypingError"), ...}  proto value -> (kind, kiln.errors class)
//   PROTO_ENUMS      {"GlobalRef.Kind": {"KIND_CONSTANT": 1, ...}, ...}
//   CUDA_SMS         ("sm_75", ...)                         the CUDA target's SMs
bool addFacts(PyObject* m) {
  PyObject* emits = PyDict_New();
  if (emits == nullptr) return false;
  for (const base::EmitRow& row : base::emitTable()) {
    PyObject* v = PyLong_FromLong(row.proto_value);
    if (v == nullptr || PyDict_SetItemString(emits, std::string(row.name).c_str(), v) < 0) {
      Py_XDECREF(v);
      Py_DECREF(emits);
      return false;
    }
    Py_DECREF(v);
  }
  if (PyModule_AddObject(m, "EMITS", emits) < 0) {
    Py_DECREF(emits);
    return false;
  }
  PyObject* kinds = PyDict_New();
  if (kinds == nullptr) return false;
  for (const base::DiagnosticKindRow& row : base::diagnosticKindTable()) {
    PyObject* k = PyLong_FromLong(row.proto_value);
    PyObject* v = Py_BuildValue("(s#s#)", row.name.data(), (Py_ssize_t)row.name.size(), row.python_error.data(),
                                (Py_ssize_t)row.python_error.size());
    if (k == nullptr || v == nullptr || PyDict_SetItem(kinds, k, v) < 0) {
      Py_XDECREF(k);
      Py_XDECREF(v);
      Py_DECREF(kinds);
      return false;
    }
    Py_DECREF(k);
    Py_DECREF(v);
  }
  if (PyModule_AddObject(m, "DIAGNOSTIC_KINDS", kinds) < 0) {
    Py_DECREF(kinds);
    return false;
  }
  // STATUS_ERRORS {"INVALID_ARGUMENT": "InvalidRequestError", ...}
  PyObject* statuses = PyDict_New();
  if (statuses == nullptr) return false;
  for (const base::StatusErrorRow& row : base::statusErrorTable()) {
    PyObject* v = PyUnicode_FromStringAndSize(row.python_error.data(), (Py_ssize_t)row.python_error.size());
    if (v == nullptr || PyDict_SetItemString(statuses, std::string(row.name).c_str(), v) < 0) {
      Py_XDECREF(v);
      Py_DECREF(statuses);
      return false;
    }
    Py_DECREF(v);
  }
  if (PyModule_AddObject(m, "STATUS_ERRORS", statuses) < 0) {
    Py_DECREF(statuses);
    return false;
  }
  PyObject* enums = PyDict_New();
  if (enums == nullptr) return false;
  const std::pair<const char*, const google::protobuf::EnumDescriptor*> kEnums[] = {
      {"Emit", kiln::v1::Emit_descriptor()},
      {"GlobalRef.Kind", kiln::v1::GlobalRef::Kind_descriptor()},
      {"Diagnostic.Kind", kiln::v1::Diagnostic::Kind_descriptor()},
      {"CompileResponse.Status", kiln::v1::CompileResponse::Status_descriptor()},
  };
  for (const auto& [name, descriptor] : kEnums) {
    PyObject* d = enumDict(descriptor);
    if (d == nullptr || PyDict_SetItemString(enums, name, d) < 0) {
      Py_XDECREF(d);
      Py_DECREF(enums);
      return false;
    }
    Py_DECREF(d);
  }
  if (PyModule_AddObject(m, "PROTO_ENUMS", enums) < 0) {
    Py_DECREF(enums);
    return false;
  }
  // CUDA_SMS ("sm_75", ...): base/cuda_sms.def, oldest first
  PyObject* sms = PyTuple_New(static_cast<Py_ssize_t>(base::cudaSmTable().size()));
  if (sms == nullptr) return false;
  Py_ssize_t k = 0;
  for (const base::CudaSmRow& row : base::cudaSmTable()) {
    PyObject* name = PyUnicode_FromStringAndSize(row.name.data(), static_cast<Py_ssize_t>(row.name.size()));
    if (name == nullptr) {
      Py_DECREF(sms);
      return false;
    }
    PyTuple_SET_ITEM(sms, k++, name);
  }
  if (PyModule_AddObject(m, "CUDA_SMS", sms) < 0) {
    Py_DECREF(sms);
    return false;
  }
  return true;
}

}  // namespace

}  // namespace kiln::python

namespace {
// strings: CPython's Unicode database for code points beyond Latin-1, so
// compiled str.upper(), str.isalpha() ... answer as Python does.
int toUpper(uint32_t c, uint32_t res[3]) { return _PyUnicode_ToUpperFull(c, res); }
int toLower(uint32_t c, uint32_t res[3]) { return _PyUnicode_ToLowerFull(c, res); }
int toTitle(uint32_t c, uint32_t res[3]) { return _PyUnicode_ToTitleFull(c, res); }
int toFolded(uint32_t c, uint32_t res[3]) { return _PyUnicode_ToFoldedFull(c, res); }
int toDecimal(uint32_t c) { return _PyUnicode_ToDecimalDigit(c); }
int isSpace(uint32_t c) { return _PyUnicode_IsWhitespace(c); }
int isUpper(uint32_t c) { return _PyUnicode_IsUppercase(c); }
int isLower(uint32_t c) { return _PyUnicode_IsLowercase(c); }
int isTitle(uint32_t c) { return _PyUnicode_IsTitlecase(c); }
int isAlpha(uint32_t c) { return _PyUnicode_IsAlpha(c); }
int isDecimal(uint32_t c) { return _PyUnicode_IsDecimalDigit(c); }
int isDigit(uint32_t c) { return _PyUnicode_IsDigit(c); }
int isNumeric(uint32_t c) { return _PyUnicode_IsNumeric(c); }
int isPrintable(uint32_t c) { return _PyUnicode_IsPrintable(c); }
int isCased(uint32_t c) { return _PyUnicode_IsCased(c); }
int isCaseIgnorable(uint32_t c) { return _PyUnicode_IsCaseIgnorable(c); }
int isXidStart(uint32_t c) { return _PyUnicode_IsXidStart(c); }
int isXidContinue(uint32_t c) { return _PyUnicode_IsXidContinue(c); }
const KilnUnicodeCtype kPythonCtype = {toUpper,   toLower,   toTitle,     toFolded,        toDecimal,  isSpace,
                                       isUpper,   isLower,   isTitle,     isAlpha,         isDecimal,  isDigit,
                                       isNumeric, isPrintable, isCased,   isCaseIgnorable, isXidStart, isXidContinue};

// strings: compiled hash(s) is Python's when the interpreter hashes str with
// SipHash-1-3 keyed by _Py_HashSecret (CPython 3.11+'s default); checked on
// a sample so that another configuration keeps Kiln's own (stable) key.
void installHashKey() {
  uint64_t k0, k1;
  std::memcpy(&k0, reinterpret_cast<const char*>(&_Py_HashSecret) + 0, 8);
  std::memcpy(&k1, reinterpret_cast<const char*>(&_Py_HashSecret) + 8, 8);
  kiln_unicode_set_hash_key(k0, k1);
  PyObject* sample = PyUnicode_FromString("kiln hash probe \xc3\xa9");
  if (sample == nullptr) {
    PyErr_Clear();
    kiln_unicode_set_hash_key(0, 0);
    return;
  }
  KilnStr s{nullptr, PyUnicode_DATA(sample), PyUnicode_GET_LENGTH(sample), PyUnicode_KIND(sample)};
  Py_hash_t want = PyObject_Hash(sample);
  if (want != kiln_unicode_table.hash(&s)) kiln_unicode_set_hash_key(0, 0);
  Py_DECREF(sample);
}
}  // namespace

PyMODINIT_FUNC PyInit__kiln() {
  using namespace kiln::python;
  kiln_unicode_set_ctype(&kPythonCtype);
  installHashKey();
  installPrintHook();  // print: print_hook.cpp
  installObjmodeHook();  // objmode: objmode_hook.cpp
  if (PyType_Ready(&DispatcherType) < 0 || PyType_Ready(&BundleType) < 0 || PyType_Ready(&GeneratorType) < 0 ||  // genpy:
      PyType_Ready(&StructRefHandleType) < 0)  // structref:
    return nullptr;
  if (PyType_Ready(&KernelLaunchType) < 0 || PyType_Ready(&KernelBaseType) < 0) return nullptr;  // cudahost:
  PyObject* m = PyModule_Create(&kModule);
  if (m == nullptr) return nullptr;
  Py_INCREF(&DispatcherType);
  Py_INCREF(&BundleType);
  if (PyModule_AddObject(m, "Dispatcher", reinterpret_cast<PyObject*>(&DispatcherType)) < 0 ||
      PyModule_AddObject(m, "Bundle", reinterpret_cast<PyObject*>(&BundleType)) < 0 || !addFacts(m) ||
      PyModule_AddFunctions(m, kTypedDictFunctions) < 0 ||  // dicts: typed_dict.cpp
      PyModule_AddFunctions(m, kExportFunctions) < 0 ||     // packages: export.cpp
      PyModule_AddFunctions(m, kObjmodeFunctions) < 0 ||    // objmode: objmode_hook.cpp
      PyModule_AddFunctions(m, kPreconnectFunctions) < 0) {  // preconnect.cpp
    Py_DECREF(m);
    return nullptr;
  }
  // cudahost: kiln.cuda's launch path (cuda_launch.cpp).
  if (PyModule_AddObjectRef(m, "KernelLaunch", reinterpret_cast<PyObject*>(&KernelLaunchType)) < 0 ||
      PyModule_AddObjectRef(m, "KernelBase", reinterpret_cast<PyObject*>(&KernelBaseType)) < 0 ||
      PyModule_AddFunctions(m, kCudaLaunchFunctions) < 0) {
    Py_DECREF(m);
    return nullptr;
  }
  return m;
}
