// The builtin registry: the rows of builtins.def and the binder parsed from
// their parameter specs.
#include "compiler/typing/registry.h"

#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace kiln::typing {

namespace {

const BuiltinInfo kRows[] = {
#define KILN_BUILTIN(Id, name, spec) {BuiltinId::k##Id, name, spec, BuiltinFamily::kOwn, "", Kind::kUnknown, false},
#define KILN_FAMILY(Id, name, spec, family, method) \
  {BuiltinId::k##Id, name, spec, BuiltinFamily::family, method, Kind::kUnknown, false},
#define KILN_METHOD(Id, receiver, name, spec, exposed) \
  {BuiltinId::k##Id, name, spec, BuiltinFamily::kMethod, "", Kind::k##receiver, exposed},
#define KILN_ATTRIBUTE(Id, receiver, name) \
  {BuiltinId::k##Id, name, "", BuiltinFamily::kAttribute, "", Kind::k##receiver, true},
#include "compiler/typing/builtins.def"
};

bool isMember(const BuiltinInfo& row) {
  return row.family == BuiltinFamily::kMethod || row.family == BuiltinFamily::kAttribute;
}
constexpr size_t kNumRows = sizeof(kRows) / sizeof(kRows[0]);

// A parameter spec, parsed.
struct Param {
  std::string name;
  bool positional = true;  // may be given by position
  bool keyword = true;     // may be given by name
  bool has_default = false;
};
struct Signature {
  std::vector<Param> params;  // without *args
  bool varargs = false;       // *args: positional operands are passed as they are
};

Signature parseSpec(const char* spec) {
  Signature sig;
  bool keyword_only = false;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    if (part == "/") {
      for (Param& p : sig.params) p.keyword = false;
      continue;
    }
    if (absl::ConsumePrefix(&part, "*")) {
      sig.varargs = !part.empty();
      keyword_only = true;
      continue;
    }
    Param p;
    size_t eq = part.find('=');
    p.has_default = eq != absl::string_view::npos;
    p.name = std::string(part.substr(0, eq));
    p.positional = !keyword_only;
    sig.params.push_back(std::move(p));
  }
  return sig;
}

const std::vector<Signature>& signatures() {
  static const std::vector<Signature>* sigs = [] {
    auto* v = new std::vector<Signature>();
    for (const BuiltinInfo& row : kRows) v->push_back(parseSpec(row.spec));
    return v;
  }();
  return *sigs;
}

}  // namespace

const BuiltinInfo& builtinInfo(BuiltinId id) { return kRows[static_cast<size_t>(id)]; }

std::optional<BuiltinId> findBuiltin(const std::string& name) {
  static const std::map<std::string, BuiltinId>* index = [] {
    auto* m = new std::map<std::string, BuiltinId>();
    for (const BuiltinInfo& row : kRows)
      if (!isMember(row)) m->emplace(row.name, row.id);
    return m;
  }();
  auto it = index->find(name);
  if (it == index->end()) return std::nullopt;
  return it->second;
}

const char* memberName(BuiltinId id) {
  const char* name = builtinName(id);
  const char* dot = std::strrchr(name, '.');
  return dot ? dot + 1 : name;
}

std::optional<BuiltinId> findMember(Kind receiver, const std::string& name) {
  static const std::map<std::pair<Kind, std::string>, BuiltinId>* index = [] {
    auto* m = new std::map<std::pair<Kind, std::string>, BuiltinId>();
    for (const BuiltinInfo& row : kRows)
      if (isMember(row) && row.exposed) m->emplace(std::make_pair(row.receiver, std::string(memberName(row.id))), row.id);
    return m;
  }();
  auto it = index->find({receiver, name});
  if (it == index->end()) return std::nullopt;
  return it->second;
}

BuiltinId reductionMethod(BuiltinId id) {
  static const std::vector<BuiltinId>* methods = [] {
    std::map<std::string, BuiltinId> by_name;
    for (const BuiltinInfo& row : kRows)
      if (row.family == BuiltinFamily::kMethod) by_name.emplace(row.name, row.id);
    auto* v = new std::vector<BuiltinId>();
    for (const BuiltinInfo& row : kRows) {
      auto it = by_name.find(row.method);
      v->push_back(it == by_name.end() ? row.id : it->second);
    }
    return v;
  }();
  return (*methods)[static_cast<size_t>(id)];
}

bool isUfunc(BuiltinFamily f) {
  switch (f) {
    case BuiltinFamily::kUfunc:
      return true;
    case BuiltinFamily::kOwn:
    case BuiltinFamily::kMathUnary:
    case BuiltinFamily::kMathBinary:
    case BuiltinFamily::kReduction:
    case BuiltinFamily::kMethod:
    case BuiltinFamily::kAttribute:
      return false;
  }
  return false;
}

bool defaultsAsNone(BuiltinId id) { return id == BuiltinId::kNpEye || id == BuiltinId::kNpArange; }

absl::StatusOr<std::vector<int>> bindArguments(BuiltinId id, size_t npos, const std::vector<std::string>& kwnames) {
  const std::string name = builtinName(id);
  const Signature& sig = signatures()[static_cast<size_t>(id)];
  std::vector<int> out;
  for (size_t k = 0; k < npos; ++k) out.push_back(static_cast<int>(k + 1));
  if (kwnames.empty()) return out;
  bool any_keyword = false;
  for (const Param& p : sig.params) any_keyword = any_keyword || p.keyword;
  if (!any_keyword) return absl::InvalidArgumentError(absl::StrCat("keyword arguments to '", name, "' are not supported"));
  std::vector<int> bound(sig.params.size(), 0);
  size_t positional = 0;
  if (!sig.varargs) {
    for (const Param& p : sig.params) positional += p.positional ? 1 : 0;
    if (npos > positional) return absl::InvalidArgumentError(absl::StrCat("too many arguments to '", name, "'"));
    for (size_t k = 0; k < npos; ++k) bound[k] = static_cast<int>(k + 1);
  }
  for (size_t k = 0; k < kwnames.size(); ++k) {
    size_t q = 0;
    while (q < sig.params.size() && !(sig.params[q].keyword && sig.params[q].name == kwnames[k])) ++q;
    if (q == sig.params.size())
      return absl::InvalidArgumentError(absl::StrCat("'", name, "' got an unexpected keyword argument '", kwnames[k], "'"));
    if (bound[q])
      return absl::InvalidArgumentError(absl::StrCat("'", name, "' got multiple values for argument '", kwnames[k], "'"));
    bound[q] = static_cast<int>(npos + 1 + k);
  }
  if (sig.varargs) {  // the keyword-only ones given follow the positional operands
    for (int b : bound)
      if (b) out.push_back(b);
    return out;
  }
  out.clear();
  size_t last = bound.size();
  while (last > 0 && !bound[last - 1]) --last;
  for (size_t q = 0; q < last; ++q) {
    if (!bound[q] && sig.params[q].has_default && defaultsAsNone(id)) {
      out.push_back(0);
      continue;
    }
    if (!bound[q])
      return absl::InvalidArgumentError(absl::StrCat("'", name, "' missing argument '", sig.params[q].name, "'"));
    out.push_back(bound[q]);
  }
  return out;
}

}  // namespace kiln::typing
