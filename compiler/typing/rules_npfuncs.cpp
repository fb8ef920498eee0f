// npfuncs: NumPy dtypes given as strings ("float32", "i8", "<f4", "bool")
// where a dtype goes: the constant string is typed as the dtype class it
// names (np.float32), so the rules of empty/zeros/ones/full(_like), arange,
// eye/identity, array/asarray/ascontiguousarray and astype see one kind of
// dtype argument.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

const Type* dtypeNamed(TypeContext& tc, const std::string& spelled) {
  std::string name = spelled;
  // A byte order this (little-endian) machine has natively.
  if (!name.empty() && (name[0] == '<' || name[0] == '=' || name[0] == '|')) name = name.substr(1);
  struct Spec {
    char kind;  // b i u f c
    int bits;
  };
  static const std::map<std::string, Spec> names = {
      {"bool", {'b', 8}},      {"bool_", {'b', 8}},     {"?", {'b', 8}},        {"b1", {'b', 8}},
      {"int8", {'i', 8}},      {"i1", {'i', 8}},        {"b", {'i', 8}},        {"byte", {'i', 8}},
      {"int16", {'i', 16}},    {"i2", {'i', 16}},       {"h", {'i', 16}},       {"short", {'i', 16}},
      {"int32", {'i', 32}},    {"i4", {'i', 32}},       {"i", {'i', 32}},       {"intc", {'i', 32}},
      {"int64", {'i', 64}},    {"i8", {'i', 64}},       {"l", {'i', 64}},       {"q", {'i', 64}},
      {"int", {'i', 64}},      {"int_", {'i', 64}},     {"intp", {'i', 64}},    {"p", {'i', 64}},
      {"long", {'i', 64}},     {"longlong", {'i', 64}}, {"uint8", {'u', 8}},    {"u1", {'u', 8}},
      {"B", {'u', 8}},         {"ubyte", {'u', 8}},     {"uint16", {'u', 16}},  {"u2", {'u', 16}},
      {"H", {'u', 16}},        {"ushort", {'u', 16}},   {"uint32", {'u', 32}},  {"u4", {'u', 32}},
      {"I", {'u', 32}},        {"uintc", {'u', 32}},    {"uint64", {'u', 64}},  {"u8", {'u', 64}},
      {"L", {'u', 64}},        {"Q", {'u', 64}},        {"uint", {'u', 64}},    {"uintp", {'u', 64}},
      {"P", {'u', 64}},        {"ulong", {'u', 64}},    {"ulonglong", {'u', 64}}, {"float32", {'f', 32}},
      {"f4", {'f', 32}},       {"f", {'f', 32}},        {"single", {'f', 32}},  {"float64", {'f', 64}},
      {"f8", {'f', 64}},       {"d", {'f', 64}},        {"double", {'f', 64}},  {"float", {'f', 64}},
      {"float_", {'f', 64}},   {"complex64", {'c', 64}}, {"c8", {'c', 64}},     {"F", {'c', 64}},
      {"csingle", {'c', 64}},  {"complex128", {'c', 128}}, {"c16", {'c', 128}}, {"D", {'c', 128}},
      {"complex", {'c', 128}}, {"cdouble", {'c', 128}}, {"complex_", {'c', 128}},
      {"float16", {'f', 16}},  {"f2", {'f', 16}},       {"e", {'f', 16}},       {"half", {'f', 16}}};  // float16:
  auto it = names.find(name);
  if (it == names.end()) return nullptr;
  switch (it->second.kind) {
    case 'b': return tc.boolean();
    case 'i': return tc.integer(it->second.bits, true);
    case 'u': return tc.integer(it->second.bits, false);
    case 'f': return tc.floating(it->second.bits);
    case 'c': return tc.complex(it->second.bits);
  }
  return nullptr;
}

namespace {

bool takesDtype(BuiltinId id) {
  switch (id) {
    case BuiltinId::kNpEmpty:
    case BuiltinId::kNpZeros:
    case BuiltinId::kNpOnes:
    case BuiltinId::kNpEmptyLike:
    case BuiltinId::kNpZerosLike:
    case BuiltinId::kNpOnesLike:
    case BuiltinId::kNpFull:
    case BuiltinId::kNpFullLike:
    case BuiltinId::kNpArange:
    case BuiltinId::kNpEye:
    case BuiltinId::kNpIdentity:
    case BuiltinId::kNpArray:
    case BuiltinId::kNpAsarray:
    case BuiltinId::kNpAscontiguousarray:
    case BuiltinId::kArrayAstype:
    case BuiltinId::kArrayView:
    case BuiltinId::kNpFrombuffer:
      return true;
    default:  // not an IR opcode switch: the registry's rows that take a dtype
      return false;
  }
}

}  // namespace

absl::Status dtypeStringArgs(TypeContext& tc, const ir::Resolution& res, const ir::Instr& call,
                             std::vector<const Type*>& args,
                             const std::function<const std::string*(const ir::Value*)>& text) {
  if (!takesDtype(res.id)) return absl::OkStatus();
  // The first argument is the shape, the array or the object, except for
  // astype (whose first is the dtype).
  for (size_t k = res.id == BuiltinId::kArrayAstype || res.id == BuiltinId::kArrayView ? 0 : 1; k < args.size() && k < res.bound.size(); ++k) {
    if (args[k]->kind != Kind::kStr || res.bound[k] <= 0) continue;
    const std::string* s = text(call.operands[res.bound[k]]);
    // Numba's messages.
    if (!s) {
      // wording: Numba's sentence, then the call as typed ("No match" for
      // empty_like(array(float64, 1d, C), unicode_type)).
      // Numba spells a uniform tuple "UniTuple(int64 x 2)" and a keyword
      // argument by its name ("array(UniTuple(int64 x 2), dtype=unicode_type)").
      const size_t first_kw = call.operands.size() - call.kwnames.size();
      std::vector<std::string> spelled;
      for (size_t j = 0; j < args.size(); ++j) {
        std::string name;
        if (j < res.bound.size() && res.bound[j] > 0 && static_cast<size_t>(res.bound[j]) >= first_kw)
          name = absl::StrCat(call.kwnames[res.bound[j] - first_kw], "=");
        spelled.push_back(absl::StrCat(name, numbaSpelling(args[j])));
      }
      std::string head = res.id == BuiltinId::kArrayAstype
                             ? "array.astype if dtype is a string it must be constant."
                             : absl::StrCat("If np.", memberName(res.id), " dtype is a string it must be a string constant.");
      return absl::InvalidArgumentError(absl::StrCat(head, " No match for ", memberName(res.id), "(",
                                                     absl::StrJoin(spelled, ", "), "): the dtype string is only known at run time"));
    }
    const Type* d = dtypeNamed(tc, *s);
    if (!d)
      return absl::InvalidArgumentError(absl::StrCat(builtinName(res.id), "(): Invalid NumPy dtype specified: '", *s,
                                                     "' (data type not understood)"));
    args[k] = tc.dtypeClass(d);
  }
  return absl::OkStatus();
}

}  // namespace kiln::typing
