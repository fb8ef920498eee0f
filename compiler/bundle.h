#pragma once
// The compiler's input, as plain structs: what the client sent, converted from
// the wire form by server/ (the compiler never sees protobuf). A Bundle is the
// entry function (functions[0]) plus every function it may call, each with the
// code object fields and the globals it read when the bundle was built.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::compiler {

/// A Python constant: co_consts entries, defaults and frozen globals.
struct Constant {
  enum class Kind { kNone, kBool, kInt, kFloat, kComplex, kStr, kBytes, kTuple, kEllipsis, kCode, kArray, kBuiltin };
  Kind kind = Kind::kNone;
  bool b = false;
  int64_t i = 0;          // kInt; kCode: index into Bundle::functions
  double f = 0, imag = 0; // kFloat, kComplex (f is the real part)
  std::string s;          // kStr, kBytes; kArray: the elements in C order; kBuiltin: the
                          // qualified name a builtin global has ("numpy.float64"), a default only
  std::string dtype;      // kArray: the scalar name ("float64") or a Record spelling (records)
  std::vector<int64_t> shape;  // kArray: empty for a NumPy scalar (and a 0-d array)
  bool zero_dim = false;       // kArray: a 0-d array, np.array(42), not the scalar it holds
  std::vector<Constant> items;  // kTuple

  std::string repr() const;  // Python-like: 1, 2.5, True, None, (1, 2), 'x'
};

struct LineRange {
  uint32_t start = 0, end = 0;  // bytecode byte offsets [start, end)
  int32_t line = 0;             // 0 when CPython gave none
};

struct CodeObject;

/// CodeObject::lines decoded once into one line per code byte, so that
/// lineAt is O(1) (the decoder asks once per instruction). Built on the first
/// lineAt, under a lock, so concurrent compiles of one bundle may share it.
/// Copies start unbuilt: a copied CodeObject builds its own from its lines.
class LineIndex {
 public:
  LineIndex() = default;
  LineIndex(const LineIndex&) {}
  LineIndex& operator=(const LineIndex&) {
    built_.store(false, std::memory_order_relaxed);
    by_byte_.clear();
    return *this;
  }

  /// The line at `offset`; false when the table does not cover it (an offset
  /// past the code, or a line table that is not sorted and disjoint, which
  /// CPython never produces): the caller then scans.
  bool lookup(const CodeObject& code, uint32_t offset, int32_t* line) const;

 private:
  mutable std::mutex mu_;
  mutable std::atomic<bool> built_{false};
  mutable std::vector<int32_t> by_byte_;  // empty: no table (see lookup)
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
  std::vector<LineRange> lines;  // set before the first lineAt

  /// The source line of the instruction at byte `offset` (0 when unknown):
  /// the line of the first range in `lines` that contains it.
  int32_t lineAt(uint32_t offset) const;

 private:
  LineIndex line_index_;
};

/// Python's quoting of a str (UTF-8; bytes=false) or bytes value: '...'
/// with the quote, backslash and control characters (and, for bytes, every
/// byte past ASCII) escaped; no b prefix.
std::string pyQuoted(std::string_view text, bool bytes);

struct GlobalRef {
  // kIntrinsic: an @intrinsic at the argument types its name spells
  // ("intrinsic:KEY(T1, T2)"), function_index indexing Bundle::intrinsics.
  enum class Kind { kConstant, kFunction, kModule, kBuiltin, kUnsupported, kMissing, kIntrinsic };
  std::string name;
  Kind kind = Kind::kMissing;
  Constant value;                 // kConstant
  uint32_t function_index = 0;    // kFunction: index into Bundle::functions; kIntrinsic: Bundle::intrinsics
  std::string qualified_name;     // kModule "math"; kBuiltin "abs", "math.sin"
  std::string type_name;          // kUnsupported: the Python type of the value
};

struct Function {
  CodeObject code;
  std::vector<GlobalRef> globals;
  std::vector<Constant> defaults;
  /// One entry per keyword-only parameter (code.kwonlyargcount), in order;
  /// empty where the parameter has no default.
  std::vector<std::optional<Constant>> kwonly_defaults;
  /// The function's own fastmath flag names (a @jit callee's), which win
  /// over the compile's; nullopt: the compile's.
  std::optional<std::vector<std::string>> fastmath;
  /// The function's own error model (a @jit callee's that sets one): true
  /// for "numpy"; nullopt: the compile's.
  std::optional<bool> numpy_error_model;
  /// locals: Numba's jit(locals={name: type}): the type spelling each
  /// declared local variable converts the values stored to it to.
  std::map<std::string, std::string> locals;
  /// eagersig: a @jit callee's explicit signatures (arguments, return),
  /// as spelled by its dispatcher; empty: it is specialised per call.
  struct Signature {
    std::vector<std::string> arg_types;
    std::string return_type;
  };
  std::vector<Signature> signatures;

  const GlobalRef* global(const std::string& name) const;
  /// The default numbered `k` in a call binding's default space: the
  /// positional defaults first, then one slot per keyword-only parameter.
  const Constant& defaultAt(size_t k) const { return k < defaults.size() ? defaults[k] : *kwonly_defaults[k - defaults.size()]; }
};

/// intrinsic: one numba.extending.intrinsic at one signature, built by the
/// client with llvmlite: LLVM IR text defining exactly one function,
/// `symbol`, whose parameters and result are Kiln's data model of arg_types
/// and return_type (scalar spellings, checked by server/). Lowering parses
/// and checks the text (lowering/lower_intrinsics.cpp) and inlines it.
struct Intrinsic {
  std::string name;  // the Python name, for messages
  std::string symbol;
  std::vector<std::string> arg_types;
  std::string return_type;
  std::string llvm_ir;
};

struct Bundle {
  uint32_t python_major = 3, python_minor = 11;
  std::vector<Function> functions;  // functions[0] is the entry
  std::vector<Intrinsic> intrinsics;  // what kIntrinsic globals index
};

}  // namespace kiln::compiler
