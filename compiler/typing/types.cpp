#include "compiler/typing/types.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

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
      std::vector<std::string> parts;
      for (const Type* t : items) parts.push_back(t->str());
      if (uniform) return absl::StrCat("UniTuple(", items[0]->str(), ", ", items.size(), ")");
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
// Splits "a, B(c, d), e" at top-level commas.
std::vector<std::string> splitTop(std::string_view s) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  for (char c : s) {
    if (c == '(' || c == '[') ++depth;
    if (c == ')' || c == ']') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(std::string(absl::StripAsciiWhitespace(cur)));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!absl::StripAsciiWhitespace(cur).empty()) out.push_back(std::string(absl::StripAsciiWhitespace(cur)));
  return out;
}
}  // namespace

std::optional<const Type*> TypeContext::parse(const std::string& spelling) {
  std::string s(absl::StripAsciiWhitespace(spelling));
  if (s == "bool" || s == "boolean" || s == "bool_") return boolean();
  if (s == "none" || s == "void") return none();
  if (s == "int64" || s == "intp" || s == "int_") return integer(64, true);
  if (s == "float64" || s == "double" || s == "float_") return floating(64);
  if (s == "float32" || s == "float") return floating(32);
  if (s == "complex128") return complex(128);
  if (s == "complex64") return complex(64);
  for (int bits : {8, 16, 32, 64}) {
    if (s == absl::StrCat("int", bits)) return integer(bits, true);
    if (s == absl::StrCat("uint", bits)) return integer(bits, false);
  }
  if (s == "uintp") return integer(64, false);
  auto inner = [&](absl::string_view prefix) -> std::optional<std::string> {
    if (!absl::StartsWith(s, prefix) || s.back() != ')') return std::nullopt;
    return s.substr(prefix.size(), s.size() - prefix.size() - 1);
  };
  if (auto body = inner("UniTuple(")) {
    // "UniTuple(int64, 2)" or Numba's printed "UniTuple(int64 x 2)".
    std::vector<std::string> parts = splitTop(*body);
    std::string item, count;
    if (parts.size() == 2) {
      item = parts[0];
      count = parts[1];
    } else if (parts.size() == 1) {
      size_t x = parts[0].rfind(" x ");
      if (x == std::string::npos) return std::nullopt;
      item = parts[0].substr(0, x);
      count = parts[0].substr(x + 3);
    } else {
      return std::nullopt;
    }
    int n = 0;
    std::optional<const Type*> t = parse(item);
    if (!t || !absl::SimpleAtoi(count, &n) || n < 0 || n > 1024) return std::nullopt;
    return tuple(std::vector<const Type*>(n, *t));
  }
  if (auto body = inner("Tuple(")) {
    std::vector<const Type*> items;
    for (const std::string& part : splitTop(*body)) {
      std::optional<const Type*> t = parse(part);
      if (!t) return std::nullopt;
      items.push_back(*t);
    }
    return tuple(std::move(items));
  }
  if (s.back() == ']' && s.find('[') != std::string::npos) {
    // Numba's signature spelling: "float64[:]" (any strides), "int32[:, ::1]"
    // (C-contiguous: the last dimension is "::1").
    size_t open = s.find('[');
    std::optional<const Type*> dt = parse(s.substr(0, open));
    std::vector<std::string> dims = splitTop(s.substr(open + 1, s.size() - open - 2));
    if (!dt || !(*dt)->isNumber() || dims.empty() || dims.size() > 32) return std::nullopt;
    for (size_t k = 0; k < dims.size(); ++k)
      if (dims[k] != ":" && !(k + 1 == dims.size() && dims[k] == "::1")) return std::nullopt;
    return array(*dt, static_cast<int>(dims.size()), dims.back() == "::1" ? 'C' : 'A');
  }
  if (auto body = inner("array(")) {
    // "array(float64, 1d, C)": a number or bool dtype, 1..32 dims, C/F/A.
    std::vector<std::string> parts = splitTop(*body);
    if (parts.size() != 3 || parts[1].size() < 2 || parts[1].back() != 'd') return std::nullopt;
    std::optional<const Type*> dt = parse(parts[0]);
    int nd = 0;
    if (!dt || !(*dt)->isNumber() || !absl::SimpleAtoi(parts[1].substr(0, parts[1].size() - 1), &nd) || nd < 1 ||
        nd > 32)
      return std::nullopt;
    if (parts[2] != "C" && parts[2] != "F" && parts[2] != "A") return std::nullopt;
    return array(*dt, nd, parts[2][0]);
  }
  return std::nullopt;
}

}  // namespace kiln::typing
