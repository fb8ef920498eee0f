#include "compiler/typing/parallel_loops.h"

#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "compiler/ir/copies.h"

namespace kiln::typing {
namespace {

using ir::throughCopies;

// Whether the callee value `callee` of a call is prange: the global of that
// name (bundle.py resolves Numba's and kiln's prange to the builtin
// "prange") or numba.prange / kiln.prange read from the module.
bool isPrange(const compiler::Function& fn, const ir::Value* callee) {
  callee = throughCopies(callee);
  if (callee == nullptr || callee->def == nullptr) return false;
  const ir::Instr& d = *callee->def;
  if (d.op == ir::Op::kLoadGlobal) {
    for (const compiler::GlobalRef& g : fn.globals)
      if (g.name == d.name) return g.kind == compiler::GlobalRef::Kind::kBuiltin && g.qualified_name == "prange";
    return false;
  }
  if (d.op == ir::Op::kGetAttr && d.name == "prange" && !d.operands.empty()) {
    const Type* m = d.operands[0]->type;
    return m != nullptr && m->kind == Kind::kModule && (m->name == "numba" || m->name == "kiln");
  }
  return false;
}

// Whether for_iter `loop` walks prange(...).
bool walksPrange(const compiler::Function& fn, const ir::Instr& loop) {
  const ir::Value* it = throughCopies(loop.operands[0]);
  if (it == nullptr || it->def == nullptr || it->def->op != ir::Op::kGetIter) return false;
  const ir::Value* r = throughCopies(it->def->operands[0]);
  return r != nullptr && r->def != nullptr && r->def->op == ir::Op::kCall && isPrange(fn, r->def->operands[0]);
}

bool isParallelFunction(const compiler::Function& fn) {
  for (const compiler::GlobalRef& g : fn.globals)
    if (g.name == "<parallel>") return true;
  return false;
}

// Whether a value of type t, made before the loop, may be read by all its
// iterations at once: immutable values, and arrays (whose elements the
// iterations store into, as Numba lets them).
bool sharedSafely(const Type* t) {
  if (t == nullptr) return false;
  switch (t->kind) {
    case Kind::kTuple:
      for (const Type* item : t->items)
        if (!sharedSafely(item)) return false;
      return true;
    case Kind::kNone: case Kind::kBool: case Kind::kInt: case Kind::kFloat: case Kind::kComplex: case Kind::kStr:
    case Kind::kRange: case Kind::kModule: case Kind::kFunction: case Kind::kBuiltin: case Kind::kExceptionClass:
    case Kind::kArray: case Kind::kDType: case Kind::kSlice: case Kind::kNPDatetime: case Kind::kNPTimedelta:
    case Kind::kEnumMember: case Kind::kRecord: case Kind::kUnicodeCharSeq: case Kind::kFunctionSet:
    case Kind::kTypeRef:
      return true;
    case Kind::kOptional:
      return !t->items.empty() && sharedSafely(t->items[0]);
    default:
      return false;  // lists, dicts, sets, iterators, generators, bound methods, ...: not proven
  }
}

// The builtins whose effects are shared by all iterations: a random draw
// (one generator per process), print, an object-mode block.
bool sharedEffect(const Type* callee) {
  if (callee == nullptr || callee->kind != Kind::kBuiltin) return false;
  const std::string& n = callee->name;
  return n.rfind("kiln.rng.", 0) == 0 || n.rfind("random.", 0) == 0 || n.rfind("numpy.random.", 0) == 0 ||
         n == "print" || n == "kiln.objmode_call";
}

std::string spelled(const ir::Value* v) {
  return v->debug_name.empty() ? std::string("a value") : absl::StrCat("'", v->debug_name, "'");
}

class Checker {
 public:
  explicit Checker(const Program& p) : p_(p) {}

  // Why the loop of for_iter `loop` (in instance `inst`) is not proven
  // independent, or nullopt when it is.
  std::optional<std::string> reason(const Instance& inst, const ir::Instr& loop) {
    const ir::Block* header = loop.parent;
    if (!header->params.empty())
      return absl::StrCat("variable ", spelled(header->params[0].get()),
                          " is carried from one iteration to the next (a reduction or a loop-carried value)");
    if (header->instrs.size() != 1) return std::string("its header computes more than the next index");
    std::vector<const ir::Block*> body = loopBody(loop);
    std::set<const ir::Block*> in(body.begin(), body.end());
    if (in.count(loop.succs[1].target)) return std::string("its body leaves the loop (break)");
    for (const ir::Block* b : body) {
      for (const std::unique_ptr<ir::Instr>& i : b->instrs) {
        if (std::optional<std::string> r = instrReason(inst, *i, in, header); r) return r;
      }
    }
    // Nothing the body defines is used after it.
    for (const std::unique_ptr<ir::Block>& b : inst.ir->blocks) {
      if (in.count(b.get())) continue;
      for (const std::unique_ptr<ir::Instr>& i : b->instrs) {
        for (const ir::Value* v : i->operands)
          if (definedIn(v, in)) return absl::StrCat("variable ", spelled(v), " assigned in the loop is read after it");
        for (const ir::Edge& e : i->succs)
          for (const ir::Value* v : e.args)
            if (definedIn(v, in)) return absl::StrCat("variable ", spelled(v), " assigned in the loop is read after it");
      }
    }
    return std::nullopt;
  }

 private:
  static bool definedIn(const ir::Value* v, const std::set<const ir::Block*>& in) {
    const ir::Block* b = v->def != nullptr ? v->def->parent : v->param_of;
    return b != nullptr && in.count(b) > 0;
  }

  std::optional<std::string> instrReason(const Instance& inst, const ir::Instr& i, const std::set<const ir::Block*>& in,
                                         const ir::Block* header) {
    if (i.has_handler) return std::string("it has a try/except inside");
    for (const ir::Edge& e : i.succs)
      if (e.target != header && !in.count(e.target)) return std::string("its body leaves the loop");
    for (const ir::Value* v : i.operands)
      if (!definedIn(v, in) && !sharedSafely(v->type))
        return absl::StrCat("its body uses ", spelled(v), " of type ", v->type ? v->type->str() : "unknown",
                            " from outside the loop, which its iterations could change together");
    switch (i.op) {
      case ir::Op::kReturn: return std::string("it returns from inside the loop");
      case ir::Op::kReraise: case ir::Op::kCatch: case ir::Op::kExcMatch: case ir::Op::kRestoreError:
      case ir::Op::kDropCaught:
        return std::string("it has a try/except inside");
      case ir::Op::kYield: return std::string("it yields");
      case ir::Op::kDelItem: return std::string("it deletes items");
      case ir::Op::kMakeFunction: return std::string("it defines a function inside the loop");
      case ir::Op::kSetItem:
        if (!definedIn(i.operands[0], in) && !i.operands[0]->type->isArray())
          return absl::StrCat("it stores into ", spelled(i.operands[0]), ", which is not an array");
        return std::nullopt;
      case ir::Op::kCall: {
        const Type* callee = i.operands[0]->type;
        if (sharedEffect(callee)) return absl::StrCat("it calls ", callee->name, ", whose effect all iterations share");
        auto b = inst.calls.find(&i);
        if (b != inst.calls.end() && b->second.target >= 0) {
          std::set<int> seen;
          if (const char* what = impure(b->second.target, seen))
            return absl::StrCat("it calls a function that ", what);
        }
        auto s = inst.set_calls.find(&i);
        if (s != inst.set_calls.end())
          for (const CallBinding& cb : s->second) {
            std::set<int> seen;
            if (cb.target >= 0)
              if (const char* what = impure(cb.target, seen)) return absl::StrCat("it calls a function that ", what);
          }
        return std::nullopt;
      }
      // Values of one iteration, and its control flow inside the body.
      case ir::Op::kConst: case ir::Op::kUndef: case ir::Op::kLoadGlobal: case ir::Op::kGetAttr:
      case ir::Op::kBinOp: case ir::Op::kUnaryOp: case ir::Op::kCompare: case ir::Op::kTruth:
      case ir::Op::kBuildTuple: case ir::Op::kUnpack: case ir::Op::kGetItem: case ir::Op::kGetIter:
      case ir::Op::kBuildSlice: case ir::Op::kCopy: case ir::Op::kDeclare: case ir::Op::kBuildList:
      case ir::Op::kBuildMap: case ir::Op::kFused: case ir::Op::kJump: case ir::Op::kBranch:
      case ir::Op::kForIter: case ir::Op::kRaise: case ir::Op::kUnreachable:
        return std::nullopt;
    }
    return std::nullopt;
  }

  // What instance k (or a function it calls) does that all iterations would
  // share, or null.
  const char* impure(int k, std::set<int>& seen) {
    if (!seen.insert(k).second) return nullptr;
    const Instance& inst = *p_.instances[k];
    if (!inst.ir) return nullptr;
    for (const std::unique_ptr<ir::Block>& b : inst.ir->blocks)
      for (const std::unique_ptr<ir::Instr>& i : b->instrs) {
        if (i->op != ir::Op::kCall) continue;
        if (sharedEffect(i->operands[0]->type)) return "draws random numbers, prints or runs object-mode code";
        if (auto c = inst.calls.find(i.get()); c != inst.calls.end() && c->second.target >= 0)
          if (const char* what = impure(c->second.target, seen)) return what;
        if (auto s = inst.set_calls.find(i.get()); s != inst.set_calls.end())
          for (const CallBinding& cb : s->second)
            if (cb.target >= 0)
              if (const char* what = impure(cb.target, seen)) return what;
      }
    return nullptr;
  }

  const Program& p_;
};

}  // namespace

std::vector<const ir::Block*> loopBody(const ir::Instr& loop) {
  const ir::Block* header = loop.parent;
  std::set<const ir::Block*> seen{header};
  std::vector<const ir::Block*> work{loop.succs[0].target};
  while (!work.empty()) {
    const ir::Block* b = work.back();
    work.pop_back();
    if (!seen.insert(b).second) continue;
    if (const ir::Instr* t = b->terminator())
      for (const ir::Edge& e : t->succs) work.push_back(e.target);
  }
  seen.erase(header);
  std::vector<const ir::Block*> out;
  for (const std::unique_ptr<ir::Block>& b : header->parent->blocks)  // block order: deterministic
    if (seen.count(b.get())) out.push_back(b.get());
  return out;
}

std::vector<compiler::Diagnostic> ParallelLoops::run(Program& program) {
  std::vector<compiler::Diagnostic> warnings;
  Checker checker(program);
  for (const std::unique_ptr<Instance>& inst : program.instances) {
    if (!inst->reachable || !inst->ir) continue;
    const compiler::Function& fn = program.bundle->functions[inst->function_index];
    if (!isParallelFunction(fn)) continue;
    std::set<const ir::Block*> inside;  // the bodies of the loops made parallel: no nested parallelism
    for (const std::unique_ptr<ir::Block>& b : inst->ir->blocks) {
      ir::Instr* loop = b->terminator();
      if (loop == nullptr || loop->op != ir::Op::kForIter || !walksPrange(fn, *loop)) continue;
      if (inside.count(b.get())) continue;
      std::optional<std::string> why = checker.reason(*inst, *loop);
      if (!why) {
        loop->name = "prange";
        for (const ir::Block* body : loopBody(*loop)) inside.insert(body);
        continue;
      }
      warnings.push_back({compiler::Diagnostic::Kind::kPerformanceWarning,
                          absl::StrCat("parallel=True: the prange loop runs serially: ", *why), fn.code.filename,
                          loop->line, fn.code.qualname});
    }
  }
  return warnings;
}

}  // namespace kiln::typing
