#include "compiler/typing/types.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/type_grammar.h"

namespace kiln::typing {

std::string Type::str() const {
  switch (kind) {
    case Kind::kUnknown: return "unknown";
    case Kind::kNone: return "none";
    case Kind::kBool: return "bool";
    case Kind::kInt: return absl::StrCat(is_signed ? "int" : "uint", bits);
    case Kind::kFloat: return absl::StrCat("float", bits);
    case Kind::kComplex: return absl::StrCat("complex", bits);
    case Kind::kStr: return "unicode_type";
    case Kind::kTuple: {
      bool uniform = !items.empty();
      for (const Type* t : items) uniform = uniform && t == items[0];
      // A uniform tuple prints its item once, so nested ones stay linear.
      if (uniform) return absl::StrCat("UniTuple(", items[0]->str(), ", ", items.size(), ")");
      std::vector<std::string> parts;
      for (const Type* t : items) parts.push_back(t->str());
      return absl::StrCat("Tuple(", absl::StrJoin(parts, ", "), ")");
    }
    case Kind::kRange: return "range_state64";
    case Kind::kRangeIter: return "range_iter64";
    case Kind::kTupleIter: {
      std::vector<std::string> parts;
      for (const Type* t : items) parts.push_back(t->str());
      return absl::StrCat("tuple_iter(", absl::StrJoin(parts, ", "), ")");
    }
    case Kind::kModule: return absl::StrCat("Module(", name, ")");
    case Kind::kFunction: return absl::StrCat("Function(#", index, ")");
    case Kind::kBuiltin: return absl::StrCat("Function(", name, ")");
    case Kind::kExceptionClass: return absl::StrCat("ExceptionClass(", name, ")");
    case Kind::kArray: return absl::StrCat("array(", items[0]->str(), ", ", ndim, "d, ", std::string(1, layout), ")");
    case Kind::kArrayIter: return absl::StrCat("iter(", items[0]->str(), ")");
    case Kind::kEnumerate: return absl::StrCat("enumerate(", items[0]->str(), ")");
    case Kind::kZip: {
      std::vector<std::string> parts;
      for (const Type* t : items) parts.push_back(t->str());
      return absl::StrCat("zip(", absl::StrJoin(parts, ", "), ")");
    }
    case Kind::kBoundMethod: return absl::StrCat("BoundFunction(array.", name, " for ", items[0]->str(), ")");
    case Kind::kDType: return absl::StrCat("class(", items[0]->str(), ")");
    case Kind::kSlice: return "slice3_type";
  }
  return "?";
}

const Type* TypeContext::intern(Type t) {
  // The printed form plus the fields it may not show is a unique key.
  std::string key = absl::StrCat(static_cast<int>(t.kind), ":", t.str(), ":", t.name, ":", t.index);
  auto it = interned_.find(key);
  if (it != interned_.end()) return it->second.get();
  auto owned = std::make_unique<Type>(std::move(t));
  const Type* p = owned.get();
  interned_.emplace(std::move(key), std::move(owned));
  return p;
}

namespace {
Type make(Kind k) {
  Type t;
  t.kind = k;
  return t;
}
}  // namespace

const Type* TypeContext::unknown() { return intern(make(Kind::kUnknown)); }
const Type* TypeContext::none() { return intern(make(Kind::kNone)); }
const Type* TypeContext::boolean() { return intern(make(Kind::kBool)); }
const Type* TypeContext::integer(int bits, bool is_signed) {
  Type t = make(Kind::kInt);
  t.bits = bits;
  t.is_signed = is_signed;
  return intern(t);
}
const Type* TypeContext::floating(int bits) {
  Type t = make(Kind::kFloat);
  t.bits = bits;
  return intern(t);
}
const Type* TypeContext::complex(int bits) {
  Type t = make(Kind::kComplex);
  t.bits = bits;
  return intern(t);
}
const Type* TypeContext::str() { return intern(make(Kind::kStr)); }
const Type* TypeContext::tuple(std::vector<const Type*> items) {
  Type t = make(Kind::kTuple);
  t.items = std::move(items);
  return intern(t);
}
const Type* TypeContext::range() { return intern(make(Kind::kRange)); }
const Type* TypeContext::rangeIter() { return intern(make(Kind::kRangeIter)); }
const Type* TypeContext::tupleIter(std::vector<const Type*> items) {
  Type t = make(Kind::kTupleIter);
  t.items = std::move(items);
  return intern(t);
}
const Type* TypeContext::module(const std::string& name) {
  Type t = make(Kind::kModule);
  t.name = name;
  return intern(t);
}
const Type* TypeContext::function(int index) {
  Type t = make(Kind::kFunction);
  t.index = index;
  return intern(t);
}
const Type* TypeContext::builtin(const std::string& name) {
  Type t = make(Kind::kBuiltin);
  t.name = name;
  return intern(t);
}
const Type* TypeContext::exceptionClass(const std::string& name) {
  Type t = make(Kind::kExceptionClass);
  t.name = name;
  return intern(t);
}

const Type* TypeContext::array(const Type* dtype, int ndim, char layout) {
  Type t = make(Kind::kArray);
  t.items = {dtype};
  t.ndim = ndim;
  // A 0-d or 1-d C-contiguous array is also F-contiguous; spell it C.
  t.layout = (layout == 'F' && ndim <= 1) ? 'C' : layout;
  return intern(t);
}
const Type* TypeContext::arrayIter(const Type* array) {
  Type t = make(Kind::kArrayIter);
  t.items = {array};
  return intern(t);
}
const Type* TypeContext::enumerate(const Type* iter) {
  Type t = make(Kind::kEnumerate);
  t.items = {iter};
  return intern(t);
}
const Type* TypeContext::zip(std::vector<const Type*> iters) {
  Type t = make(Kind::kZip);
  t.items = std::move(iters);
  return intern(t);
}
const Type* TypeContext::boundMethod(const Type* receiver, const std::string& name) {
  Type t = make(Kind::kBoundMethod);
  t.items = {receiver};
  t.name = name;
  return intern(t);
}
const Type* TypeContext::slice() { return intern(make(Kind::kSlice)); }
const Type* TypeContext::dtypeClass(const Type* scalar) {
  Type t = make(Kind::kDType);
  t.items = {scalar};
  return intern(t);
}

namespace {

const Type* scalarType(TypeContext& tc, base::Scalar s) {
  switch (s) {
    case base::Scalar::kBool: return tc.boolean();
    case base::Scalar::kInt8: return tc.integer(8, true);
    case base::Scalar::kInt16: return tc.integer(16, true);
    case base::Scalar::kInt32: return tc.integer(32, true);
    case base::Scalar::kInt64: return tc.integer(64, true);
    case base::Scalar::kUint8: return tc.integer(8, false);
    case base::Scalar::kUint16: return tc.integer(16, false);
    case base::Scalar::kUint32: return tc.integer(32, false);
    case base::Scalar::kUint64: return tc.integer(64, false);
    case base::Scalar::kFloat32: return tc.floating(32);
    case base::Scalar::kFloat64: return tc.floating(64);
    case base::Scalar::kComplex64: return tc.complex(64);
    case base::Scalar::kComplex128: return tc.complex(128);
  }
  return tc.unknown();
}

absl::StatusOr<const Type*> fromSyntax(TypeContext& tc, const base::TypeSyntax& t) {
  switch (t.kind) {
    case base::TypeSyntax::Kind::kScalar: return scalarType(tc, t.scalar);
    case base::TypeSyntax::Kind::kNone: return tc.none();
    case base::TypeSyntax::Kind::kUnicode: return tc.str();
    case base::TypeSyntax::Kind::kArray:
      if (t.ndim < 1) return absl::InvalidArgumentError("0-d arrays are not supported");
      return tc.array(scalarType(tc, t.scalar), t.ndim, t.layout);
    case base::TypeSyntax::Kind::kUniTuple: {
      absl::StatusOr<const Type*> item = fromSyntax(tc, t.items[0]);
      if (!item.ok()) return item.status();
      return tc.tuple(std::vector<const Type*>(static_cast<size_t>(t.count), *item));
    }
    case base::TypeSyntax::Kind::kTuple: {
      std::vector<const Type*> items;
      for (const base::TypeSyntax& item : t.items) {
        absl::StatusOr<const Type*> it = fromSyntax(tc, item);
        if (!it.ok()) return it.status();
        items.push_back(*it);
      }
      return tc.tuple(std::move(items));
    }
  }
  return absl::InternalError("bad type syntax");
}

}  // namespace

absl::StatusOr<const Type*> TypeContext::parse(absl::string_view spelling) {
  absl::StatusOr<base::TypeSyntax> t = base::parseType(spelling);
  if (!t.ok()) return t.status();
  return fromSyntax(*this, *t);
}

}  // namespace kiln::typing
