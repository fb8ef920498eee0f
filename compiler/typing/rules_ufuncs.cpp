// NumPy's ufuncs called by name: the loop NumPy's default type resolver
// picks (the first of the ufunc's loops that every input casts to safely),
// with NumPy 2's weak Python scalars (NEP 50), and the out arrays' casting
// check. Lowering (lowering/lower_ufuncs.cpp) implements exactly the loops
// accepted here.
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/ufuncs.h"

namespace kiln::typing {

namespace {

const std::map<BuiltinId, UfuncInfo>& table() {
  static const auto* rows = new std::map<BuiltinId, UfuncInfo>{
#define KILN_UFUNC(Id, name, nin, nout, impl, kinds, loops) {BuiltinId::k##Id, {nin, nout, UfuncImpl::k##impl, kinds, loops}},
#include "compiler/typing/ufuncs.def"
  };
  return *rows;
}

// A NumPy type character as NumPy's casting sees it: kind (b bool, u, i,
// f, c, and x for what Kiln has no type for) and size in bytes.
struct Letter {
  char kind;
  int bytes;
  char other;  // for kind x: e float16, g longdouble, G clongdouble, O object, m timedelta, M datetime
};

Letter letterOf(char c) {
  switch (c) {
    case '?': return {'b', 1, 0};
    case 'b': return {'i', 1, 0};
    case 'B': return {'u', 1, 0};
    case 'h': return {'i', 2, 0};
    case 'H': return {'u', 2, 0};
    case 'i': return {'i', 4, 0};
    case 'I': return {'u', 4, 0};
    case 'l':
    case 'q': return {'i', 8, 0};
    case 'L':
    case 'Q': return {'u', 8, 0};
    case 'f': return {'f', 4, 0};
    case 'd': return {'f', 8, 0};
    case 'F': return {'c', 8, 0};
    case 'D': return {'c', 16, 0};
    case 'e': return {'f', 2, 0};  // float16:
    default: return {'x', 0, c};
  }
}

Letter letterOf(const Type* t) {
  switch (t->kind) {
    case Kind::kBool: return {'b', 1, 0};
    case Kind::kInt: return {t->is_signed ? 'i' : 'u', t->bits / 8, 0};
    case Kind::kFloat: return {'f', t->bits / 8, 0};
    case Kind::kComplex: return {'c', t->bits / 8, 0};
    default: return {'x', 0, 'O'};
  }
}

const Type* typeOf(TypeContext& tc, Letter l) {
  switch (l.kind) {
    case 'b': return tc.boolean();
    case 'i': return tc.integer(l.bytes * 8, true);
    case 'u': return tc.integer(l.bytes * 8, false);
    case 'f': return tc.floating(l.bytes * 8);
    case 'c': return tc.complex(l.bytes * 8);
    default: return nullptr;
  }
}

// The float bytes that hold every value of an integer (NumPy: int8 and
// uint8 fit float16, 16 bits float32, wider float64).
int floatBytesFor(Letter l) { return l.bytes == 1 ? 2 : l.bytes == 2 ? 4 : 8; }

// numpy.can_cast(from, to, 'safe').
bool canCastSafe(Letter from, Letter to) {
  if (from.kind == 'b') return to.kind != 'x' || to.other != 'M';
  if (to.kind == 'x') {
    switch (to.other) {
      case 'O': case 'G': return true;
      case 'g': return from.kind != 'c';
      case 'e': return (from.kind == 'i' || from.kind == 'u') && from.bytes == 1;
      case 'm': return from.kind == 'i' || (from.kind == 'u' && from.bytes < 8);
      default: return false;
    }
  }
  switch (from.kind) {
    case 'i':
      if (to.kind == 'i') return to.bytes >= from.bytes;
      if (to.kind == 'f') return to.bytes >= floatBytesFor(from);
      if (to.kind == 'c') return to.bytes / 2 >= floatBytesFor(from);
      return false;
    case 'u':
      if (to.kind == 'u') return to.bytes >= from.bytes;
      if (to.kind == 'i') return to.bytes > from.bytes;
      if (to.kind == 'f') return to.bytes >= floatBytesFor(from);
      if (to.kind == 'c') return to.bytes / 2 >= floatBytesFor(from);
      return false;
    case 'f':
      if (to.kind == 'f') return to.bytes >= from.bytes;
      if (to.kind == 'c') return to.bytes / 2 >= from.bytes;
      return false;
    case 'c': return to.kind == 'c' && to.bytes >= from.bytes;
    default: return false;
  }
}

int kindRank(char k) { return k == 'b' ? 0 : k == 'u' ? 1 : k == 'i' ? 2 : k == 'f' ? 3 : 4; }

// numpy.can_cast(from, to, 'same_kind'): safe, or to a kind not below.
bool canCastSameKind(Letter from, Letter to) {
  return canCastSafe(from, to) || kindRank(from.kind) <= kindRank(to.kind);
}

int category(const Type* t) {
  switch (t->kind) {
    case Kind::kBool: return 0;
    case Kind::kInt: return 1;
    case Kind::kFloat: return 2;
    case Kind::kComplex: return 3;
    default: return -1;
  }
}

const char* letterName(char c) {
  switch (c) {
    case 'e': return "float16";
    case 'g': return "longdouble";
    case 'G': return "clongdouble";
    case 'm': return "timedelta64";
    case 'M': return "datetime64";
    default: return "object";
  }
}

}  // namespace

const UfuncInfo& ufuncInfo(BuiltinId id) { return table().at(id); }

absl::StatusOr<const Type*> ufuncCall(TypeContext& tc, ir::Resolution& res, const std::vector<const Type*>& args) {
  const UfuncInfo& info = ufuncInfo(res.id);
  const std::string name = builtinName(res.id);
  auto bad = [&](const std::string& why) {
    std::vector<std::string> s;
    for (const Type* t : args) s.push_back(t->str());
    return absl::InvalidArgumentError(absl::StrCat("no implementation of '", name, "' for argument types (",
                                                   absl::StrJoin(s, ", "), ")", why.empty() ? "" : ": ", why));
  };
  size_t nin = static_cast<size_t>(info.nin);
  if (args.size() < nin || args.size() > nin + static_cast<size_t>(info.nout)) return bad("");
  if (isDatetimeUfunc(res.id, args)) return datetimeUfuncCall(tc, res, args);  // datetime: rules_datetime.cpp
  // The inputs: numbers or arrays of numbers.
  int nd = 0;
  bool any_array = false;
  const Type* strong = nullptr;  // the arrays' (and non-default scalars') promoted dtype
  for (size_t k = 0; k < nin; ++k) {
    const Type* e = args[k]->kind == Kind::kArray ? args[k]->dtype() : args[k];
    if (category(e) < 0) return bad("");
    if (args[k]->kind == Kind::kArray) {
      nd = std::max(nd, args[k]->ndim);
      any_array = true;
    }
  }
  // NEP 50: a Python number (a weak scalar: Type::isWeakScalar) beside an
  // array or a NumPy scalar takes their dtype unless its kind is higher; a
  // NumPy scalar (strong) promotes as a 0-d array of its dtype.
  bool typed_context = any_array;
  for (size_t k = 0; k < nin; ++k) typed_context = typed_context || !args[k]->isWeakScalar();
  auto weak = [&](const Type* t) { return typed_context && t->isWeakScalar(); };
  for (size_t k = 0; k < nin; ++k) {
    if (weak(args[k])) continue;
    const Type* e = args[k]->kind == Kind::kArray ? args[k]->dtype() : args[k];
    strong = strong ? promoteDtypes(tc, strong, e) : e;
  }
  std::vector<const Type*> ins;
  for (size_t k = 0; k < nin; ++k) {
    const Type* t = args[k];
    if (!weak(t)) {
      ins.push_back(t->kind == Kind::kArray ? t->dtype() : t);
      continue;
    }
    if (category(t) <= category(strong)) ins.push_back(strong);
    else if (t->kind == Kind::kInt) ins.push_back(tc.integer(64, true));
    else if (t->kind == Kind::kFloat) ins.push_back(tc.floating(64));
    else ins.push_back(tc.complex(strong->kind == Kind::kFloat && strong->bits <= 32 ? 64 : 128));
  }
  // The loop: NumPy's linear search, except that true division of integers
  // is done in float64 (NumPy's own resolver for it).
  std::vector<std::string> loops = absl::StrSplit(info.loops, ' ', absl::SkipEmpty());
  bool all_int = true;
  for (const Type* t : ins) all_int = all_int && (t->kind == Kind::kInt || t->kind == Kind::kBool);
  // NumPy's linear search: the first loop every input casts to safely.
  auto search = [&](const std::vector<const Type*>& in) {
    for (const std::string& l : loops) {
      bool fits = true;
      for (size_t k = 0; k < nin; ++k) fits = fits && canCastSafe(letterOf(in[k]), letterOf(l[k]));
      if (fits) return l;
    }
    return std::string();
  };
  std::string chosen = info.impl == UfuncImpl::kTrueDivide && all_int ? std::string("dd->d") : search(ins);
  // A ufunc with mixed-kind loops (ldexp's "dl->d") has no loop for a weak
  // Python int taken as the array's float dtype; NumPy then takes the int as
  // its default int64 ("np.ldexp(float32 array, 2)" is "fl->f", float32), so
  // the search runs again with each weak scalar at its own default type.
  if (chosen.empty() && typed_context) {
    std::vector<const Type*> own = ins;
    for (size_t k = 0; k < nin; ++k) {
      if (!weak(args[k])) continue;
      if (args[k]->kind == Kind::kInt) own[k] = tc.integer(64, true);
      else if (args[k]->kind == Kind::kFloat) own[k] = tc.floating(64);
    }
    chosen = search(own);
    if (!chosen.empty()) ins = own;
  }
  if (chosen.empty()) return bad("no matching loop");
  std::string sig = absl::StrReplaceAll(chosen, {{"->", ""}});
  std::vector<const Type*> loop;
  for (char c : sig) {
    const Type* t = typeOf(tc, letterOf(c));
    if (!t) return bad(absl::StrCat("NumPy's loop '", chosen, "' computes in ", letterName(c), ", which Kiln does not support"));
    loop.push_back(t);
  }
  // float16: every loop is computed in float32 and rounded back, as NumPy's
  // own half loops are, except these two, which step in half's own ulps.
  if ((info.impl == UfuncImpl::kNextafter || info.impl == UfuncImpl::kSpacing) && chosen[0] == 'e')
    return bad(absl::StrCat("NumPy's loop '", chosen, "' steps in float16 ulps, which Kiln does not support"));
  char kind = loop[0]->kind == Kind::kBool ? 'b' : loop[0]->kind == Kind::kInt ? 'i' : loop[0]->kind == Kind::kFloat ? 'f' : 'c';
  if (std::string(info.kinds).find(kind) == std::string::npos)
    return bad(absl::StrCat("NumPy's loop '", chosen, "' is not supported yet"));
  // NumPy refuses boolean negation and subtraction (the loops above would
  // take bools as int8).
  bool all_bool = true;
  for (const Type* t : ins) all_bool = all_bool && t->kind == Kind::kBool;
  if (all_bool && (info.impl == UfuncImpl::kPositive || info.impl == UfuncImpl::kSign ||
                   info.impl == UfuncImpl::kGcd || info.impl == UfuncImpl::kLcm))
    return bad("NumPy has no loop for booleans");
  if (info.impl == UfuncImpl::kNegative && ins[0]->kind == Kind::kBool)
    return bad("the numpy boolean negative, the `-` operator, is not supported, use the `~` operator or the logical_not function instead");
  if (info.impl == UfuncImpl::kSubtract && ins[0]->kind == Kind::kBool && ins[1]->kind == Kind::kBool)
    return bad("numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` operator, or the logical_xor function instead");
  // Outputs: given arrays (or None), else new ones.
  std::vector<const Type*> results;
  bool given = false;
  for (size_t j = 0; j < static_cast<size_t>(info.nout); ++j) {
    const Type* rt = loop[nin + j];
    const Type* o = nin + j < args.size() ? args[nin + j] : nullptr;
    if (o && o->kind != Kind::kNone) {
      if (o->kind != Kind::kArray) return bad("an output must be an array");
      if (o->ndim < nd)
        return bad(absl::StrCat("the output has ", o->ndim, " dimensions, the inputs broadcast to ", nd));
      if (!canCastSameKind(letterOf(rt), letterOf(o->dtype())))
        return bad(absl::StrCat("Cannot cast ufunc '", name.substr(6), "' output from dtype('", rt->str(),
                                "') to dtype('", o->dtype()->str(), "') with casting rule 'same_kind'"));
      if (o->dtype()->kind != Kind::kComplex && rt->kind == Kind::kComplex) return bad("");
      results.push_back(o);
      given = true;
    } else {
      // NEP 50: a ufunc of scalars returns a NumPy scalar (strong).
      results.push_back(nd ? tc.array(rt, nd, elementwiseLayout(std::vector<const Type*>(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(nin)), nd))
                           : tc.strongScalar(rt));
    }
  }
  if (given)
    for (size_t j = 0; j < results.size(); ++j)
      if (results[j]->kind != Kind::kArray) return bad("give every output array or none");
  res.operand = loop[0];
  res.compute = tc.tuple(std::move(loop));  // the loop: its input types, then its output types
  return results.size() == 1 ? results[0] : tc.tuple(results);
}

}  // namespace kiln::typing
