// genpy: kiln._kiln.Generator, the Python iterator of a generator that a
// compiled function returned (kiln_abi.h: a KilnMemInfo* owning the
// coroutine frame, and the shared object's "<entry>.step").
//
// The object holds one reference to the block, the shared object (so its
// code stays loaded while the frame lives) and the call's arguments: the
// frame borrows what they own (an argument array's buffer, a str's
// characters), exactly as a call does, for as long as the generator lives.
// Dropping the object drops the block, which destroys the coroutine where
// it stopped and releases what it held.
#include <cstring>
#include <memory>
#include <new>

#include "kiln/client/library.h"
#include "kiln_rt.h"
#include "kiln_error.h"
#include "native.h"

namespace kiln::python {
namespace {

struct GeneratorObject {
  PyObject_HEAD
  KilnMemInfo* block;  // null once exhausted, failed or dropped
  KilnGeneratorStepFn step;
  std::shared_ptr<const Layout> yield;
  std::shared_ptr<client::Library> library;
  PyObject* args;  // the call's arguments (a tuple), or null
  bool running;    // inside step: a nested next() is refused, as Python's
};

// Ends the generator: lets the frame go (the block's destructor releases what
// the body held where it stopped).
void finish(GeneratorObject* g) {
  KilnMemInfo* mi = g->block;
  g->block = nullptr;
  if (mi != nullptr) kiln_mi_decref(mi);
}

void generatorDealloc(PyObject* self) {
  auto* g = reinterpret_cast<GeneratorObject*>(self);
  PyObject_GC_UnTrack(self);
  finish(g);
  Py_CLEAR(g->args);
  g->yield.~shared_ptr();
  g->library.~shared_ptr();  // last: the destructor above runs the shared object's code
  Py_TYPE(self)->tp_free(self);
}

int generatorTraverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(reinterpret_cast<GeneratorObject*>(self)->args);
  return 0;
}

PyObject* generatorNext(PyObject* self) {
  auto* g = reinterpret_cast<GeneratorObject*>(self);
  if (g->block == nullptr) return nullptr;  // exhausted: StopIteration (tp_iternext's null without an error)
  if (g->running) {
    PyErr_SetString(PyExc_ValueError, "generator already executing");
    return nullptr;
  }
  const Layout& item = *g->yield;
  alignas(16) unsigned char inline_out[256];
  std::unique_ptr<std::max_align_t[]> heap;
  unsigned char* out = inline_out;
  if (item.size > sizeof inline_out) {
    heap.reset(new std::max_align_t[item.size / sizeof(std::max_align_t) + 1]);
    out = reinterpret_cast<unsigned char*>(heap.get());
  }
  KilnError err{};
  g->running = true;
  int32_t rc = g->step(g->block, &err, out);
  g->running = false;
  if (rc == KILN_OK || rc == KILN_GENERATOR_EXHAUSTED)
    if (err.nargs != 0) kiln_error_clear(&err);  // exceptions: what a handled error left
  if (rc == KILN_OK) return box(item, out, g->args);
  finish(g);
  if (rc == KILN_GENERATOR_EXHAUSTED) return nullptr;
  if (err.kind == KILN_OK) err.kind = rc;
  return raiseFromCompiled(err);
}

}  // namespace

PyTypeObject GeneratorType = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "kiln._kiln.Generator";
  t.tp_basicsize = sizeof(GeneratorObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
  t.tp_doc = "The iterator of a generator returned by a kiln.jit function";
  t.tp_dealloc = generatorDealloc;
  t.tp_traverse = generatorTraverse;
  t.tp_iter = PyObject_SelfIter;
  t.tp_iternext = generatorNext;
  return t;
}();

PyObject* newGenerator(KilnMemInfo* block, KilnGeneratorStepFn step, std::shared_ptr<const Layout> yield,
                       std::shared_ptr<client::Library> library, PyObject* args) {
  auto* g = PyObject_GC_New(GeneratorObject, &GeneratorType);
  if (g == nullptr) {
    kiln_mi_decref(block);
    return nullptr;
  }
  g->block = block;
  g->step = step;
  new (&g->yield) std::shared_ptr<const Layout>(std::move(yield));
  new (&g->library) std::shared_ptr<client::Library>(std::move(library));
  Py_XINCREF(args);
  g->args = args;
  g->running = false;
  PyObject_GC_Track(reinterpret_cast<PyObject*>(g));
  return reinterpret_cast<PyObject*>(g);
}

bool generatorYieldSpelling(const std::string& spelling, std::string* yield) {
  // The compiler's spelling of a generator type ends with its yield type,
  // the one part the client needs (the function and its arguments are the
  // overload's own).
  constexpr std::string_view kHead = "Generator(", kYield = ", yield=";
  if (spelling.rfind(kHead, 0) != 0 || spelling.back() != ')') return false;
  size_t at = spelling.rfind(kYield);
  if (at == std::string::npos) return false;
  size_t from = at + kYield.size();
  *yield = spelling.substr(from, spelling.size() - 1 - from);
  return true;
}

}  // namespace kiln::python
