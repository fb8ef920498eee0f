#pragma once
// Bundles for the server tests, built the way the Python client builds them.

#include <string>

#include "kiln/v1/kiln.pb.h"

namespace kiln::server::testing {

/// `def f(x): return x + 1` as CPython 3.11 compiles it (file "test.py",
/// line 1). co_code from `f.__code__.co_code.hex()` on 3.11.7:
///   RESUME 0; LOAD_FAST 0 (x); LOAD_CONST 1 (1); BINARY_OP 0 (+); CACHE;
///   RETURN_VALUE
inline kiln::v1::Bundle addOneBundle() {
  kiln::v1::Bundle b;
  b.set_python_major(3);
  b.set_python_minor(11);
  kiln::v1::CodeObject* c = b.add_functions()->mutable_code();
  c->set_name("f");
  c->set_qualname("f");
  c->set_filename("test.py");
  c->set_firstlineno(1);
  c->set_argcount(1);
  c->set_nlocals(1);
  c->set_stacksize(2);
  c->set_flags(3);
  c->set_code(std::string("\x97\x00\x7c\x00\x64\x01\x7a\x00\x00\x00\x53\x00", 12));
  c->add_consts()->set_none(true);
  c->add_consts()->set_int_value(1);
  c->add_varnames("x");
  for (auto [start, end] : {std::pair{0u, 2u}, {2u, 4u}, {4u, 6u}, {6u, 10u}, {10u, 12u}}) {
    kiln::v1::LineRange* r = c->add_lines();
    r->set_start(start);
    r->set_end(end);
    r->set_line(1);
  }
  return b;
}

/// `def g(x): return y + x` with `y` undefined (a NameError at line 7).
inline kiln::v1::Bundle missingGlobalBundle() {
  kiln::v1::Bundle b;
  b.set_python_major(3);
  b.set_python_minor(11);
  kiln::v1::Function* f = b.add_functions();
  kiln::v1::CodeObject* c = f->mutable_code();
  c->set_name("g");
  c->set_qualname("g");
  c->set_filename("test.py");
  c->set_firstlineno(7);
  c->set_argcount(1);
  c->set_nlocals(1);
  c->set_stacksize(2);
  c->set_flags(3);
  // RESUME; LOAD_GLOBAL 0 (y) + 5 caches; LOAD_FAST 0; BINARY_OP 0 + cache; RETURN_VALUE
  c->set_code(std::string("\x97\x00t\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00|\x00z\x00\x00\x00S\x00", 22));
  c->add_consts()->set_none(true);
  c->add_names("y");
  c->add_varnames("x");
  kiln::v1::LineRange* r = c->add_lines();
  r->set_start(0);
  r->set_end(22);
  r->set_line(7);
  kiln::v1::GlobalRef* y = f->add_globals();
  y->set_name("y");
  y->set_kind(kiln::v1::GlobalRef::KIND_MISSING);
  return b;
}

}  // namespace kiln::server::testing
