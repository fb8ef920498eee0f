#pragma once
// Builders for hand-written compiler::CodeObject / Bundle values in tests.
#include <string>
#include <vector>

#include "compiler/bundle.h"

namespace kiln::frontend::testing {

using compiler::Constant;

inline Constant none() { return Constant{}; }
inline Constant boolean(bool b) {
  Constant c;
  c.kind = Constant::Kind::kBool;
  c.b = b;
  return c;
}
inline Constant integer(int64_t i) {
  Constant c;
  c.kind = Constant::Kind::kInt;
  c.i = i;
  return c;
}
inline Constant real(double f) {
  Constant c;
  c.kind = Constant::Kind::kFloat;
  c.f = f;
  return c;
}
inline Constant str(std::string s) {
  Constant c;
  c.kind = Constant::Kind::kStr;
  c.s = std::move(s);
  return c;
}
inline Constant tuple(std::vector<Constant> items) {
  Constant c;
  c.kind = Constant::Kind::kTuple;
  c.items = std::move(items);
  return c;
}
inline Constant code(int64_t index) {
  Constant c;
  c.kind = Constant::Kind::kCode;
  c.i = index;
  return c;
}

inline std::string fromHex(const std::string& hex) {
  std::string out;
  for (size_t k = 0; k + 1 < hex.size(); k += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16)));
  return out;
}

inline compiler::CodeObject makeCode(std::string name, std::string qualname, int firstlineno, int argcount,
                                     int posonly, int kwonly, int flags, const std::string& code_hex,
                                     std::vector<Constant> consts, std::vector<std::string> names,
                                     std::vector<std::string> varnames, std::vector<std::string> cellvars,
                                     std::vector<std::string> freevars, const std::string& exceptiontable_hex,
                                     std::vector<compiler::LineRange> lines) {
  compiler::CodeObject c;
  c.name = std::move(name);
  c.qualname = std::move(qualname);
  c.filename = c.name + ".py";
  c.firstlineno = firstlineno;
  c.argcount = argcount;
  c.posonlyargcount = posonly;
  c.kwonlyargcount = kwonly;
  c.flags = flags;
  c.code = fromHex(code_hex);
  c.consts = std::move(consts);
  c.names = std::move(names);
  c.varnames = std::move(varnames);
  c.nlocals = static_cast<int32_t>(c.varnames.size());
  c.cellvars = std::move(cellvars);
  c.freevars = std::move(freevars);
  c.exceptiontable = fromHex(exceptiontable_hex);
  c.lines = std::move(lines);
  return c;
}

inline compiler::Bundle bundleOf(compiler::CodeObject code, uint32_t minor = 11) {
  compiler::Bundle b;
  b.python_minor = minor;
  b.functions.emplace_back();
  b.functions[0].code = std::move(code);
  return b;
}

}  // namespace kiln::frontend::testing

// --- running the frontend ---------------------------------------------------
#include "compiler/diagnostic.h"
#include "compiler/driver/compile.h"
#include "compiler/frontend/frontend.h"
#include "compiler/ir/verifier.h"

namespace kiln::frontend::testing {

/// The printed IR of `code` as --emit=kir shows it (the frontend and the
/// pipeline's untyped passes, verified after each); or "error: ...".
inline std::string kir(const compiler::CodeObject& code, uint32_t minor = 11) {
  compiler::Bundle bundle = bundleOf(code, minor);
  compiler::CompileRequest request;
  request.bundle = &bundle;
  request.emit = compiler::Emit::kKir;
  request.passes.verify_each = true;
  absl::StatusOr<compiler::CompileResult> result = compiler::compile(request);
  if (!result.ok()) return "error: " + result.status().ToString();
  return result->text;
}

}  // namespace kiln::frontend::testing
