// kiln/bundle.py describes a bundle as plain tuples, lists and dicts (so that
// `import kiln` needs no protobuf package); this file turns that into the
// kiln.v1.Bundle message. Constants arrive tagged: ("int", 5), ("tuple", [...]),
// ("code", index), ...
#include "native.h"

namespace kiln::python {
namespace {

bool fail(const char* what) {
  if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "malformed bundle: %s", what);
  return false;
}

bool getStr(PyObject* o, std::string* out) {
  Py_ssize_t n;
  const char* s = PyUnicode_AsUTF8AndSize(o, &n);
  if (s == nullptr) return false;
  out->assign(s, static_cast<size_t>(n));
  return true;
}

bool getBytes(PyObject* o, std::string* out) {
  char* s;
  Py_ssize_t n;
  if (PyBytes_AsStringAndSize(o, &s, &n) != 0) return false;
  out->assign(s, static_cast<size_t>(n));
  return true;
}

PyObject* field(PyObject* dict, const char* key) {
  PyObject* v = PyDict_GetItemString(dict, key);  // borrowed
  if (v == nullptr) PyErr_Format(PyExc_ValueError, "malformed bundle: code object lacks '%s'", key);
  return v;
}

bool getInt(PyObject* dict, const char* key, int32_t* out) {
  PyObject* v = field(dict, key);
  if (v == nullptr) return false;
  long x = PyLong_AsLong(v);
  if (x == -1 && PyErr_Occurred()) return false;
  *out = static_cast<int32_t>(x);
  return true;
}

// Each str of sequence v (`what`, for the TypeError) given to add(), as a
// repeated string field's adder takes it.
template <typename Add>
bool strItems(PyObject* v, const char* what, Add add) {
  PyObject* seq = PySequence_Fast(v, what);
  if (seq == nullptr) return false;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); ++i) {
    std::string s;
    if (!getStr(PySequence_Fast_GET_ITEM(seq, i), &s)) {
      Py_DECREF(seq);
      return false;
    }
    add(std::move(s));
  }
  Py_DECREF(seq);
  return true;
}

// The same for the sequence dict[key].
template <typename Add>
bool strList(PyObject* dict, const char* key, Add add) {
  PyObject* v = field(dict, key);
  return v != nullptr && strItems(v, key, add);
}

bool buildConstant(PyObject* spec, kiln::v1::Constant* out);

// The items of a tuple (or namedtuple) constant, each a constant spec.
bool buildTupleItems(PyObject* items, const char* what, kiln::v1::Constant::Tuple* t) {
  PyObject* seq = PySequence_Fast(items, what);
  if (seq == nullptr) return false;
  bool ok = true;
  for (Py_ssize_t i = 0; ok && i < PySequence_Fast_GET_SIZE(seq); ++i)
    ok = buildConstant(PySequence_Fast_GET_ITEM(seq, i), t->add_items());
  Py_DECREF(seq);
  return ok;
}

bool buildConstant(PyObject* spec, kiln::v1::Constant* out) {
  if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) < 1) return fail("constant is not a tagged tuple");
  std::string tag;
  if (!getStr(PyTuple_GET_ITEM(spec, 0), &tag)) return false;
  Py_ssize_t n = PyTuple_GET_SIZE(spec);
  PyObject* a = n > 1 ? PyTuple_GET_ITEM(spec, 1) : nullptr;
  if (tag == "none") {
    out->set_none(true);
  } else if (tag == "ellipsis") {
    out->set_ellipsis(true);
  } else if (a == nullptr) {
    return fail("constant lacks its value");
  } else if (tag == "bool") {
    out->set_bool_value(PyObject_IsTrue(a) == 1);
  } else if (tag == "int") {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(a, &overflow);
    if (overflow) {
      PyErr_SetString(PyExc_OverflowError, "integer constant does not fit in int64");
      return false;
    }
    if (v == -1 && PyErr_Occurred()) return false;
    out->set_int_value(v);
  } else if (tag == "float") {
    double v = PyFloat_AsDouble(a);
    if (v == -1.0 && PyErr_Occurred()) return false;
    out->set_float_value(v);
  } else if (tag == "complex") {
    Py_complex c = PyComplex_AsCComplex(a);
    if (c.real == -1.0 && PyErr_Occurred()) return false;
    out->mutable_complex_value()->set_real(c.real);
    out->mutable_complex_value()->set_imag(c.imag);
  } else if (tag == "str") {
    if (!getStr(a, out->mutable_str_value())) return false;
  } else if (tag == "builtin") {  // npmisc: ("builtin", "numpy.float64"), a class default
    if (!getStr(a, out->mutable_builtin_name())) return false;
  } else if (tag == "bytes") {
    if (!getBytes(a, out->mutable_bytes_value())) return false;
  } else if (tag == "ndarray") {  // arrays: ("ndarray", dtype name, shape tuple, bytes[, True for a 0-d array])
    if (n != 4 && n != 5) return fail("an ndarray constant is (tag, dtype, shape, data[, zero_dim])");
    kiln::v1::Constant::NdArray* arr = out->mutable_ndarray_value();
    if (!getStr(a, arr->mutable_dtype())) return false;
    PyObject* shape = PySequence_Fast(PyTuple_GET_ITEM(spec, 2), "ndarray constant shape");
    if (shape == nullptr) return false;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(shape); ++i) {
      long long d = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(shape, i));
      if (d == -1 && PyErr_Occurred()) {
        Py_DECREF(shape);
        return false;
      }
      arr->add_shape(d);
    }
    Py_DECREF(shape);
    if (!getBytes(PyTuple_GET_ITEM(spec, 3), arr->mutable_data())) return false;
    if (n == 5) arr->set_zero_dim(PyObject_IsTrue(PyTuple_GET_ITEM(spec, 4)) == 1);
  } else if (tag == "function") {  // realcode2: ("function", index), a jitted function default
    long v = PyLong_AsLong(a);
    if (v < 0) return fail("bad function index");
    out->set_function_index(static_cast<uint32_t>(v));
  } else if (tag == "namedtuple") {  // realcode2: ("namedtuple", [items], "mod.Point[x, y]")
    if (n != 3) return fail("a namedtuple constant is (tag, items, class)");
    if (!getStr(PyTuple_GET_ITEM(spec, 2), out->mutable_tuple_value()->mutable_namedtuple_class())) return false;
    if (!buildTupleItems(a, "namedtuple constant items", out->mutable_tuple_value())) return false;
  } else if (tag == "code") {
    long v = PyLong_AsLong(a);
    if (v < 0) return fail("bad code index");
    out->set_code_index(static_cast<uint32_t>(v));
  } else if (tag == "tuple") {
    if (!buildTupleItems(a, "tuple constant items", out->mutable_tuple_value())) return false;
  } else {
    PyErr_Format(PyExc_ValueError, "malformed bundle: unknown constant tag '%s'", tag.c_str());
    return false;
  }
  return true;
}

template <typename Add>
bool constList(PyObject* v, Add add) {
  PyObject* seq = PySequence_Fast(v, "constants");
  if (seq == nullptr) return false;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); ++i)
    if (!buildConstant(PySequence_Fast_GET_ITEM(seq, i), add())) {
      Py_DECREF(seq);
      return false;
    }
  Py_DECREF(seq);
  return true;
}

bool buildCode(PyObject* d, kiln::v1::CodeObject* code) {
  if (!PyDict_Check(d)) return fail("code object is not a dict");
  PyObject* v;
  if (!(v = field(d, "name")) || !getStr(v, code->mutable_name())) return false;
  if (!(v = field(d, "qualname")) || !getStr(v, code->mutable_qualname())) return false;
  if (!(v = field(d, "filename")) || !getStr(v, code->mutable_filename())) return false;
  if (!(v = field(d, "code")) || !getBytes(v, code->mutable_code())) return false;
  if (!(v = field(d, "exceptiontable")) || !getBytes(v, code->mutable_exceptiontable())) return false;
  int32_t x;
#define KILN_INT_FIELD(name)                 \
  if (!getInt(d, #name, &x)) return false; \
  code->set_##name(x);
  KILN_INT_FIELD(firstlineno)
  KILN_INT_FIELD(argcount)
  KILN_INT_FIELD(posonlyargcount)
  KILN_INT_FIELD(kwonlyargcount)
  KILN_INT_FIELD(nlocals)
  KILN_INT_FIELD(stacksize)
  KILN_INT_FIELD(flags)
#undef KILN_INT_FIELD
  if (!strList(d, "names", [&](std::string s) { code->add_names(std::move(s)); })) return false;
  if (!strList(d, "varnames", [&](std::string s) { code->add_varnames(std::move(s)); })) return false;
  if (!strList(d, "cellvars", [&](std::string s) { code->add_cellvars(std::move(s)); })) return false;
  if (!strList(d, "freevars", [&](std::string s) { code->add_freevars(std::move(s)); })) return false;
  if (!(v = field(d, "consts")) || !constList(v, [&] { return code->add_consts(); })) return false;
  if (!(v = field(d, "lines"))) return false;
  PyObject* seq = PySequence_Fast(v, "lines");
  if (seq == nullptr) return false;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); ++i) {
    unsigned int start, end;
    int line;
    if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "IIi", &start, &end, &line)) {
      Py_DECREF(seq);
      return false;
    }
    kiln::v1::LineRange* r = code->add_lines();
    r->set_start(start);
    r->set_end(end);
    r->set_line(line);
  }
  Py_DECREF(seq);
  return true;
}

bool buildGlobal(PyObject* spec, kiln::v1::GlobalRef* g) {
  PyObject *name, *value, *qualified, *type_name;
  int kind;
  unsigned int index;
  if (!PyArg_ParseTuple(spec, "UiOIUU", &name, &kind, &value, &index, &qualified, &type_name)) return false;
  if (!kiln::v1::GlobalRef::Kind_IsValid(kind)) return fail("bad global kind");
  if (!getStr(name, g->mutable_name())) return false;
  g->set_kind(static_cast<kiln::v1::GlobalRef::Kind>(kind));
  if (value != Py_None && !buildConstant(value, g->mutable_value())) return false;
  g->set_function_index(index);
  return getStr(qualified, g->mutable_qualified_name()) && getStr(type_name, g->mutable_type_name());
}

}  // namespace

// kwonly: [(name, constant), ...] in the keyword-only parameters' order.
bool buildKwDefaults(PyObject* v, kiln::v1::Function* f) {
  PyObject* seq = PySequence_Fast(v, "kwdefaults");
  if (seq == nullptr) return false;
  bool ok = true;
  for (Py_ssize_t i = 0; ok && i < PySequence_Fast_GET_SIZE(seq); ++i) {
    PyObject *name, *value;
    kiln::v1::KwDefault* d = f->add_kwdefaults();
    ok = PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "OO", &name, &value) &&
         getStr(name, d->mutable_name()) && buildConstant(value, d->mutable_value());
  }
  Py_DECREF(seq);
  return ok;
}

// A @jit callee's own fastmath: [flag name, ...] ("fast" for all; none: off).
bool buildFastMath(PyObject* v, kiln::v1::Function* f) {
  kiln::v1::FastMath* fm = f->mutable_fastmath();
  return strItems(v, "fastmath", [&](std::string s) { fm->add_flags(std::move(s)); });
}

// Each (a, b) pair of sequence v (`what`, for the TypeError) given to take(a, b).
template <typename Take>
bool pairItems(PyObject* v, const char* what, Take take) {
  PyObject* seq = PySequence_Fast(v, what);
  if (seq == nullptr) return false;
  bool ok = true;
  for (Py_ssize_t i = 0; ok && i < PySequence_Fast_GET_SIZE(seq); ++i) {
    PyObject *first, *second;
    ok = PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "OO", &first, &second) && take(first, second);
  }
  Py_DECREF(seq);
  return ok;
}

// locals: [(name, type spelling)], sorted by name (bundle.py).
bool buildLocals(PyObject* v, kiln::v1::Function* f) {
  return pairItems(v, "locals", [&](PyObject* name, PyObject* type) {
    kiln::v1::LocalType* l = f->add_locals();
    return getStr(name, l->mutable_name()) && getStr(type, l->mutable_type());
  });
}

// eagersig: a @jit callee's explicit signatures, [([arg type], return type)]
// (bundle.py; an empty return type: inferred).
bool buildSignatures(PyObject* v, kiln::v1::Function* f) {
  return pairItems(v, "signatures", [&](PyObject* args, PyObject* ret) {
    kiln::v1::DeclaredSignature* sig = f->add_signatures();
    return getStr(ret, sig->mutable_return_type()) &&
           strItems(args, "arg_types", [&](std::string s) { sig->add_arg_types(std::move(s)); });
  });
}

bool buildBundle(PyObject* spec, kiln::v1::Bundle* out) {
  unsigned int major, minor;
  PyObject *functions, *intrinsics = nullptr;
  if (!PyArg_ParseTuple(spec, "IIO|O", &major, &minor, &functions, &intrinsics)) return false;
  out->set_python_major(major);
  out->set_python_minor(minor);
  // intrinsic: [(name, symbol, [arg type], return type, LLVM IR text)]
  if (intrinsics != nullptr) {
    PyObject* iseq = PySequence_Fast(intrinsics, "intrinsics");
    if (iseq == nullptr) return false;
    bool ok = true;
    for (Py_ssize_t i = 0; ok && i < PySequence_Fast_GET_SIZE(iseq); ++i) {
      PyObject *name, *symbol, *arg_types, *return_type, *llvm_ir;
      kiln::v1::Intrinsic* x = out->add_intrinsics();
      ok = PyArg_ParseTuple(PySequence_Fast_GET_ITEM(iseq, i), "UUOUU", &name, &symbol, &arg_types, &return_type,
                            &llvm_ir) &&
           getStr(name, x->mutable_name()) && getStr(symbol, x->mutable_symbol()) &&
           getStr(return_type, x->mutable_return_type()) && getStr(llvm_ir, x->mutable_llvm_ir()) &&
           strItems(arg_types, "arg_types", [&](std::string s) { x->add_arg_types(std::move(s)); });
    }
    Py_DECREF(iseq);
    if (!ok) return false;
  }
  PyObject* seq = PySequence_Fast(functions, "functions");
  if (seq == nullptr) return false;
  bool ok = true;
  for (Py_ssize_t i = 0; ok && i < PySequence_Fast_GET_SIZE(seq); ++i) {
    PyObject *code, *globals, *defaults, *kwdefaults = nullptr, *fastmath = Py_None, *error_model = Py_None,
             *locals = Py_None, *signatures = Py_None;
    if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "OOO|OOOOO", &code, &globals, &defaults, &kwdefaults,
                          &fastmath, &error_model, &locals, &signatures)) {
      ok = false;
      break;
    }
    kiln::v1::Function* f = out->add_functions();
    ok = buildCode(code, f->mutable_code()) && constList(defaults, [&] { return f->add_defaults(); }) &&
         (kwdefaults == nullptr || buildKwDefaults(kwdefaults, f)) &&
         (fastmath == Py_None || buildFastMath(fastmath, f)) &&
         (error_model == Py_None || getStr(error_model, f->mutable_error_model())) &&
         (locals == Py_None || buildLocals(locals, f)) &&
         (signatures == Py_None || buildSignatures(signatures, f));
    PyObject* gseq = ok ? PySequence_Fast(globals, "globals") : nullptr;
    if (gseq == nullptr) {
      ok = false;
      break;
    }
    for (Py_ssize_t k = 0; ok && k < PySequence_Fast_GET_SIZE(gseq); ++k)
      ok = buildGlobal(PySequence_Fast_GET_ITEM(gseq, k), f->add_globals());
    Py_DECREF(gseq);
  }
  Py_DECREF(seq);
  return ok;
}

}  // namespace kiln::python
