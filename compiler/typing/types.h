#pragma once
// The type lattice. Types are interned per TypeContext (one per compile job),
// so pointer equality is type equality. Unknown is the bottom of the lattice:
// unify(Unknown, T) = T. Spellings follow Numba ("int64", "float64",
// "UniTuple(int64, 2)", "Tuple(int64, float64)").

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln::typing {

enum class Kind {
#define KILN_TYPE(Name, spelling) k##Name,
#include "compiler/typing/types.def"
};

class Type {
 public:
  Kind kind;
  int bits = 0;             // Int, Float, Complex
  bool is_signed = true;    // Int
  std::vector<const Type*> items;  // Tuple, TupleIter, Array (dtype), iterators
  std::string name;         // Module, Builtin, ExceptionClass, BoundMethod
  int index = 0;            // Function
  int ndim = 0;             // Array
  char layout = 'C';        // Array: 'C' contiguous, 'F' Fortran, 'A' any strides

  std::string str() const;
  bool isNumber() const { return kind == Kind::kBool || kind == Kind::kInt || kind == Kind::kFloat || kind == Kind::kComplex; }
  bool isInteger() const { return kind == Kind::kInt; }
  bool isFloat() const { return kind == Kind::kFloat; }
  bool isArray() const { return kind == Kind::kArray; }
  /// The element type of an Array.
  const Type* dtype() const { return items[0]; }
};

class TypeContext {
 public:
  const Type* unknown();
  const Type* none();
  const Type* boolean();
  const Type* integer(int bits = 64, bool is_signed = true);
  const Type* floating(int bits = 64);
  const Type* complex(int bits = 128);
  const Type* str();
  const Type* tuple(std::vector<const Type*> items);
  const Type* range();
  const Type* rangeIter();
  const Type* tupleIter(std::vector<const Type*> items);
  const Type* module(const std::string& name);
  const Type* function(int index);
  const Type* builtin(const std::string& name);
  const Type* exceptionClass(const std::string& name);
  const Type* array(const Type* dtype, int ndim, char layout = 'C');
  const Type* arrayIter(const Type* array);
  const Type* enumerate(const Type* iter);
  const Type* zip(std::vector<const Type*> iters);
  const Type* boundMethod(const Type* receiver, const std::string& name);
  const Type* dtypeClass(const Type* scalar);
  const Type* slice();

  /// The type of a spelling in base/type_grammar.h's grammar ("int64",
  /// "f8", "UniTuple(int64, 2)", "float64[:, ::1]", "array(float64, 1d, C)");
  /// INVALID_ARGUMENT saying what is wrong otherwise.
  absl::StatusOr<const Type*> parse(absl::string_view spelling);

 private:
  const Type* intern(Type t);
  std::map<std::string, std::unique_ptr<Type>> interned_;  // keyed by a full structural key
};

}  // namespace kiln::typing
