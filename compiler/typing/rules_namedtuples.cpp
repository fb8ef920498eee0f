// namedtuples: an instance of a namedtuple class is a tuple whose type also
// names the class (Type::name, "module.qualname[field, ...]"), so items,
// indexing, unpacking, iteration, len and comparison are the tuple's, and
// the class is part of the type (the cache key, the boxed result). Calling
// the class (a global the bundle names "namedtuple:" and the class) builds
// the tuple (inference.cpp's rewriteBuiltinCall).
#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

namespace {

// The class's own name ("Point" of "__main__.Point[x, y]").
std::string className(const std::string& cls) {
  std::string path = cls.substr(0, cls.find('['));
  size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

std::vector<std::string> fieldsOfClass(const std::string& cls) {
  std::vector<std::string> fields;
  size_t open = cls.find('[');
  if (open == std::string::npos || cls.size() < open + 2) return fields;
  std::string list = cls.substr(open + 1, cls.size() - open - 2);
  for (size_t at = 0; at < list.size();) {
    size_t comma = list.find(", ", at);
    if (comma == std::string::npos) comma = list.size();
    fields.push_back(list.substr(at, comma - at));
    at = comma + 2;
  }
  return fields;
}

}  // namespace

std::vector<std::string> TypeContext::fieldsOf(const Type* t) {
  if (t->kind == Kind::kStructRef) return fieldsOfClass(t->name);  // structref: the same class spelling
  if (t->kind != Kind::kTuple || t->name.empty() || isLiteralList(t) || isLiteralStrKeyDict(t)) return {};  // litcont:
  return fieldsOfClass(t->name);
}

int namedtupleField(const Type* t, const std::string& name) {
  if (t->kind != Kind::kTuple || t->name.empty() || isLiteralList(t) || isLiteralStrKeyDict(t)) return -1;  // litcont:
  std::vector<std::string> fields = TypeContext::fieldsOf(t);
  for (size_t k = 0; k < fields.size() && k < t->items.size(); ++k)
    if (fields[k] == name) return static_cast<int>(k);
  return -1;
}

absl::StatusOr<std::vector<size_t>> namedtupleArguments(const std::string& cls, size_t nargs,
                                                        const std::vector<std::string>& kwnames) {
  std::vector<std::string> fields = fieldsOfClass(cls);
  const std::string name = className(cls);
  const size_t npos = nargs - kwnames.size();
  if (npos > fields.size())
    return absl::InvalidArgumentError(absl::StrCat(name, "() takes ", fields.size(), " positional arguments but ",
                                                   npos, " were given"));
  std::vector<size_t> order(fields.size(), 0);
  for (size_t k = 0; k < npos; ++k) order[k] = 1 + k;
  for (size_t j = 0; j < kwnames.size(); ++j) {
    size_t f = 0;
    while (f < fields.size() && fields[f] != kwnames[j]) ++f;
    if (f == fields.size())
      return absl::InvalidArgumentError(
          absl::StrCat(name, "() got an unexpected keyword argument '", kwnames[j], "'"));
    if (order[f] != 0)
      return absl::InvalidArgumentError(absl::StrCat(name, "() got multiple values for argument '", kwnames[j], "'"));
    order[f] = 1 + npos + j;
  }
  for (size_t f = 0; f < fields.size(); ++f)
    if (order[f] == 0)  // a field's default (namedtuple(..., defaults=...)) is not carried
      return absl::InvalidArgumentError(
          absl::StrCat(name, "() missing required argument '", fields[f], "' (defaults of a namedtuple are not supported)"));
  return order;
}

}  // namespace kiln::typing
