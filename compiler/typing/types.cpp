#include "compiler/typing/types.h"

#include <functional>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/type_grammar.h"
#include "compiler/typing/rules.h"  // enums: enumValueProblem

namespace kiln::typing {

KindTrait kindTrait(Kind kind) {
  static constexpr KindTrait kTraits[] = {
#define KILN_TYPE(Name, spelling, trait) KindTrait::trait,
#include "compiler/typing/types.def"
  };
  return kTraits[static_cast<size_t>(kind)];
}

namespace {

int64_t satAdd(int64_t a, int64_t b) { return a > kSizeCap - b ? kSizeCap : a + b; }

// litcont: a LiteralStrKeyDict's name is the prefix, then each key as its
// length, ':' and its characters (a key may hold any character).
std::vector<std::string> literalKeysOfName(const std::string& name) {
  std::vector<std::string> keys;
  if (name.rfind(kLiteralDictPrefix, 0) != 0) return keys;
  for (size_t at = sizeof(kLiteralDictPrefix) - 1; at < name.size();) {
    size_t colon = name.find(':', at);
    if (colon == std::string::npos) break;
    size_t n = std::stoul(name.substr(at, colon - at));
    keys.push_back(name.substr(colon + 1, n));
    at = colon + 1 + n;
  }
  return keys;
}

// A type's spelling is head, then the spellings of `kids` joined by ", ",
// then tail. A uniform tuple shows its item once, so nested ones stay linear.
void spellingParts(const Type& t, std::string* head, std::vector<const Type*>* kids, std::string* tail) {
  auto all = [&] { kids->assign(t.items.begin(), t.items.end()); };
  switch (t.kind) {
    case Kind::kUnknown: *head = "unknown"; return;
    case Kind::kNone: *head = "none"; return;
    case Kind::kBool: *head = "bool"; return;
    case Kind::kInt: *head = absl::StrCat(t.is_signed ? "int" : "uint", t.bits); return;
    case Kind::kFloat: *head = absl::StrCat("float", t.bits); return;
    case Kind::kComplex: *head = absl::StrCat("complex", t.bits); return;
    case Kind::kStr: *head = "unicode_type"; return;
    case Kind::kTuple: {
      bool uniform = !t.items.empty();
      for (const Type* item : t.items) uniform = uniform && item == t.items[0];
      if (t.name == kLiteralListName) {  // litcont: LiteralList(unicode_type, int64)
        *head = "LiteralList(";
        all();
        *tail = ")";
      } else if (t.name.rfind(kLiteralDictPrefix, 0) == 0) {  // litcont: the keys, then the values
        std::string keys;
        for (const std::string& k : literalKeysOfName(t.name)) absl::StrAppend(&keys, keys.empty() ? "" : ", ", "'", k, "'");
        *head = absl::StrCat(kLiteralDictPrefix, "(keys=(", keys, t.items.size() == 1 ? ",), values=(" : "), values=(");
        all();
        *tail = t.items.size() == 1 ? ",))" : "))";
      } else if (uniform && !t.name.empty()) {  // namedtuples: the class, then the items
        *head = absl::StrCat("NamedUniTuple(", t.name, ", ");
        kids->assign(1, t.items[0]);
        *tail = absl::StrCat(" x ", t.items.size(), ")");
      } else if (!t.name.empty()) {
        *head = absl::StrCat("NamedTuple(", t.name, t.items.empty() ? "" : ", ");
        all();
        *tail = ")";
      } else if (uniform) {
        *head = "UniTuple(";
        kids->assign(1, t.items[0]);
        *tail = absl::StrCat(", ", t.items.size(), ")");
      } else {
        *head = "Tuple(";
        all();
        *tail = ")";
      }
      return;
    }
    case Kind::kRange: *head = "range_state64"; return;
    case Kind::kRangeIter: *head = "range_iter64"; return;
    case Kind::kTupleIter: *head = "tuple_iter("; all(); *tail = ")"; return;
    case Kind::kModule: *head = absl::StrCat("Module(", t.name, ")"); return;
    case Kind::kFunctionSet: *head = "FunctionSet("; all(); *tail = ")"; return;  // pycells:
    case Kind::kFunction:
      if (t.items.empty()) {
        *head = absl::StrCat("Function(#", t.index, ")");
      } else {  // closures: made in compiled code, with what it captured and its defaults
        *head = absl::StrCat("closure(#", t.index, ", ");
        all();
        *tail = ")";
      }
      return;
    case Kind::kBuiltin: *head = absl::StrCat("Function(", t.name, ")"); return;
    case Kind::kTypeRef: *head = "typeref["; all(); *tail = "]"; return;  // typedempty: Numba's spelling
    case Kind::kExceptionClass: *head = absl::StrCat("ExceptionClass(", t.name, ")"); return;
    case Kind::kArray:  // buffers: named for the exporter (`name`): "Bytes(uint8, 1d, C)"
      *head = absl::StrCat(t.readonly && t.name != "Bytes" ? "readonly " : "", t.name.empty() ? "array" : t.name, "(");
      all();
      *tail = absl::StrCat(", ", t.ndim, "d, ", std::string(1, t.layout), ")");
      return;
    case Kind::kArrayIter: *head = t.name == "flat" ? "array.flat(" : "iter("; all(); *tail = ")"; return;
    case Kind::kEnumerate: *head = "enumerate("; all(); *tail = ")"; return;
    case Kind::kZip: *head = "zip("; all(); *tail = ")"; return;
    case Kind::kBoundMethod:
      *head = absl::StrCat("BoundFunction(",
                           t.items[0]->kind == Kind::kStr           ? "unicode_type."
                           : t.items[0]->kind == Kind::kNPGenerator ? "Generator."  // npgen:
                                                                    : "array.",
                           t.name,
                           " for ");
      all();
      *tail = ")";
      return;
    case Kind::kDType: *head = "class("; all(); *tail = ")"; return;
    case Kind::kSlice: *head = base::kSliceTypeName; return;
    case Kind::kStrIter: *head = "iter("; all(); *tail = ")"; return;  // strings
    // dicts:
    case Kind::kDict:
      if (!t.name.empty()) {  // sets: "set(int64)", "reflected set(int64)"
        *head = absl::StrCat(t.name, "(");
        kids->assign(1, t.items[0]);
        *tail = ")";
        return;
      }
      *head = "DictType["; all(); *tail = "]"; return;
    case Kind::kDictIter: *head = absl::StrCat("dict_", t.name, "iterator("); all(); *tail = ")"; return;
    case Kind::kEllipsis: *head = base::kEllipsisTypeName; return;
    case Kind::kList:  // lists; tlist: a typed List in Numba's spelling
      *head = isTypedList(&t) ? "ListType[" : isReflectedList(&t) ? "reflected list(" : "list(";
      all();
      *tail = isTypedList(&t) ? "]" : ")";
      return;
    case Kind::kListIter: *head = "list_iter("; all(); *tail = ")"; return;  // lists
    case Kind::kNPDatetime: *head = absl::StrCat("datetime64[", t.name, "]"); return;  // datetime
    case Kind::kNPTimedelta: *head = absl::StrCat("timedelta64[", t.name, "]"); return;
    case Kind::kOptional: *head = "OptionalType("; all(); *tail = ")"; return;  // optional:
    case Kind::kEnumMember:  // enums: the class, then the value's type
      *head = absl::StrCat(t.index == 1 ? "IntEnumMember(" : "EnumMember(", t.name, ", ");
      all();
      *tail = ")";
      return;
    case Kind::kRecord: *head = absl::StrCat(t.readonly ? "readonly " : "", t.name); return;  // records: made by TypeContext::record
    case Kind::kUnicodeCharSeq:  // records: a U field; charseq: an S field (name "char"), Numba's [char x N]
      *head = absl::StrCat(t.name == "char" ? "[char x " : "[unichr x ", t.index, "]");
      return;
    case Kind::kNestedArray: *head = t.name; return;  // records2: the spelling, made by TypeContext::nestedArray
    case Kind::kStructRef:  // structref: the class, then the field types
      *head = absl::StrCat("StructRef(", t.name, t.items.empty() ? "" : ", ");
      all();
      *tail = ")";
      return;
    case Kind::kNPGenerator:  // npgen:
      *head = absl::StrCat(t.index == 1 ? "NumPyRandomBitGeneratorType(" : "NumPyRandomGeneratorType(", t.name, ")");
      return;
    case Kind::kGenerator: {  // generators: Generator(func=squares, args=(int64,)) yielding items[0]
      std::string func = t.name.rfind("kiln.", 0) == 0 ? t.name.substr(5) : t.name;
      if (size_t dot = func.rfind('.'); dot != std::string::npos) func = func.substr(0, dot);  // the instance number
      *head = absl::StrCat("Generator(func=", func, ", args=(");
      kids->assign(t.items.begin() + 1, t.items.end());
      *tail = absl::StrCat(t.items.size() == 2 ? ",)" : ")", ", yield=", t.items[0]->str(), ")");
      return;
    }
  }
}

}  // namespace

std::string spell(const Type* t, size_t limit, int64_t* visited) {
  std::string out;
  bool cut = false;
  // Every type visited appends at least one character before its items, so
  // the visits are bounded by limit + depth.
  auto rec = [&](auto& self, const Type* x) -> void {
    if (visited) ++*visited;
    if (out.size() >= limit) {
      cut = true;
      return;
    }
    if (!x->spelling_.empty()) {
      out += x->spelling_;
      return;
    }
    std::string head, tail;
    std::vector<const Type*> kids;
    spellingParts(*x, &head, &kids, &tail);
    out += head;
    for (size_t k = 0; k < kids.size() && !cut; ++k) {
      if (k > 0) out += ", ";
      self(self, kids[k]);
    }
    if (!cut) out += tail;
  };
  rec(rec, t);
  if (cut || out.size() > limit) {
    out.resize(std::min(out.size(), limit));
    out += "...";
  }
  return out;
}

std::string Type::str() const {
  if (!spelling_.empty()) return spelling_;
  return spell(this, kMaxSpelling);
}

std::string TypeContext::tooLarge(const Type* t) {
  if (t->depth > base::kMaxTypeDepth)
    return absl::StrCat("a type nested more than ", base::kMaxTypeDepth, " levels deep");
  if (t->leaves > base::kMaxTypeScalars)
    return absl::StrCat("a type of more than ", base::kMaxTypeScalars, " items once its tuples are flattened");
  if (t->spelling_size > static_cast<int64_t>(kMaxSpelling))
    return absl::StrCat("a type whose name is longer than ", kMaxSpelling, " characters");
  return "";
}

const Type* TypeContext::intern(Type t) {
  // The structure is the key: the items are already interned, so their ids
  // stand for them and the key is O(items) long.
  std::string key = absl::StrCat(static_cast<int>(t.kind), ":", t.bits, ":", t.is_signed ? 1 : 0, ":", t.index, ":",
                                 t.ndim, ":", std::string(1, t.layout), t.readonly ? "r" : "", t.strong ? "s" : "", ":", t.name.size(), ":", t.name);
  for (const Type* item : t.items) absl::StrAppend(&key, ",", item->id_);
  work_ += 1 + static_cast<int64_t>(t.items.size());
  auto it = interned_.find(key);
  if (it != interned_.end()) return it->second.get();

  t.depth = 0;
  t.leaves = t.items.empty() ? 1 : 0;
  for (const Type* item : t.items) {
    t.depth = std::max(t.depth, item->depth + 1);
    t.leaves = satAdd(t.leaves, item->leaves);
  }
  std::string head, tail;
  std::vector<const Type*> kids;
  spellingParts(t, &head, &kids, &tail);
  int64_t size = static_cast<int64_t>(head.size() + tail.size());
  bool kids_spelled = true;
  for (size_t k = 0; k < kids.size(); ++k) {
    size = satAdd(size, satAdd(kids[k]->spelling_size, k > 0 ? 2 : 0));
    kids_spelled = kids_spelled && !kids[k]->spelling_.empty();
  }
  t.spelling_size = size;
  t.spelling_.clear();
  if (kids_spelled && size <= static_cast<int64_t>(kMaxSpelling)) {
    t.spelling_.reserve(static_cast<size_t>(size));
    t.spelling_ += head;
    for (size_t k = 0; k < kids.size(); ++k) {
      if (k > 0) t.spelling_ += ", ";
      t.spelling_ += kids[k]->spelling_;
    }
    t.spelling_ += tail;
    work_ += static_cast<int64_t>(kids.size());
  }
  t.id_ = static_cast<int64_t>(interned_.size());
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

// The scalars are asked for on nearly every instruction typed: each is
// interned once and then served from a slot, without building a key.
const Type* TypeContext::cached(int slot, Type t) {
  const Type*& c = scalar_cache_[static_cast<size_t>(slot)];
  if (!c) c = intern(std::move(t));
  return c;
}

namespace {
// 8, 16, 32, 64, 128 -> 0..4; other widths are not cached (-1).
int widthSlot(int bits) {
  switch (bits) {
    case 8: return 0;
    case 16: return 1;
    case 32: return 2;
    case 64: return 3;
    case 128: return 4;
    default: return -1;
  }
}
}  // namespace

const Type* TypeContext::unknown() { return cached(0, make(Kind::kUnknown)); }
const Type* TypeContext::none() { return cached(1, make(Kind::kNone)); }
const Type* TypeContext::boolean() { return cached(2, make(Kind::kBool)); }
const Type* TypeContext::integer(int bits, bool is_signed) {
  Type t = make(Kind::kInt);
  t.bits = bits;
  t.is_signed = is_signed;
  int w = widthSlot(bits);
  return w < 0 ? intern(std::move(t)) : cached(3 + w + (is_signed ? 0 : 5), std::move(t));
}
const Type* TypeContext::floating(int bits) {
  Type t = make(Kind::kFloat);
  t.bits = bits;
  int w = widthSlot(bits);
  return w < 0 ? intern(std::move(t)) : cached(13 + w, std::move(t));
}
const Type* TypeContext::complex(int bits) {
  Type t = make(Kind::kComplex);
  t.bits = bits;
  int w = widthSlot(bits);
  return w < 0 ? intern(std::move(t)) : cached(18 + w, std::move(t));
}
const Type* TypeContext::str() { return intern(make(Kind::kStr)); }
// NEP 50: the strong twins are interned by structure (the bit is in the key),
// not cached in a slot: they are asked for far less often than the weak ones.
const Type* TypeContext::strongScalar(const Type* t) {
  if (!t->isDefaultScalar() || t->strong) return t;
  Type s = *t;
  s.strong = true;
  return intern(std::move(s));
}
const Type* TypeContext::weakScalar(const Type* t) {
  if (!t->strong) return t;
  if (t->kind == Kind::kBool) return boolean();
  if (t->kind == Kind::kInt) return integer(t->bits, t->is_signed);
  if (t->kind == Kind::kFloat) return floating(t->bits);
  return complex(t->bits);  // only default scalars are strong
}
const Type* TypeContext::tuple(std::vector<const Type*> items) {
  Type t = make(Kind::kTuple);
  t.items = std::move(items);
  return intern(t);
}
const Type* TypeContext::namedTuple(std::vector<const Type*> items, const std::string& cls) {
  Type t = make(Kind::kTuple);
  t.items = std::move(items);
  t.name = cls;
  return intern(t);
}
// litcont:
const Type* TypeContext::literalList(std::vector<const Type*> items) {
  return namedTuple(std::move(items), std::string(kLiteralListName));
}
const Type* TypeContext::literalStrKeyDict(const std::vector<std::string>& keys, std::vector<const Type*> values) {
  return namedTuple(std::move(values), literalDictName(keys));
}
bool isLiteralList(const Type* t) { return t->kind == Kind::kTuple && t->name == kLiteralListName; }
bool isLiteralStrKeyDict(const Type* t) {
  return t->kind == Kind::kTuple && t->name.rfind(kLiteralDictPrefix, 0) == 0;
}
std::string literalDictName(const std::vector<std::string>& keys) {
  std::string name(kLiteralDictPrefix);
  for (const std::string& k : keys) absl::StrAppend(&name, k.size(), ":", k);
  return name;
}
std::vector<std::string> literalDictKeys(const Type* t) {
  return isLiteralStrKeyDict(t) ? literalKeysOfName(t->name) : std::vector<std::string>{};
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
// closures:
const Type* TypeContext::closure(int index, const Type* captures, const Type* defaults) {
  Type t = make(Kind::kFunction);
  t.index = index;
  t.items = {captures, defaults};
  return intern(t);
}
// pycells:
const Type* TypeContext::functionSet(std::vector<const Type*> members) {
  std::sort(members.begin(), members.end(), [](const Type* a, const Type* b) { return a->index < b->index; });
  members.erase(std::unique(members.begin(), members.end()), members.end());
  Type t = make(Kind::kFunctionSet);
  t.items = std::move(members);
  return intern(t);
}
// typedempty:
const Type* TypeContext::typeRef(const Type* of) {
  Type t = make(Kind::kTypeRef);
  t.items = {of};
  return intern(t);
}
const Type* typeObjectOf(const Type* t) {
  if (t->kind == Kind::kTypeRef) return t->items[0];
  if (t->kind == Kind::kDType && !t->items.empty() && !t->items[0]->isRecord()) return t->items[0];
  return nullptr;
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

const Type* TypeContext::array(const Type* dtype, int ndim, char layout, bool readonly) {
  Type t = make(Kind::kArray);
  t.items = {weakScalar(recordView(dtype, false))};  // NEP 50: a dtype is no scalar value
  t.ndim = ndim;
  // A 0-d or 1-d C-contiguous array is also F-contiguous; spell it C.
  t.layout = (layout == 'F' && ndim <= 1) ? 'C' : layout;
  t.readonly = readonly;
  return intern(t);
}

const Type* TypeContext::viewOf(const Type* like, int ndim, char layout) {
  return array(like->dtype(), ndim, layout, like->readonly);
}
const Type* TypeContext::arrayIter(const Type* array) {
  Type t = make(Kind::kArrayIter);
  t.items = {array};
  return intern(t);
}
const Type* TypeContext::flatIter(const Type* array) {
  Type t = make(Kind::kArrayIter);
  t.items = {array};
  t.name = "flat";
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
// dicts:
const Type* TypeContext::dict(const Type* key, const Type* value) {
  Type t = make(Kind::kDict);
  t.items = {weakScalar(key), weakScalar(value)};  // NEP 50: a container's slots hold values, not their strength
  return intern(t);
}
const Type* TypeContext::dictIter(const Type* dict, const std::string& what) {
  Type t = make(Kind::kDictIter);
  t.items = {dict};
  t.name = what;
  return intern(t);
}
// sets: a dict of the items to no values, named "set" or "reflected set".
const Type* TypeContext::set(const Type* item, bool reflected) {
  Type t = make(Kind::kDict);
  t.items = {weakScalar(item), none()};  // NEP 50: as a dict's slots
  t.name = reflected ? "reflected set" : "set";
  return intern(t);
}
const Type* TypeContext::slice() { return intern(make(Kind::kSlice)); }
const Type* TypeContext::strIter(const Type* str) {
  Type t = make(Kind::kStrIter);
  t.items = {str};
  return intern(t);
}
const Type* TypeContext::ellipsis() { return intern(make(Kind::kEllipsis)); }
const Type* TypeContext::dtypeClass(const Type* scalar) {
  Type t = make(Kind::kDType);
  t.items = {weakScalar(scalar)};  // NEP 50: np.float64 the class; calling it makes a strong scalar
  return intern(t);
}
// lists:
const Type* TypeContext::list(const Type* item, bool reflected, bool typed) {
  Type t = make(Kind::kList);
  t.items = {weakScalar(item)};  // NEP 50: as a dict's slots
  t.name = typed ? "typed" : reflected ? "reflected" : "";
  return intern(t);
}
bool isReflectedList(const Type* t) { return t->kind == Kind::kList && t->name == "reflected"; }
bool isTypedList(const Type* t) { return t->kind == Kind::kList && t->name == "typed"; }
const Type* TypeContext::listIter(const Type* list) {
  Type t = make(Kind::kListIter);
  t.items = {list};
  return intern(t);
}
const Type* TypeContext::generator(const std::string& symbol, const Type* yield,
                                   const std::vector<const Type*>& args) {  // generators:
  Type t = make(Kind::kGenerator);
  t.name = symbol;
  t.items = {yield};
  t.items.insert(t.items.end(), args.begin(), args.end());
  return intern(t);
}

const Type* TypeContext::structRef(const std::string& cls, std::vector<const Type*> fields) {  // structref:
  Type t = make(Kind::kStructRef);
  t.name = cls;
  t.items = std::move(fields);
  return intern(t);
}

const Type* TypeContext::npGenerator(const std::string& cls, bool bit_generator) {  // npgen:
  Type t = make(Kind::kNPGenerator);
  t.name = cls;
  t.index = bit_generator ? 1 : 0;
  return intern(t);
}

const Type* TypeContext::optional(const Type* value) {  // optional:
  Type t = make(Kind::kOptional);
  t.items = {value};
  return intern(t);
}

const Type* TypeContext::enumMember(const std::string& cls, const Type* value, bool int_enum) {  // enums:
  Type t = make(Kind::kEnumMember);
  t.name = cls;
  t.index = int_enum ? 1 : 0;
  t.items = {value};
  return intern(t);
}

// records:
int Type::recordField(std::string_view field) const {
  for (size_t k = 0; k < field_names.size(); ++k)
    if (field_names[k] == field) return static_cast<int>(k);
  for (size_t k = 0; k < field_titles.size(); ++k)  // a title names its field too (NumPy's)
    if (!field_titles[k].empty() && field_titles[k] == field) return static_cast<int>(k);
  return -1;
}

const Type* TypeContext::record(std::vector<std::string> names, std::vector<const Type*> types,
                                std::vector<int64_t> offsets, int64_t size, bool aligned,
                                std::vector<std::string> titles) {
  Type t = make(Kind::kRecord);
  titles.resize(types.size());
  t.name = "Record(";
  for (size_t k = 0; k < types.size(); ++k) {
    absl::StrAppend(&t.name, k > 0 ? "," : "", names[k], "[type=", types[k]->str(), ";offset=", offsets[k]);
    if (!titles[k].empty()) absl::StrAppend(&t.name, ";title=", titles[k]);
    t.name += "]";
  }
  t.field_titles = std::move(titles);
  absl::StrAppend(&t.name, ";", size, ";", aligned ? "True" : "False", ")");
  t.items = std::move(types);
  t.field_names = std::move(names);
  t.field_offsets = std::move(offsets);
  t.index = static_cast<int>(size);
  t.bits = aligned ? 1 : 0;
  return intern(t);  // the spelling (in name) holds every fact of the type
}

// rorecord:
const Type* TypeContext::recordView(const Type* rec, bool readonly) {
  if (!rec->isRecord() || rec->readonly == readonly) return rec;
  Type t = *rec;
  t.readonly = readonly;
  return intern(t);
}

const Type* TypeContext::unicodeCharSeq(int64_t chars) {
  Type t = make(Kind::kUnicodeCharSeq);
  t.index = static_cast<int>(chars);
  return intern(t);
}

// records2:
const Type* TypeContext::nestedArray(const Type* dtype, std::vector<int64_t> shape) {
  Type t = make(Kind::kNestedArray);
  t.name = absl::StrCat("nestedarray(", dtype->str(), ", (", absl::StrJoin(shape, ", "), shape.size() == 1 ? ",))" : "))");
  t.items = {dtype};
  t.ndim = static_cast<int>(shape.size());
  t.field_offsets = std::move(shape);
  return intern(t);  // the spelling (in name) holds the shape
}

// datetime:
const Type* TypeContext::npDatetime(const std::string& unit) {
  Type t = make(Kind::kNPDatetime);
  t.name = unit;
  return intern(t);
}
const Type* TypeContext::npTimedelta(const std::string& unit) {
  Type t = make(Kind::kNPTimedelta);
  t.name = unit;
  return intern(t);
}

std::optional<base::Scalar> numberScalar(const Type* t) {
  using S = base::Scalar;
  static constexpr S kSigned[] = {S::kInt8, S::kInt16, S::kInt32, S::kInt64};
  static constexpr S kUnsigned[] = {S::kUint8, S::kUint16, S::kUint32, S::kUint64};
  if (t->kind == Kind::kBool) return S::kBool;
  if (t->kind == Kind::kInt)
    for (int k = 0; k < 4; ++k)
      if (t->bits == 8 << k) return t->is_signed ? kSigned[k] : kUnsigned[k];
  if (t->kind == Kind::kFloat && t->bits == 16) return S::kFloat16;
  if (t->kind == Kind::kFloat && t->bits == 32) return S::kFloat32;
  if (t->kind == Kind::kFloat && t->bits == 64) return S::kFloat64;
  if (t->kind == Kind::kComplex && t->bits == 64) return S::kComplex64;
  if (t->kind == Kind::kComplex && t->bits == 128) return S::kComplex128;
  return std::nullopt;
}

namespace {

const Type* scalarType(TypeContext& tc, base::Scalar s) {
  switch (s) {
#define KILN_DATETIME_SCALAR(Name, canonical, is_timedelta, unit) \
  case base::Scalar::k##Name: return is_timedelta ? tc.npTimedelta(unit) : tc.npDatetime(unit);
#include "base/type_names.def"
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
    case base::Scalar::kFloat16: return tc.floating(16);  // float16:
  }
  return tc.unknown();
}

absl::StatusOr<const Type*> fromSyntax(TypeContext& tc, const base::TypeSyntax& t) {
  if (!t.enum_class.empty()) {  // enums: a member, typed by its value
    base::TypeSyntax value = t;
    value.enum_class.clear();
    absl::StatusOr<const Type*> v = fromSyntax(tc, value);
    if (!v.ok()) return v;
    if (std::string why = enumValueProblem(*v); !why.empty()) return absl::InvalidArgumentError(why);
    return tc.enumMember(t.enum_class, *v, t.int_enum);
  }
  if (t.dtype_form != 0) {  // dtypes: np.float32 or np.dtype('float32') passed in, as np.float32 is typed
    base::TypeSyntax scalar = t;
    scalar.dtype_form = 0;
    absl::StatusOr<const Type*> v = fromSyntax(tc, scalar);
    if (!v.ok()) return v;
    return tc.dtypeClass(*v);
  }
  switch (t.kind) {
    case base::TypeSyntax::Kind::kScalar:  // NEP 50: "np.float64", a NumPy scalar argument
      return t.strong ? tc.strongScalar(scalarType(tc, t.scalar)) : scalarType(tc, t.scalar);
    case base::TypeSyntax::Kind::kNone: return tc.none();
    case base::TypeSyntax::Kind::kUnicode: return tc.str();
    case base::TypeSyntax::Kind::kSlice: return tc.slice();  // slices2:
    case base::TypeSyntax::Kind::kEllipsis: return tc.ellipsis();  // pyvals:
    case base::TypeSyntax::Kind::kNPGenerator: return tc.npGenerator(t.named);  // npgen:
    case base::TypeSyntax::Kind::kStructRef: {  // structref:
      std::vector<const Type*> fields;
      for (const base::TypeSyntax& f : t.items) {
        absl::StatusOr<const Type*> ft = fromSyntax(tc, f);
        if (!ft.ok()) return ft;
        fields.push_back(*ft);
      }
      return tc.structRef(t.named, std::move(fields));
    }
    case base::TypeSyntax::Kind::kArray: {
      if (t.items.empty()) return tc.array(scalarType(tc, t.scalar), t.ndim, t.layout, t.readonly);
      absl::StatusOr<const Type*> rec = fromSyntax(tc, t.items[0]);  // records: an array of records
      if (!rec.ok()) return rec;
      return tc.array(*rec, t.ndim, t.layout, t.readonly);
    }
    case base::TypeSyntax::Kind::kCharSeq: return tc.unicodeCharSeq(t.count);  // records: a U field
    case base::TypeSyntax::Kind::kNestedArray:  // records2: a subarray field
      return tc.nestedArray(scalarType(tc, t.scalar), t.shape);
    case base::TypeSyntax::Kind::kRecord: {  // records:
      std::vector<const Type*> fields;
      for (const base::TypeSyntax& f : t.items) {
        absl::StatusOr<const Type*> ft = fromSyntax(tc, f);
        if (!ft.ok()) return ft;
        fields.push_back(*ft);
      }
      return tc.recordView(tc.record(t.field_names, std::move(fields), t.field_offsets, t.count, t.aligned, t.field_titles),
                           t.readonly);  // rorecord:
    }
    case base::TypeSyntax::Kind::kList: {  // lists
      absl::StatusOr<const Type*> item = fromSyntax(tc, t.items[0]);
      if (!item.ok()) return item.status();
      return tc.list(*item, t.reflected, t.typed);
    }
    case base::TypeSyntax::Kind::kOptional: {  // optional:
      absl::StatusOr<const Type*> item = fromSyntax(tc, t.items[0]);
      if (!item.ok()) return item.status();
      return tc.optional(*item);
    }
    case base::TypeSyntax::Kind::kUniTuple: {
      absl::StatusOr<const Type*> item = fromSyntax(tc, t.items[0]);
      if (!item.ok()) return item.status();
      return tc.namedTuple(std::vector<const Type*>(static_cast<size_t>(t.count), *item), t.named);
    }
    case base::TypeSyntax::Kind::kDict: {  // dicts:
      absl::StatusOr<const Type*> k = fromSyntax(tc, t.items[0]);
      if (!k.ok()) return k;
      absl::StatusOr<const Type*> v = fromSyntax(tc, t.items[1]);
      if (!v.ok()) return v;
      if (t.set) return tc.set(*k, t.reflected);  // sets:
      return tc.dict(*k, *v);
    }
    case base::TypeSyntax::Kind::kTuple: {
      std::vector<const Type*> items;
      for (const base::TypeSyntax& item : t.items) {
        absl::StatusOr<const Type*> it = fromSyntax(tc, item);
        if (!it.ok()) return it.status();
        items.push_back(*it);
      }
      return tc.namedTuple(std::move(items), t.named);  // namedtuples: named empty for a tuple
    }
  }
  return absl::InternalError("bad type syntax");
}

}  // namespace

absl::StatusOr<const Type*> TypeContext::parse(absl::string_view spelling) {
  absl::StatusOr<base::TypeSyntax> t = base::parseType(spelling);
  if (!t.ok()) return t.status();
  absl::StatusOr<const Type*> out = fromSyntax(*this, *t);
  // charseq: fromSyntax makes every string field a U field's type; an S field
  // ("[char x N]") is that type named "char", renamed here where types are
  // interned, through records, arrays of records and tuples.
  std::function<const Type*(const Type*, const base::TypeSyntax&)> nameCharFields =
      [&](const Type* type, const base::TypeSyntax& syntax) -> const Type* {
    if (syntax.kind == base::TypeSyntax::Kind::kArray && syntax.items.size() == 1 &&
        syntax.items[0].kind == base::TypeSyntax::Kind::kCharSeq && syntax.items[0].named == "char") {
      // chararrays: an S array's dtype is a record of no fields, N bytes, spelled "[char x N]" (isCharDtype)
      Type dtype;
      dtype.kind = Kind::kRecord;
      dtype.name = absl::StrCat("[char x ", syntax.items[0].count, "]");
      dtype.index = static_cast<int>(syntax.items[0].count);
      Type arr = *type;
      arr.items = {intern(dtype)};
      if (!syntax.named.empty()) arr.name = syntax.named;
      return intern(arr);
    }
    if (syntax.kind == base::TypeSyntax::Kind::kArray && !syntax.named.empty() && type->name != syntax.named) {
      Type named = *type;  // buffers: one inside a tuple
      named.name = syntax.named;
      return intern(named);
    }
    if (syntax.kind == base::TypeSyntax::Kind::kCharSeq && syntax.named == "char") {
      Type named = *type;
      named.name = "char";
      return intern(named);
    }
    const bool uniform = syntax.kind == base::TypeSyntax::Kind::kUniTuple && syntax.items.size() == 1;
    // codec: and the items of a list, the keys and values of a dict (a list of
    // bytes holds Bytes values, which hash and decode as bytes).
    const bool walk = syntax.kind == base::TypeSyntax::Kind::kRecord ||
                      syntax.kind == base::TypeSyntax::Kind::kTuple || syntax.kind == base::TypeSyntax::Kind::kArray ||
                      syntax.kind == base::TypeSyntax::Kind::kList || syntax.kind == base::TypeSyntax::Kind::kDict;
    if (!uniform && (!walk || syntax.items.size() != type->items.size())) return type;
    Type copy = *type;
    bool changed = false;
    for (size_t k = 0; k < copy.items.size(); ++k) {
      const Type* item = nameCharFields(copy.items[k], syntax.items[uniform ? 0 : k]);
      changed = changed || item != copy.items[k];
      copy.items[k] = item;
    }
    if (!changed) return type;
    if (copy.kind == Kind::kRecord)  // its spelling (name) names the field types
      return recordView(record(copy.field_names, copy.items, copy.field_offsets, copy.index, copy.bits == 1, copy.field_titles),
                        copy.readonly);
    return intern(copy);
  };
  if (out.ok()) out = nameCharFields(*out, *t);
  if (!out.ok() || t->kind != base::TypeSyntax::Kind::kArray || t->named.empty()) return out;
  // buffers: an argument's bytes/bytearray/memoryview/array.array ("Bytes(uint8, 1d, C)") is an
  // array named for its exporter; it is one only as an argument's type, whole.
  Type named = **out;
  named.name = t->named;
  return intern(named);
}

}  // namespace kiln::typing

