// structref: numba.experimental.structref's mutable, reference-counted
// structs (docs/extending.md, "StructRef"). A class registered with
// structref.register and bound to a proxy class by define_proxy reaches
// typing as the builtin "structref:module.qualname[a, b]" (bundle.py: the
// StructRef subclass and the field names define_proxy was given). Calling
// it makes a StructRef whose field types are the argument types, as
// Numba's constructor does (its default preprocess_fields keeps them; Kiln
// has no literal value types to strip). A field is read as `s.a` (a new
// reference to what it holds) and written as `s.a = v`, converted to the
// field's type where Numba's cast would convert it.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

namespace {

// What a field may hold: values with a data model that owns or copies
// what it holds, so the struct can outlive the call that made it.
bool storable(const Type* t) {
  if (t->isNumber() || t->isDatetimeLike() || t->kind == Kind::kNone || t->kind == Kind::kStr || t->isArray() ||
      t->kind == Kind::kEnumMember || t->kind == Kind::kStructRef)
    return true;
  if (t->kind == Kind::kTuple) {
    if (isLiteralList(t) || isLiteralStrKeyDict(t)) return false;
    for (const Type* item : t->items)
      if (!storable(item)) return false;
    return true;
  }
  if (t->kind == Kind::kOptional) return storable(t->items[0]);
  if (t->kind == Kind::kDict) return t->name.empty() && storable(t->items[0]) && storable(t->items[1]);  // not a set
  if (t->kind == Kind::kList) return isTypedList(t) && storable(t->items[0]);
  return false;
}

}  // namespace

bool isStructRefClass(const std::string& builtin_name) { return builtin_name.rfind(kStructRefBuiltin, 0) == 0; }

int structRefField(const Type* t, const std::string& name) {
  if (t->kind != Kind::kStructRef) return -1;
  std::vector<std::string> fields = TypeContext::fieldsOf(t);
  for (size_t k = 0; k < fields.size() && k < t->items.size(); ++k)
    if (fields[k] == name) return static_cast<int>(k);
  return -1;
}

absl::StatusOr<const Type*> structRefNew(TypeContext& tc, const std::string& builtin_name,
                                         const std::vector<const Type*>& args, size_t nkw) {
  const std::string cls = builtin_name.substr(sizeof(kStructRefBuiltin) - 1);
  const std::string shown = cls.substr(0, cls.find('['));
  const std::vector<std::string> fields = TypeContext::fieldsOf(tc.structRef(cls, {}));
  if (nkw != 0)  // Numba's StructRefProxy: "This takes positional-arguments only"
    return absl::InvalidArgumentError(
        absl::StrCat("the StructRef constructor of ", shown, " takes its fields as positional arguments only"));
  if (args.size() != fields.size())
    return absl::InvalidArgumentError(absl::StrCat("the StructRef constructor of ", shown, " takes ", fields.size(),
                                                   " positional arguments (", absl::StrJoin(fields, ", "), ") but ",
                                                   args.size(), " were given"));
  std::vector<const Type*> types;
  for (size_t k = 0; k < args.size(); ++k) {
    const Type* t = tc.weakScalar(args[k]);
    if (!storable(t))
      return absl::InvalidArgumentError(absl::StrCat("field '", fields[k], "' of StructRef ", shown,
                                                     " cannot hold a value of type ", t->str(),
                                                     " (Kiln's StructRef fields hold numbers, strings, arrays, "
                                                     "tuples, typed containers and other StructRefs)"));
    types.push_back(t);
  }
  return tc.structRef(cls, std::move(types));
}

std::string structRefNoField(const Type* t, const std::string& name) {
  return absl::StrCat("unknown attribute '", name, "' of ", t->str(), " (fields: ",
                      absl::StrJoin(TypeContext::fieldsOf(t), ", "), ")");
}

std::string structRefStoreProblem(const Type* t, int field, const Type* value) {
  const Type* f = t->items[static_cast<size_t>(field)];
  const Type* v = enumAsNumber(value);
  if (value == f || (f->isTwinOf(value))) return "";
  // Numba casts a number into a number field (a complex only into a complex one).
  if (f->isNumber() && v->isNumber() && (v->kind != Kind::kComplex || f->kind == Kind::kComplex)) return "";
  return absl::StrCat("cannot store a value of type ", value->str(), " into field '",
                      TypeContext::fieldsOf(t)[static_cast<size_t>(field)], "' of type ", f->str(), " of ", t->str());
}

}  // namespace kiln::typing
