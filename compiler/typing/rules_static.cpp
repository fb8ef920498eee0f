// pyfuncs: typing-time checks for library code (the kiln.static.* rows of
// builtins.def). Library functions written in Python refuse a bad argument
// type with the message Numba gives, at compile time:
//
//   if not isinstance(heap, list):
//       _error("heap argument must be a list")
//
// error(msg, value) appends value's type to the message ("Cannot np.flip on
// UniTuple(int64 x 3)").
//
// Each predicate becomes a constant bool (so the branch on it is pruned
// before its other side is typed); error(msg) is a TypingError with the
// constant message, raised only where typing reaches the call.
#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

namespace {

bool iterable(const Type* x) {
  if (isIterator(x->kind)) return true;
  for (Kind k : {Kind::kList, Kind::kTuple, Kind::kArray, Kind::kRange, Kind::kStr, Kind::kDict})  // a set is a kDict
    if (x->kind == k) return true;
  return false;
}

}  // namespace

std::optional<absl::StatusOr<BuiltinRewrite>> staticBuiltinRewrite(const std::string& name,
                                                                   const std::vector<const Type*>& args,
                                                                   const std::optional<std::string>& first_text) {
  using R = BuiltinRewrite::Kind;
  if (name.rfind("kiln.static.", 0) != 0) return std::nullopt;
  if (name == "kiln.static.error") {  // error(msg) or error(msg, value): msg, then value's type
    if (!first_text) return absl::InternalError("kiln.static.error() needs a constant message");
    if (args.size() == 2) return absl::InvalidArgumentError(absl::StrCat(*first_text, " ", args[1]->str()));
    return absl::InvalidArgumentError(*first_text);
  }
  if (name == "kiln.static.iterable" && args.size() == 1) return BuiltinRewrite{R::kConstant, iterable(args[0])};
  if (name == "kiln.static.same_item" && args.size() == 2) {
    if (args[0]->kind != Kind::kList) return BuiltinRewrite{R::kConstant, false};
    const Type* item = args[0]->items[0];
    // NEP 50: a list's slots are weak, so an np.float64 item is a float64 list's
    return BuiltinRewrite{R::kConstant, item->kind == Kind::kUnknown || item == args[1] || item->isTwinOf(args[1])};
  }
  if (name == "kiln.static.item_isinstance" && args.size() == 2) {
    if (args[0]->kind == Kind::kTuple) {  // bytesm: every item; an empty tuple, as an empty list, is false
      if (args[0]->items.empty()) return BuiltinRewrite{R::kConstant, false};
      for (const Type* item : args[0]->items) {
        std::optional<bool> is = instanceOf(item, args[1]);
        if (!is) return absl::InternalError(absl::StrCat(name, "(): ", args[1]->str(), " is not a class"));
        if (!*is) return BuiltinRewrite{R::kConstant, false};
      }
      return BuiltinRewrite{R::kConstant, true};
    }
    if (args[0]->kind != Kind::kList || args[0]->items[0]->kind == Kind::kUnknown)
      return BuiltinRewrite{R::kConstant, false};
    std::optional<bool> is = instanceOf(args[0]->items[0], args[1]);
    if (!is) return absl::InternalError(absl::StrCat(name, "(): ", args[1]->str(), " is not a class"));
    return BuiltinRewrite{R::kConstant, *is};
  }
  return absl::InternalError(absl::StrCat(name, "() called with ", args.size(), " arguments"));
}

}  // namespace kiln::typing
