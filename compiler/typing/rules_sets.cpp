// Typing rules of sets (rules.h, "Sets"), as Numba's: set(int64), and
// reflected set(int64) for a set passed in from Python. A set is a dict
// without values (kDict named "set"), so iteration, len, `in`, truth and
// memory are the dict's; the rules here are the set's own methods and
// operators. Lowering: lowering/lower_sets.cpp.
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

bool isSet(const Type* t) { return t != nullptr && t->kind == Kind::kDict && !t->name.empty(); }

std::string setItemProblem(const Type* t) {
  if (t->kind == Kind::kUnknown) return "";
  if (isSet(t)) return absl::StrCat("unhashable type: '", t->str(), "'");
  if (t->kind == Kind::kStr) return "";  // strings: hashed by lowering/lower_sets.cpp (CPython's hash)
  return unhashableReason(t);
}

namespace {

bool unknown(const Type* t) { return t->kind == Kind::kUnknown; }

absl::Status bad(const std::string& what, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why));
}

// What iterating x yields, or nullptr with *why.
const Type* itemOf(TypeContext& tc, const Type* x, std::string* why) {
  if (x->kind == Kind::kTuple) {  // a heterogeneous tuple's items unify ({1, 2.0})
    const Type* t = tc.unknown();
    for (const Type* item : x->items) {
      const Type* u = unify(tc, t, item);
      if (!u) {
        *why = absl::StrCat("a set cannot hold items of types ", t->str(), " and ", item->str(),
                            " (a set's items must have one type)");
        return nullptr;
      }
      t = u;
    }
    return t;
  }
  const Type* it = iteratorOf(tc, x, why);
  return it ? iterItem(tc, it) : nullptr;
}

// The set `set` once it also holds items of type `item`.
absl::StatusOr<const Type*> storing(TypeContext& tc, const Type* set, const Type* item, const std::string& what) {
  if (unknown(item)) return set;
  const Type* have = set->items[0];
  if (unknown(have)) {
    if (std::string why = setItemProblem(item); !why.empty()) return bad(what, why);
    return tc.set(item, set->name != "set");
  }
  if (!dictSlotFits(tc, have, item))
    return bad(what, absl::StrCat("cannot add an item of type ", item->str(), " to ", set->str(),
                                  " (a set's items must have one type)"));
  return set;
}

// Items of type `item` looked up in `set` (converted to its item type).
absl::Status lookingUp(TypeContext& tc, const Type* set, const Type* item, const std::string& what) {
  if (unknown(item) || unknown(set->items[0]) || dictSlotFits(tc, set->items[0], item)) return absl::OkStatus();
  return bad(what, absl::StrCat("items of type ", item->str(), " cannot be looked up in ", set->str(),
                                " (a set's items must have one type)"));
}

}  // namespace

const Type* setAttr(TypeContext& tc, const Type* set, const std::string& name) {
  static const char* const kMethods[] = {
      "add",        "discard",      "remove",               "pop",          "clear",
      "copy",       "update",       "intersection_update",  "difference_update",
      "symmetric_difference_update", "union",               "intersection", "difference",
      "symmetric_difference",        "issubset",            "issuperset",   "isdisjoint"};
  for (const char* m : kMethods)
    if (name == m) return tc.boundMethod(set, name);
  return nullptr;
}

absl::StatusOr<const Type*> setMethodCall(TypeContext& tc, const Type* set, const std::string& name,
                                          const std::vector<const Type*>& args,
                                          const std::vector<std::string>& kwnames, const Type** refined) {
  *refined = set;
  const std::string what = absl::StrCat("set.", name, "()");
  if (!kwnames.empty()) return bad(what, "takes no keyword arguments");
  for (const Type* a : args)
    if (unknown(a)) return tc.unknown();
  const Type* item = set->items[0];
  auto arity = [&](size_t n) -> absl::Status {
    if (args.size() == n) return absl::OkStatus();
    return bad(what, absl::StrCat("takes ", n == 0 ? "no arguments" : n == 1 ? "exactly one argument" : "arguments",
                                  " (", args.size(), " given)"));
  };
  if (name == "add") {
    if (absl::Status s = arity(1); !s.ok()) return s;
    // As Numba, an integer is added to a set of another integer type as that
    // type; the lowering checks that it fits (OverflowError, never wrapped).
    if (item->isInteger() && args[0]->isInteger()) {
      *refined = set;
      return tc.none();
    }
    absl::StatusOr<const Type*> r = storing(tc, set, args[0], what);
    if (!r.ok()) return r.status();
    *refined = *r;
    return tc.none();
  }
  if (name == "discard" || name == "remove") {
    if (absl::Status s = arity(1); !s.ok()) return s;
    if (std::string why = setItemProblem(args[0]); !why.empty()) return bad(what, why);
    if (unknown(item)) return tc.unknown();
    if (absl::Status s = lookingUp(tc, set, args[0], what); !s.ok()) return s;
    return tc.none();
  }
  if (name == "pop") {
    if (absl::Status s = arity(0); !s.ok()) return s;
    return item;  // unknown until the set is typed
  }
  if (name == "clear") {
    if (absl::Status s = arity(0); !s.ok()) return s;
    return tc.none();
  }
  if (name == "copy") {
    if (absl::Status s = arity(0); !s.ok()) return s;
    return tc.set(item);
  }
  // The rest take one iterable (Python's take several; Numba's one).
  if (args.size() != 1) return bad(what, absl::StrCat("takes exactly one argument (", args.size(), " given)"));
  std::string why;
  const Type* other = itemOf(tc, args[0], &why);
  if (!other) return bad(what, why);
  if (std::string p = setItemProblem(other); !p.empty()) return bad(what, p);
  if (name == "update" || name == "symmetric_difference_update") {
    absl::StatusOr<const Type*> r = storing(tc, set, other, what);
    if (!r.ok()) return r.status();
    *refined = *r;
    return tc.none();
  }
  if (unknown(item)) return tc.unknown();
  if (name == "union" || name == "symmetric_difference") {
    const Type* u = unknown(other) ? item : unify(tc, item, other);
    if (!u) return bad(what, absl::StrCat("the items of ", set->str(), " and of ", args[0]->str(), " have no common type"));
    return tc.set(u);
  }
  if (absl::Status s = lookingUp(tc, set, other, what); !s.ok()) return s;
  if (name == "intersection_update" || name == "difference_update") return tc.none();
  if (name == "intersection" || name == "difference") return tc.set(item);
  if (name == "issubset" || name == "issuperset" || name == "isdisjoint") return tc.boolean();
  return bad(what, "is not supported");
}

std::optional<absl::StatusOr<const Type*>> setBuiltinCall(TypeContext& tc, const std::string& name,
                                                          const std::vector<const Type*>& args,
                                                          const std::vector<std::string>& kwnames) {
  if (name == "bool") {
    if (args.size() == 1 && kwnames.empty() && isSet(args[0])) return tc.boolean();
    return std::nullopt;
  }
  if (name == "frozenset")
    return absl::StatusOr<const Type*>(absl::InvalidArgumentError(
        "frozenset() is not supported in jitted code (only constant frozensets, as a set literal's items)"));
  if (name != "set") return std::nullopt;
  using R = absl::StatusOr<const Type*>;
  if (!kwnames.empty()) return R(absl::InvalidArgumentError("set() takes no keyword arguments"));
  if (args.size() > 1) return R(absl::InvalidArgumentError(absl::StrCat("set expected at most 1 argument, got ", args.size())));
  if (args.empty()) return tc.set(tc.unknown());
  if (unknown(args[0])) return tc.unknown();
  std::string why;
  const Type* item = itemOf(tc, args[0], &why);
  if (!item) return R(absl::InvalidArgumentError(absl::StrCat("set(): ", why)));
  if (std::string p = setItemProblem(item); !p.empty())
    return R(absl::InvalidArgumentError(absl::StrCat("set() of ", args[0]->str(), ": ", p)));
  return tc.set(item);
}

absl::StatusOr<const Type*> setBinaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b) {
  auto refuse = [&]() -> absl::StatusOr<const Type*> {
    return absl::InvalidArgumentError(absl::StrCat("operator '", ir::symbol(op), "' is not supported between ",
                                                   a->str(), " and ", b->str()));
  };
  if (!isSet(a) || !isSet(b)) return refuse();
  const Type* x = a->items[0];
  const Type* y = b->items[0];
  switch (op) {
    case ir::BinaryOp::kOr:
    case ir::BinaryOp::kXor: {
      const Type* u = unknown(x) ? y : unknown(y) ? x : unify(tc, x, y);
      if (!u) return refuse();
      return tc.set(u);
    }
    case ir::BinaryOp::kAnd:
    case ir::BinaryOp::kSub:
      if (!unknown(x) && !unknown(y) && !dictSlotFits(tc, x, y)) return refuse();
      return tc.set(x);
    case ir::BinaryOp::kAdd:
    case ir::BinaryOp::kMul:
    case ir::BinaryOp::kTrueDiv:
    case ir::BinaryOp::kFloorDiv:
    case ir::BinaryOp::kMod:
    case ir::BinaryOp::kPow:
    case ir::BinaryOp::kLShift:
    case ir::BinaryOp::kRShift:
    case ir::BinaryOp::kMatMul:
      break;
  }
  return refuse();
}

absl::StatusOr<const Type*> setCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b) {
  auto refuse = [&]() -> absl::StatusOr<const Type*> {
    return absl::InvalidArgumentError(absl::StrCat("comparison '", ir::symbol(op), "' is not supported between ",
                                                   a->str(), " and ", b->str()));
  };
  switch (op) {
    case ir::CompareOp::kIs:
    case ir::CompareOp::kIsNot:
      return tc.boolean();
    case ir::CompareOp::kEq:
    case ir::CompareOp::kNe:
    case ir::CompareOp::kLt:
    case ir::CompareOp::kLe:
    case ir::CompareOp::kGt:
    case ir::CompareOp::kGe: {
      if (!isSet(a) || !isSet(b)) return refuse();
      const Type* x = a->items[0];
      const Type* y = b->items[0];
      if (!unknown(x) && !unknown(y) && !dictSlotFits(tc, x, y) && !dictSlotFits(tc, y, x)) return refuse();
      return tc.boolean();
    }
    case ir::CompareOp::kIn:
    case ir::CompareOp::kNotIn:
      break;
  }
  return refuse();
}

}  // namespace kiln::typing
