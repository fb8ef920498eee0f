#pragma once
// The compiler's input, as plain structs: what the client sent, converted from
// the wire form by server/ (the compiler never sees protobuf). A Bundle is the
// entry function (functions[0]) plus every function it may call, each with the
// code object fields and the globals it read when the bundle was built.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::compiler {

/// A Python constant: co_consts entries, defaults and frozen globals.
struct Constant {
  enum class Kind { kNone, kBool, kInt, kFloat, kComplex, kStr, kBytes, kTuple, kEllipsis, kCode };
  Kind kind = Kind::kNone;
  bool b = false;
  int64_t i = 0;          // kInt; kCode: index into Bundle::functions
  double f = 0, imag = 0; // kFloat, kComplex (f is the real part)
  std::string s;          // kStr, kBytes
  std::vector<Constant> items;  // kTuple

  std::string repr() const;  // Python-like: 1, 2.5, True, None, (1, 2), 'x'
};

struct LineRange {
  uint32_t start = 0, end = 0;  // bytecode byte offsets [start, end)
  int32_t line = 0;             // 0 when CPython gave none
};

struct CodeObject {
  std::string name, qualname, filename;
  int32_t firstlineno = 0;
  int32_t argcount = 0, posonlyargcount = 0, kwonlyargcount = 0;
  int32_t nlocals = 0, stacksize = 0, flags = 0;
  std::string code;  // co_code bytes
  std::vector<Constant> consts;
  std::vector<std::string> names, varnames, cellvars, freevars;
  std::string exceptiontable;
  std::vector<LineRange> lines;

  /// The source line of the instruction at byte `offset` (0 when unknown).
  int32_t lineAt(uint32_t offset) const;
};

struct GlobalRef {
  enum class Kind { kConstant, kFunction, kModule, kBuiltin, kUnsupported, kMissing };
  std::string name;
  Kind kind = Kind::kMissing;
  Constant value;                 // kConstant
  uint32_t function_index = 0;    // kFunction: index into Bundle::functions
  std::string qualified_name;     // kModule "math"; kBuiltin "abs", "math.sin"
  std::string type_name;          // kUnsupported: the Python type of the value
};

struct Function {
  CodeObject code;
  std::vector<GlobalRef> globals;
  std::vector<Constant> defaults;

  const GlobalRef* global(const std::string& name) const;
};

struct Bundle {
  uint32_t python_major = 3, python_minor = 11;
  std::vector<Function> functions;  // functions[0] is the entry
};

}  // namespace kiln::compiler
