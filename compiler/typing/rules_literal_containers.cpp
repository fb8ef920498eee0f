// litcont: Numba's literal containers. A list literal whose items have no
// common type is a LiteralList, and a dict literal of constant str keys whose
// values have none is a LiteralStrKeyDict. Both are immutable, so typing
// makes their literal a tuple (build_tuple of the items, or of the values in
// key order) whose type's name marks the kind (types.h): indexing by a
// constant, len, literal_unroll, passing to a function and unifying are the
// tuple's; what would change them, or needs a common item type, is refused in
// Numba's words.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

namespace {

bool anyUnknown(const std::vector<const Type*>& ts) {
  return std::any_of(ts.begin(), ts.end(), [](const Type* t) { return t->kind == Kind::kUnknown; });
}

// Whether the types have no common type (unify fails along them).
bool noCommonType(TypeContext& tc, const std::vector<const Type*>& ts) {
  const Type* u = tc.unknown();
  for (const Type* t : ts) {
    u = unify(tc, u, t);
    if (!u || isIterator(u->kind)) return true;
  }
  return false;
}

// Whether a `from` converts to `to` without loss, as Numba's safe
// conversions: to a wider integer of the same signedness (or a signed one
// wider than an unsigned one), integers of up to 32 bits to float64 (16 to
// float32), float32 to float64, reals to a complex as wide, bool to numbers.
bool safeConversion(TypeContext& tc, const Type* from, const Type* to) {
  if (from == to) return true;
  if (!from->isNumber() || !to->isNumber()) return unify(tc, to, from) == to;
  if (from->kind == Kind::kBool) return true;
  const int fbits = from->kind == Kind::kComplex ? from->bits / 2 : from->bits;
  const int tbits = to->kind == Kind::kComplex ? to->bits / 2 : to->bits;
  switch (from->kind) {
    case Kind::kInt:
      if (to->kind == Kind::kInt)
        return from->is_signed == to->is_signed ? tbits >= fbits : (!from->is_signed && tbits > fbits);
      if (to->kind == Kind::kBool) return false;
      return fbits <= tbits / 2;
    case Kind::kFloat:
      return (to->kind == Kind::kFloat || to->kind == Kind::kComplex) && tbits >= fbits;
    case Kind::kComplex:
      return to->kind == Kind::kComplex && tbits >= fbits;
    default:
      return false;
  }
}

}  // namespace

const Type* literalListOf(TypeContext& tc, const std::vector<const Type*>& items) {
  if (items.empty() || anyUnknown(items) || !noCommonType(tc, items)) return nullptr;
  return tc.literalList(items);
}

const Type* literalDictOf(TypeContext& tc, ir::Instr& i, bool force) {
  std::vector<std::string> keys;
  std::vector<ir::Value*> values;
  std::vector<const Type*> value_types;
  for (size_t k = 0; k + 1 < i.operands.size(); k += 2) {
    const std::string* key = constantStr(i.operands[k]);
    if (!key) return nullptr;
    value_types.push_back(i.operands[k + 1]->type);
    auto at = std::find(keys.begin(), keys.end(), *key);
    if (at == keys.end()) {
      keys.push_back(*key);
      values.push_back(i.operands[k + 1]);
    } else {  // as Python: a repeated key keeps its first place and takes the last value
      values[static_cast<size_t>(at - keys.begin())] = i.operands[k + 1];
    }
  }
  if (keys.empty() || anyUnknown(value_types)) return nullptr;
  // As Numba: the values are one dict's when each converts without loss to
  // the first one's type (so {'a': 1, 'b': 2.5} keeps its int).
  if (!force && !noCommonType(tc, value_types) &&
      std::all_of(value_types.begin(), value_types.end(),
                  [&](const Type* v) { return safeConversion(tc, v, value_types[0]); }))
    return nullptr;
  std::vector<const Type*> types;
  for (ir::Value* v : values) types.push_back(v->type);
  const Type* t = tc.literalStrKeyDict(keys, std::move(types));
  i.op = ir::Op::kBuildTuple;
  i.operands = std::move(values);
  i.name = t->name;
  return t;
}

std::string literalMutation(const Type* t) {
  if (isLiteralList(t)) return absl::StrCat("Cannot mutate a literal list, ", t->str());
  if (std::all_of(t->items.begin(), t->items.end(), [&](const Type* v) { return v == t->items[0]; }))
    return absl::StrCat("Cannot mutate a literal dictionary, ", t->str(), " (a typed dict cannot hold values of type ",
                        t->items[0]->str(), ", so this dict literal of constant keys is read-only)");
  return absl::StrCat("Cannot mutate a literal dictionary, ", t->str());
}

absl::StatusOr<const Type*> literalGetItem(const Type* t, const ir::Value* index) {
  if (isLiteralList(t)) {
    const ir::Instr* d = index->def;
    if (d && d->op == ir::Op::kConst && d->const_value.kind == compiler::Constant::Kind::kInt) return nullptr;
    return absl::InvalidArgumentError(absl::StrCat(
        "Cannot __getitem__ on a literal list, ", t->str(),
        " (only an index that is a constant integer picks an item of a list whose items have no common type)"));
  }
  const std::string* key = constantStr(index);
  if (!key)
    return absl::InvalidArgumentError(absl::StrCat(
        "Cannot get{item}() on a literal dictionary, ", t->str(),
        " (only a key that is a constant string picks a value of a dict whose values have no common type)"));
  int k = literalDictIndex(t, *key);
  if (k < 0) return absl::InvalidArgumentError(absl::StrCat("Key '", *key, "' is not in dict."));
  return t->items[static_cast<size_t>(k)];
}

int literalDictIndex(const Type* t, const std::string& key) {
  std::vector<std::string> keys = literalDictKeys(t);
  auto at = std::find(keys.begin(), keys.end(), key);
  return at == keys.end() ? -1 : static_cast<int>(at - keys.begin());
}

const Type* literalAttr(TypeContext& tc, const Type* t, const std::string& name, std::string* why) {
  if (isLiteralList(t)) {
    static const char* const kMutators[] = {"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse"};
    for (const char* m : kMutators)
      if (name == m) {
        *why = absl::StrCat("Cannot mutate a literal list (list.", name, "() of ", t->str(), ")");
        return nullptr;
      }
    if (name == "index") {
      *why = "list.index is unsupported for literal lists";
      return nullptr;
    }
    if (name == "copy" || name == "count") return tc.boundMethod(t, name);
    *why = absl::StrCat("unknown attribute '", name, "' of a literal list, ", t->str());
    return nullptr;
  }
  static const char* const kMutators[] = {"pop", "popitem", "clear", "setdefault", "update"};
  for (const char* m : kMutators)
    if (name == m) {
      *why = absl::StrCat("Cannot mutate a literal dictionary (dict.", name, "() of ", t->str(), ")");
      return nullptr;
    }
  if (name == "get") {
    *why = absl::StrCat("Cannot get{item}() on a literal dictionary, ", t->str(), " (use d['key'] with a constant key)");
    return nullptr;
  }
  if (name == "copy" || name == "keys" || name == "values" || name == "items") return tc.boundMethod(t, name);
  *why = absl::StrCat("unknown attribute '", name, "' of a literal dictionary, ", t->str());
  return nullptr;
}

bool literalItemsComparable(const Type* x, const Type* item) {
  return (x->isNumber() && item->isNumber()) || (x->kind == Kind::kStr && item->kind == Kind::kStr);
}

std::string literalContainsProblem(const Type* x, const Type* t) {
  if (isLiteralStrKeyDict(t)) {
    if (x->kind == Kind::kStr) return "";
    return absl::StrCat("the keys of a literal dictionary are strings: 'in' with ", x->str(), " is not supported");
  }
  if (!x->isNumber() && x->kind != Kind::kStr)
    return absl::StrCat("'in' of ", x->str(), " in a literal list is not supported (numbers and strings are)");
  for (const Type* item : t->items)
    if (item->isArray())  // as Python: an array's == is not one truth value
      return absl::StrCat("'in' of ", x->str(), " in ", t->str(),
                          " is not supported: comparing with an array is ambiguous");
  return "";
}

absl::StatusOr<const Type*> literalMethodCall(TypeContext& tc, const Type* t, const std::string& name,
                                              const std::vector<const Type*>& args) {
  const std::string what = isLiteralList(t) ? "list" : "dict";
  if (name == "count") {
    if (args.size() != 1) return absl::InvalidArgumentError("list.count() takes exactly one argument");
    if (std::string why = literalContainsProblem(args[0], t); !why.empty()) return absl::InvalidArgumentError(why);
    return tc.integer(64, true);
  }
  if (!args.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ".", name, "() takes no arguments"));
  if (name == "copy") return t;  // immutable: the copy is the value itself
  if (name == "values") return tc.tuple(t->items);
  std::vector<const Type*> items;
  for (size_t k = 0; k < t->items.size(); ++k)
    items.push_back(name == "keys" ? tc.str() : tc.tuple({tc.str(), t->items[k]}));
  return tc.tuple(std::move(items));
}

}  // namespace kiln::typing
