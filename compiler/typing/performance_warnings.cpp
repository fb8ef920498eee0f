#include "compiler/typing/performance_warnings.h"

#include <set>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kiln::typing {
namespace {

// The library functions that warn (kiln/library/numpy_linalg.py), by the
// global name a user's call resolves to, and the name the warning gives.
struct ContiguityWarning {
  const char* global;
  const char* spelled;
};
constexpr ContiguityWarning kContiguityWarnings[] = {
    {"numpy.dot", "np.dot()"},
    {"numpy.vdot", "np.vdot()"},
    {"numpy.matmul", "'@'"},  // `a @ b` is a call of numpy.matmul (inference.cpp matmulAsCall)
};

// The spelling of the product a call of function `index` in `fn` names, or
// null when it is not one of them.
const char* productCalled(const compiler::Function& fn, int index) {
  for (const compiler::GlobalRef& g : fn.globals) {
    if (g.kind != compiler::GlobalRef::Kind::kFunction || static_cast<int>(g.function_index) != index) continue;
    for (const ContiguityWarning& w : kContiguityWarnings)
      if (g.name == w.global) return w.spelled;
  }
  return nullptr;
}

}  // namespace

std::vector<compiler::Diagnostic> performanceWarnings(const Program& program) {
  std::vector<compiler::Diagnostic> out;
  std::set<std::tuple<std::string, int, std::string>> seen;  // an instance per signature: one warning per site
  for (const std::unique_ptr<Instance>& inst : program.instances) {
    if (!inst->reachable || !inst->ir) continue;
    const compiler::Function& fn = program.bundle->functions[inst->function_index];
    for (const std::unique_ptr<ir::Block>& b : inst->ir->blocks) {
      for (const std::unique_ptr<ir::Instr>& i : b->instrs) {
        if (i->op != ir::Op::kCall || i->operands.empty()) continue;
        const Type* callee = i->operands[0]->type;
        if (callee == nullptr || callee->kind != Kind::kFunction || !callee->items.empty()) continue;
        const char* spelled = productCalled(fn, callee->index);
        if (spelled == nullptr) continue;
        bool contiguous = true;
        std::vector<std::string> args;
        for (size_t k = 1; k < i->operands.size(); ++k) {
          const Type* t = i->operands[k]->type;
          args.push_back(t->str());
          if (t->kind == Kind::kArray && t->layout == 'A') contiguous = false;
        }
        if (contiguous) continue;
        std::string message =
            absl::StrCat(spelled, " is faster on contiguous arrays, called on (", absl::StrJoin(args, ", "), ")");
        if (!seen.insert({fn.code.filename, i->line, message}).second) continue;
        out.push_back({compiler::Diagnostic::Kind::kPerformanceWarning, std::move(message), fn.code.filename, i->line,
                       fn.code.qualname});
      }
    }
  }
  return out;
}

}  // namespace kiln::typing
