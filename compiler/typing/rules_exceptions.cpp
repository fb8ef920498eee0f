// Exceptions: which classes and arguments a `raise` can carry to Python
// (lowering/lower_exceptions.cpp fills KilnError with them).
#include <functional>

#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_buffers.h"  // codec: isBytes
#include "runtime/cpu/kiln_abi.h"

namespace kiln::typing {

const Type* exceptionClassOf(TypeContext& tc, const std::string& qualified) {
  // The bundle names every exception class "exception:" and the paths
  // ("module:qualname") of the class and its bases, comma-separated.
  constexpr std::string_view kPrefix = "exception:";
  if (qualified.rfind(kPrefix, 0) != 0) return nullptr;
  const std::string path = qualified.substr(kPrefix.size());
  const std::string first = path.substr(0, path.find(','));
  constexpr std::string_view kBuiltins = "builtins:";
  if (first.rfind(kBuiltins, 0) == 0) {
    const std::string name = first.substr(kBuiltins.size());
    if (isExceptionClassName(name)) return tc.exceptionClass(name);
  }
  return tc.exceptionClass(path);
}

std::string exceptionArgsProblem(const ir::Instr& call, const std::string& cls) {
  if (!call.kwnames.empty()) return absl::StrCat("keyword arguments to exception class ", cls, " are not supported");
  const size_t n = call.operands.size() - 1;
  if (n > KILN_ERROR_MAX_ARGS)
    return absl::StrCat("an exception takes at most ", KILN_ERROR_MAX_ARGS, " arguments in jitted code, got ", n);
  // What the caller can rebuild as the same Python value (kiln_abi.h
  // KilnErrorArgTag): strings and tuples computed at run time travel on the
  // heap (kiln_error.h).
  std::function<bool(const Type*)> carried = [&](const Type* t) {
    switch (t->kind) {
      case Kind::kUnknown: case Kind::kNone: case Kind::kBool: case Kind::kInt: case Kind::kFloat: case Kind::kStr:
        return true;
      case Kind::kArray: return isBytes(t);  // codec: a bytes value (UnicodeDecodeError's object)
      case Kind::kTuple:
        for (const Type* item : t->items)
          if (item->kind == Kind::kUnknown || !carried(item)) return false;
        return true;
      default: return false;
    }
  };
  for (size_t k = 1; k < call.operands.size(); ++k) {
    const ir::Value* a = call.operands[k];
    if (carried(a->type)) continue;
    return absl::StrCat("exception argument ", k, " of ", cls, " has type ", a->type->str(),
                        "; jitted code raises exceptions with numbers, booleans, None, strings, bytes and tuples of them");
  }
  return "";
}

}  // namespace kiln::typing
