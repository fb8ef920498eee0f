// The native Dispatcher: the call hot path of a @kiln.jit function.
//
// It holds the compiled overloads in the order they were added. A call types
// its arguments natively, finds the first overload with exactly those types
// (no RPC, no allocation for scalar arguments), unboxes into stack storage,
// calls the entry point and boxes the result. Everything else (keyword
// arguments, defaults, compiling a new signature, error messages) is the
// Python subclass's business: _call_slow and _compile_for.
#include <cstring>
#include <deque>
#include <memory>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "kiln/client/library.h"
#include "kiln_error.h"
#include "kiln_rt.h"
#include "native.h"

namespace kiln::python {
namespace {

using Kind = Layout::Kind;

struct Overload {
  std::vector<Layout> params;
  std::vector<size_t> arg_offsets;  // into one argument block
  size_t args_size = 0;
  Layout ret;
  KilnEntryFn entry = nullptr;
  std::shared_ptr<client::Library> library;
  KilnGeneratorStepFn step = nullptr;    // genpy: a generator's "<entry>.step"; ret is then its block
  std::shared_ptr<const Layout> yield;  // genpy: the generator's items
  bool adopts = false;  // tdarrays: a call may leave an argument's array in a typed Dict argument
};

struct State {
  // A deque: references stay valid while an overload runs without the GIL
  // and another thread adds one.
  std::deque<Overload> overloads;
  // realcode5: recompile() retires the overloads rather than destroying
  // them: a nogil call on another thread may still be running one.
  std::deque<std::deque<Overload>> retired;
  Py_ssize_t nparams = -1;  // -1: every call goes through _call_slow
  bool frozen = false;      // only eager signatures: convert, never compile
  bool nogil = false;
};

struct DispatcherObject {
  PyObject_HEAD
  State* state;
};

// Up to kInlineArgs arguments and kInlineBytes of argument/result storage
// live on the stack; more spill to the heap (any arity is callable).
constexpr size_t kInlineArgs = 16;
constexpr size_t kInlineBytes = 512;

// narrow (pyfuncs): a last resort for eager signatures, ints narrowed as Numba does.
// NEP 50: by_strength: an exact match also compares a scalar's strength (a
// Python float is not an np.float64); a frozen dispatcher's declared scalars
// are all strong and take either, so it matches them by kind alone.
bool matches(const Overload& ov, PyObject* args, const Kind* kinds, const uint32_t* array_keys, bool exact,
             bool narrow = false, bool by_strength = true) {
  for (size_t i = 0; i < ov.params.size(); ++i) {
    // optional: a value passed for optional(T) matches as a T; None by convertible().
    const Layout& p = ov.params[i].kind == Kind::kOptional && kinds[i] != Kind::kNone ? ov.params[i].items[0] : ov.params[i];
    if (kinds[i] == Kind::kArray) {
      // Exact: the same (dtype, ndim, layout) key; converting: a C array
      // where an A array is declared.
      if (p.kind != Kind::kArray || (array_keys[i] != p.array_key &&
                                     (exact || !arrayPassable(PyTuple_GET_ITEM(args, i), p))))
        return false;
      // records: one key stands for every record dtype; the records' spellings decide.
      if (p.dtype == Kind::kRecord && ndarrayRecord(PyTuple_GET_ITEM(args, i)) != p.record) return false;
    } else if (kinds[i] == Kind::kStructRef) {  // structref: by spelling, the handle's compared in place
      if (p.kind != Kind::kStructRef || !structRefOf(PyTuple_GET_ITEM(args, i), p.spelling)) return false;
    } else if (kinds[i] == Kind::kTuple || kinds[i] == Kind::kDict || kinds[i] == Kind::kList ||
               kinds[i] == Kind::kRecord) {  // records: by spelling
      // Tuples, typed Dicts and lists are compared by spelling (the only allocating case).
      // enums: a member (kTuple here) is laid out as its value.
      if ((p.kind != kinds[i] && p.enum_value.empty()) || typeofSpelling(PyTuple_GET_ITEM(args, i)) != p.spelling)
        return false;
    } else if (exact ? kinds[i] != p.kind || (by_strength && (array_keys[i] == kStrongScalarKey) != p.strong)
                     : !(convertible(kinds[i], p) || (narrow && narrowable(kinds[i], p)))) {
      return false;
    }
  }
  return true;
}

// exceptions: the class compiled code named by path (KILN_CLASS_ERROR), as
// kiln.bundle froze it; a new reference, or null with an error set.
PyObject* exceptionClass(const char* path) {
  PyObject* mod = PyImport_ImportModule("kiln.bundle");
  if (!mod) return nullptr;
  PyObject* cls = PyObject_CallMethod(mod, "exception_class", "s", path);
  Py_DECREF(mod);
  return cls;
}

// exceptions: one argument of `raise Class(args...)` as a Python object.
PyObject* errorArg(const KilnErrorArg& a) {
  switch (a.tag) {
    case KILN_ARG_OWNED_STR: {  // a block holding a KilnErrorStr
      const auto* s = static_cast<const KilnErrorStr*>(
          reinterpret_cast<KilnMemInfo*>(static_cast<uintptr_t>(a.bits))->data);
      if (s->kind != 1 && s->kind != 2 && s->kind != 4) break;
      return PyUnicode_FromKindAndData(static_cast<int>(s->kind), s + 1, static_cast<Py_ssize_t>(s->length));
    }
    case KILN_ARG_OWNED_BYTES: {  // codec: a block holding a KilnErrorStr of kind 1
      const auto* s = static_cast<const KilnErrorStr*>(
          reinterpret_cast<KilnMemInfo*>(static_cast<uintptr_t>(a.bits))->data);
      return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(s + 1), static_cast<Py_ssize_t>(s->length));
    }
    case KILN_ARG_TUPLE: {  // a block holding a KilnErrorTuple
      const auto* t = static_cast<const KilnErrorTuple*>(
          reinterpret_cast<KilnMemInfo*>(static_cast<uintptr_t>(a.bits))->data);
      const auto* items = reinterpret_cast<const KilnErrorArg*>(t + 1);
      PyObject* tuple = PyTuple_New(static_cast<Py_ssize_t>(t->count));
      if (tuple == nullptr) return nullptr;
      for (int64_t k = 0; k < t->count; ++k) {
        PyObject* item = errorArg(items[k]);
        if (item == nullptr) {
          Py_DECREF(tuple);
          return nullptr;
        }
        PyTuple_SET_ITEM(tuple, static_cast<Py_ssize_t>(k), item);
      }
      return tuple;
    }
    case KILN_ARG_NONE: Py_RETURN_NONE;
    case KILN_ARG_BOOL: return PyBool_FromLong(a.bits != 0);
    case KILN_ARG_INT: return PyLong_FromLongLong(a.bits);
    case KILN_ARG_UINT: return PyLong_FromUnsignedLongLong(static_cast<uint64_t>(a.bits));
    case KILN_ARG_FLOAT: {
      double d;
      std::memcpy(&d, &a.bits, sizeof d);
      return PyFloat_FromDouble(d);
    }
    case KILN_ARG_STR: return PyUnicode_FromString(reinterpret_cast<const char*>(static_cast<uintptr_t>(a.bits)));
    default: break;
  }
  PyErr_Format(PyExc_SystemError, "compiled code raised an exception argument of unknown tag %d", a.tag);
  return nullptr;
}

// exceptions: Class(*args) of a `raise` with its arguments recorded.
PyObject* raiseWithArgs(PyObject* type, const KilnError& err) {
  if (err.nargs < 0 || err.nargs > KILN_ERROR_MAX_ARGS) {
    PyErr_Format(PyExc_SystemError, "compiled code raised an exception with %d arguments", err.nargs);
    return nullptr;
  }
  PyObject* args = PyTuple_New(err.nargs);
  if (!args) return nullptr;
  for (int32_t k = 0; k < err.nargs; ++k) {
    PyObject* a = errorArg(err.args[k]);
    if (!a) {
      Py_DECREF(args);
      return nullptr;
    }
    PyTuple_SET_ITEM(args, k, a);
  }
  PyObject* exc = PyObject_Call(type, args, nullptr);
  Py_DECREF(args);
  if (!exc) return nullptr;  // the class's __init__ raised: that exception propagates
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc)), exc);
  Py_DECREF(exc);
  return nullptr;
}

PyObject* raiseFromCompiledAt(const KilnError& err);

}  // namespace

// The error of compiled code, with a traceback frame at the Python line that
// raised it (as Numba injects one).
PyObject* raiseFromCompiled(KilnError& err) {
  raiseFromCompiledAt(err);
  if (err.filename != nullptr && err.function != nullptr && err.line > 0 && PyErr_Occurred())
    _PyTraceback_Add(err.function, err.filename, err.line);
  kiln_error_clear(&err);  // exceptions: its heap arguments, boxed above
  return nullptr;
}

namespace {

PyObject* raiseFromCompiledAt(const KilnError& err) {
  // objmode: the exception object a with objmode() block raised, as it was.
  if (err.kind == KILN_CLASS_ERROR && restoreObjmodeError(err.class_name)) return nullptr;
  if (err.kind == KILN_RERAISE_ACTIVE) {  // exceptions: a bare raise
    PyObject* active = PyErr_GetHandledException();
    if (active != nullptr && active != Py_None) {
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(active)), active);
    } else {
      PyErr_SetString(PyExc_RuntimeError, "No active exception to reraise");
    }
    Py_XDECREF(active);
    return nullptr;
  }
  if (err.kind == KILN_CLASS_ERROR) {
    PyObject* cls = exceptionClass(err.class_name != nullptr ? err.class_name : "builtins:RuntimeError");
    if (!cls) return nullptr;
    if (err.has_args) raiseWithArgs(cls, err);
    else if (err.message != nullptr && *err.message != '\0') PyErr_SetString(cls, err.message);
    else PyErr_SetNone(cls);
    Py_DECREF(cls);
    return nullptr;
  }
  PyObject* type = PyExc_RuntimeError;
  const char* fallback = "error in compiled code";
  switch (err.kind) {
    case KILN_ZERO_DIVISION_ERROR: type = PyExc_ZeroDivisionError; fallback = "division by zero"; break;
    case KILN_INDEX_ERROR: type = PyExc_IndexError; fallback = "index out of range"; break;
    case KILN_VALUE_ERROR: type = PyExc_ValueError; break;
    case KILN_OVERFLOW_ERROR: type = PyExc_OverflowError; break;
    case KILN_ASSERTION_ERROR: type = PyExc_AssertionError; fallback = ""; break;
    case KILN_RUNTIME_ERROR: type = PyExc_RuntimeError; break;
    case KILN_NAME_ERROR: type = PyExc_NameError; break;
    case KILN_TYPE_ERROR: type = PyExc_TypeError; break;
    case KILN_MEMORY_ERROR: type = PyExc_MemoryError; break;
    case KILN_KEY_ERROR: type = PyExc_KeyError; break;
    case KILN_STOP_ITERATION: type = PyExc_StopIteration; fallback = ""; break;
    default:
      PyErr_Format(PyExc_SystemError, "compiled code returned unknown error kind %d", err.kind);
      return nullptr;
  }
  if (err.has_args) return raiseWithArgs(type, err);  // exceptions:
  const char* msg = err.message != nullptr ? err.message : fallback;
  if (*msg == '\0') PyErr_SetNone(type);
  else PyErr_SetString(type, msg);
  return nullptr;
}

PyObject* invoke(const State& st, const Overload& ov, PyObject* args) {
  const size_t n = ov.params.size();
  alignas(16) unsigned char arg_inline[kInlineBytes];
  alignas(16) unsigned char ret_inline[kInlineBytes];
  absl::InlinedVector<void*, kInlineArgs> argv(n);
  // Large tuples only: aligned heap blocks.
  std::vector<std::max_align_t> arg_heap, ret_heap;
  unsigned char* arg_block = arg_inline;
  unsigned char* ret_block = ret_inline;
  if (ov.args_size > kInlineBytes) {
    arg_heap.resize(ov.args_size / sizeof(std::max_align_t) + 1);
    arg_block = reinterpret_cast<unsigned char*>(arg_heap.data());
  }
  if (ov.ret.size > kInlineBytes) {
    ret_heap.resize(ov.ret.size / sizeof(std::max_align_t) + 1);
    ret_block = reinterpret_cast<unsigned char*>(ret_heap.data());
  }
  // lists: a list argument is a block made for the call (one per Python
  // list, however often it is passed), written back after the call, even
  // when it raised, and dropped once the result is boxed.
  std::vector<std::pair<const void*, PyObject*>> lists;
  std::vector<const Layout*> list_layouts;
  // lists, sets: those inside tuple arguments, each Python object written
  // back once, each reference (one per place) dropped with the arguments'.
  std::vector<NestedReflected> nested;
  auto dropLists = [&](size_t count) {
    for (size_t i = 0; i < count; ++i) {
      if (reflectedArg(ov.params[i])) dropList(argv[i]);  // sets: as lists
    }
    for (const NestedReflected& r : nested) dropList(&r.block);
    nested.clear();
  };
  setNestedReflected(&nested);
  struct StopNested {
    ~StopNested() { setNestedReflected(nullptr); }
  } stop_nested;
  for (size_t i = 0; i < n; ++i) {
    argv[i] = arg_block + ov.arg_offsets[i];
    PyObject* a = PyTuple_GET_ITEM(args, i);
    if (reflectedArg(ov.params[i])) {  // sets: as lists
      bool shared = false;
      for (const auto& [block, parent] : lists)
        if (parent == a) {
          std::memcpy(argv[i], &block, sizeof block);
          kiln_mi_incref(static_cast<KilnMemInfo*>(const_cast<void*>(block)));
          shared = true;
        }
      if (shared) continue;
    }
    if (!unbox(a, ov.params[i], argv[i])) {
      dropLists(i);
      return nullptr;
    }
    if (reflectedArg(ov.params[i])) {  // sets: as lists
      void* block;
      std::memcpy(&block, argv[i], sizeof block);
      lists.emplace_back(block, a);
      list_layouts.push_back(&ov.params[i]);
    }
  }
  setNestedReflected(nullptr);
  for (const NestedReflected& r : nested)
    if (r.first) {
      lists.emplace_back(r.block, r.value);
      list_layouts.push_back(r.layout);
    }
  KilnError err{};
  int32_t rc;
  {
    CurrentCallArgs current(args);  // objmode: a block's inputs are views of these arguments
    if (st.nogil) {
      Py_BEGIN_ALLOW_THREADS
      rc = ov.entry(ret_block, argv.data(), &err);
      Py_END_ALLOW_THREADS
    } else {
      rc = ov.entry(ret_block, argv.data(), &err);
    }
  }
  // exceptions: the heap arguments of an error the code handled and returned from
  if (rc == KILN_OK && err.nargs != 0) kiln_error_clear(&err);
  // tdarrays: a typed Dict argument outlives the call; an argument's array
  // compiled code stored into it (borrowed memory) gets a block that keeps
  // that argument alive. Done after a raise too: the store stays.
  bool written = true;
  if (ov.adopts)
    for (size_t i = 0; i < n; ++i) written = written && adoptArgumentArrays(ov.params[i], argv[i], args);
  // lists: the array items a list argument held, alive until the result
  // (which may borrow one that the write-back removed) is boxed.
  std::vector<PyObject*> held(lists.size(), nullptr);
  struct DropHeld {
    std::vector<PyObject*>& held;
    ~DropHeld() {
      for (PyObject* h : held) Py_XDECREF(h);
    }
  } drop_held{held};
  for (size_t k = 0; k < lists.size(); ++k)
    written = written && (list_layouts[k]->kind == Kind::kList
                              ? writeBackList(lists[k].second, *list_layouts[k], &lists[k].first, &held[k])
                              : writeBackSet(lists[k].second, *list_layouts[k], &lists[k].first));  // sets:
  if (rc != KILN_OK) {
    dropLists(n);
    if (!written) {
      kiln_error_clear(&err);
      return nullptr;
    }
    if (err.kind == KILN_OK) err.kind = rc;
    return raiseFromCompiled(err);
  }
  if (!written) {
    releaseResult(ov.ret, ret_block);
    dropLists(n);
    return nullptr;
  }
  if (ov.step != nullptr) {  // genpy: the generator's block, stepped by the iterator
    KilnMemInfo* block;
    std::memcpy(&block, ret_block, sizeof block);
    dropLists(n);
    return newGenerator(block, ov.step, ov.yield, ov.library, args);
  }
  setListParents(lists.empty() ? nullptr : &lists);
  PyObject* r = box(ov.ret, ret_block, args);
  setListParents(nullptr);
  dropLists(n);
  return r;
}

PyObject* callBound(PyObject* self, PyObject* args);

PyObject* dispatcherCall(PyObject* self, PyObject* args, PyObject* kwargs) {
  State& st = *reinterpret_cast<DispatcherObject*>(self)->state;
  const Py_ssize_t n = PyTuple_GET_SIZE(args);
  if ((kwargs != nullptr && PyDict_GET_SIZE(kwargs) != 0) || n != st.nparams) {
    PyObject* slow = PyObject_GetAttrString(self, "_call_slow");
    if (slow == nullptr) return nullptr;
    PyObject* r = PyObject_Call(slow, args, kwargs);
    Py_DECREF(slow);
    return r;
  }
  return callBound(self, args);
}

// _call_bound(*args): the arguments one per parameter, already bound by
// _call_slow (a function with *args gets its extra arguments as one tuple).
PyObject* callBound(PyObject* self, PyObject* args) {
  State& st = *reinterpret_cast<DispatcherObject*>(self)->state;
  const Py_ssize_t n = PyTuple_GET_SIZE(args);
  absl::InlinedVector<Kind, kInlineArgs> kinds(static_cast<size_t>(n));
  absl::InlinedVector<uint32_t, kInlineArgs> array_keys(static_cast<size_t>(n));
  bool typed = true;
  for (Py_ssize_t i = 0; i < n && typed; ++i) typed = typeofKind(PyTuple_GET_ITEM(args, i), &kinds[i], &array_keys[i]);
  if (typed) {
    for (const Overload& ov : st.overloads)
      if (matches(ov, args, kinds.data(), array_keys.data(), /*exact=*/true, /*narrow=*/false, /*by_strength=*/!st.frozen))
        return invoke(st, ov, args);
    if (st.frozen)
      for (const Overload& ov : st.overloads)
        if (matches(ov, args, kinds.data(), array_keys.data(), /*exact=*/false)) return invoke(st, ov, args);
    if (st.frozen)  // pyfuncs: i4(i4) called with a Python int, as Numba allows
      for (const Overload& ov : st.overloads)
        if (matches(ov, args, kinds.data(), array_keys.data(), /*exact=*/false, /*narrow=*/true))
          return invoke(st, ov, args);
  }
  // A miss: Python compiles (or explains why it cannot) and names the overload.
  PyObject* index = PyObject_CallMethod(self, "_compile_for", "(O)", args);
  if (index == nullptr) return nullptr;
  if (PyTuple_Check(index) && PyTuple_GET_SIZE(index) == 1) {  // pyfuncs: Python made the call (functions passed)
    PyObject* r = PyTuple_GET_ITEM(index, 0);
    Py_INCREF(r);
    Py_DECREF(index);
    return r;
  }
  Py_ssize_t i = PyLong_AsSsize_t(index);
  Py_DECREF(index);
  if (i == -1 && PyErr_Occurred()) return nullptr;
  if (i < 0 || i >= static_cast<Py_ssize_t>(st.overloads.size())) {
    PyErr_SetString(PyExc_SystemError, "_compile_for returned a bad overload index");
    return nullptr;
  }
  return invoke(st, st.overloads[i], args);
}

PyObject* dispatcherNew(PyTypeObject* type, PyObject*, PyObject*) {
  PyObject* self = type->tp_alloc(type, 0);
  if (self == nullptr) return nullptr;
  reinterpret_cast<DispatcherObject*>(self)->state = new State();
  return self;
}

void dispatcherDealloc(PyObject* self) {
  // A static type: subtype_dealloc drops the reference of a heap subclass.
  delete reinterpret_cast<DispatcherObject*>(self)->state;
  Py_TYPE(self)->tp_free(self);
}

// _configure(nparams, frozen, nogil)
PyObject* configure(PyObject* self, PyObject* args) {
  State& st = *reinterpret_cast<DispatcherObject*>(self)->state;
  Py_ssize_t nparams;
  int frozen, nogil;
  if (!PyArg_ParseTuple(args, "npp", &nparams, &frozen, &nogil)) return nullptr;
  st.nparams = nparams;
  st.frozen = frozen;
  st.nogil = nogil;
  Py_RETURN_NONE;
}

// Loads a shared object and appends it as an overload; its index, or -1
// with a Python error set (ValueError for a type the dispatcher cannot pass
// or return, kiln.errors.CompilerError when the object does not load).
Py_ssize_t registerOverload(State& st, const std::vector<std::string>& arg_types, const std::string& ret,
                            std::string_view so, const std::string& entry) {
  Overload ov;
  for (size_t i = 0; i < arg_types.size(); ++i) {
    absl::StatusOr<Layout> l = parseType(arg_types[i]);
    if (!l.ok()) {
      PyErr_Format(PyExc_ValueError, "argument type %zu: %s", i, std::string(l.status().message()).c_str());
      return -1;
    }
    ov.params.push_back(*std::move(l));
  }
  ov.adopts = mayLeaveBorrowedArrays(ov.params);
  std::string yield;
  bool generator = generatorYieldSpelling(ret, &yield);  // genpy: the result is a pointer to its block
  absl::StatusOr<Layout> r = parseType(generator ? std::string("int64") : ret);
  if (r.ok() && generator) {
    absl::StatusOr<Layout> y = parseType(yield);
    if (!y.ok()) {
      PyErr_Format(PyExc_ValueError, "yield type: %s", std::string(y.status().message()).c_str());
      return -1;
    }
    ov.yield = std::make_shared<const Layout>(*std::move(y));
  }
  if (!r.ok()) {
    PyErr_Format(PyExc_ValueError, "return type: %s", std::string(r.status().message()).c_str());
    return -1;
  }
  ov.ret = *std::move(r);
  for (const Layout& p : ov.params) {
    size_t a = std::max<size_t>(p.align, 1);
    ov.args_size = (ov.args_size + a - 1) / a * a;
    ov.arg_offsets.push_back(ov.args_size);
    ov.args_size += std::max<size_t>(p.size, 1);
  }
  absl::StatusOr<std::shared_ptr<client::Library>> lib = client::Library::load(so, entry);
  if (!lib.ok()) {
    PyErr_SetString(kilnError("CompilerError"), std::string(lib.status().message()).c_str());
    return -1;
  }
  absl::StatusOr<KilnEntryFn> fn = (*lib)->entry(entry);
  if (!fn.ok()) {
    PyErr_SetString(kilnError("CompilerError"), std::string(fn.status().message()).c_str());
    return -1;
  }
  ov.entry = *fn;
  if (generator) {
    absl::StatusOr<void*> step = (*lib)->symbol(entry + ".step");
    if (!step.ok()) {
      PyErr_SetString(kilnError("CompilerError"), std::string(step.status().message()).c_str());
      return -1;
    }
    ov.step = reinterpret_cast<KilnGeneratorStepFn>(*step);
  }
  // structref: a StructRef block's destructor is code of the library that
  // made it, and the block may outlive the dispatcher (a proxy held by
  // Python, a field of another StructRef), so a library whose entry takes or
  // gives one (the only ways a block escapes a call) stays loaded for the
  // process, never unloaded under a live block.
  bool structref = ret.find("StructRef(") != std::string::npos;
  for (const Layout& p : ov.params) structref = structref || p.spelling.find("StructRef(") != std::string::npos;
  if (structref) {
    static auto* pinned = new std::vector<std::shared_ptr<client::Library>>();
    pinned->push_back(*lib);
  }
  ov.library = *std::move(lib);
  st.overloads.push_back(std::move(ov));
  return static_cast<Py_ssize_t>(st.overloads.size()) - 1;
}

// The index of the overload compiled for exactly these (canonical) argument
// types, or -1.
Py_ssize_t findOverload(const State& st, const std::vector<std::string>& arg_types) {
  for (size_t i = 0; i < st.overloads.size(); ++i) {
    const Overload& ov = st.overloads[i];
    bool same = ov.params.size() == arg_types.size();
    for (size_t k = 0; same && k < arg_types.size(); ++k) same = ov.params[k].spelling == arg_types[k];
    if (same) return static_cast<Py_ssize_t>(i);
  }
  return -1;
}

// _add_overload(arg_types, return_type, shared_object, entry_symbol) -> index
// (tests and tools that hold an object already; compiling goes through
// _compile_overload).
PyObject* addOverload(PyObject* self, PyObject* args) {
  State& st = *reinterpret_cast<DispatcherObject*>(self)->state;
  PyObject* arg_types;
  const char* ret;
  const char* so;
  Py_ssize_t so_len;
  const char* entry;
  if (!PyArg_ParseTuple(args, "Osy#s", &arg_types, &ret, &so, &so_len, &entry)) return nullptr;
  CompileCall call;
  if (!argTypesFrom(arg_types, &call)) return nullptr;
  Py_ssize_t i = registerOverload(st, call.arg_types, ret, std::string_view(so, static_cast<size_t>(so_len)), entry);
  return i < 0 ? nullptr : PyLong_FromSsize_t(i);
}

// _compile_overload(bundle, arg_types, return_type, opt_level, fastmath,
//                   boundscheck, error_model[, tier]) -> dict
// (fastmath: a bool or a sequence of flag names, as for compile()).
// Finds or compiles the overload for these canonical argument types: the
// Compile RPC, then the shared object is loaded and registered here, so its
// bytes never become a Python object. {"ok": True, "index", "return_type",
// "cache_hit", "warnings"} or the diagnostic dict of compileRpc's reply.
PyObject* compileOverload(PyObject* self, PyObject* args) {
  State& st = *reinterpret_cast<DispatcherObject*>(self)->state;
  PyObject *bundle_obj, *arg_types, *fastmath;
  const char *ret, *error_model;
  const char* tier = "";
  int opt_level, boundscheck;
  if (!PyArg_ParseTuple(args, "O!OsiOps|s", &BundleType, &bundle_obj, &arg_types, &ret, &opt_level, &fastmath,
                        &boundscheck, &error_model, &tier))
    return nullptr;
  CompileCall call;
  if (!argTypesFrom(arg_types, &call) || !fastmathFrom(fastmath, &call)) return nullptr;
  if (Py_ssize_t i = findOverload(st, call.arg_types); i >= 0) {
    return Py_BuildValue("{s:O,s:n,s:s,s:O}", "ok", Py_True, "index", i, "return_type",
                         st.overloads[i].ret.spelling.c_str(), "cache_hit", Py_True);
  }
  call.return_type = ret;
  call.opt_level = opt_level;
  call.boundscheck = boundscheck;
  call.error_model = error_model;
  call.emit = kiln::v1::EMIT_BINARY;
  call.target_tier = tier;
  kiln::v1::CompileResponse reply;
  if (!compileRpc(*reinterpret_cast<BundleObject*>(bundle_obj), call, &reply)) return nullptr;
  if (reply.status() == kiln::v1::CompileResponse::STATUS_ERROR) return diagnosticDict(reply.diagnostic());
  if (reply.status() != kiln::v1::CompileResponse::STATUS_OK) {
    PyErr_Format(kilnError("KilnError"), "unexpected compile reply status %d", static_cast<int>(reply.status()));
    return nullptr;
  }
  const kiln::v1::Artifact& a = reply.artifact();
  const std::string& returns = a.return_type().empty() ? call.return_type : a.return_type();
  Py_ssize_t i = registerOverload(st, call.arg_types, returns, a.shared_object(), a.entry_symbol());
  if (i < 0) {
    // The dispatcher cannot box this return type: say which, for the caller's message.
    if (!PyErr_ExceptionMatches(PyExc_ValueError)) return nullptr;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject* why = PyObject_Str(value);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    if (why == nullptr) return nullptr;
    return Py_BuildValue("{s:O,s:s,s:N}", "ok", Py_False, "return_type", returns.c_str(), "unboxable", why);
  }
  // What the compile warned about, for the caller to emit (warnings.warn_explicit):
  // [(kind, message, filename, line, function)], kind a kiln.v1.Diagnostic.Kind value.
  PyObject* warnings = PyList_New(0);
  if (warnings == nullptr) return nullptr;
  for (const kiln::v1::Diagnostic& w : a.warnings()) {
    PyObject* item = Py_BuildValue("(is#s#is#)", static_cast<int>(w.kind()), w.message().data(),
                                   static_cast<Py_ssize_t>(w.message().size()), w.filename().data(),
                                   static_cast<Py_ssize_t>(w.filename().size()), static_cast<int>(w.line()),
                                   w.function().data(), static_cast<Py_ssize_t>(w.function().size()));
    if (item == nullptr || PyList_Append(warnings, item) < 0) {
      Py_XDECREF(item);
      Py_DECREF(warnings);
      return nullptr;
    }
    Py_DECREF(item);
  }
  return Py_BuildValue("{s:O,s:n,s:s,s:O,s:N}", "ok", Py_True, "index", i, "return_type", returns.c_str(),
                       "cache_hit", reply.cache_hit() ? Py_True : Py_False, "warnings", warnings);
}

// _overloads() -> [(arg_types, return_type), ...] in dispatch order
// realcode5: Numba's Dispatcher.recompile() (kiln/dispatcher.py): the
// overloads compiled so far stop dispatching; they stay loaded (retired).
PyObject* retireOverloads(PyObject* self, PyObject*) {
  State& st = *reinterpret_cast<DispatcherObject*>(self)->state;
  st.retired.push_back(std::move(st.overloads));
  st.overloads.clear();
  Py_RETURN_NONE;
}

PyObject* listOverloads(PyObject* self, PyObject*) {
  State& st = *reinterpret_cast<DispatcherObject*>(self)->state;
  PyObject* out = PyList_New(0);
  if (out == nullptr) return nullptr;
  for (const Overload& ov : st.overloads) {
    PyObject* types = PyTuple_New(static_cast<Py_ssize_t>(ov.params.size()));
    for (size_t i = 0; i < ov.params.size(); ++i)
      PyTuple_SET_ITEM(types, i, PyUnicode_FromString(ov.params[i].spelling.c_str()));
    PyObject* item = Py_BuildValue("(Ns)", types, ov.ret.spelling.c_str());
    if (item == nullptr || PyList_Append(out, item) != 0) {
      Py_XDECREF(item);
      Py_DECREF(out);
      return nullptr;
    }
    Py_DECREF(item);
  }
  return out;
}

PyMethodDef kMethods[] = {
    {"_configure", configure, METH_VARARGS, "_configure(nparams, frozen, nogil)"},
    {"_call_bound", callBound, METH_VARARGS, "_call_bound(*args): one argument per parameter, *args as a tuple"},
    {"_add_overload", addOverload, METH_VARARGS,
     "_add_overload(arg_types, return_type, shared_object, entry_symbol) -> index"},
    {"_compile_overload", compileOverload, METH_VARARGS,
     "_compile_overload(bundle, arg_types, return_type, opt_level, fastmath, boundscheck, error_model[, tier]) -> dict"},
    {"_overloads", listOverloads, METH_NOARGS, "[(arg_types, return_type)] in dispatch order"},
    {"_retire_overloads", retireOverloads, METH_NOARGS, "the overloads stop dispatching (recompile)"},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace

PyTypeObject DispatcherType = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "kiln._kiln.Dispatcher";
  t.tp_basicsize = sizeof(DispatcherObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE;
  t.tp_doc = "Native dispatcher of a kiln.jit function (subclassed by kiln.dispatcher.Dispatcher)";
  t.tp_new = dispatcherNew;
  t.tp_dealloc = dispatcherDealloc;
  t.tp_call = dispatcherCall;
  t.tp_methods = kMethods;
  return t;
}();

}  // namespace kiln::python
