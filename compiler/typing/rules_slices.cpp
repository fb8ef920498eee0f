// slices: slice objects as values (slice3_type, {start, stop, step} with
// INT64_MIN for an omitted start or stop and 1 for an omitted step, as
// a[i:j:k] builds them): slice(stop), slice(start, stop[, step]) in
// compiled code, s.start / s.stop / s.step (Numba's values: an omitted part
// reads as the default for the step's sign) and s.indices(length).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {
namespace {

bool intOrNone(const Type* t) { return t->kind == Kind::kNone || t->kind == Kind::kBool || t->kind == Kind::kInt; }

}  // namespace

std::optional<absl::StatusOr<const Type*>> sliceCallType(TypeContext& tc, const Type* callee,
                                                         const std::vector<const Type*>& args,
                                                         const std::vector<std::string>& kwnames) {
  const bool ctor = callee->kind == Kind::kBuiltin && callee->name == "slice";
  const bool indices = callee->kind == Kind::kBoundMethod && callee->name == "indices" && !callee->items.empty() &&
                       callee->items[0]->kind == Kind::kSlice;
  if (!ctor && !indices) return std::nullopt;
  for (const Type* a : args)
    if (a->kind == Kind::kUnknown) return tc.unknown();
  if (!kwnames.empty())
    return absl::InvalidArgumentError(absl::StrCat(ctor ? "slice()" : "indices()", " takes no keyword arguments"));
  if (ctor) {
    // slices2: Numba's lead ("No implementation of function") and the argument types, then Python's words.
    auto noImpl = [&](const std::string& why) {
      std::vector<std::string> names;
      for (const Type* a : args) names.push_back(a->str());
      return absl::InvalidArgumentError(absl::StrCat("No implementation of function slice() found for signature: slice(",
                                                     absl::StrJoin(names, ", "), "): ", why));
    };
    if (args.empty()) return noImpl("slice expected at least 1 argument, got 0");
    if (args.size() > 3) return noImpl(absl::StrCat("slice expected at most 3 arguments, got ", args.size()));
    for (const Type* a : args)
      if (!intOrNone(a))
        return absl::InvalidArgumentError(
            absl::StrCat("slice() of ", a->str(), " is not supported in jitted code (integers or None)"));
    return tc.slice();
  }
  if (args.size() != 1)
    return absl::InvalidArgumentError(absl::StrCat("indices() takes exactly one argument (", args.size(), " given)"));
  if (args[0]->kind != Kind::kInt && args[0]->kind != Kind::kBool)
    return absl::InvalidArgumentError(absl::StrCat("'", args[0]->str(), "' object cannot be interpreted as an integer"));
  const Type* i64 = tc.integer(64, true);
  return tc.tuple({i64, i64, i64});
}

const Type* sliceAttrType(TypeContext& tc, const Type* slice, const std::string& name) {
  if (slice->kind != Kind::kSlice) return nullptr;
  if (name == "start" || name == "stop" || name == "step") return tc.integer(64, true);
  if (name == "indices") return tc.boundMethod(slice, name);
  return nullptr;
}

const Type* rangeAttrType(TypeContext& tc, const Type* range, const std::string& name) {
  if (range->kind != Kind::kRange) return nullptr;
  if (name == "start" || name == "stop" || name == "step") return tc.integer(64, true);
  return nullptr;
}

}  // namespace kiln::typing
