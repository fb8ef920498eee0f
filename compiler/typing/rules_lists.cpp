// Typing rules of lists (rules.h, "Lists"): Numba's reflected list semantics.
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_buffers.h"

namespace kiln::typing {

namespace {

bool unknown(const Type* t) { return t->kind == Kind::kUnknown; }
bool intLike(const Type* t) { return t->kind == Kind::kInt || t->kind == Kind::kBool; }

// The item type a list holding `have` items takes when `add` is stored.
const Type* widen(TypeContext& tc, const Type* have, const Type* add) { return unify(tc, have, add); }

absl::Status cannotStore(const Type* list, const Type* item) {
  if (item->kind == Kind::kNone)  // pyfuncs: Numba's words for its List[None]
    return absl::InvalidArgumentError(absl::StrCat("cannot store none into ", list->str(),
                                                   ": method support for List[None] is limited (a list of None is "
                                                   "not supported)"));
  // pycells: Numba's phrase for the cast it cannot make, after Kiln's reason.
  return absl::InvalidArgumentError(absl::StrCat("cannot store ", item->str(), " into ", list->str(),
                                                 ": a list's items must have one type (cannot safely cast ",
                                                 item->str(), " to ", list->items[0]->str(), ")"));
}

// The list type that also holds items of type `item`, or an error.
absl::StatusOr<const Type*> storing(TypeContext& tc, const Type* list, const Type* item) {
  const Type* u = widen(tc, list->items[0], item);
  if (!u || u->kind == Kind::kNone || isIterator(u->kind) || u->kind == Kind::kModule ||
      u->kind == Kind::kFunction || u->kind == Kind::kBuiltin || u->kind == Kind::kBoundMethod)
    return cannotStore(list, item);
  // tlist: a typed List's item type is fixed by its first store (Numba
  // refines it once); a later store converts to it as Numba's does (an
  // int64 into an int32 List, as a store into an int32 array), never
  // widening it: a float into an int List or a complex into a real one is
  // refused.
  const Type* have = list->items[0];
  if (isTypedList(list) && !unknown(have) && u != have) {
    const bool narrowing = have->isNumber() && item->isNumber() &&
                           !(item->kind == Kind::kComplex && have->kind != Kind::kComplex) &&
                           !(item->kind == Kind::kFloat && (have->kind == Kind::kInt || have->kind == Kind::kBool)) &&
                           !(item->kind == Kind::kInt && have->kind == Kind::kBool);
    if (!narrowing) return cannotStore(list, item);
    return list;
  }
  return tc.list(u, isReflectedList(list), isTypedList(list));
}

}  // namespace

bool itemsComparable(const Type* a, const Type* b) {
  if (unknown(a) || unknown(b)) return true;
  if (a->isNumber() && b->isNumber()) return true;
  if (a->kind == Kind::kStr && b->kind == Kind::kStr) return true;  // strings
  if (a->kind == Kind::kTuple && b->kind == Kind::kTuple) {
    if (a->items.size() != b->items.size()) return true;  // never equal
    for (size_t k = 0; k < a->items.size(); ++k)
      if (!itemsComparable(a->items[k], b->items[k])) return false;
    return true;
  }
  if (a->kind == Kind::kList && b->kind == Kind::kList) return itemsComparable(a->items[0], b->items[0]);
  return false;
}

bool itemsOrdered(const Type* t) {
  if (t->isNumber()) return t->kind != Kind::kComplex;
  if (t->kind == Kind::kStr) return true;  // strings: by code points
  if (t->kind == Kind::kTuple) {
    for (const Type* item : t->items)
      if (!itemsOrdered(item)) return false;
    return true;
  }
  return false;
}

bool holdsUntypedList(const Type* t) {
  if (t == nullptr) return false;
  if (t->kind == Kind::kList && unknown(t->items[0])) return true;
  for (const Type* item : t->items)
    if (holdsUntypedList(item)) return true;
  return false;
}

absl::StatusOr<const Type*> listLiteral(TypeContext& tc, const std::vector<const Type*>& items) {
  const Type* t = tc.unknown();
  for (const Type* item : items) {
    const Type* u = unify(tc, t, item);
    if (u && u->kind == Kind::kNone)  // pyfuncs: Numba's words for its List[None]
      return absl::InvalidArgumentError(
          "a list of None is not supported: method support for List[None] is limited");
    if (!u || isIterator(u->kind))
      return absl::InvalidArgumentError(
          absl::StrCat("a list cannot hold items of types ", t->str(), " and ", item->str(),
                       " (a list's items must have one type; use a tuple for mixed items)"));
    t = u;
  }
  return tc.list(t);
}

const Type* listAttr(TypeContext& tc, const Type* list, const std::string& name) {
  static const char* const kMethods[] = {"append", "extend", "insert", "pop",  "remove", "index",      "count",
                                         "reverse", "sort",  "copy",   "clear", "__delitem__"};
  for (const char* m : kMethods)
    if (name == m) return tc.boundMethod(list, name);
  return nullptr;
}

absl::StatusOr<const Type*> listMethodCall(TypeContext& tc, const Type* list, const std::string& name,
                                           const std::vector<const Type*>& args,
                                           const std::vector<std::string>& kwnames, const Type** refined) {
  *refined = list;
  const Type* item = list->items[0];
  const size_t npos = args.size() - kwnames.size();
  auto bad = [&]() {
    return absl::InvalidArgumentError(absl::StrCat("list.", name, "() does not take these arguments"));
  };
  if (name != "sort" && !kwnames.empty())
    return absl::InvalidArgumentError(absl::StrCat("list.", name, "() takes no keyword arguments"));
  for (const Type* a : args)
    if (unknown(a)) return tc.unknown();
  if (name == "append") {
    if (npos != 1) return bad();
    absl::StatusOr<const Type*> r = storing(tc, list, args[0]);
    if (!r.ok()) return r.status();
    *refined = *r;
    return tc.none();
  }
  if (name == "insert") {
    if (npos != 2 || !intLike(args[0])) return bad();
    absl::StatusOr<const Type*> r = storing(tc, list, args[1]);
    if (!r.ok()) return r.status();
    *refined = *r;
    return tc.none();
  }
  if (name == "extend") {
    if (npos != 1) return bad();
    if (args[0]->kind == Kind::kTuple) {  // [1, 2.5] is BUILD_LIST then LIST_EXTEND of a constant tuple
      absl::StatusOr<const Type*> items = listLiteral(tc, args[0]->items);
      if (!items.ok()) return items.status();
      if (unknown((*items)->items[0])) return tc.none();
      absl::StatusOr<const Type*> r = storing(tc, list, (*items)->items[0]);
      if (!r.ok()) return r.status();
      *refined = *r;
      return tc.none();
    }
    std::string why;
    const Type* it = iteratorOf(tc, args[0], &why);
    if (!it) return absl::InvalidArgumentError(absl::StrCat("list.extend(): ", why));
    const Type* add = iterItem(tc, it);
    if (unknown(add)) return tc.none();
    absl::StatusOr<const Type*> r = storing(tc, list, add);
    if (!r.ok()) return r.status();
    *refined = *r;
    return tc.none();
  }
  if (unknown(item)) return tc.unknown();  // the other methods need the item type
  if (name == "pop") {
    if (npos > 1 || (npos == 1 && !intLike(args[0]))) return bad();
    return item;
  }
  if (name == "remove" || name == "index" || name == "count") {
    if (npos < 1 || (name != "index" && npos != 1) || npos > 3) return bad();
    for (size_t k = 1; k < npos; ++k)
      if (!intLike(args[k])) return bad();
    if (!itemsComparable(item, args[0]) || args[0]->kind == Kind::kList)
      return absl::InvalidArgumentError(
          absl::StrCat("list.", name, "() cannot compare ", args[0]->str(), " with the items of ", list->str()));
    return name == "remove" ? tc.none() : tc.integer(64, true);
  }
  if (name == "reverse" || name == "clear") {
    if (npos != 0) return bad();
    return tc.none();
  }
  if (name == "copy") {  // tlist: a typed List's copy is a typed List
    if (npos != 0) return bad();
    return tc.list(item, false, isTypedList(list));
  }
  if (name == "sort") {
    if (npos != 0) return bad();
    for (size_t k = 0; k < kwnames.size(); ++k) {
      if (kwnames[k] == "reverse") {
        if (!intLike(args[npos + k])) return absl::InvalidArgumentError("an integer is required for 'reverse'");
      } else if (kwnames[k] == "key") {
        if (args[npos + k]->kind != Kind::kNone)  // a function: kiln/library/list_methods.py (inference.cpp)
          return absl::InvalidArgumentError("Key must be None or a Numba JIT compiled function");
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("list.sort() got an unexpected keyword argument '", kwnames[k], "'"));
      }
    }
    if (!itemsOrdered(item))
      return absl::InvalidArgumentError(absl::StrCat("cannot sort ", list->str(), ": its items are not ordered"));
    return tc.none();
  }
  if (name == "__delitem__") {
    if (npos != 1 || (!intLike(args[0]) && args[0]->kind != Kind::kSlice)) return bad();
    return tc.none();
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown attribute '", name, "' of type ", list->str()));
}

const Type* listIndexResult(TypeContext& tc, const Type* list, const Type* index) {
  if (intLike(index)) return list->items[0];
  if (index->kind == Kind::kSlice) return tc.list(list->items[0], false, isTypedList(list));  // tlist: as copy()
  return nullptr;
}

absl::StatusOr<const Type*> listStore(TypeContext& tc, const Type* list, const Type* index, const Type* value) {
  if (intLike(index)) return storing(tc, list, value);
  if (index->kind == Kind::kSlice) {
    if (value->kind != Kind::kList)
      return absl::InvalidArgumentError(
          absl::StrCat("can only assign a list to a slice of ", list->str(), ", not ", value->str()));
    if (unknown(value->items[0])) return list;
    return storing(tc, list, value->items[0]);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("list indices must be integers or slices, not ", index->str()));
}

const Type* listBinaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b) {
  if (a->kind != Kind::kList && b->kind != Kind::kList) return nullptr;
  if (op == ir::BinaryOp::kAdd && a->kind == Kind::kList && b->kind == Kind::kList) {
    const Type* u = unify(tc, a->items[0], b->items[0]);
    if (!u) return nullptr;
    return tc.list(u);
  }
  if (op == ir::BinaryOp::kMul) {
    if (a->kind == Kind::kList && intLike(b)) return tc.list(a->items[0]);
    if (b->kind == Kind::kList && intLike(a)) return tc.list(b->items[0]);
  }
  return nullptr;
}

const Type* listCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b) {
  switch (op) {
    case ir::CompareOp::kIn:
    case ir::CompareOp::kNotIn:
      if (b->kind != Kind::kList) return nullptr;
      if (!itemsComparable(a, b->items[0])) return nullptr;
      return tc.boolean();
    case ir::CompareOp::kEq:
    case ir::CompareOp::kNe:
      if (a->kind != Kind::kList || b->kind != Kind::kList) return nullptr;
      if (!itemsComparable(a->items[0], b->items[0])) return nullptr;
      return tc.boolean();
    case ir::CompareOp::kLt:
    case ir::CompareOp::kLe:
    case ir::CompareOp::kGt:
    case ir::CompareOp::kGe:
      if (a->kind != Kind::kList || b->kind != Kind::kList) return nullptr;
      if (!itemsOrdered(a->items[0]) || !itemsOrdered(b->items[0])) return nullptr;
      return tc.boolean();
    case ir::CompareOp::kIs:
    case ir::CompareOp::kIsNot:
      return tc.boolean();
  }
  return nullptr;
}

std::optional<absl::StatusOr<const Type*>> listBuiltinCall(TypeContext& tc, const std::string& name,
                                                           const std::vector<const Type*>& args,
                                                           const std::vector<std::string>& kwnames) {
  const size_t npos = args.size() - kwnames.size();
  for (const Type* a : args)
    if (unknown(a)) return tc.unknown();
  // sum(x, start): a str, bytes or bytearray start refused in Python's words
  // (Numba's), and sum of a str has no implementation.
  if (name == "sum" && args.size() == 2 && (kwnames.empty() || kwnames[0] == "start")) {
    const Type* start = args[1];
    const char* what = start->kind == Kind::kStr                               ? "strings [use ''.join(seq) instead]"
                       : isBytes(start)                                        ? "bytes [use b''.join(seq) instead]"
                       : start->kind == Kind::kArray && start->name == "bytearray" ? "bytearray [use b''.join(seq) instead]"
                                                                               : nullptr;
    if (what) return absl::StatusOr<const Type*>(absl::InvalidArgumentError(absl::StrCat("sum() can't sum ", what)));
  }
  if (name == "sum" && !args.empty() && args[0]->kind == Kind::kStr)
    return absl::StatusOr<const Type*>(
        absl::InvalidArgumentError(absl::StrCat("No implementation of function sum(", args[0]->str(), ")")));
  auto itemOf = [&](const Type* x, std::string* why) -> const Type* {
    const Type* it = iteratorOf(tc, x, why);
    return it ? iterItem(tc, it) : nullptr;
  };
  std::string why;
  if (name == "len" || name == "bool") {
    if (npos == 1 && kwnames.empty() && args[0]->kind == Kind::kList)
      return name == "len" ? tc.integer(64, true) : tc.boolean();
    return std::nullopt;
  }
  if (name == "list") {
    if (!kwnames.empty() || npos > 1) return absl::StatusOr<const Type*>(absl::InvalidArgumentError("list() takes at most one argument"));
    if (npos == 0) return tc.list(tc.unknown());
    const Type* item = itemOf(args[0], &why);
    if (!item) return absl::StatusOr<const Type*>(absl::InvalidArgumentError(absl::StrCat("list(): ", why)));
    return tc.list(item);
  }
  // tlist: List.empty_list(item_type, allocated=0): an empty typed List of
  // the item type, a scalar class (numba.types.int64, np.float32).
  if (name == absl::StrCat(kTypedListBuiltin, ".empty_list")) {
    size_t type_at = npos >= 1 ? 0 : args.size(), allocated_at = npos >= 2 ? 1 : args.size();
    for (size_t k = 0; k < kwnames.size(); ++k) {
      if (kwnames[k] == "item_type" && type_at == args.size()) type_at = npos + k;
      else if (kwnames[k] == "allocated" && allocated_at == args.size()) allocated_at = npos + k;
      else
        return absl::StatusOr<const Type*>(absl::InvalidArgumentError(
            absl::StrCat("List.empty_list() got an unexpected keyword argument '", kwnames[k], "'")));
    }
    if (npos > 2 || type_at == args.size())
      return absl::StatusOr<const Type*>(
          absl::InvalidArgumentError("List.empty_list() takes an item type and an optional allocated size"));
    if (allocated_at < args.size() && !intLike(args[allocated_at]))
      return absl::StatusOr<const Type*>(absl::InvalidArgumentError(
          absl::StrCat("List.empty_list(): allocated must be an integer, not ", args[allocated_at]->str())));
    // typedempty: any type object (typeObjectOf): a scalar class, or a
    // global bound to types.unicode_type, types.float64[:], a tuple type,
    // types.ListType(T) or types.DictType(K, V).
    const Type* item = typeObjectOf(args[type_at]);
    if (!item)
      return absl::StatusOr<const Type*>(absl::InvalidArgumentError(absl::StrCat(
          "List.empty_list(): item_type must be a type (numba.types.int64, types.unicode_type, a global bound to "
          "types.float64[:] or types.ListType(T)), not a value of type ", args[type_at]->str())));
    if (item->kind == Kind::kNone)  // pyfuncs: Numba's words for its List[None]
      return absl::StatusOr<const Type*>(absl::InvalidArgumentError(
          "a list of None is not supported: method support for List[None] is limited"));
    return tc.list(item, false, true);
  }
  // tlist: List() and List(iterable) make a typed List (Numba's words for
  // what it refuses).
  if (name == kTypedListBuiltin) {
    if (!kwnames.empty())
      return absl::StatusOr<const Type*>(absl::InvalidArgumentError("List() takes no keyword arguments"));
    if (npos > 1)
      return absl::StatusOr<const Type*>(
          absl::InvalidArgumentError(absl::StrCat("List() expected at most 1 argument, got ", npos)));
    if (npos == 0) return tc.list(tc.unknown(), false, true);
    const Type* item = itemOf(args[0], &why);
    if (!item) return absl::StatusOr<const Type*>(absl::InvalidArgumentError(absl::StrCat("List(): ", why)));
    if (item->kind == Kind::kNone)  // pyfuncs: Numba's words for its List[None]
      return absl::StatusOr<const Type*>(absl::InvalidArgumentError(
          "a list of None is not supported: method support for List[None] is limited"));
    return tc.list(item, false, true);
  }
  if (name == "sorted") {
    if (npos != 1) return absl::StatusOr<const Type*>(absl::InvalidArgumentError("sorted() takes one iterable"));
    const Type* item = itemOf(args[0], &why);
    if (!item) return absl::StatusOr<const Type*>(absl::InvalidArgumentError(absl::StrCat("sorted(): ", why)));
    for (size_t k = 0; k < kwnames.size(); ++k) {
      if (kwnames[k] == "reverse" && intLike(args[npos + k])) continue;
      if (kwnames[k] == "key" && args[npos + k]->kind == Kind::kNone) continue;
      return absl::StatusOr<const Type*>(absl::InvalidArgumentError(
          kwnames[k] == "key"       ? "Key must be None or a Numba JIT compiled function"
          : kwnames[k] == "reverse" ? "an integer is required for 'reverse'"
                                    : absl::StrCat("sorted() got an unsupported keyword argument '", kwnames[k], "'")));
    }
    if (!itemsOrdered(item))
      return absl::StatusOr<const Type*>(
          absl::InvalidArgumentError(absl::StrCat("sorted(): items of type ", item->str(), " are not ordered")));
    return tc.list(item);
  }
  // min(lst), max(lst), sum(lst[, start]) of a list.
  if ((name == "min" || name == "max" || name == "sum") && npos >= 1 && args[0]->kind == Kind::kList) {
    if (!kwnames.empty())
      return absl::StatusOr<const Type*>(absl::InvalidArgumentError(absl::StrCat(name, "() of a list takes no keyword arguments")));
    const Type* item = args[0]->items[0];
    if (unknown(item)) return tc.unknown();  // list(gen) before gen's items are typed
    if (name == "sum") {
      if (npos > 2 || !item->isNumber() || (npos == 2 && !args[1]->isNumber()))
        return absl::StatusOr<const Type*>(absl::InvalidArgumentError(absl::StrCat("sum() of ", args[0]->str(), " is not supported")));
      const Type* start = npos == 2 ? args[1] : tc.integer(64, true);
      const Type* t = operatorType(tc, start, item);
      return t;
    }
    if (npos != 1) return std::nullopt;
    if (!itemsOrdered(item))
      return absl::StatusOr<const Type*>(
          absl::InvalidArgumentError(absl::StrCat(name, "(): items of type ", item->str(), " are not ordered")));
    return item;
  }
  return std::nullopt;
}

}  // namespace kiln::typing
