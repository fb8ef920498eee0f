// Dicts, sets and hashing: which values hash() (and, later, dict keys and
// set items) accept. Lowering: lowering/lower_dicts.cpp.
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_buffers.h"  // codec: isBytes

namespace kiln::typing {

std::string unhashableReason(const Type* t) {
  switch (t->kind) {
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kComplex:
      return "";
    case Kind::kTuple:
      for (const Type* item : t->items) {
        if (item->kind == Kind::kStr) return "a tuple holding a str as a key is not supported yet";  // strings2
        if (isBytes(item)) return "a tuple holding bytes as a key is not supported yet";  // codec
        if (std::string why = unhashableReason(item); !why.empty()) return why;
      }
      return "";
    case Kind::kStr:  // strings2: CPython's hash (lower_dicts.cpp, kiln_unicode.c)
      return "";
    case Kind::kArray:  // codec: bytes is immutable: CPython's hash (lower_dicts.cpp), equal by its bytes
      if (isBytes(t)) return "";
      return absl::StrCat("unhashable type: '", t->str(), "'");
    case Kind::kDict:
    case Kind::kList:  // lists: mutable
      return absl::StrCat("unhashable type: '", t->str(), "'");
    case Kind::kUnknown:
    case Kind::kNone:
    case Kind::kRange:
    case Kind::kRangeIter:
    case Kind::kTupleIter:
    case Kind::kModule:
    case Kind::kFunction:
    case Kind::kFunctionSet:  // pycells:
    case Kind::kBuiltin:
    case Kind::kTypeRef:  // typedempty:
    case Kind::kExceptionClass:
    case Kind::kArrayIter:
    case Kind::kEnumerate:
    case Kind::kZip:
    case Kind::kBoundMethod:
    case Kind::kSlice:
    case Kind::kDType:
    case Kind::kDictIter:
    case Kind::kStrIter:
    case Kind::kEllipsis:
    case Kind::kListIter:
    case Kind::kNPDatetime:  // datetime
    case Kind::kNPTimedelta:
    case Kind::kGenerator:  // generators:
    case Kind::kOptional:  // optional: unwrapped before it is hashed
    case Kind::kRecord:  // records: a view of memory, as Numba (unhashable)
    case Kind::kUnicodeCharSeq:  // records: a U field, only ever read as a str
    case Kind::kNestedArray:  // records2: a subarray field, only ever read as an array view
    case Kind::kNPGenerator:  // npgen: an object borrowed from the caller
    case Kind::kStructRef:  // structref: mutable, unhashable as in Numba
      break;
    case Kind::kEnumMember:  // enums: an IntEnum member hashes as its int; an Enum member by its name
      if (t->index == 1) return unhashableReason(t->items[0]);
      break;
  }
  // CPython hashes these by identity, which compiled code does not have.
  return absl::StrCat("hash() of ", t->str(), " is not supported");
}

}  // namespace kiln::typing

namespace kiln::typing {

bool dictComplete(const Type* dict) {
  return dict->items[0]->kind != Kind::kUnknown && dict->items[1]->kind != Kind::kUnknown;
}

namespace {
// A value a dict can hold: what has a run-time form in a dict's entries.
bool storable(const Type* t) {
  if (t->isNumber() || t->kind == Kind::kArray || t->kind == Kind::kDict) return true;
  if (t->kind == Kind::kStr) return true;  // litcont: a reference, as an array's
  if (t->isRecord()) return true;  // recown: {meminfo, data}, a reference to its array as an array's
  if (t->kind == Kind::kStructRef) return true;  // structref: a reference to its block, as a typed List
  // pyrest: a typed List (ListType[T], as Numba) is a reference to its
  // block, as a dict value is: d[k].append(x) changes the list d holds.
  if (isTypedList(t)) return t->items[0]->kind != Kind::kUnknown;
  if (t->kind == Kind::kTuple) {
    for (const Type* item : t->items)
      if (!storable(item)) return false;
    return true;
  }
  return false;
}
std::string valueProblem(const Type* v) {
  if (std::string why = dictNoneProblem(v, /*is_key=*/false); !why.empty()) return why;
  if (isTypedList(v))  // pyrest: an empty List() whose items nothing types
    return absl::StrCat("a dict value of type ", v->str(),
                        " is not supported: give the List an item type (List.empty_list(T), T as int64)");
  if (v->kind == Kind::kList)  // pyrest: as Numba, which refuses a reflected list there too
    return absl::StrCat("a dict value of type ", v->str(),
                        " is not supported: a dict holds typed Lists, not Python lists (make the value with "
                        "List() or List.empty_list(T) from kiln.typed or numba.typed)");
  return absl::StrCat("a dict value of type ", v->str(), " is not supported");
}
std::string keyProblem(const Type* k) {
  if (std::string why = dictNoneProblem(k, /*is_key=*/true); !why.empty()) return why;
  if (std::string why = unhashableReason(k); !why.empty()) return absl::StrCat("a dict key: ", why);
  return "";
}
}  // namespace

std::string dictNoneProblem(const Type* t, bool is_key) {
  if (t->kind != Kind::kNone && t->kind != Kind::kOptional) return "";
  const char* what = is_key ? "key" : "value";  // Numba's words lead
  return absl::StrCat("Dict.", what, "_type cannot be of type ", t->str(), " (a dict ", what, " cannot be None)");
}

absl::StatusOr<const Type*> buildMapType(TypeContext& tc, const std::vector<const Type*>& keys,
                                         const std::vector<const Type*>& values) {
  const Type* k = tc.unknown();
  const Type* v = tc.unknown();
  for (size_t i = 0; i < keys.size(); ++i) {
    const Type* uk = unify(tc, k, keys[i]);
    if (!uk)
      return absl::InvalidArgumentError(
          absl::StrCat("the keys of a dict literal have no common type (", k->str(), " and ", keys[i]->str(), ")"));
    const Type* uv = unify(tc, v, values[i]);
    if (!uv)
      return absl::InvalidArgumentError(absl::StrCat("Cannot cast ", values[i]->str(), " to ", v->str(),
                                                     ": the values of a dict literal have no common type (", v->str(),
                                                     " and ", values[i]->str(), ")"));
    k = uk;
    v = uv;
  }
  if (k->kind != Kind::kUnknown)
    if (std::string why = keyProblem(k); !why.empty()) return absl::InvalidArgumentError(why);
  if (v->kind != Kind::kUnknown && !storable(v))
    return absl::InvalidArgumentError(valueProblem(v));
  return tc.dict(k, v);
}

bool dictSlotFits(TypeContext& tc, const Type* to, const Type* from) {
  if (to == from || to == tc.weakScalar(from)) return true;  // NEP 50: a slot holds a value, not its strength
  if (to->kind == Kind::kDict || from->kind == Kind::kDict) return false;
  // Arrays: the slot's exact type (a layout widened to A would change the slot).
  if (to->kind == Kind::kArray || from->kind == Kind::kArray)
    return to->kind == Kind::kArray && from->kind == Kind::kArray && to->dtype() == from->dtype() &&
           to->ndim == from->ndim && (to->layout == from->layout || to->layout == 'A');
  return unify(tc, to, from) == to;
}

std::string numbaSpelling(const Type* t) {
  if (t->kind != Kind::kTuple || t->items.empty()) return t->str();
  bool uniform = true;
  for (const Type* item : t->items) uniform = uniform && item == t->items[0];
  // A named tuple is its class's own name in Numba's spelling ("Point(int64 x
  // 2)"); Kiln's names its module and fields ("mod.Point[x, y]").
  std::string head = "UniTuple";
  if (!t->name.empty()) {
    absl::string_view cls = t->name;
    cls = cls.substr(0, cls.find('['));
    if (size_t dot = cls.rfind('.'); dot != absl::string_view::npos) cls = cls.substr(dot + 1);
    head = std::string(cls);
  } else if (!uniform) {
    return t->str();
  }
  if (uniform) return absl::StrCat(head, "(", numbaSpelling(t->items[0]), " x ", t->items.size(), ")");
  std::vector<std::string> items;
  for (const Type* item : t->items) items.push_back(numbaSpelling(item));
  return absl::StrCat(head, "(", absl::StrJoin(items, ", "), ")");
}

namespace {

// Whether Numba's typed dict casts `from` to `to` (with a warning when
// it loses): the casts dictCastFits names, checked item by item in tuples.
bool numbaDictCasts(TypeContext& tc, const Type* to, const Type* from) {
  if (dictSlotFits(tc, to, from)) return true;
  if (from->kind == Kind::kInt) return to->kind == Kind::kInt || to->kind == Kind::kFloat;
  if (from->kind == Kind::kFloat) return to->kind == Kind::kFloat;
  if (from->kind == Kind::kComplex) return to->kind == Kind::kComplex;
  if (from->kind == Kind::kTuple && to->kind == Kind::kTuple && from->name.empty() && to->name.empty() &&
      from->items.size() == to->items.size()) {
    for (size_t k = 0; k < to->items.size(); ++k)
      if (!numbaDictCasts(tc, to->items[k], from->items[k])) return false;
    return true;
  }
  return false;
}

}  // namespace

bool dictCastFits(TypeContext& tc, const Type* to, const Type* from) {
  if (dictSlotFits(tc, to, from)) return true;
  if (to->kind == Kind::kUnknown || from->kind == Kind::kUnknown || !numbaDictCasts(tc, to, from)) return false;
  tc.noteWarning(absl::StrCat("unsafe cast from ", numbaSpelling(from), " to ", numbaSpelling(to),
                              ". Precision may be lost."));
  return true;
}

const Type* dictWithItem(TypeContext& tc, const Type* dict, const Type* key, const Type* value, std::string* why) {
  const Type* k = dict->items[0];
  const Type* v = dict->items[1];
  if (k->kind == Kind::kUnknown) {
    if (std::string p = keyProblem(key); !p.empty()) {
      *why = p;
      return nullptr;
    }
    k = key->kind == Kind::kBool ? key : key;
  }
  if (v->kind == Kind::kUnknown) {
    if (!storable(value)) {
      *why = valueProblem(value);
      return nullptr;
    }
    v = value;
  }
  if (!dictCastFits(tc, k, key)) {
    *why = absl::StrCat("cannot safely cast ", key->str(), " to ", k->str(), " (the key type of ", tc.dict(k, v)->str(), ")");
    return nullptr;
  }
  if (!dictCastFits(tc, v, value)) {
    *why = absl::StrCat("cannot safely cast ", value->str(), " to ", v->str(), " (the value type of ", tc.dict(k, v)->str(), ")");
    return nullptr;
  }
  return tc.dict(k, v);
}

// typedempty: the dict's types are the type objects' (typeObjectOf), held
// to what a dict made by Dict() and its first store may hold; n_keys, a
// size hint, is an integer or not given.
absl::StatusOr<const Type*> typedDictEmpty(TypeContext& tc, const std::vector<const Type*>& args) {
  const char* names[] = {"key_type", "value_type"};
  const Type* kv[2] = {nullptr, nullptr};
  if (args.size() < 2)  // the binder leaves trailing parameters out when they are not given
    return absl::InvalidArgumentError(absl::StrCat("Dict.empty() missing argument '", names[args.size()], "'"));
  for (int a = 0; a < 2; ++a) {
    kv[a] = typeObjectOf(args[a]);
    if (!kv[a])
      return absl::InvalidArgumentError(absl::StrCat(
          "Dict.empty(): ", names[a], " must be a type (numba.types.int64, types.unicode_type, a global bound to ",
          "types.float64[:] or types.ListType(T)), not a value of type ", args[a]->str()));
  }
  if (args.size() > 2 && args[2]->kind != Kind::kNone && args[2]->kind != Kind::kInt && args[2]->kind != Kind::kBool)
    return absl::InvalidArgumentError(
        absl::StrCat("Dict.empty(): n_keys must be an integer, not a value of type ", args[2]->str()));
  if (std::string why = keyProblem(kv[0]); !why.empty())
    return absl::InvalidArgumentError(absl::StrCat("Dict.empty(): key_type ", kv[0]->str(), ": ", why));
  if (!storable(kv[1]))
    return absl::InvalidArgumentError(absl::StrCat("Dict.empty(): value_type ", kv[1]->str(), ": ", valueProblem(kv[1])));
  return tc.dict(kv[0], kv[1]);
}

std::string dictEqualityProblem(const Type* a, const Type* b) {
  if (a != b || a->kind != Kind::kDict)
    return absl::StrCat("comparing ", a->str(), " with ", b->str(), " is not supported (only dicts of one type)");
  std::function<bool(const Type*)> plain = [&](const Type* t) {
    if (t->kind == Kind::kTuple) {
      for (const Type* item : t->items)
        if (!plain(item)) return false;
      return true;
    }
    return t->kind == Kind::kBool || t->kind == Kind::kInt || t->kind == Kind::kFloat || t->kind == Kind::kComplex;
  };
  if (dictComplete(a) && !plain(a->items[1]))
    return absl::StrCat("comparing dicts with values of type ", a->items[1]->str(), " is not supported");
  return "";
}

const Type* dictIterItem(TypeContext& tc, const Type* it) {
  const Type* d = it->items[0];
  if (it->name == "keys") return d->items[0];
  if (it->name == "values") return d->items[1];
  return tc.tuple({d->items[0], d->items[1]});
}

absl::StatusOr<const Type*> dictMethodCall(TypeContext& tc, BuiltinId id, const Type* dict,
                                           const std::vector<const Type*>& args, const Type** refined) {
  *refined = dict;
  const Type* k = dict->items[0];
  const Type* v = dict->items[1];
  const char* m = memberName(id);
  auto bad = [&](const std::string& why) { return absl::InvalidArgumentError(absl::StrCat("dict.", m, "(): ", why)); };
  // Before its first store a dict's methods wait (unknown) for typing to
  // learn its types; if it never does, typing reports the value unknown.
  switch (id) {
    case BuiltinId::kDictGet:
    case BuiltinId::kDictPop: {
      if (args.empty() || args.size() > 2) return bad("takes a key and an optional default");
      if (!dictComplete(dict)) {
        // d.get(k, 0) on {} before its first store (d[k] = d.get(k, 0) + 1)
        // types the dict by the key and the default, as a store would.
        if (args.size() != 2) return tc.unknown();
        std::string why;
        const Type* d = dictWithItem(tc, dict, args[0], args[1], &why);
        if (!d) return bad(why);
        *refined = d;
        return d->items[1];
      }
      if (!dictCastFits(tc, k, args[0])) return bad(absl::StrCat("a key of type ", args[0]->str(), " does not fit ", dict->str()));
      if (args.size() == 1) {
        // optional: without a default get() gives the value or None, as
        // Numba's Optional(V); pop() raises KeyError instead.
        if (id == BuiltinId::kDictGet) return tc.optional(v);
        return v;
      }
      if (!dictCastFits(tc, v, args[1]))
        return bad(absl::StrCat("the default (", args[1]->str(), ") must have the values' type ", v->str()));
      return v;
    }
    case BuiltinId::kDictSetdefault: {
      // setdefault(k) would store None, which no dict of Kiln's (or Numba's) holds.
      if (args.size() != 2) return bad("a default is required (a dict cannot store None)");
      std::string why;
      const Type* d = dictWithItem(tc, dict, args[0], args[1], &why);
      if (!d) return bad(why);
      *refined = d;
      return d->items[1];
    }
    case BuiltinId::kDictPopitem:
      if (!dictComplete(dict)) return tc.unknown();
      if (!args.empty()) return bad("takes no arguments");
      return tc.tuple({k, v});
    case BuiltinId::kDictKeys:
    case BuiltinId::kDictValues:
    case BuiltinId::kDictItems:
      if (!dictComplete(dict)) return tc.unknown();
      if (!args.empty()) return bad("takes no arguments");
      return tc.dictIter(dict, m);
    case BuiltinId::kDictUpdate: {
      if (args.size() != 1 || args[0]->kind != Kind::kDict) return bad("takes one dict");
      const Type* o = args[0];
      if (!dictComplete(o)) return tc.none();
      std::string why;
      const Type* d = dictWithItem(tc, dict, o->items[0], o->items[1], &why);
      if (!d) return bad(why);
      *refined = d;
      return tc.none();
    }
    case BuiltinId::kDictCopy:
      if (!args.empty()) return bad("takes no arguments");
      return dict;
    case BuiltinId::kDictClear:
      if (!args.empty()) return bad("takes no arguments");
      return tc.none();
    default:
      break;
  }
  return absl::InternalError(absl::StrCat(builtinName(id), " is not a dict method"));
}

}  // namespace kiln::typing
