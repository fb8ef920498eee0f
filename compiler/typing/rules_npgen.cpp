// npgen: a numpy.random.Generator passed in from Python (Numba's
// NumPyRandomGeneratorType): its attributes and the primitives
// kiln.npgen.* (builtins.def) that kiln/library/numpy_generator.py writes
// the Generator's methods over. A draw takes the Generator or its
// bit_generator and gives the bit generator's next uint64, uint32 (as
// uint32) or double, NumPy's own stream.
#include "absl/strings/str_cat.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

const Type* npgenAttr(TypeContext& tc, const Type* obj, const std::string& name) {
  if (obj->kind != Kind::kNPGenerator) return nullptr;
  if (obj->index == 0 && name == "bit_generator") return tc.npGenerator(obj->name, /*bit_generator=*/true);
  return nullptr;
}

absl::StatusOr<const Type*> npgenBuiltinCall(TypeContext& tc, BuiltinId id, const std::vector<const Type*>& args) {
  if (args.size() != 1 || args[0]->kind != Kind::kNPGenerator)
    return absl::InvalidArgumentError(absl::StrCat("'", builtinInfo(id).name,
                                                   "' takes a numpy.random.Generator or its bit_generator, not ",
                                                   args.empty() ? std::string("nothing") : args[0]->str()));
  switch (id) {
    case BuiltinId::kNpgenNextUint64: return tc.integer(64, false);
    case BuiltinId::kNpgenNextUint32: return tc.integer(32, false);
    case BuiltinId::kNpgenNextDouble: return tc.floating(64);
    default: break;
  }
  return absl::InternalError(absl::StrCat("'", builtinInfo(id).name, "' is not a npgen primitive"));
}

}  // namespace kiln::typing
