// packages: kiln._kiln.write_bundle_file / read_bundle_file, the Python side
// of the exported bundle file (kiln/client/bundle_file.h; the C++ API reads
// it: docs/cpp.md). The format is defined once, in the C++ client.
#include "absl/strings/str_cat.h"
#include <algorithm>

#include "kiln/client/bundle_file.h"
#include "kiln/client/client.h"
#include "native.h"

namespace kiln::python {
namespace {

// The str items of a Python sequence appended to a repeated proto field
// (stringsFrom, module.cpp, reads them); false with a Python error set.
bool stringList(PyObject* value, const char* what, google::protobuf::RepeatedPtrField<std::string>* out) {
  std::vector<std::string> items;
  if (!stringsFrom(value, what, &items)) return false;
  for (std::string& item : items) out->Add(std::move(item));
  return true;
}

// One entry: (name, qualname, Bundle, signatures, opt_level, fastmath,
// boundscheck, error_model), fastmath as for compile (a bool or flag names).
bool addEntry(PyObject* entry, kiln::v1::BundleArchive* archive) {
  const char *name, *qualname, *error_model;
  PyObject *bundle, *signatures, *fastmath;
  int opt_level, boundscheck;
  if (!PyArg_ParseTuple(entry, "ssO!OiOps", &name, &qualname, &BundleType, &bundle, &signatures, &opt_level, &fastmath,
                        &boundscheck, &error_model))
    return false;
  kiln::v1::ExportedFunction* f = archive->add_functions();
  f->set_name(name);
  f->set_qualname(qualname);
  *f->mutable_bundle() = *reinterpret_cast<BundleObject*>(bundle)->bundle;
  if (!stringList(signatures, "signatures must be a sequence of str", f->mutable_signatures())) return false;
  kiln::v1::Options* o = f->mutable_options();
  o->set_opt_level(opt_level);
  if (PyBool_Check(fastmath)) {
    o->set_fastmath(fastmath == Py_True);
  } else if (!stringList(fastmath, "fastmath must be a bool or a sequence of flag names", o->mutable_fastmath_flags())) {
    return false;
  }
  o->set_boundscheck(boundscheck);
  o->set_error_model(error_model);
  return true;
}

PyObject* writeBundleFile(PyObject*, PyObject* args) {
  const char *path, *writer;
  PyObject* entries;
  if (!PyArg_ParseTuple(args, "ssO", &path, &writer, &entries)) return nullptr;
  kiln::v1::BundleArchive archive;
  archive.set_writer(writer);
  PyObject* seq = PySequence_Fast(entries, "entries must be a sequence");
  if (seq == nullptr) return nullptr;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); ++i) {
    if (!addEntry(PySequence_Fast_GET_ITEM(seq, i), &archive)) {
      Py_DECREF(seq);
      return nullptr;
    }
  }
  Py_DECREF(seq);
  absl::Status s;
  Py_BEGIN_ALLOW_THREADS
  s = client::writeBundleFile(path, std::move(archive));
  Py_END_ALLOW_THREADS
  if (!s.ok()) return PyErr_Format(PyExc_OSError, "%s", std::string(s.message()).c_str());
  Py_RETURN_NONE;
}

PyObject* readBundleFile(PyObject*, PyObject* args) {
  const char* path;
  if (!PyArg_ParseTuple(args, "s", &path)) return nullptr;
  absl::StatusOr<kiln::v1::BundleArchive> archive;
  Py_BEGIN_ALLOW_THREADS
  archive = client::readBundleFile(path);
  Py_END_ALLOW_THREADS
  if (!archive.ok()) {
    PyObject* cls = archive.status().code() == absl::StatusCode::kNotFound ? PyExc_FileNotFoundError : PyExc_ValueError;
    return PyErr_Format(cls, "%s", std::string(archive.status().message()).c_str());
  }
  PyObject* out = PyList_New(0);
  if (out == nullptr) return nullptr;
  for (const kiln::v1::ExportedFunction& f : archive->functions()) {
    PyObject* sigs = PyList_New(0);
    for (const std::string& s : f.signatures()) {
      PyObject* u = PyUnicode_FromString(s.c_str());
      PyList_Append(sigs, u);
      Py_XDECREF(u);
    }
    client::BundleHash h;
    std::copy_n(f.bundle_hash().begin(), h.size(), h.begin());
    PyObject* d = Py_BuildValue("{s:s,s:s,s:s,s:N,s:i,s:s,s:i}", "name", f.name().c_str(), "qualname",
                                f.qualname().c_str(), "bundle_hash", client::hexHash(h).c_str(), "signatures", sigs,
                                "functions", f.bundle().functions_size(), "writer", archive->writer().c_str(),
                                "opt_level", f.options().opt_level());
    if (d == nullptr || PyList_Append(out, d) < 0) {
      Py_XDECREF(d);
      Py_DECREF(out);
      return nullptr;
    }
    Py_DECREF(d);
  }
  return out;
}

}  // namespace

PyMethodDef kExportFunctions[] = {
    {"write_bundle_file", writeBundleFile, METH_VARARGS,
     "write_bundle_file(path, writer, [(name, qualname, Bundle, signatures, opt_level, fastmath, boundscheck, "
     "error_model), ...]): the exported bundle file (docs/cpp.md)"},
    {"read_bundle_file", readBundleFile, METH_VARARGS,
     "read_bundle_file(path) -> [{name, qualname, bundle_hash, signatures, functions, writer, opt_level}]: checks "
     "the file"},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace kiln::python
