#include "compiler/typing/inference.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/type_grammar.h"  // typedempty: kMaxArrayDims
#include "compiler/ir/copies.h"
#include "compiler/diagnostic.h"
#include "compiler/library_code.h"  // pyrest:
#include "compiler/typing/array_ctypes.h"  // pysub4:
#include "compiler/typing/literal_unroll.h"  // tuples:
#include "compiler/typing/prune_none_branches.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_cuda.h"  // cuda:
#include "compiler/typing/rules_buffers.h"  // buffers:

namespace kiln::typing {

using ir::throughCopies;  // ir/copies.h

namespace {
void matmulAsCall(ir::Function& f, const compiler::Function& fn);  // linalg: below

using compiler::Diagnostic;
using ir::Op;

constexpr int kMaxRounds = 200;
constexpr int32_t kCoGenerator = 0x20;  // generators: co_flags (Include/cpython/code.h)
// overload: the bundle's markers of user overload_method/overload_attribute
// names ("overload_method:NAME", bundle.py), the prefix of their request
// keys, and the name of the bound method an overload_method gives.
constexpr const char* kOverloadMethod = "overload_method";
constexpr const char* kOverloadAttribute = "overload_attribute";
bool isOverloadMethod(const Type* bound) {
  return bound->name.rfind(absl::StrCat(kOverloadMethod, ":"), 0) == 0;
}

// wording: Numba's lead for an operator no rule types, after ours: the
// operator module's function ("mul", "and_", "iadd") and the operand types.
std::string noOperatorImplementation(ir::BinaryOp op, bool inplace, const Type* a, const Type* b) {
  // operator.and_ and operator.or_, but operator.iand and operator.ior
  const bool keyword = !inplace && (op == ir::BinaryOp::kAnd || op == ir::BinaryOp::kOr);
  const std::string fn = absl::StrCat(inplace ? "i" : "", ir::name(op), keyword ? "_" : "");
  return absl::StrCat(": No implementation of function Function(<built-in function ", fn,
                      ">) found for signature: ", fn, "(", a->str(), ", ", b->str(), ")");
}

// wording: Numba's for a name that is not a field or method of a namedtuple
// ("Unknown attribute 'z' of type Point(int64 x 2)"): the class's own name
// (the last part of "module.qualname[field, ...]", rules_namedtuples.cpp),
// then kiln's whole type.
std::string namedtupleNoField(const Type* t, const std::string& name) {
  const std::string path = t->name.substr(0, t->name.find('['));
  const std::string cls = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  bool uniform = !t->items.empty();
  std::vector<std::string> items;
  for (const Type* x : t->items) {
    uniform = uniform && x == t->items[0];
    items.push_back(x->str());
  }
  const std::string shown =
      uniform ? absl::StrCat(t->items[0]->str(), " x ", t->items.size()) : absl::StrJoin(items, ", ");
  return absl::StrCat("Unknown attribute '", name, "' of type ", cls, "(", shown, ") (", t->str(), ")");
}

// A value that is a Python int, float or bool written in the code (not a
// NumPy scalar, not an argument): Python's own scalars, which lack NumPy's methods.
bool pythonScalarConstant(const ir::Value* v) {
  if (!v->def || v->def->op != Op::kConst) return false;
  const compiler::Constant::Kind k = v->def->const_value.kind;
  return k == compiler::Constant::Kind::kInt || k == compiler::Constant::Kind::kFloat ||
         k == compiler::Constant::Kind::kBool;
}

// generators: what a generator may yield: values that hold no references,
// so the item handed to its caller owns nothing (lower_generators.cpp).
bool yieldable(const Type* t) {
  if (t->kind == Kind::kTuple) {
    for (const Type* item : t->items)
      if (!yieldable(item)) return false;
    return true;
  }
  // genpy: arrays, strings; recown: records (each holds its array's block)
  return t->isNumber() || t->kind == Kind::kNone || t->kind == Kind::kArray || t->kind == Kind::kStr || t->isRecord();
}
constexpr size_t kMaxInstances = 512;
constexpr int kMaxInstancesPerFunction = 64;
// strength: how many times one instance is typed afresh (Inferrer::typeAfresh).
constexpr int kMaxFreshTypings = 2;

// codec, literally: what a literal parameter of a bundle function takes
// (Inferrer::literalParams).
enum class LiteralParam : uint8_t {
  kNo,   // an ordinary parameter
  kStr,  // kiln.static.literal in a library function: a constant str
  kAny,  // literally: a constant int, bool or str (Numba's Literal types)
};

class Inferrer {
 public:
  Inferrer(Program& p, const UntypedFunctions& functions) : p_(p), tc_(p.types), functions_(functions) {}

  absl::StatusOr<int> instanceFor(int fn, const std::vector<const Type*>& args,
                                  const std::vector<std::optional<compiler::Constant>>& literals = {}) {
    // literally: a literal is told apart by its kind and value (an int 1 from a
    // bool True, which their types already do, and a str from its repr).
    std::vector<std::string> literal_key;
    for (const auto& c : literals)
      literal_key.push_back(c ? absl::StrCat(static_cast<int>(c->kind), ":", c->repr()) : std::string());
    auto key = std::make_tuple(fn, args, literal_key);
    if (auto it = instance_of_.find(key); it != instance_of_.end()) return it->second;
    // A recursion that makes new argument types on every call (grow((x, x)))
    // would specialise forever: the caller's call is refused, located.
    int& count = instances_per_function_[fn];
    if (!p_.instances.empty() && (count >= kMaxInstancesPerFunction || p_.instances.size() >= kMaxInstances)) {
      std::string name = fn >= 0 && static_cast<size_t>(fn) < p_.bundle->functions.size()
                             ? p_.bundle->functions[fn].code.qualname : "?";
      std::vector<std::string> spelled;
      for (const Type* t : args) spelled.push_back(spell(t, 120));
      return typingError(absl::StrCat(
          "too many specializations: ",
          count >= kMaxInstancesPerFunction
              ? absl::StrCat(name, "() is needed for more than ", kMaxInstancesPerFunction, " lists of argument types")
              : absl::StrCat("more than ", kMaxInstances, " function instances"),
          ", the last (", absl::StrJoin(spelled, ", "),
          "); a recursive call whose argument types change on every call cannot be compiled"));
    }
    auto inst = std::make_unique<Instance>();
    inst->function_index = fn;
    inst->arg_types = args;
    inst->literals = literals;
    inst->ret = tc_.unknown();
    if (fn < 0 || static_cast<size_t>(fn) >= functions_.size())
      return absl::InternalError(
          absl::StrCat("typing needs function #", fn, ", which the frontend pass did not build"));
    const absl::StatusOr<std::unique_ptr<ir::Function>>& untyped = functions_[fn];
    if (!untyped.ok()) return untyped.status();  // the frontend refused it: report it where it is called
    if (*untyped == nullptr)
      return absl::InternalError(
          absl::StrCat("typing needs function #", fn, ", which the frontend pass did not build"));
    inst->ir = (*untyped)->clone();
    const compiler::CodeObject& code = p_.bundle->functions[fn].code;
    ir::Block* entry = inst->ir->blocks[0].get();
    if (entry->params.size() != args.size())  // located at the callee: the instance does not exist yet
      return compiler::userError(Diagnostic::Kind::kTyping,
                                 absl::StrCat(code.qualname, "() takes ", entry->params.size(),
                                              (entry->params.size() == 1 ? " positional argument but " : " positional arguments but "),
                                              args.size(), args.size() == 1 ? " was given" : " were given"),
                                 code.filename, code.firstlineno, code.qualname);
    matmulAsCall(*inst->ir, p_.bundle->functions[fn]);  // linalg: `a @ b` is np.matmul(a, b)
    startTypes(*inst);
    pruneNoneBranches(*inst->ir, args);  // `size is None` in library functions
    // exceptions: a function that never returns (it always raises, perhaps
    // once the pruning has decided `if a.ndim != 1: raise ...`) returns
    // None, as in Numba
    if (!hasReturn(*inst->ir)) inst->ret = tc_.none();
    inst->symbol = absl::StrCat("kiln.", code.qualname, ".", p_.instances.size());
    if (code.flags & kCoGenerator)  // generators: a call makes the generator object
      inst->ret = tc_.generator(inst->symbol, tc_.unknown(), args);
    p_.instances.push_back(std::move(inst));
    ++count;
    instance_of_.emplace(std::move(key), static_cast<int>(p_.instances.size() - 1));
    return static_cast<int>(p_.instances.size() - 1);
  }

  // strength: an instance typed afresh: every value back to Unknown, its
  // arguments as given, its return type as instanceFor starts it. Typing
  // joins each value's type with what it had in the earlier rounds, which
  // holds while every type only grows; a type derived from a callee's
  // result need not (NEP 50: a result that was a weak float64 in an early
  // round and is a strong one later makes `a32 / x` a float32 array, then a
  // float64 one). An instance that meets a user error is typed afresh, up
  // to kMaxFreshTypings times, before the error stands. True when it was.
  bool typeAfresh(int idx) {
    Instance& inst = *p_.instances[idx];
    if (fresh_typings_[idx] >= kMaxFreshTypings) return false;
    ++fresh_typings_[idx];
    startTypes(inst);
    if (inst.ret->kind != Kind::kGenerator)  // generators: the generator type carries its yields
      inst.ret = hasReturn(*inst.ir) ? tc_.unknown() : tc_.none();
    changed_ = true;
    return true;
  }

  // Every value of the instance's IR Unknown but its arguments, as typing
  // starts it (instanceFor, typeAfresh).
  void startTypes(Instance& inst) {
    for (auto& b : inst.ir->blocks) {
      for (auto& prm : b->params) prm->type = tc_.unknown();
      for (auto& i : b->instrs)
        if (i->result) i->result->type = tc_.unknown();
    }
    ir::Block* entry = inst.ir->blocks[0].get();
    for (size_t k = 0; k < inst.arg_types.size() && k < entry->params.size(); ++k)
      entry->params[k]->type = inst.arg_types[k];
  }

  // Whether f has a return instruction (one without always raises, and
  // returns None as in Numba).
  static bool hasReturn(const ir::Function& f) {
    for (const auto& b : f.blocks)
      for (const auto& i : b->instrs)
        if (i->op == Op::kReturn) return true;
    return false;
  }


  // One pass over an instance; sets changed_ when any type grew.
  absl::Status typeInstance(int idx) {
    cur_ = idx;
    Instance& inst = *p_.instances[idx];
    for (auto& b : inst.ir->blocks) {
      if (absl::Status s = checkBudget(); !s.ok()) return s;  // a big function takes long per round
      // realcode8: `if FLAG:`, `if f == g:` on frozen globals, decided before
      // the condition is typed (a comparison of two functions has no type)
      if (!b->instrs.empty() && b->instrs.back()->op == Op::kBranch)
        foldConstantGlobalCondition(inst, *b->instrs.back());
      for (size_t n = 0; n < b->instrs.size(); ++n) {
        ir::Instr* i = b->instrs[n].get();
        line_ = i->line;
        if (i->op == Op::kCall && i->operands.size() == 2 && i->kwnames.empty() &&
            i->operands[0]->type->kind == Kind::kBuiltin &&
            (i->operands[0]->type->name == "min" || i->operands[0]->type->name == "max") &&
            i->operands[1]->type->kind == Kind::kTuple && i->operands[1]->type->items.size() >= 2)
          i->kwnames = {"*"};  // tuples: max(t) is max(*t)
        if (absl::StatusOr<size_t> added = minMaxOfIterable(inst, *b, n); !added.ok()) {  // unroll: min(range(n))
          return added.status();
        } else if (*added > 0) {
          n += *added;
          i = b->instrs[n].get();
        }
        if (i->op == Op::kCall && i->operands[0]->type->kind == Kind::kBoundMethod &&
            i->operands[0]->type->name == "_replace" && i->operands[0]->def) {  // namedtuples: p._replace(x=1)
          absl::StatusOr<size_t> added = namedtupleReplace(inst, *b, n);
          if (!added.ok()) return added.status();
          n += *added;
        }
        if (i->op == Op::kCall && !i->kwnames.empty() && i->kwnames[0] == "*") {  // tuples: f(*t)
          absl::StatusOr<size_t> added = spreadStarArgs(inst, *b, n);
          if (!added.ok()) return added.status();
          n += *added;
          // realcode: the tuple's type is not known yet (its items come
          // round a loop): the call is typed in a later round, never with
          // "*" read as a keyword.
          if (*added == 0 && !i->kwnames.empty() && i->kwnames[0] == "*") continue;
        }
        if (i->op == Op::kCall && i->operands[0]->type->kind == Kind::kBuiltin &&
            i->operands[0]->type->name == "literal_unroll") {  // tuples: the loop unrolled, the IR changed
          absl::StatusOr<bool> u = literalUnroll(inst, *i);
          if (!u.ok()) return u.status();
          if (*u) return absl::OkStatus();  // typed again in the next round
          if (i->op == Op::kCall) continue;  // its argument's type is not known yet
        }
        if (i->op == Op::kCompare && i->operands.size() == 2) foldClassCompare(*i);  // unroll: type(x) is int
        if (i->op == Op::kCompare && i->operands.size() == 2) foldNdimCompare(*i);  // npmisc: a.ndim != b.ndim
        if (i->op == Op::kBranch && pruneConstantBranch(*inst.ir, *i)) {  // tuples: if isinstance(x, C)
          forgetDeadCalls(inst);
          // codec: when the pruning left no return (bytes(3, "utf-8") always
          // raises), the function never returns: None, as one that never did.
          if (!hasReturn(*inst.ir) && inst.ret->kind == Kind::kUnknown) inst.ret = tc_.none();
          changed_ = true;
          return absl::OkStatus();  // typed again in the next round
        }
        if (i->op == Op::kCall && i->operands[0]->type->kind == Kind::kBuiltin)  // tuples: tuple(), isinstance
          if (absl::Status s = rewriteBuiltinCall(*i); !s.ok()) return s;
        if (absl::StatusOr<size_t> added = unwrapOptionals(inst, *b, n); !added.ok()) {  // optional:
          return added.status();
        } else if (*added > 0) {
          n += *added;
          i = b->instrs[n].get();
        }
        absl::Status s = typeInstr(inst, *i);
        if (!s.ok()) return s;
        for (ir::Edge& e : i->succs)
          for (size_t k = 0; k < e.args.size(); ++k) {
            ir::Value* prm = e.target->params[k].get();
            if (absl::Status s2 = set(prm, e.args[k]->type, prm->debug_name); !s2.ok()) return s2;
          }
      }
    }
    return refineBack(inst);  // lists
  }

  bool changed_ = false;
  // locals: the type a value of type x stored to a local declared by Numba's
  // jit(locals={name: type}) takes: the declared number or bool type, to which
  // the store converts it (as Numba's typed variable casts what is assigned
  // to it). A strong value stays strong (NEP 50). Only scalar declarations
  // are sent (dispatcher.py); only numbers and bools convert.
  absl::StatusOr<const Type*> declaredLocal(const ir::Instr& i, const Type* x) {
    const std::string& var = i.result->debug_name;
    absl::StatusOr<const Type*> declared = tc_.parse(i.name);
    auto scalar = [](const Type* t) {
      return t->kind == Kind::kInt || t->kind == Kind::kFloat || t->kind == Kind::kComplex || t->kind == Kind::kBool;
    };
    if (!declared.ok() || !scalar(*declared))
      return typingError(absl::StrCat("locals= declares '", var, "' as ", i.name,
                                      ": only number and bool types can be declared"));
    const Type* from = x->kind == Kind::kEnumMember ? x->items[0] : x;  // enums: an IntEnum member's value
    if (!scalar(from) || (from->kind == Kind::kComplex && (*declared)->kind != Kind::kComplex))
      return typingError(absl::StrCat("cannot store a value of type ", x->str(), " in '", var,
                                      "', declared as ", (*declared)->str(), " by locals="));
    return x->strong ? tc_.strongScalar(*declared) : *declared;
  }

  // literally: the entry function's literal parameters (through calls too),
  // which only the client can give values to: it calls again through a
  // wrapper passing them as constants. A LiteralRequest listing their
  // indices ("1,3"), or OK when there are none.
  absl::Status literalRequest() {
    const std::vector<LiteralParam>& literal = literalParams(0);
    std::vector<std::string> asked;
    for (size_t k = 0; k < literal.size(); ++k)
      if (literal[k] == LiteralParam::kAny) asked.push_back(absl::StrCat(k));
    if (asked.empty()) return absl::OkStatus();
    const compiler::CodeObject& code = p_.bundle->functions[0].code;
    return compiler::userError(Diagnostic::Kind::kLiteralRequest, absl::StrJoin(asked, ","), code.filename,
                               code.firstlineno, code.qualname);
  }

  const compiler::Budget* budget_ = nullptr;

  // The compile's deadline and cancellation (compiler/budget.h).
  absl::Status checkBudget() const {
    if (budget_ == nullptr) return absl::OkStatus();
    absl::Status s = budget_->check();
    if (s.ok()) return s;
    return absl::Status(s.code(), absl::StrCat(s.message(), " (in pass 'typing')"));
  }

  absl::Status userError(Diagnostic::Kind kind, std::string msg, int line) {
    const compiler::CodeObject& code = p_.bundle->functions[p_.instances[cur_]->function_index].code;
    return compiler::userError(kind, std::move(msg), code.filename, line, code.qualname);
  }
  absl::Status typingError(std::string msg) { return userError(Diagnostic::Kind::kTyping, std::move(msg), line_); }

 private:
  // lists: a method call on a list; one that stores items may widen the
  // list's type, which then flows back to where the list was made.
  absl::StatusOr<const Type*> listMethod(ir::Instr& i, const Type* receiver, const std::vector<const Type*>& args) {
    const Type* refined = receiver;
    const std::string& name = i.operands[0]->type->name;
    absl::StatusOr<const Type*> t = listMethodCall(tc_, receiver, name, args, i.kwnames, &refined);
    if (!t.ok()) {
      if (name != "append" && name != "insert") return typingError(std::string(t.status().message()));
      // wording: Numba's lead words for a store the list's item type refuses, then why.
      std::vector<std::string> spelled;
      for (const Type* a : args) spelled.push_back(a->str());
      return typingError(absl::StrCat("Invalid use of BoundFunction(list.", name, " for ", receiver->str(),
                                      ") with parameters (", absl::StrJoin(spelled, ", "), "): ", t.status().message()));
    }
    if (refined != receiver) {
      const ir::Instr* attr = i.operands[0]->def;
      if (!attr || attr->op != Op::kGetAttr)
        return typingError(absl::StrCat("cannot change the item type of ", receiver->str(), " through a method value"));
      if (absl::Status s = refine(attr->operands[0], refined); !s.ok()) return s;
    }
    return *t;
  }

  // lists: v (a list) must have type `list`; the change reaches its
  // definition through refineBack. An argument's type is fixed.
  absl::Status refine(ir::Value* v, const Type* list) {
    if (v->type == list) return absl::OkStatus();
    const Type* u = unify(tc_, v->type, list);
    if (u == v->type) return absl::OkStatus();
    // Only reflection differs: the same layout.
    if (u && v->type->kind == Kind::kList && u->items[0] == v->type->items[0]) return absl::OkStatus();
    if (v->def == nullptr) {
      const ir::Block* entry = p_.instances[cur_]->ir->blocks[0].get();
      for (const auto& prm : entry->params)
        if (prm.get() == v)
          return typingError(absl::StrCat("cannot store items of type ", list->items[0]->str(), " into ",
                                          v->type->str(), (v->debug_name.empty() ? "" : absl::StrCat(" '", v->debug_name, "'")),
                                          ": a list passed in keeps its item type"));
    }
    // Only a list made here can still take another item type: one a call
    // returned or read out of another container is laid out already.
    const ir::Instr* def = v->def;
    bool made_here = def == nullptr || def->op == Op::kBuildList || def->op == Op::kBinOp || def->op == Op::kCopy ||
                     (def->op == Op::kCall && def->operands[0]->type->kind == Kind::kBuiltin);
    if (!made_here)
      return typingError(absl::StrCat("cannot store items of type ", list->items[0]->str(), " into ", v->type->str(),
                                      (v->debug_name.empty() ? "" : absl::StrCat(" '", v->debug_name, "'")),
                                      ": its item type was fixed where it was made"));
    return set(v, list, v->debug_name);
  }

  // lists: a block parameter whose list type widened widens the values
  // passed to it, so the list is made with the final item type.
  absl::Status refineBack(Instance& inst) {
    for (auto& b : inst.ir->blocks)
      for (auto& i : b->instrs) {
        line_ = i->line;
        for (ir::Edge& e : i->succs)
          for (size_t k = 0; k < e.args.size(); ++k) {
            const Type* pt = e.target->params[k]->type;
            ir::Value* a = e.args[k];
            if (pt->kind == Kind::kList && a->type->kind == Kind::kList && a->type != pt)
              if (absl::Status s = refine(a, pt); !s.ok()) return s;
          }
        if (i->op == Op::kCopy && i->result->type->kind == Kind::kList && i->operands[0]->type != i->result->type)
          if (absl::Status s = refine(i->operands[0], i->result->type); !s.ok()) return s;
      }
    return absl::OkStatus();
  }

  // Whether `inner` is one of outer's items, at any depth.
  static bool contains(const Type* outer, const Type* inner) {
    for (const Type* item : outer->items)
      if (item == inner || contains(item, inner)) return true;
    return false;
  }

  absl::Status set(ir::Value* v, const Type* t, const std::string& what = "") {
    const Type* u = unify(tc_, v->type, t);
    if (!u && v->type->kind == Kind::kFunction && t->kind == Kind::kFunction)  // pyfuncs: Numba's words
      return userError(Diagnostic::Kind::kUnsupported,
                       absl::StrCat("mismatch of function types: cannot unify ", v->type->str(), " and ", t->str(),
                                    what.empty() ? "" : absl::StrCat(" for '", what, "'"),
                                    ": a variable holding two different functions is not supported"),
                       line_);
    if (!u && ((v->type->kind == Kind::kFunction && t->kind == Kind::kNone) ||
               (v->type->kind == Kind::kNone && t->kind == Kind::kFunction)))  // pyfuncs: an optional function
      return typingError(absl::StrCat("cannot unify ", v->type->str(), " and ", t->str(),
                                      what.empty() ? "" : absl::StrCat(" for '", what, "'"),
                                      ": a function on one path and None on another is not supported (as a sort "
                                      "key: Key must concretely be None or a Numba JIT compiled function)"));
    if (!u) u = joinOptional(tc_, v->type, t);  // optional: None and a value meet
    if (!u && contains(t, v->type))  // wording: a type that holds its previous self grows on every round (Numba's words)
      return typingError(absl::StrCat("Return type of recursive function does not converge: cannot unify ",
                                      v->type->str(), " and ", t->str(), " (a recursive call's result is held in a larger value on every call)"));
    if (!u && (isLiteralList(v->type) || isLiteralList(t) || isLiteralStrKeyDict(v->type) || isLiteralStrKeyDict(t)))
      return typingError(absl::StrCat("Cannot unify ", v->type->str(), " and ", t->str(),  // litcont: Numba's words
                                      what.empty() ? "" : absl::StrCat(" for '", what, "'"),
                                      " (literal containers meet only with the same keys and item types)"));
    if (!u && v->param_of && usedBy(*v, "isinstance"))  // unroll: Numba's words
      return typingError(absl::StrCat("isinstance() cannot determine the type of variable \"", what,
                                      "\" due to a branch."));
    if (!u && unrolledParam(*v))  // unroll: Numba's words
      return userError(Diagnostic::Kind::kUnsupported,
                       absl::StrCat("Invalid use of literal_unroll: found multiple definitions of variable '", what,
                                    "' (", v->type->str(), " and ", t->str(), ")"),
                       line_);
    if (!u)
      return typingError(absl::StrCat("cannot unify ", v->type->str(), " and ", t->str(),
                                      what.empty() ? "" : absl::StrCat(" for '", what, "'"),
                                      growsInRecursion(v->type, t) ? ": Return type of recursive function does not converge"
                                                                   : ""));
    if (u != v->type) {
      // Types that grow without bound (a recursion over ever larger tuples)
      // are refused before anything spells or lowers them.
      if (std::string why = TypeContext::tooLarge(u); !why.empty())
        return typingError(absl::StrCat("the type of ", what.empty() ? "a value" : absl::StrCat("'", what, "'"),
                                        " is too large: ", why, " (", spell(u, 120), ")",
                                        instances_per_function_[p_.instances[cur_]->function_index] > 1
                                            ? "; does a recursive call build a larger argument on every call?"
                                            : ""));
      v->type = u;
      changed_ = true;
    }
    return absl::OkStatus();
  }

  // pycells: whether one type holds the other inside it while the current
  // instance calls its own function (a recursion whose result nests itself,
  // in Numba's words one whose return type does not converge).
  bool growsInRecursion(const Type* a, const Type* b) const {
    std::function<bool(const Type*, const Type*)> inside = [&](const Type* outer, const Type* x) {
      for (const Type* item : outer->items)
        if (item == x || inside(item, x)) return true;
      return false;
    };
    if (!inside(a, b) && !inside(b, a)) return false;
    const Instance& inst = *p_.instances[cur_];
    for (const auto& [call, binding] : inst.calls)
      if (binding.target >= 0 && p_.instances[binding.target]->function_index == inst.function_index) return true;
    return false;
  }

  absl::StatusOr<const Type*> constType(const compiler::Constant& c) {
    using K = compiler::Constant::Kind;
    switch (c.kind) {
      case K::kNone: return tc_.none();
      case K::kBool: return tc_.boolean();
      case K::kInt: return tc_.integer(64, true);
      case K::kFloat: return tc_.floating(64);
      case K::kComplex: return tc_.complex(128);
      case K::kStr: return tc_.str();
      case K::kTuple: {
        std::vector<const Type*> items;
        for (const compiler::Constant& item : c.items) {
          absl::StatusOr<const Type*> t = constType(item);
          if (!t.ok()) return t.status();
          items.push_back(*t);
        }
        // realcode2: a namedtuple default or global, its class in `s` ("mod.Point[x, y]",
        // server/bundle_convert.cpp); empty for a plain tuple
        if (!c.s.empty()) return tc_.namedTuple(std::move(items), c.s);
        return tc_.tuple(std::move(items));
      }
      case K::kEllipsis:
        return tc_.ellipsis();
      case K::kBuiltin:  // npmisc: a class default (`dtype=np.float64`)
        return builtinType(c.s);
      case K::kArray: {  // arrays: a frozen NumPy array (read-only, as Numba's constants) or scalar
        absl::StatusOr<const Type*> dtype = tc_.parse(c.dtype);
        if (!dtype.ok()) return dtype.status();
        // records: a np.record is its Record; rorecord: frozen, as Numba's constants
        if (c.shape.empty() && !c.zero_dim) return tc_.recordView(*dtype, true);
        return tc_.array(*dtype, static_cast<int>(c.shape.size()), 'C', /*readonly=*/true);
      }
      case K::kBytes:  // charseq: a bytes literal, read-only bytes as Numba's (Bytes(uint8, 1d, C))
        return tc_.parse("Bytes(uint8, 1d, C)");
      case K::kCode:
        return userError(Diagnostic::Kind::kUnsupported, absl::StrCat("constant ", c.repr(), " is not supported"),
                         line_);
    }
    return tc_.unknown();
  }

  // The type of a builtin named as bundle.py names it: a global of kind
  // kBuiltin, or a class given as a parameter default (npmisc).
  absl::StatusOr<const Type*> builtinType(const std::string& qualified_name) {
    // realcode2: a jitted function given as a default ("function:N", server/bundle_convert.cpp), as a
    // global naming it is.
    if (qualified_name.rfind("function:", 0) == 0) {
      size_t index = 0;
      if (!absl::SimpleAtoi(qualified_name.substr(9), &index) || index >= p_.bundle->functions.size())
        return absl::InvalidArgumentError("a function default refers to a function outside the bundle");
      return tc_.function(static_cast<int>(index));
    }
    // records: a structured np.dtype, frozen by bundle.py as its Record spelling.
    if (qualified_name.rfind("record:", 0) == 0) {
      absl::StatusOr<const Type*> r = tc_.parse(qualified_name.substr(7));
      if (!r.ok() || !(*r)->isRecord()) return typingError(absl::StrCat("bad record dtype '", qualified_name, "'"));
      return tc_.dtypeClass(*r);
    }
    // typedempty: a type object (types.float64[:], types.ListType(T)), frozen by bundle.py as its spelling.
    if (qualified_name.rfind("typeref:", 0) == 0) {
      absl::StatusOr<const Type*> r = tc_.parse(qualified_name.substr(8));
      if (!r.ok()) return typingError(absl::StrCat("bad type object '", qualified_name.substr(8), "'"));
      return tc_.typeRef(*r);
    }
    if (isExceptionClassName(qualified_name)) return tc_.exceptionClass(qualified_name);
    // closures: a NumPy scalar type read from a global or a cell
    // (`from numpy import int32`) is the class, as `np.int32` is.
    if (qualified_name.rfind("numpy.", 0) == 0)
      if (const Type* d = moduleAttr(tc_, "numpy", qualified_name.substr(6)); d && d->kind == Kind::kDType) return d;
    if (const Type* exc = exceptionClassOf(tc_, qualified_name)) return exc;  // exceptions:
    return tc_.builtin(qualified_name);
  }

  absl::StatusOr<const Type*> globalType(const std::string& name) {
    const compiler::Function& fn = p_.bundle->functions[p_.instances[cur_]->function_index];
    const compiler::GlobalRef* g = fn.global(name);
    using K = compiler::GlobalRef::Kind;
    if (name == ir::kFormatBuiltin && !g) return tc_.builtin("str");  // strings: an f-string field
    if (name == ir::kSetBuiltin) return tc_.builtin("set");  // sets: a set literal's set()
    if ((name == ir::kFormatSpecBuiltin || name == ir::kReprBuiltin || name == ir::kAsciiBuiltin) && !g)
      return tc_.builtin(name.substr(9));  // format: an f-string field's format()/repr()/ascii()
    if (name.rfind("namedtuple:", 0) == 0 && !g) return tc_.builtin(name);  // namedtuples: type(p), the class
    // exceptions: LOAD_ASSERTION_ERROR's class, named so no global shadows it.
    if (name == "builtins.AssertionError") return tc_.exceptionClass("AssertionError");
    // pysub4: the raise guarding a read of a local that may be unbound (frontend/unbound_locals.h).
    if (name == "builtins.UnboundLocalError") return tc_.exceptionClass("UnboundLocalError");
    if (name == "builtins.list" && !g) return tc_.builtin("list");  // tuples: a, *rest = t
    if (name.rfind("type:", 0) == 0 && !g) {  // unroll: type(x) of a number or a str, its class
      if (name.rfind("type:numpy.", 0) == 0) return moduleAttr(tc_, "numpy", name.substr(11));
      return tc_.builtin(name.substr(5));
    }
    if (!g || g->kind == K::kMissing)
      return userError(Diagnostic::Kind::kName, absl::StrCat("name '", name, "' is not defined"), line_);
    switch (g->kind) {
      case K::kConstant:
        if (isEnumMemberSpelling(g->qualified_name)) return tc_.parse(g->qualified_name);  // enums: a member, as its value
        return constType(g->value);
      case K::kFunction:
        if (g->function_index >= p_.bundle->functions.size())
          return absl::InvalidArgumentError("global refers to a function outside the bundle");
        return tc_.function(static_cast<int>(g->function_index));
      case K::kModule:
        if (g->qualified_name == "math" || g->qualified_name == "numpy" || g->qualified_name == "cmath" ||
            g->qualified_name == "numpy.random" || g->qualified_name == "random" ||  // random: library modules
            g->qualified_name == "operator" ||  // closures: operator functions come from kiln/library
            g->qualified_name == "heapq" ||  // lists: heapq's functions are library functions (kiln/library)
            g->qualified_name == "functools" ||  // generators: functools.reduce (kiln/library)
            g->qualified_name == "numpy.linalg" ||  // linalg: kiln/library/numpy_linalg.py
            g->qualified_name == "numpy.lib" || g->qualified_name == "numpy.lib.stride_tricks" ||  // npmisc:
            g->qualified_name == "kiln.typed" ||  // pycells: typed.List() / typed.Dict (numba.typed too)
            g->qualified_name == "numba" || g->qualified_name == "kiln" ||  // realcode: numba.prange
            isCudaModule(g->qualified_name))  // cuda: the kernel language (rules_cuda.cpp)
          return tc_.module(g->qualified_name);
        // keys: a user module whose jitted functions the code calls travels
        // with them ("helpers.scale", bundle.py's library_members); any
        // other attribute of it is refused where it is read.
        // pysub3: so does one whose plain constants it reads (`sys.hexversion`).
        for (const compiler::GlobalRef& member : fn.globals)
          if ((member.kind == K::kFunction || member.kind == K::kConstant ||
               member.kind == K::kBuiltin ||  // tlist: numba.types.int64
               (member.kind == K::kUnsupported && isNativeFunctionName(member.type_name))) &&  // native:
              member.name.rfind(g->qualified_name + ".", 0) == 0)
            return tc_.module(g->qualified_name);
        return userError(Diagnostic::Kind::kUnsupported,
                         absl::StrCat("module '", g->qualified_name, "' is not supported in jitted code"), line_);
      case K::kBuiltin:
        if (g->qualified_name.rfind("overload:", 0) == 0 || g->qualified_name.rfind("intrinsic:", 0) == 0)
          return tc_.builtin(g->qualified_name);  // overloadCall
        if (g->qualified_name == "prange") return tc_.builtin("range");  // prange: a range (parallel_loops.h)
        return builtinType(g->qualified_name);
      case K::kUnsupported:
        if (g->type_name == "_TypeMetaclass")  // unroll: Numba's type classes (numba.types.Integer), Numba's words
          return typingError(absl::StrCat("Numba type classes (global '", name, "') are not supported in jitted code"));
        if (isNativeFunctionName(g->type_name))  // native: a native function the client could not freeze, and why
          return typingError(absl::StrCat("cannot call global '", name, "' in jitted code: ",
                                          g->type_name.substr(kNativeFunctionPrefix.size())));
        if (g->type_name == "function")  // realcode5: overload: a function with no @overload either
          return typingError(absl::StrCat("cannot use global '", name,
                                          "' of Python type 'function' in jitted code: a plain Python function is "
                                          "compiled only when it is @jit or @register_jitable, or has an @overload "
                                          "(Numba's or kiln.extending's)"));
        return typingError(absl::StrCat("cannot use global '", name, "' of Python type '", g->type_name,
                                        "' in jitted code"));
      case K::kMissing: break;
      case K::kIntrinsic:  // intrinsic: named "intrinsic:KEY(T1)", read by overloadCall, never by a LOAD_GLOBAL
        return absl::InvalidArgumentError(absl::StrCat("global '", name, "' is an intrinsic's signature"));
    }
    return tc_.unknown();
  }

  // A call of function `fn_index` of the bundle, its arguments bound to its
  // parameters as Python binds them.
  // A call of bundle function `fn_index`; `callee` its type (a closure's
  // carries its captures and defaults: closures), or null for a bound call.
  absl::StatusOr<const Type*> functionCall(Instance& inst, ir::Instr& i, int fn_index, bool bound,
                                           const Type* callee = nullptr) {
    const compiler::Function& fn = p_.bundle->functions[fn_index];
    const std::vector<std::string>& varnames = fn.code.varnames;
    // kwonly: the keyword-only parameters follow the positional ones.
    const int npositional = fn.code.argcount;
    const int nparams = npositional + fn.code.kwonlyargcount;
    // A bound call (strings: s.method written in Python) passes the
    // receiver, operand 0, as the first parameter.
    const size_t self = bound ? 1 : 0;
    size_t npos = i.operands.size() - 1 - i.kwnames.size() + self;
    CallBinding binding;
    binding.source.assign(nparams, -1000000);
    // closures: *args (co_flags 0x4): the positional arguments past the
    // named ones become one tuple.
    const bool has_varargs = (fn.code.flags & 0x4) != 0;
    if (has_varargs)
      for (size_t k = npositional; k < npos; ++k) binding.varargs.push_back(static_cast<int>(k + 1 - self));
    if (static_cast<int>(npos) > npositional && !has_varargs)
      return typingError(absl::StrCat(fn.code.qualname, "() takes ", npositional,
                                      npositional == 1 ? " positional argument but " : " positional arguments but ",
                                      npos, npos == 1 ? " was given" : " were given"));
    if (bound) binding.source[0] = 0;
    for (size_t k = self; k < npos && k < static_cast<size_t>(npositional); ++k)
      binding.source[k] = static_cast<int>(k + 1 - self);
    for (size_t k = 0; k < i.kwnames.size(); ++k) {
      int param = -1;
      for (int q = 0; q < nparams && q < static_cast<int>(varnames.size()); ++q)
        if (varnames[q] == i.kwnames[k]) param = q;
      if (param < 0)
        return typingError(absl::StrCat(fn.code.qualname, "() got an unexpected keyword argument '",
                                        i.kwnames[k], "'"));
      if (binding.source[param] != -1000000)
        return typingError(absl::StrCat(fn.code.qualname, "() got multiple values for argument '",
                                        i.kwnames[k], "'"));
      binding.source[param] = static_cast<int>(npos - self + 1 + k);
    }
    // closures: a closure's defaults are values it holds, after its captures.
    const bool closure = callee != nullptr && !callee->items.empty();
    const int ncaptured = closure ? static_cast<int>(callee->items[0]->items.size()) : 0;
    const int ndefaults =
        closure ? static_cast<int>(callee->items[1]->items.size()) : static_cast<int>(fn.defaults.size());
    const int first_default = npositional - ndefaults;
    std::vector<const Type*> types;
    for (int q = 0; q < nparams; ++q) {
      if (binding.source[q] == -1000000 && q >= npositional) {  // kwonly: its default, if it has one
        const size_t k = static_cast<size_t>(q - npositional);
        if (closure || k >= fn.kwonly_defaults.size() || !fn.kwonly_defaults[k])
          return typingError(absl::StrCat(fn.code.qualname, "() missing required keyword-only argument '",
                                          q < static_cast<int>(varnames.size()) ? varnames[q] : "?", "'"));
        binding.source[q] = -1 - static_cast<int>(fn.defaults.size() + k);
        absl::StatusOr<const Type*> t = constType(*fn.kwonly_defaults[k]);
        if (!t.ok()) return t.status();
        types.push_back(*t);
        continue;
      }
      if (binding.source[q] == -1000000) {
        if (q < first_default)
          return typingError(absl::StrCat(fn.code.qualname, "() missing required argument '",
                                          q < static_cast<int>(varnames.size()) ? varnames[q] : "?", "'"));
        if (closure) {
          binding.source[q] = -1 - (ncaptured + q - first_default);
          types.push_back(callee->items[1]->items[q - first_default]);
          continue;
        }
        binding.source[q] = -1 - (q - first_default);
        absl::StatusOr<const Type*> t = constType(fn.defaults[q - first_default]);
        if (!t.ok()) return t.status();
        types.push_back(*t);
      } else if (bound && q == 0) {
        // the receiver of the bound method; overload: of an overload_attribute, the object read
        types.push_back(i.op == Op::kGetAttr ? i.operands[0]->type : i.operands[0]->type->items[0]);
      } else {
        types.push_back(i.operands[binding.source[q]]->type);
      }
    }
    if (has_varargs) {
      std::vector<const Type*> extra;
      for (int k : binding.varargs) {
        if (i.operands[k]->type->kind == Kind::kUnknown) return tc_.unknown();
        extra.push_back(i.operands[k]->type);
      }
      binding.varargs_param = nparams;
      binding.source.push_back(0);  // unused: the tuple is built from binding.varargs
      types.push_back(tc_.tuple(std::move(extra)));
    }
    for (int c = 0; c < ncaptured; ++c) {
      binding.source.push_back(-1 - c);
      types.push_back(callee->items[0]->items[c]);
    }
    binding.closure = closure;
    for (const Type* t : types)
      if (t->kind == Kind::kUnknown) return tc_.unknown();
    // codec: a literal parameter takes the constant the call passes (or its
    // default): a str for kiln.static.literal, an int, bool or str for
    // literally; the constant is part of the instance.
    std::vector<std::optional<compiler::Constant>> literals;
    const std::vector<LiteralParam>& literal = literalParams(fn_index);
    for (size_t q = 0; q < literal.size(); ++q) {
      if (literal[q] == LiteralParam::kNo) continue;
      literals.resize(literal.size());
      if (types[q]->kind == Kind::kNone) continue;  // None (a default such as bytes()'s encoding) stays None
      const int source = q < binding.source.size() ? binding.source[q] : -1000000;
      std::optional<compiler::Constant> value;
      if (source > 0 || (source == 0 && !bound)) {
        value = literalConstant(inst, i.operands[source]);
      } else if (source < 0 && !closure) {
        value = fn.defaultAt(static_cast<size_t>(-1 - source));
      }
      if (value && !literalKindFits(literal[q], value->kind)) value.reset();
      const std::string param = q < varnames.size() ? varnames[q] : "?";
      if (!value && literal[q] == LiteralParam::kAny)  // literally: Numba's message, with the parameter named
        return typingError(absl::StrCat("Invalid use of non-Literal type in literally(", types[q]->str(), "): ",
                                        fn.code.qualname, "() asks for the value of its argument '", param,
                                        "' when compiling, and this call passes one known only at run time"));
      if (!value)
        return typingError(absl::StrCat(fn.code.qualname, "(): ", param,
                                        " must be a constant str (its value is chosen when compiling), not a ",
                                        types[q]->str(), " known only at run time"));
      literals[q] = std::move(*value);
    }
    // eagersig: a callee with explicit signatures runs at the one its
    // arguments convert to best (lowering converts them, and its result to
    // the declared return type).
    const Type* declared_ret = nullptr;
    if (!fn.signatures.empty())
      if (absl::Status s = chooseSignature(fn, types, &declared_ret); !s.ok()) return s;
    int caller = cur_;
    absl::StatusOr<int> target = instanceFor(fn_index, types, literals);
    cur_ = caller;
    if (!target.ok()) return target.status();
    binding.target = *target;
    const Type* ret = p_.instances[*target]->ret;
    if (declared_ret && ret->kind != Kind::kUnknown && !unify(tc_, ret, declared_ret))
      return typingError(absl::StrCat(fn.code.qualname, "() returns ", ret->str(),
                                      ", which does not convert to its declared return type ", declared_ret->str()));
    inst.calls[&i] = std::move(binding);
    return declared_ret ? declared_ret : ret;
  }

  // eagersig: how an argument of type `from` passes for a declared `to`, as
  // Numba's conversion kinds rank it: 0 as it is, 1 a promotion (a wider
  // number of its kind; an array where a less specific layout or a
  // read-only one is declared), 2 a safe conversion (base::scalarConversion:
  // to another kind), 3 an unsafe one, -1 not at all.
  static int argumentConversion(const Type* from, const Type* to) {
    if (from == to || from->isTwinOf(to)) return 0;
    std::optional<base::Scalar> f = numberScalar(from), t = numberScalar(to);
    if (f && t) {
      const bool same_kind = from->kind == to->kind && from->is_signed == to->is_signed;
      switch (base::scalarConversion(*f, *t)) {
        case base::ScalarConversion::kExact: return 0;
        case base::ScalarConversion::kSafe: return same_kind ? 1 : 2;
        case base::ScalarConversion::kUnsafe: return 3;
        case base::ScalarConversion::kNone: return -1;
      }
    }
    if (from->kind == Kind::kArray && to->kind == Kind::kArray && from->dtype() == to->dtype() &&
        from->ndim == to->ndim && (to->readonly || !from->readonly) && (from->layout == to->layout || to->layout == 'A'))
      return 1;
    return -1;
  }

  // eagersig: the declared signature of `fn` that a call with argument
  // types `types` takes, as Numba's dispatcher picks it: the one needing
  // the fewest unsafe conversions, then safe ones, then promotions (the
  // first declared among equals). Replaces `types` with its argument types
  // and sets *ret to its return type (null where it declares none); a
  // TypingError naming the signatures when none takes the arguments.
  absl::Status chooseSignature(const compiler::Function& fn, std::vector<const Type*>& types, const Type** ret) {
    int best = -1;
    std::array<size_t, 3> best_rating{};  // (unsafe, safe, promotions), compared in that order
    std::vector<const Type*> chosen;
    for (size_t k = 0; k < fn.signatures.size(); ++k) {
      const compiler::Function::Signature& sig = fn.signatures[k];
      if (sig.arg_types.size() != types.size()) continue;
      std::vector<const Type*> declared;
      std::array<size_t, 3> rating{};
      bool takes = true;
      for (size_t q = 0; q < types.size() && takes; ++q) {
        absl::StatusOr<const Type*> t = tc_.parse(sig.arg_types[q]);
        if (!t.ok())
          return absl::InvalidArgumentError(absl::StrCat("bad bundle: the signature of ", fn.code.qualname,
                                                         ": ", t.status().message()));
        const int c = argumentConversion(types[q], *t);
        takes = c >= 0;
        if (c > 0) ++rating[3 - c];
        declared.push_back(*t);
      }
      if (takes && (best < 0 || rating < best_rating)) {
        best = static_cast<int>(k);
        best_rating = rating;
        chosen = std::move(declared);
      }
    }
    if (best < 0) {
      std::vector<std::string> given, declared;
      for (const Type* t : types) given.push_back(t->str());
      auto spelled = [&](const std::string& t) {  // Numba's spelling (np.float64 is float64)
        absl::StatusOr<const Type*> parsed = tc_.parse(t);
        return parsed.ok() ? (*parsed)->str() : t;
      };
      for (const compiler::Function::Signature& sig : fn.signatures) {
        std::vector<std::string> args;
        for (const std::string& t : sig.arg_types) args.push_back(spelled(t));
        declared.push_back(absl::StrCat(sig.return_type.empty() ? "" : spelled(sig.return_type), "(",
                                        absl::StrJoin(args, ", "), ")"));
      }
      return typingError(absl::StrCat("No matching definition for argument type(s) ", absl::StrJoin(given, ", "),
                                      ": ", fn.code.qualname, "() is compiled only for its declared signatures ",
                                      absl::StrJoin(declared, ", ")));
    }
    const std::string& declared_ret = fn.signatures[best].return_type;
    if (!declared_ret.empty()) {
      absl::StatusOr<const Type*> t = tc_.parse(declared_ret);
      if (!t.ok())
        return absl::InvalidArgumentError(absl::StrCat("bad bundle: the signature of ", fn.code.qualname, ": ",
                                                       t.status().message()));
      *ret = *t;
    }
    types = std::move(chosen);
    return absl::OkStatus();
  }

  // strings: the bundle function implementing str.NAME in Python (a
  // function global named "str.NAME", kiln/library/str_methods.py), or -1.
  int strLibraryMethod(const Instance& inst, const std::string& name, const char* type = "str") {
    const compiler::GlobalRef* g = p_.bundle->functions[inst.function_index].global(absl::StrCat(type, ".", name));
    if (!g || g->kind != compiler::GlobalRef::Kind::kFunction || g->function_index >= p_.bundle->functions.size())
      return -1;
    return static_cast<int>(g->function_index);
  }

  // bytesm: whether `name` is an array method row (not an attribute such as .shape) of bytes value b.
  bool bytesArrayMethod(const Type* b, const std::string& name) {
    std::optional<BuiltinId> id = findMember(Kind::kArray, name);
    if (!id) return false;
    const Type* t = memberAttr(tc_, *id, b);
    return t && t->kind == Kind::kBoundMethod;
  }

  // literally: Numba's spelling of a literal type, with a str written as
  // Python's repr (quotes, backslashes and control characters escaped).
  static std::string literalSpelling(const compiler::Constant& c) {
    using CK = compiler::Constant::Kind;
    if (c.kind == CK::kInt) return absl::StrCat("Literal[int](", c.i, ")");
    if (c.kind == CK::kBool) return absl::StrCat("Literal[bool](", c.b ? "True" : "False", ")");
    return absl::StrCat("Literal[str](", compiler::pyQuoted(c.s, /*bytes=*/false), ")");
  }

  // overload: a call of a function that a Numba/Kiln @overload implements
  // ("overload:KEY", bundle.py). The implementation depends on the argument
  // types, which only typing knows, and comes from running the overload
  // function in the client's Python: the bundle holds one global per
  // (function, argument types) the client has answered, "overload:KEY(T1, T2,
  // k=T3)": a function (the implementation, compiled as the call's body) or
  // an unsupported value whose reason is the TypingError the overload gave
  // (no match, or its own message). Any other key is asked for with an
  // OverloadRequest, which the client answers and compiles again.
  absl::StatusOr<const Type*> overloadCall(Instance& inst, ir::Instr& i, const std::string& callee) {
    std::optional<std::string> key = overloadKey(inst, i, callee, nullptr);
    if (!key) return tc_.unknown();  // asked for once the argument types are known
    return overloadAnswered(inst, i, *key, /*bound=*/false, absl::OkStatus());
  }

  // overload: the OverloadRequest key of call i, "PREFIX(T1, T2, k=T3)", with
  // `receiver` (an overload_method's or overload_attribute's, as Numba's
  // templates take it) as the first type when given; nullopt while an
  // argument type is not known yet.
  std::optional<std::string> overloadKey(Instance& inst, const ir::Instr& i, const std::string& prefix,
                                         const Type* receiver) {
    const size_t first_kw = i.operands.size() - i.kwnames.size();
    std::string key = absl::StrCat(prefix, "(");
    if (receiver) {
      if (receiver->kind == Kind::kUnknown) return std::nullopt;
      absl::StrAppend(&key, receiver->str());
    }
    for (size_t k = 1; k < i.operands.size(); ++k) {
      const Type* t = i.operands[k]->type;
      if (t->kind == Kind::kUnknown) return std::nullopt;
      // literally: a constant int, bool or str travels as Numba's literal
      // type ("Literal[int](3)", "Literal[str]('linear')": the str as
      // Python's repr, so the client reads it back exactly); the client
      // tries it and the plain type in Numba's order (prefer_literal).
      std::optional<compiler::Constant> literal = literalConstant(inst, i.operands[k]);
      absl::StrAppend(&key, k > 1 || receiver ? ", " : "",
                      k >= first_kw ? absl::StrCat(i.kwnames[k - first_kw], "=") : "",
                      literal ? literalSpelling(*literal) : t->str());
    }
    key += ")";
    return key;
  }

  // overload: what the client answered for `key`: the implementation, called
  // (`bound`: with the receiver, operand 0, first); the TypingError the
  // overload gave; for an empty reason (an overload_method/attribute that
  // does not apply to this receiver), `none_applies`; or, not answered yet,
  // an OverloadRequest for it.
  absl::StatusOr<const Type*> overloadAnswered(Instance& inst, ir::Instr& i, const std::string& key, bool bound,
                                               absl::Status none_applies) {
    const compiler::GlobalRef* g = answerGlobal(inst, key);
    if (g && g->kind == compiler::GlobalRef::Kind::kFunction && g->function_index < p_.bundle->functions.size())
      return functionCall(inst, i, static_cast<int>(g->function_index), bound);
    if (g && g->kind == compiler::GlobalRef::Kind::kIntrinsic && !bound &&
        g->function_index < p_.bundle->intrinsics.size())
      return intrinsicCall(inst, i, static_cast<int>(g->function_index));
    if (g && g->kind == compiler::GlobalRef::Kind::kUnsupported)
      return g->type_name.empty() && !none_applies.ok() ? none_applies : typingError(g->type_name);
    return userError(Diagnostic::Kind::kOverloadRequest, key, line_);
  }

  // overload: the global holding the client's answer for `key`: the calling
  // function's own, else (ovlarg) any bundle function's. A function passed
  // as a value (`fmap(get_index, t)`, whose implementation calls `f(t[0])`)
  // is called where no global names it; the client answers a key the same
  // whichever function asked (extending.answer), and gives the answers to
  // each function that reads the overloaded function as a global, which one
  // of the bundle's functions did to make the value. Bundle order: the first
  // holder wins, deterministically.
  const compiler::GlobalRef* answerGlobal(const Instance& inst, const std::string& key) const {
    const std::vector<compiler::Function>& fns = p_.bundle->functions;
    if (const compiler::GlobalRef* g = fns[inst.function_index].global(key)) return g;
    for (const compiler::Function& fn : fns)
      if (const compiler::GlobalRef* g = fn.global(key)) return g;
    return nullptr;
  }

  // overload: whether the client has an overload_method (`what`
  // "overload_method") or overload_attribute of attribute `name` for some
  // type: bundle.py gives a function the global "WHAT:NAME" for each such
  // name it reads, so code that reads none costs nothing.
  bool memberOverloaded(const Instance& inst, const char* what, const std::string& name) {
    return p_.bundle->functions[inst.function_index].global(absl::StrCat(what, ":", name)) != nullptr;
  }

  // overload: attribute i of obj, which Kiln's own attributes and methods
  // refused with `own`: an overload_attribute's implementation called with
  // obj, else, where an overload_method of the name exists, a bound method
  // whose call asks for its implementation (callType); else `own`. Modules
  // have no types to overload.
  absl::StatusOr<const Type*> memberOverload(Instance& inst, ir::Instr& i, const Type* obj, absl::Status own) {
    if (obj->kind == Kind::kModule) return own;
    const bool method = memberOverloaded(inst, kOverloadMethod, i.name);
    if (memberOverloaded(inst, kOverloadAttribute, i.name)) {
      std::optional<std::string> key = overloadKey(inst, i, absl::StrCat(kOverloadAttribute, ":", i.name), obj);
      if (!key) return tc_.unknown();
      const compiler::GlobalRef* g = p_.bundle->functions[inst.function_index].global(*key);
      if (!method || !g || g->kind != compiler::GlobalRef::Kind::kUnsupported || !g->type_name.empty())
        return overloadAnswered(inst, i, *key, /*bound=*/true, own);
    }
    if (method) return tc_.boundMethod(obj, absl::StrCat(kOverloadMethod, ":", i.name));
    return own;
  }

  // overload: a call of bound method `callee` that memberOverload made: the
  // implementation the overload_method gives for the receiver and arguments.
  absl::StatusOr<const Type*> overloadMethodCall(Instance& inst, ir::Instr& i, const Type* callee) {
    const Type* receiver = callee->items[0];
    std::optional<std::string> key = overloadKey(inst, i, callee->name, receiver);
    if (!key) return tc_.unknown();
    const std::string name = callee->name.substr(std::string_view(kOverloadMethod).size() + 1);
    return overloadAnswered(inst, i, *key, /*bound=*/true,
                            typingError(absl::StrCat("unknown attribute '", name, "' of type ", receiver->str())));
  }

  // intrinsic: a call of an @intrinsic whose typing the client ran at these
  // argument types (the answer to "intrinsic:KEY(T1, T2)"): the signature it
  // gave decides the call's type; each argument is converted to the
  // signature's type, as Numba casts it. Scalars only (bool, ints, floats):
  // the data model of anything else is not one an llvmlite codegen can be
  // written against here.
  absl::StatusOr<const Type*> intrinsicCall(Instance& inst, ir::Instr& i, int index) {
    const compiler::Intrinsic& x = p_.bundle->intrinsics[index];
    if (!i.kwnames.empty())
      return typingError(absl::StrCat("intrinsic ", x.name, "() takes no keyword arguments"));
    if (x.arg_types.size() != i.operands.size() - 1)
      return typingError(absl::StrCat("intrinsic ", x.name, "(): its signature has ", x.arg_types.size(),
                                      " arguments, the call passes ", i.operands.size() - 1));
    auto scalar = [&](const std::string& spelling) -> absl::StatusOr<const Type*> {
      absl::StatusOr<const Type*> t = tc_.parse(spelling);
      if (!t.ok()) return absl::InvalidArgumentError(t.status().message());
      if ((*t)->kind != Kind::kBool && (*t)->kind != Kind::kInt && (*t)->kind != Kind::kFloat)
        return userError(Diagnostic::Kind::kUnsupported,
                         absl::StrCat("intrinsic ", x.name, "(): the type ", (*t)->str(),
                                      " in its signature is not supported (only bool, integers and floats)"),
                         line_);
      return *t;
    };
    CallBinding binding;
    binding.intrinsic = index;
    for (size_t k = 0; k < x.arg_types.size(); ++k) {
      absl::StatusOr<const Type*> t = scalar(x.arg_types[k]);
      if (!t.ok()) return t.status();
      binding.source.push_back(static_cast<int>(k + 1));
    }
    absl::StatusOr<const Type*> ret = scalar(x.return_type);
    if (!ret.ok()) return ret.status();
    inst.calls[&i] = std::move(binding);
    return *ret;
  }

  // pyfuncs: the bundle function implementing `name` ("list.sort",
  // "list.sorted", kiln/library/list_methods.py) when call i passes a
  // function as key=, or -1 (no key, key=None: the compiler's own sort).
  int keyedSort(const Instance& inst, const ir::Instr& i, const std::string& name) {
    const size_t first_kw = i.operands.size() - i.kwnames.size();
    for (size_t k = 0; k < i.kwnames.size(); ++k)
      if (i.kwnames[k] == "key" && i.operands[first_kw + k]->type->kind == Kind::kFunction) {
        const compiler::GlobalRef* g = p_.bundle->functions[inst.function_index].global(name);
        if (!g || g->kind != compiler::GlobalRef::Kind::kFunction || g->function_index >= p_.bundle->functions.size())
          return -1;
        return static_cast<int>(g->function_index);
      }
    return -1;
  }

  // npfuncs: the text of a constant string: a constant, or a global or
  // closure cell frozen as one; nullptr otherwise.
  const std::string* constantText(const Instance& inst, const ir::Value* v) {
    if (const std::string* s = constantStr(v)) return s;
    if (const compiler::Constant* c = literalArgument(inst, v); c && c->kind == compiler::Constant::Kind::kStr)
      return &c->s;  // codec: a literal parameter
    const ir::Instr* def = v->def;
    if (!def || def->op != Op::kLoadGlobal) return nullptr;
    const compiler::GlobalRef* g = p_.bundle->functions[inst.function_index].global(def->name);
    if (!g || g->kind != compiler::GlobalRef::Kind::kConstant || g->value.kind != compiler::Constant::Kind::kStr)
      return nullptr;
    return &g->value.s;
  }

  // codec: the constant a literal parameter of inst was given, when v is
  // that parameter (of the entry block); nullptr otherwise.
  static const compiler::Constant* literalArgument(const Instance& inst, const ir::Value* v) {
    if (v->def || inst.literals.empty() || inst.ir->blocks.empty()) return nullptr;
    const auto& params = inst.ir->blocks[0]->params;
    for (size_t k = 0; k < params.size() && k < inst.literals.size(); ++k)
      if (params[k].get() == v && inst.literals[k]) return &*inst.literals[k];
    return nullptr;
  }

  // codec: which parameters of bundle function fn are literal ones: those
  // its entry block passes to kiln.static.literal (the library's
  // `encoding = _literal(encoding)`: a str) or, anywhere in its body, to
  // literally (Numba's `k = numba.literally(k)`: an int, bool or str; a
  // parameter is one SSA value wherever it is read).
  const std::vector<LiteralParam>& literalParams(int fn) {
    if (auto it = literal_params_.find(fn); it != literal_params_.end()) return it->second;
    std::vector<LiteralParam> literal;
    if (fn >= 0 && static_cast<size_t>(fn) < functions_.size() && functions_[fn].ok() && *functions_[fn] &&
        !(*functions_[fn])->blocks.empty()) {
      const ir::Function& body = **functions_[fn];
      const ir::Block& entry = *body.blocks[0];
      const compiler::Function& f = p_.bundle->functions[fn];
      literal_params_[fn];  // a recursive call sees no literal parameters while they are found
      for (const auto& block : body.blocks) {
        for (const auto& x : block->instrs) {
          if (x->op != Op::kCall || !x->kwnames.empty()) continue;
          const ir::Instr* callee = x->operands[0]->def;
          if (!callee) continue;
          if (callee->op == Op::kLoadGlobal) {
            // literally, through calls: a parameter passed on, as it is, to a
            // literal parameter of a jitted callee is a literal one too (as
            // Numba's ForceLiteralArg travels up to the callers).
            const compiler::GlobalRef* c = f.global(callee->name);
            if (c && c->kind == compiler::GlobalRef::Kind::kFunction && c->function_index < p_.bundle->functions.size() &&
                static_cast<int>(c->function_index) != fn) {
              std::vector<LiteralParam> theirs = literalParams(static_cast<int>(c->function_index));
              for (size_t a = 1; a < x->operands.size() && a - 1 < theirs.size(); ++a) {
                if (theirs[a - 1] != LiteralParam::kAny) continue;
                for (size_t k = 0; k < entry.params.size(); ++k)
                  if (entry.params[k].get() == x->operands[a]) {
                    literal.resize(entry.params.size(), LiteralParam::kNo);
                    literal[k] = LiteralParam::kAny;
                  }
              }
            }
          }
          if (x->operands.size() != 2) continue;
          const compiler::GlobalRef* g = nullptr;
          if (callee->op == Op::kLoadGlobal) {
            g = f.global(callee->name);
          } else if (callee->op == Op::kGetAttr && callee->operands.size() == 1 && callee->operands[0]->def &&
                     callee->operands[0]->def->op == Op::kLoadGlobal) {
            // literally: numba.literally(k), a builtin read off a module ("numba.literally", bundle.py)
            const compiler::GlobalRef* m = f.global(callee->operands[0]->def->name);
            if (m && m->kind == compiler::GlobalRef::Kind::kModule)
              g = f.global(absl::StrCat(m->qualified_name, ".", callee->name));
          }
          if (!g || g->kind != compiler::GlobalRef::Kind::kBuiltin) continue;
          LiteralParam kind = LiteralParam::kNo;
          if (g->qualified_name == "kiln.static.literal" && block.get() == body.blocks[0].get()) kind = LiteralParam::kStr;
          if (g->qualified_name == "literally") kind = LiteralParam::kAny;
          if (kind == LiteralParam::kNo) continue;
          for (size_t k = 0; k < entry.params.size(); ++k)
            if (entry.params[k].get() == x->operands[1]) {
              literal.resize(entry.params.size(), LiteralParam::kNo);
              literal[k] = kind;
            }
        }
      }
    }
    std::vector<LiteralParam>& found = literal_params_[fn];
    found = std::move(literal);
    return found;
  }

  static bool literalKindFits(LiteralParam param, compiler::Constant::Kind kind) {
    using CK = compiler::Constant::Kind;
    switch (param) {
      case LiteralParam::kNo: return false;
      case LiteralParam::kStr: return kind == CK::kStr;
      case LiteralParam::kAny: return kind == CK::kStr || kind == CK::kInt || kind == CK::kBool;
    }
    return false;
  }

  // literally: the compile-time constant v is when it can be a literal (an
  // int, bool or str: a constant, a literal parameter of inst, a global or
  // closure cell frozen as one), as Numba types them Literal[int] etc.
  std::optional<compiler::Constant> literalConstant(const Instance& inst, const ir::Value* v) {
    using CK = compiler::Constant::Kind;
    auto fits = [](const compiler::Constant& c) { return c.kind == CK::kStr || c.kind == CK::kInt || c.kind == CK::kBool; };
    if (const ir::Instr* def = v->def; def && def->op == Op::kConst && fits(def->const_value)) return def->const_value;
    if (const compiler::Constant* c = literalArgument(inst, v); c && fits(*c)) return *c;
    const ir::Instr* def = v->def;
    if (!def || def->op != Op::kLoadGlobal) return std::nullopt;
    const compiler::GlobalRef* g = p_.bundle->functions[inst.function_index].global(def->name);
    if (!g || g->kind != compiler::GlobalRef::Kind::kConstant || !fits(g->value)) return std::nullopt;
    return g->value;
  }

  // codec: kiln.static.literal(x) is the constant str x (a constant or a
  // literal parameter) or None, folded; anything else is refused.
  absl::Status foldLiteral(ir::Instr& i) {
    if (i.operands[0]->type->name == "literally") return foldLiterally(i);
    if (i.operands.size() == 2 && i.operands[1]->type->kind == Kind::kUnknown) return absl::OkStatus();
    if (i.operands.size() == 2 && i.operands[1]->type->kind == Kind::kNone) {  // None stays None
      i.op = Op::kConst;
      i.operands.clear();
      i.const_value = compiler::Constant{};
      return absl::OkStatus();
    }
    const std::string* text = i.operands.size() == 2 && cur_ >= 0 && static_cast<size_t>(cur_) < p_.instances.size()
                                  ? constantText(*p_.instances[cur_], i.operands[1]) : nullptr;
    if (!text)
      return typingError(absl::StrCat("a constant str is needed here, not ",
                                      i.operands.size() == 2 ? i.operands[1]->type->str() : "nothing",
                                      " known only at run time"));
    std::string s = *text;
    i.op = Op::kConst;
    i.operands.clear();
    i.const_value = compiler::Constant{};
    i.const_value.kind = compiler::Constant::Kind::kStr;
    i.const_value.s = std::move(s);
    return absl::OkStatus();
  }

  // literally: literally(x) is the constant x (an int, bool or str: a
  // constant, or a literal parameter, which the call sites or the dispatcher
  // give a constant), folded; None stays None; anything else is refused with
  // Numba's message.
  absl::Status foldLiterally(ir::Instr& i) {
    if (i.operands.size() != 2 || !i.kwnames.empty())
      return typingError(absl::StrCat("literally() takes exactly one positional argument (",
                                      i.operands.size() - 1, " given)"));
    const ir::Value* x = i.operands[1];
    if (x->type->kind == Kind::kUnknown) return absl::OkStatus();
    std::optional<compiler::Constant> value;
    if (x->type->kind == Kind::kNone) value = compiler::Constant{};
    else if (cur_ >= 0 && static_cast<size_t>(cur_) < p_.instances.size()) value = literalConstant(*p_.instances[cur_], x);
    if (!value) return typingError(absl::StrCat("Invalid use of non-Literal type in literally(", x->type->str(), ")"));
    i.op = Op::kConst;
    i.operands.clear();
    i.const_value = std::move(*value);
    return absl::OkStatus();
  }

  absl::StatusOr<const Type*> callType(Instance& inst, ir::Instr& i) {
    const Type* callee = i.operands[0]->type;
    std::vector<const Type*> args;
    for (size_t k = 1; k < i.operands.size(); ++k) args.push_back(i.operands[k]->type);
    // slices: slice(...), s.indices(n) (rules_slices.cpp).
    if (std::optional<absl::StatusOr<const Type*>> s = sliceCallType(tc_, callee, args, i.kwnames)) {
      if (!s->ok()) return typingError(std::string(s->status().message()));
      return **s;
    }
    switch (callee->kind) {
      case Kind::kUnknown: return tc_.unknown();
      case Kind::kBuiltin: {
        if (isStructRefClass(callee->name)) {  // structref: the define_proxy'd class makes a StructRef
          for (const Type* a : args)
            if (a->kind == Kind::kUnknown) return tc_.unknown();
          absl::StatusOr<const Type*> s = structRefNew(tc_, callee->name, args, i.kwnames.size());
          if (!s.ok()) return typingError(std::string(s.status().message()));
          return *s;
        }
        if (callee->name.rfind("overload:", 0) == 0 || callee->name.rfind("intrinsic:", 0) == 0)
          return overloadCall(inst, i, callee->name);  // intrinsic: asked for and answered as an overload is
        if (int fn = callee->name == "sorted" ? keyedSort(inst, i, "list.sorted") : -1; fn >= 0)
          return functionCall(inst, i, fn, /*bound=*/false);  // pyfuncs: sorted(it, key=f) written in Python
        // sets: set(), set(iterable), bool(s) (rules_sets.cpp).
        if (std::optional<absl::StatusOr<const Type*>> s = setBuiltinCall(tc_, callee->name, args, i.kwnames)) {
          if (!s->ok()) return typingError(std::string(s->status().message()));
          return **s;
        }
        // lists: len, list, sorted, min, max, sum over lists (rules_lists.cpp).
        if (std::optional<absl::StatusOr<const Type*>> l = listBuiltinCall(tc_, callee->name, args, i.kwnames)) {
          if (!l->ok()) return typingError(std::string(l->status().message()));
          return **l;
        }
        // print: print(*args, sep=, end=) (rules_print.cpp).
        if (std::optional<absl::StatusOr<const Type*>> p = printBuiltinCall(tc_, callee->name, args, i.kwnames)) {
          if (!p->ok())
            return userError(p->status().code() == absl::StatusCode::kUnimplemented ? Diagnostic::Kind::kUnsupported
                                                                                     : Diagnostic::Kind::kTyping,
                             std::string(p->status().message()), line_);
          return **p;
        }
        // objmode: a with objmode() block the client took out (rules_print.cpp).
        if (std::optional<absl::StatusOr<const Type*>> o = objmodeBuiltinCall(
                tc_, callee->name, args, i.operands.size() > 1 ? constantText(inst, i.operands[1]) : nullptr,
                i.operands.size() > 2 ? constantText(inst, i.operands[2]) : nullptr)) {
          if (!o->ok())
            return userError(o->status().code() == absl::StatusCode::kUnimplemented ? Diagnostic::Kind::kUnsupported
                                                                                     : Diagnostic::Kind::kTyping,
                             std::string(o->status().message()), line_);
          return **o;
        }
        // native: a C function called by address (rules_native.cpp).
        std::vector<const Type*> ctypes_of;  // extfunc: the array of each argument that is `a.ctypes`
        for (size_t k = 1; k < i.operands.size(); ++k) {
          const ir::Value* array = arrayOfCTypes(i.operands[k]);
          ctypes_of.push_back(array ? array->type : nullptr);
        }
        if (std::optional<absl::StatusOr<const Type*>> n =
                nativeBuiltinCall(tc_, callee->name, args, ctypes_of, i.kwnames)) {
          if (!n->ok()) return typingError(std::string(n->status().message()));
          return **n;
        }
        // format: format(x, spec), repr(x), ascii(x) (rules_format.cpp).
        if (std::optional<absl::StatusOr<const Type*>> f = formatBuiltinCall(
                tc_, callee->name, args, i.kwnames, i.operands.size() > 2 ? constantText(inst, i.operands[2]) : nullptr)) {
          if (!f->ok())
            return userError(f->status().code() == absl::StatusCode::kUnimplemented ? Diagnostic::Kind::kUnsupported
                                                                                     : Diagnostic::Kind::kTyping,
                             std::string(f->status().message()), line_);
          return **f;
        }
        if (int fn = callee->name == "bytes" ? strLibraryMethod(inst, "__new__", "bytes") : -1; fn >= 0)
          return functionCall(inst, i, fn, /*bound=*/false);  // bytesm: bytes(x) written in Python
        if (int fn = callee->name == "str" && (i.operands.size() > 2 || !i.kwnames.empty())
                         ? strLibraryMethod(inst, "__new__", "str") : -1;
            fn >= 0)
          return functionCall(inst, i, fn, /*bound=*/false);  // codec: str(b, encoding, errors) written in Python
        std::optional<BuiltinId> id = findBuiltin(callee->name);
        if (!id) return typingError(absl::StrCat("'", callee->name, "' is not supported in jitted code"));
        if (*id == BuiltinId::kAbs && args.size() == 1 && i.kwnames.empty() && args[0]->isArray())
          id = BuiltinId::kNpAbsolute;  // realcode2: abs(a) of an array is np.absolute(a), as in Numba
        if (callee->name.rfind("numpy.", 0) == 0 && callee->name != "numpy.frombuffer")
          for (const Type* a : args)
            if (isBytes(a))  // bytesm: NumPy reads bytes as one string scalar, never as uint8 elements
              return typingError(absl::StrCat(callee->name, "() of a bytes value (", a->str(),
                                              ") is not supported: NumPy reads it as a string scalar"));
        absl::StatusOr<std::vector<int>> bound =
            bindArguments(*id, i.operands.size() - 1 - i.kwnames.size(), i.kwnames);
        if (!bound.ok()) return typingError(std::string(bound.status().message()));
        ir::Resolution res{*id, *bound, nullptr, nullptr};
        args.clear();
        for (int k : res.bound) args.push_back(k ? i.operands[k]->type : tc_.none());  // npcreate: 0, a default
        if (absl::Status d = dtypeStringArgs(tc_, res, i, args, [&](const ir::Value* v) { return constantText(inst, v); }); !d.ok())  // npfuncs: dtype="float32"
          return typingError(std::string(d.message()));
        // A dtype given by keyword is a dtype or None: the rules find the
        // dtype among the trailing arguments, where a number would be read
        // as another argument (np.arange(5, dtype=2) is NumPy's TypeError).
        for (size_t k = 0; k < i.kwnames.size(); ++k) {
          if (i.kwnames[k] != "dtype") continue;
          const int operand = static_cast<int>(i.operands.size() - i.kwnames.size() + k);
          for (size_t j = 0; j < res.bound.size(); ++j)
            if (res.bound[j] == operand && args[j]->kind != Kind::kNone && !dtypeOf(tc_, args[j]) &&
                !(*id == BuiltinId::kNpEye && args[j]->isNumber()))  // npcreate: eye's dtype=np.complex64(1), as Numba
              return typingError(absl::StrCat(builtinName(*id), "(): dtype must be a NumPy dtype, not ", args[j]->str()));
        }
        if ((*id == BuiltinId::kNpAsarray || *id == BuiltinId::kNpArray) && !args.empty() &&
            args[0]->kind == Kind::kStr) {
          // np0d: a str is a 0-d array of dtype <U{len} (at least <U1, as
          // NumPy); its length decides the type, so only a constant str
          // (Numba: a string literal) is typed.
          const std::string* s = constantText(inst, i.operands[res.bound[0]]);
          if (!s || (args.size() > 1 && args[1]->kind != Kind::kNone))
            return typingError(absl::StrCat("no implementation of '", builtinName(*id), "' for argument types (",
                                            args[0]->str(), args.size() > 1 && args[1]->kind != Kind::kNone
                                                                 ? absl::StrCat(", ", args[1]->str()) : "",
                                            "): a str is made an array only when it is a constant without a dtype "
                                            "(its length is the dtype's, <U{len})"));
          int64_t chars = 0;
          for (unsigned char c : *s) chars += (c & 0xC0) != 0x80;  // code points of its UTF-8
          i.resolution = std::move(res);
          return tc_.array(tc_.unicodeCharSeq(std::max<int64_t>(chars, 1)), 0, 'C');
        }
        absl::StatusOr<const Type*> t = builtinCall(tc_, res, args);
        if (t.ok()) t = cudaMathType(tc_, *p_.bundle, *id, args, *t);  // cudalang: float32 math in kernels
        if (t.ok() && isCudaBuiltin(*id) && (*t)->kind != Kind::kUnknown)  // cuda: literal shapes and dimensions
          t = checkCudaCall(tc_, p_.bundle->functions[inst.function_index], i, res, *t);
        if (!t.ok() && *id == BuiltinId::kLinalgSameDtype) {  // linalg: named by its constant first argument
          const ir::Instr* def = i.operands[res.bound[0]]->def;
          std::string name = def && def->op == Op::kConst ? def->const_value.s : "";
          return typingError(absl::StrCat(name, " ", t.status().message()));
        }
        if (!t.ok() && *id == BuiltinId::kRngShape)  // random: named after the numpy.random function checking size=
          return typingError(absl::StrCat("np.random.", p_.bundle->functions[inst.function_index].code.qualname,
                                          "(): ", t.status().message()));
        // realcode4: a list whose items are not known yet (made empty,
        // appended to further on) is typed in a later round, once the
        // appends have given it its item type (sparse's
        // `idx = []; if n == 0: return np.array(idx, dtype=np.intp)`).
        if (!t.ok())
          for (const Type* a : args)
            if (a->kind == Kind::kList && !a->items.empty() && a->items[0]->kind == Kind::kUnknown)
              return tc_.unknown();
        if (!t.ok()) {
          // A rule may say which kind of user error it is (dtunits: Numba's
          // LoweringError); this adds the location.
          if (std::optional<Diagnostic> d = compiler::diagnosticOf(t.status()))
            return userError(d->kind, std::move(d->message), line_);
          return typingError(std::string(t.status().message()));
        }
        if (*id == BuiltinId::kNpSearchsorted && res.bound.size() == 3) {  // side= must be a constant
          const ir::Instr* def = i.operands[res.bound[2]]->def;
          bool ok = def && def->op == Op::kConst && def->const_value.kind == compiler::Constant::Kind::kStr &&
                    (def->const_value.s == "left" || def->const_value.s == "right");
          if (!ok) return typingError("numpy.searchsorted() side= must be the constant 'left' or 'right'");
        }
        i.resolution = std::move(res);
        return *t;
      }
      case Kind::kExceptionClass:
        if (std::string problem = exceptionArgsProblem(i, callee->str()); !problem.empty())
          return typingError(problem);  // exceptions:
        return callee;
      case Kind::kBoundMethod: {
        // The method row (builtins.def KILN_METHOD) the attribute resolved
        // to, its arguments bound by its parameter spec.
        const Type* receiver = callee->items[0];
        if (isOverloadMethod(callee)) return overloadMethodCall(inst, i, callee);  // overload: an overload_method
        if (isLiteralList(receiver) || isLiteralStrKeyDict(receiver)) {  // litcont: copy, keys, values, items
          absl::StatusOr<const Type*> r = literalMethodCall(tc_, receiver, callee->name, args);
          if (!r.ok()) return typingError(std::string(r.status().message()));
          return *r;
        }
        if (receiver->kind == Kind::kStr && callee->name == "format") {  // format: a constant template (rules_format.cpp)
          const ir::Instr* attr = i.operands[0]->def;
          const std::string* tmpl = attr && attr->op == Op::kGetAttr ? constantText(inst, attr->operands[0]) : nullptr;
          absl::StatusOr<const Type*> t = *strFormatCall(tc_, tmpl, args, i.kwnames);
          if (!t.ok())
            return userError(t.status().code() == absl::StatusCode::kUnimplemented ? Diagnostic::Kind::kUnsupported
                                                                                    : Diagnostic::Kind::kTyping,
                             std::string(t.status().message()), line_);
          return *t;
        }
        if (int fn = receiver->kind == Kind::kStr ? strLibraryMethod(inst, callee->name) : -1; fn >= 0)
          return functionCall(inst, i, fn, /*bound=*/true);  // strings: s.method written in Python
        if (int fn = isBytes(receiver) ? strLibraryMethod(inst, callee->name, "bytes") : -1; fn >= 0)
          return functionCall(inst, i, fn, /*bound=*/true);  // bytesm: b.method written in Python
        if (int fn = receiver->kind == Kind::kTuple ? strLibraryMethod(inst, callee->name, "tuple") : -1; fn >= 0)
          return functionCall(inst, i, fn, /*bound=*/true);  // tuples: t.index, t.count written in Python
        if (int fn = receiver->kind == Kind::kArray && !findMember(Kind::kArray, callee->name)
                         ? strLibraryMethod(inst, callee->name, "array")
                         : -1;
            fn >= 0)
          return functionCall(inst, i, fn, /*bound=*/true);  // npfuncs: a.method written in Python
        if (int fn = receiver->kind == Kind::kNPGenerator ? strLibraryMethod(inst, callee->name, "Generator") : -1;
            fn >= 0)
          return functionCall(inst, i, fn, /*bound=*/true);  // npgen: g.method written in Python
        if (int fn = receiver->kind == Kind::kList && callee->name == "sort" ? keyedSort(inst, i, "list.sort") : -1;
            fn >= 0)
          return functionCall(inst, i, fn, /*bound=*/true);  // pyfuncs: lst.sort(key=f) written in Python
        if (receiver->kind == Kind::kList) return listMethod(i, receiver, args);  // lists
        if (isSet(receiver)) {  // sets: a store types set() (rules_sets.cpp)
          const Type* refined = receiver;
          absl::StatusOr<const Type*> t = setMethodCall(tc_, receiver, callee->name, args, i.kwnames, &refined);
          if (!t.ok()) return typingError(std::string(t.status().message()));
          if (refined != receiver && i.operands[0]->def && i.operands[0]->def->op == Op::kGetAttr)
            if (absl::Status s = refineSet(inst, i.operands[0]->def->operands[0], refined); !s.ok()) return s;
          return *t;
        }
        if (receiver->isNumber()) {  // complex: z.conjugate() (rules_complex.cpp)
          if (!i.kwnames.empty()) return typingError(absl::StrCat(callee->str(), "() takes no keyword arguments"));
          absl::StatusOr<const Type*> t = numberMethodCall(tc_, receiver, callee->name, args);
          if (!t.ok()) return typingError(std::string(t.status().message()));
          return *t;
        }
        std::optional<BuiltinId> id = findMember(receiver->kind, callee->name);
        if (!id) return typingError(absl::StrCat("'", callee->str(), "' is not supported in jitted code"));
        absl::StatusOr<std::vector<int>> bound =
            bindArguments(*id, i.operands.size() - 1 - i.kwnames.size(), i.kwnames);
        if (!bound.ok()) return typingError(std::string(bound.status().message()));
        ir::Resolution res{*id, *bound, nullptr, nullptr};
        args.clear();
        for (int k : res.bound) args.push_back(i.operands[k]->type);
        for (const Type* a : args)
          if (a->kind == Kind::kUnknown) return tc_.unknown();
        if (receiver->kind == Kind::kDict) {  // dicts:
          const Type* refined = receiver;
          absl::StatusOr<const Type*> t = dictMethodCall(tc_, *id, receiver, args, &refined);
          if (!t.ok()) return typingError(std::string(t.status().message()));
          if (refined != receiver && i.operands[0]->def && i.operands[0]->def->op == Op::kGetAttr)
            if (absl::Status s = refineDict(inst, i.operands[0]->def->operands[0], refined); !s.ok()) return s;
          if (*id == BuiltinId::kDictUpdate && i.operands.size() > 1 && dictComplete(refined))
            if (absl::Status s = refineDict(inst, i.operands[res.bound[0]], refined); !s.ok()) return s;
          i.resolution = std::move(res);
          return *t;
        }
        if (absl::Status d = dtypeStringArgs(tc_, res, i, args, [&](const ir::Value* v) { return constantText(inst, v); }); !d.ok())  // npfuncs: astype("float32")
          return typingError(std::string(d.message()));
        absl::StatusOr<const Type*> t = receiver->kind == Kind::kStr ? strMethodCall(tc_, *id, receiver, args)
                                                                      : arrayMethodCall(tc_, *id, receiver, args);
        if (!t.ok()) return typingError(std::string(t.status().message()));
        // flatimag: a.sum(axis=k) with a constant k out of range is Numba's
        // NumbaValueError when compiling (a run-time axis raises ValueError).
        if (*id == BuiltinId::kArraySum && receiver->isArray() && args.size() == 1 && args[0]->kind == Kind::kInt)
          if (const ir::Instr* def = i.operands[res.bound[0]]->def;
              def && def->op == Op::kConst && def->const_value.kind == compiler::Constant::Kind::kInt) {
            const int64_t nd = receiver->ndim;
            const int64_t axis = def->const_value.i < 0 ? def->const_value.i + nd : def->const_value.i;
            if (axis < 0 || axis >= nd)
              return userError(Diagnostic::Kind::kNumbaValue, absl::StrCat("'axis' entry (", axis, ") is out of bounds"),
                               line_);
          }
        i.resolution = std::move(res);
        return *t;
      }
      case Kind::kDType: {
        // np.int32(x): a conversion to the scalar type.
        if (!i.kwnames.empty() || args.size() != 1)
          return typingError(absl::StrCat(callee->str(), " takes exactly one positional argument"));
        if (args[0]->kind == Kind::kUnknown) return tc_.unknown();
        if (args[0]->isArray() && args[0]->ndim == 0) {
          // np0d: np.float64(a) of a 0-d array is its element, converted as
          // NumPy casts it (a.dtype.type(a) is a[()]); complex to a real
          // type (NumPy's ComplexWarning) is refused, as Numba refuses every
          // other dtype.
          const Type* from = args[0]->dtype();
          const Type* to = callee->items[0];
          if (from == to && from->kind == Kind::kUnicodeCharSeq && !isCharDtype(from))
            return tc_.str();  // chararrays: a U item reads as a str (lowering: a new str of its characters)
          if ((from == to && (from->isNumber() || from->isDatetimeLike())) ||
              (from->isNumber() && to->isNumber() && (from->kind != Kind::kComplex || to->kind == Kind::kComplex)))
            return tc_.strongScalar(to);  // NEP 50: a NumPy scalar
          return typingError(absl::StrCat("Casting ", args[0]->str(), " to ", to->str(),
                                          " directly is unsupported. Try doing '<array>.astype(np.", to->str(),
                                          ")' instead"));
        }
        if (!args[0]->isNumber()) return typingError(absl::StrCat("cannot convert ", args[0]->str(), " to ", callee->items[0]->str()));
        return tc_.strongScalar(callee->items[0]);  // NEP 50: np.float64(x) is a NumPy scalar (strong)
      }
      case Kind::kFunction:
        return functionCall(inst, i, callee->index, /*bound=*/false, callee);
      case Kind::kFunctionSet: {  // pycells: each function of the set, for these arguments
        std::vector<CallBinding> bindings;
        const Type* ret = nullptr;
        for (const Type* f : callee->items) {
          absl::StatusOr<const Type*> r = functionCall(inst, i, f->index, /*bound=*/false, f);
          if (!r.ok()) return r.status();
          auto it = inst.calls.find(&i);
          if ((*r)->kind == Kind::kUnknown || it == inst.calls.end()) {
            inst.calls.erase(&i);
            return tc_.unknown();
          }
          bindings.push_back(std::move(it->second));
          inst.calls.erase(it);
          const Type* u = ret ? unify(tc_, ret, *r) : *r;
          if (!u)
            return typingError(absl::StrCat("the functions a variable may hold (", callee->str(),
                                            ") return different types: ", ret->str(), " and ", (*r)->str()));
          ret = u;
        }
        inst.set_calls[&i] = std::move(bindings);
        return ret;
      }
      case Kind::kNone:
      case Kind::kBool:
      case Kind::kInt:
      case Kind::kFloat:
      case Kind::kComplex:
      case Kind::kStr:
      case Kind::kTuple:
      case Kind::kRange:
#define KILN_CASES_kIterator 1
#include "compiler/typing/kind_cases.def"
      case Kind::kModule:
      case Kind::kArray:
      case Kind::kSlice:
      case Kind::kDict:  // dicts:
      case Kind::kEllipsis:
      case Kind::kList:  // lists
      case Kind::kNPDatetime:  // datetime
      case Kind::kNPTimedelta:
      case Kind::kEnumMember:  // enums
      case Kind::kOptional:  // optional: an optional callee is unwrapped first
      case Kind::kRecord:  // records
      case Kind::kUnicodeCharSeq:  // records: a U field, only ever read as a str
      case Kind::kNestedArray:  // records2: a subarray field, only ever read as an array view
      case Kind::kTypeRef:  // typedempty: a type object is not called
      case Kind::kNPGenerator:  // npgen: an object borrowed from the caller
      case Kind::kStructRef:  // structref: an instance is not callable
        break;
    }
    return typingError(absl::StrCat("'", callee->str(), "' object is not callable"));
  }

  // tuples: literal_unroll(t) is t; over a heterogeneous tuple, the for
  // loop it is the iterable of is unrolled (literal_unroll.cpp). True when
  // the IR's blocks changed.
  absl::StatusOr<bool> literalUnroll(Instance& inst, ir::Instr& i) {
    if (i.operands.size() != 2 || !i.kwnames.empty())
      return userError(Diagnostic::Kind::kUnsupported,
                       absl::StrCat("literal_unroll takes one argument, found ", i.operands.size() - 1), line_);
    const Type* t = i.operands[1]->type;
    if (t->kind == Kind::kUnknown) return false;
    if (t->kind == Kind::kStr)  // as Numba: a string is not unrolled (its items are no constants)
      return userError(Diagnostic::Kind::kUnsupported,
                       "Invalid use of literal_unroll: argument should be a tuple or a list of constant values", line_);
    if (t->kind == Kind::kList) {
      // As Numba: a list literal of constants, used by nothing else (Numba
      // makes it a tuple, so it cannot be changed or sliced).
      const ir::Instr* d = i.operands[1]->def;
      if (!d && i.operands[1]->param_of == inst.ir->blocks[0].get())  // litcont: Numba's words
        return userError(Diagnostic::Kind::kUnsupported,
                         "Invalid use of literal_unroll with a function argument: only a list literal of constants "
                         "can be unrolled", line_);
      if (!d || d->op != Op::kBuildList)
        return userError(Diagnostic::Kind::kUnsupported,
                         "Invalid use of literal_unroll: a list argument must be a list literal of constants", line_);
      for (size_t k = 0; k < d->operands.size(); ++k)
        if (!d->operands[k]->def || d->operands[k]->def->op != Op::kConst)
          return userError(Diagnostic::Kind::kUnsupported,
                           absl::StrCat("Found non-constant value at position ", k,
                                        " in a list argument to literal_unroll"), line_);
      // Its other uses: only the extend of a constant tuple that CPython
      // builds a constant list literal with, before literal_unroll.
      size_t uses = 0;
      bool before = true;
      for (auto& b : inst.ir->blocks)
        for (auto& x : b->instrs) {
          if (x.get() == &i) before = false;
          bool init = false;
          if (x->op == Op::kGetAttr && x->name == "extend" && before && b.get() == i.parent)
            for (auto& y : b->instrs)
              if (y->op == Op::kCall && y->operands.size() == 2 && y->operands[0] == x->result.get() &&
                  y->operands[1]->def && y->operands[1]->def->op == Op::kConst)
                init = true;
          for (ir::Value* o : x->operands) uses += o == i.operands[1] && !init;
          for (ir::Edge& e : x->succs)
            for (ir::Value* a : e.args) uses += a == i.operands[1];
        }
      if (uses != 1)
        return userError(Diagnostic::Kind::kUnsupported,
                         "Invalid use of literal_unroll: a list given to literal_unroll cannot be used otherwise", line_);
    }
    if (isLiteralList(t)) {  // litcont: as Numba, a list literal of constants only (made a tuple by typing)
      const ir::Instr* d = i.operands[1]->def;
      for (size_t k = 0; d && d->op == Op::kBuildTuple && k < d->operands.size(); ++k)
        if (!d->operands[k]->def || d->operands[k]->def->op != Op::kConst)
          return userError(Diagnostic::Kind::kUnsupported,
                           absl::StrCat("Found non-constant value at position ", k,
                                        " in a list argument to literal_unroll"), line_);
    }
    bool changed = false;
    // records: a tuple of strings unrolls too, so that each copy's item is a
    // constant field name (rec[f] in the body).
    if (t->kind == Kind::kTuple &&
        (std::any_of(t->items.begin(), t->items.end(), [&](const Type* x) { return x != t->items[0]; }) ||
         (!t->items.empty() && t->items[0]->kind == Kind::kStr))) {
      // A call of an inner function that loops with literal_unroll itself.
      auto nests = [&](const ir::Instr& x) {
        if (x.op != Op::kCall || !x.operands[0]->def || x.operands[0]->def->op != Op::kMakeFunction) return false;
        const size_t fn = static_cast<size_t>(x.operands[0]->def->index);
        if (fn >= functions_.size() || !functions_[fn].ok() || !*functions_[fn]) return false;
        for (auto& b : (*functions_[fn])->blocks)
          for (auto& y : b->instrs)
            if (y->op == Op::kLoadGlobal && y->name == "literal_unroll") return true;
        return false;
      };
      absl::StatusOr<bool> u = unrollLiteralLoop(*inst.ir, i, t->items.size(), tc_.unknown(), nests);
      if (!u.ok() && absl::IsFailedPrecondition(u.status())) return typingError(std::string(u.status().message()));
      if (!u.ok()) return userError(Diagnostic::Kind::kUnsupported, std::string(u.status().message()), line_);
      changed = *u;
    }
    i.op = Op::kCopy;
    i.operands = {i.operands[1]};
    if (!changed) return false;
    forgetDeadCalls(inst);
    changed_ = true;
    return true;
  }

  // unroll: min(it), max(it) of a range, an iterator, a generator or a set
  // are min(list(it)), max(list(it)) (a list's min and max are Python's:
  // the first of equal items, ValueError when empty). Returns how many
  // instructions were inserted before the call (at index n of b).
  absl::StatusOr<size_t> minMaxOfIterable(Instance& inst, ir::Block& b, size_t n) {
    ir::Instr& call = *b.instrs[n];
    if (call.op != Op::kCall || call.operands.size() != 2 || !call.kwnames.empty()) return 0;
    const Type* callee = call.operands[0]->type;
    if (callee->kind != Kind::kBuiltin || (callee->name != "min" && callee->name != "max")) return 0;
    const Type* x = call.operands[1]->type;
    if (x->kind != Kind::kRange && x->kind != Kind::kGenerator && !isIterator(x->kind) && !isSet(x)) return 0;
    ir::Instr* g = inst.ir->append(&b, Op::kLoadGlobal, {}, call.line);
    g->offset = call.offset;
    g->name = "builtins.list";
    g->result->type = tc_.unknown();
    ir::Instr* l = inst.ir->append(&b, Op::kCall, {g->result.get(), call.operands[1]}, call.line);
    l->offset = call.offset;
    l->result->type = tc_.unknown();
    std::rotate(b.instrs.begin() + n, b.instrs.end() - 2, b.instrs.end());
    if (absl::Status s = typeInstr(inst, *g); !s.ok()) return s;
    if (absl::Status s = typeInstr(inst, *l); !s.ok()) return s;
    call.operands[1] = l->result.get();
    return 2;
  }

  // unroll: `type(x) is int` (==, is not, !=) between two Python classes is
  // a constant. A NumPy scalar class is left alone: its values have Python's
  // classes here (as in Numba), so the answer could differ from Python's.
  void foldClassCompare(ir::Instr& i) {
    const Type* a = i.operands[0]->type;
    const Type* b = i.operands[1]->type;
    static const std::set<std::string> classes = {"int", "float", "complex", "bool", "str"};
    if (a->kind != Kind::kBuiltin || b->kind != Kind::kBuiltin || !classes.count(a->name) || !classes.count(b->name))
      return;
    bool same = a->name == b->name;
    switch (i.compare_op) {
      case ir::CompareOp::kIs:
      case ir::CompareOp::kEq: break;
      case ir::CompareOp::kIsNot:
      case ir::CompareOp::kNe: same = !same; break;
      case ir::CompareOp::kLt:
      case ir::CompareOp::kLe:
      case ir::CompareOp::kGt:
      case ir::CompareOp::kGe:
      case ir::CompareOp::kIn:
      case ir::CompareOp::kNotIn: return;
    }
    foldToBool(i, same);
  }

  // Replaces instruction i by the constant bool b (a comparison or a call
  // decided while typing).
  static void foldToBool(ir::Instr& i, bool b) {
    i.op = Op::kConst;
    i.operands.clear();
    i.const_value = compiler::Constant{};
    i.const_value.kind = compiler::Constant::Kind::kBool;
    i.const_value.b = b;
  }

  // npmisc: an array's ndim is fixed by its type, so a comparison of
  // `a.ndim` with another or with an int constant folds to a constant bool,
  // and library code can refuse by ndim (`if a.ndim < 1: _error(...)`) in a
  // branch that is pruned when it does not apply.
  static std::optional<int64_t> staticInt(const ir::Value* v) {
    const ir::Instr* d = v->def;
    if (!d) return std::nullopt;
    if (d->op == Op::kConst && d->const_value.kind == compiler::Constant::Kind::kInt) return d->const_value.i;
    if (d->op == Op::kGetAttr && d->name == "ndim" && d->operands.size() == 1 && d->operands[0]->type &&
        d->operands[0]->type->isArray())
      return d->operands[0]->type->ndim;
    return std::nullopt;
  }

  void foldNdimCompare(ir::Instr& i) {
    // codec: two constant strs (a literal parameter folded by
    // kiln.static.literal, compared with the names it may be) are equal or not.
    if (const std::string *sa = constantStr(i.operands[0]), *sb = constantStr(i.operands[1]);
        sa && sb && (i.compare_op == ir::CompareOp::kEq || i.compare_op == ir::CompareOp::kNe)) {
      foldToBool(i, (*sa == *sb) == (i.compare_op == ir::CompareOp::kEq));
      return;
    }
    // codec: a literal parameter given None (folded to the constant None) is
    // None, and is not a constant str: `if errors is None` prunes its branch.
    auto constant_none = [](const ir::Value* v) {
      return v->def && v->def->op == Op::kConst && v->def->const_value.kind == compiler::Constant::Kind::kNone;
    };
    const bool na = constant_none(i.operands[0]), nb = constant_none(i.operands[1]);
    if ((na && (nb || constantStr(i.operands[1]))) || (nb && constantStr(i.operands[0]))) {
      const bool same = na && nb;
      switch (i.compare_op) {
        case ir::CompareOp::kEq: case ir::CompareOp::kIs: foldToBool(i, same); return;
        case ir::CompareOp::kNe: case ir::CompareOp::kIsNot: foldToBool(i, !same); return;
        case ir::CompareOp::kLt: case ir::CompareOp::kLe: case ir::CompareOp::kGt: case ir::CompareOp::kGe:
        case ir::CompareOp::kIn: case ir::CompareOp::kNotIn:
          break;
      }
    }
    const ir::Instr* a_def = i.operands[0]->def;
    const ir::Instr* b_def = i.operands[1]->def;
    const bool has_ndim = (a_def && a_def->op == Op::kGetAttr) || (b_def && b_def->op == Op::kGetAttr);
    std::optional<int64_t> a = staticInt(i.operands[0]), b = staticInt(i.operands[1]);
    if (!has_ndim || !a || !b) return;
    bool r = false;
    switch (i.compare_op) {
      case ir::CompareOp::kEq: r = *a == *b; break;
      case ir::CompareOp::kNe: r = *a != *b; break;
      case ir::CompareOp::kLt: r = *a < *b; break;
      case ir::CompareOp::kLe: r = *a <= *b; break;
      case ir::CompareOp::kGt: r = *a > *b; break;
      case ir::CompareOp::kGe: r = *a >= *b; break;
      case ir::CompareOp::kIs:
      case ir::CompareOp::kIsNot:
      case ir::CompareOp::kIn:
      case ir::CompareOp::kNotIn: return;
    }
    foldToBool(i, r);
  }

  // np0d: whether v is visibly a scalar class (np.float64, a global bound to
  // one) rather than an array's dtype: Python's class has no `.type`.
  static bool isScalarClassValue(const ir::Value* v) {
    v = throughCopies(v);
    if (!v->def) return false;
    return v->def->op == Op::kLoadGlobal ||
           (v->def->op == Op::kGetAttr && v->def->operands[0]->type->kind == Kind::kModule);
  }

  // realcode8: a branch on a global (or a factory's closure cell, frozen as
  // one) holding a bool, int or None: its load becomes that constant, so
  // that pruneConstantBranch removes the path not taken, as Numba's
  // dead-branch pruning does. pynndescent's search closures test
  // `if normalize_query and ...` with normalize_query a factory argument;
  // the other path assigns a value of another type to the same variable.
  // realcode8: so is a comparison (==, !=, is, is not) of two such globals
  // that are functions (pynndescent's `if dist == alternative_dot:`, a
  // factory's jitted function against a module's): equal when they are the
  // same function, decided in Python's terms as Numba's pruning evaluates it
  // (it refuses the comparison anywhere else, as Kiln does).
  void foldConstantGlobalCondition(const Instance& inst, ir::Instr& branch) {
    using CK = compiler::Constant::Kind;
    using GK = compiler::GlobalRef::Kind;
    if (branch.operands.empty()) return;
    ir::Instr* d = branch.operands[0]->def;
    if (d && d->op == Op::kTruth) d = d->operands[0]->def;
    if (!d) return;
    const compiler::Function& fn = p_.bundle->functions[inst.function_index];
    auto global = [&](const ir::Value* v) -> const compiler::GlobalRef* {
      return v->def && v->def->op == Op::kLoadGlobal ? fn.global(v->def->name) : nullptr;
    };
    if (d->op == Op::kCompare && d->operands.size() == 2 &&
        (d->compare_op == ir::CompareOp::kEq || d->compare_op == ir::CompareOp::kNe ||
         d->compare_op == ir::CompareOp::kIs || d->compare_op == ir::CompareOp::kIsNot)) {
      const compiler::GlobalRef* a = global(d->operands[0]);
      const compiler::GlobalRef* b = global(d->operands[1]);
      auto function = [](const compiler::GlobalRef* g) { return g && (g->kind == GK::kFunction || g->kind == GK::kBuiltin); };
      if (!function(a) || !function(b)) return;
      const bool same = a->kind == b->kind && (a->kind == GK::kFunction ? a->function_index == b->function_index
                                                                         : a->qualified_name == b->qualified_name);
      const bool negated = d->compare_op == ir::CompareOp::kNe || d->compare_op == ir::CompareOp::kIsNot;
      d->op = Op::kConst;  // the comparison's value, known now
      d->operands.clear();
      d->const_value = compiler::Constant{};
      d->const_value.kind = CK::kBool;
      d->const_value.b = same != negated;
      changed_ = true;
      return;
    }
    if (d->op != Op::kLoadGlobal) return;
    const compiler::GlobalRef* g = global(d->result.get());
    if (!g || g->kind != GK::kConstant ||
        (g->value.kind != CK::kBool && g->value.kind != CK::kInt && g->value.kind != CK::kNone))
      return;
    d->op = Op::kConst;  // the same value: a global constant is frozen into the bundle
    d->const_value = g->value;
    changed_ = true;
  }

  // The parts of subscript `index` (a tuple's items, or itself) that are
  // slices written without a step, `a[i:j]` (a build_slice whose step is the
  // None constant the frontend gives an omitted one), by position; for
  // arrayIndexResult.
  static std::vector<bool> steplessSlices(const ir::Value* index) {
    auto bare = throughCopies;
    auto stepless = [&](const ir::Value* v) {
      v = bare(v);
      if (!v->def || v->def->op != Op::kBuildSlice || v->def->operands.size() != 3) return false;
      const ir::Value* step = bare(v->def->operands[2]);
      return step->def && step->def->op == Op::kConst && step->def->const_value.kind == compiler::Constant::Kind::kNone;
    };
    index = bare(index);
    std::vector<bool> out;
    if (index->def && index->def->op == Op::kBuildTuple) {
      for (const ir::Value* part : index->def->operands) out.push_back(stepless(part));
    } else {
      out.push_back(stepless(index));
    }
    return out;
  }

  // typedempty: the array type a subscript of a scalar class spells, as
  // Numba's `types.float64[:]`: one `:` per dimension, `::1` on the last
  // (C) or, with more than one, the first (F); nullptr (with *why) for
  // another index. Slices are never constants: each is a build_slice.
  static const Type* arrayTypeSpelled(TypeContext& tc, const Type* dtype, const ir::Value* index, std::string* why) {
    auto bare = throughCopies;
    auto isConst = [&](const ir::Value* v, compiler::Constant::Kind k, int64_t i = 0) {
      v = bare(v);
      return v->def && v->def->op == Op::kConst && v->def->const_value.kind == k &&
             (k != compiler::Constant::Kind::kInt || v->def->const_value.i == i);
    };
    std::vector<const ir::Value*> dims;
    index = bare(index);
    if (index->def && index->def->op == Op::kBuildTuple)
      for (const ir::Value* d : index->def->operands) dims.push_back(bare(d));
    else
      dims.push_back(index);
    std::vector<bool> unit;  // each dimension's step is 1 (`::1`), else omitted
    for (const ir::Value* d : dims) {
      const ir::Instr* s = d->def;
      if (!s || s->op != Op::kBuildSlice || !isConst(s->operands[0], compiler::Constant::Kind::kNone) ||
          !isConst(s->operands[1], compiler::Constant::Kind::kNone) ||
          !(isConst(s->operands[2], compiler::Constant::Kind::kNone) ||
            isConst(s->operands[2], compiler::Constant::Kind::kInt, 1))) {
        *why = "an array type is spelled with ':' for each dimension (float64[:], float64[:, ::1])";
        return nullptr;
      }
      unit.push_back(!isConst(s->operands[2], compiler::Constant::Kind::kNone));
    }
    const int n = static_cast<int>(unit.size());
    int units = 0;
    for (bool u : unit) units += u;
    char layout = 'A';
    if (units == 1 && unit.back()) layout = 'C';
    else if (units == 1 && n > 1 && unit.front()) layout = 'F';
    else if (units != 0) {
      *why = "'::1' goes on the last dimension (C) or the first (F) of an array type";
      return nullptr;
    }
    if (n > base::kMaxArrayDims) {
      *why = "too many dimensions in an array type";
      return nullptr;
    }
    return tc.array(dtype, n, layout);
  }

  // unroll: whether v is the first argument of a call of builtin `name`.
  bool usedBy(const ir::Value& v, const char* name) const {
    if (cur_ < 0 || static_cast<size_t>(cur_) >= p_.instances.size()) return false;
    for (auto& b : p_.instances[cur_]->ir->blocks)
      for (auto& x : b->instrs)
        if (x->op == Op::kCall && x->operands.size() >= 2 && x->operands[1] == &v && x->operands[0]->def &&
            x->operands[0]->def->op == Op::kLoadGlobal && x->operands[0]->def->name == name)
          return true;
    return false;
  }

  // unroll: whether block parameter v is the argument of a literal_unroll call.
  bool unrolledParam(const ir::Value& v) const {
    if (!v.param_of || cur_ < 0 || static_cast<size_t>(cur_) >= p_.instances.size()) return false;
    for (auto& b : p_.instances[cur_]->ir->blocks)
      for (auto& x : b->instrs)
        if (x->op == Op::kCall && x->operands.size() == 2 && x->operands[1] == &v && x->operands[0]->def &&
            x->operands[0]->def->op == Op::kLoadGlobal && x->operands[0]->def->name == "literal_unroll")
          return true;
    return false;
  }

  // unroll: whether list literal `build` has only constant items and is given
  // to literal_unroll (then Numba makes it a tuple, everywhere it is used).
  bool constantListUnrolled(const Instance& inst, const ir::Instr& build) const {
    for (const ir::Value* o : build.operands)
      if (!o->def || o->def->op != Op::kConst) return false;
    for (auto& b : inst.ir->blocks)
      for (auto& x : b->instrs)
        if (x->op == Op::kCall && x->operands.size() == 2 && x->operands[1] == build.result.get() &&
            ((x->operands[0]->def && x->operands[0]->def->op == Op::kLoadGlobal &&
              x->operands[0]->def->name == "literal_unroll") ||
             (x->operands[0]->type->kind == Kind::kBuiltin && x->operands[0]->type->name == "literal_unroll")))
          return true;
    return false;
  }

  // tuples: after blocks were removed, the call bindings of their calls.
  void forgetDeadCalls(Instance& inst) {
    std::set<const ir::Instr*> live;
    for (auto& b : inst.ir->blocks)
      for (auto& x : b->instrs) live.insert(x.get());
    std::erase_if(inst.calls, [&](const auto& c) { return !live.count(c.first); });
    std::erase_if(inst.set_calls, [&](const auto& c) { return !live.count(c.first); });  // pycells:
  }

  // tuples: tuple(t), tuple(), bool(t), isinstance(x, C): the call becomes
  // the copy, tuple, truth or constant it is (rules_tuples.cpp).
  absl::Status rewriteBuiltinCall(ir::Instr& i) {
    if (i.operands[0]->type->name.rfind("namedtuple:", 0) == 0) {  // namedtuples: Point(1, y=2) builds the tuple
      absl::StatusOr<std::vector<size_t>> order =
          namedtupleArguments(i.operands[0]->type->name.substr(11), i.operands.size() - 1, i.kwnames);
      if (!order.ok()) return typingError(std::string(order.status().message()));
      std::vector<ir::Value*> items;
      for (size_t k : *order) items.push_back(i.operands[k]);
      i.op = Op::kBuildTuple;
      i.name = i.operands[0]->type->name.substr(11);
      i.operands = std::move(items);
      i.kwnames.clear();
      return absl::OkStatus();
    }
    if (i.operands[0]->type->name == "kiln.static.literal" || i.operands[0]->type->name == "literally")
      return foldLiteral(i);  // codec:, literally:
    std::vector<const Type*> args;
    for (size_t k = 1; k < i.operands.size(); ++k) {
      if (i.operands[k]->type->kind == Kind::kUnknown) return absl::OkStatus();
      args.push_back(i.operands[k]->type);
    }
    if (i.operands[0]->type->name == "isinstance" && args.size() == 2 && args[0]->kind == Kind::kOptional) {
      // An optional is an instance of a class its value's type is an instance
      // of only when it is not None: that is decided by the branch taken, so
      // it is refused in Numba's words (it was answered False). A class its
      // value's type is no instance of answers False either way (below).
      std::vector<const Type*> classes =
          args[1]->kind == Kind::kTuple ? args[1]->items : std::vector<const Type*>{args[1]};
      for (const Type* c : classes)
        if (instanceOf(args[0]->items[0], c).value_or(false))
          return typingError(absl::StrCat("isinstance() cannot determine the type of variable \"",
                                          i.operands[1]->debug_name, "\" due to a branch."));
    }
    if (i.operands[0]->type->name == "type" && args.size() == 1 && i.kwnames.empty() &&
        args[0]->kind == Kind::kTuple && !args[0]->name.empty()) {  // namedtuples: type(p) is p's class
      i.op = Op::kLoadGlobal;
      i.name = absl::StrCat("namedtuple:", args[0]->name);
      i.operands.clear();
      return absl::OkStatus();
    }
    if (i.operands[0]->type->name == "type" && args.size() == 1 && i.kwnames.empty()) {
      // unroll: type(x) of a number or a str is its class, known here (Python's
      // for the types a Python value has, NumPy's scalar type for the others).
      const Type* x = args[0];
      std::string cls;
      if (x->kind == Kind::kBool) cls = "bool";
      else if (x->kind == Kind::kStr) cls = "str";
      else if (x->kind == Kind::kInt && x->bits == 64 && x->is_signed) cls = "int";
      else if (x->kind == Kind::kFloat && x->bits == 64) cls = "float";
      else if (x->kind == Kind::kComplex && x->bits == 128) cls = "complex";
      else if (x->isNumber()) cls = absl::StrCat("numpy.", x->str());
      if (!cls.empty()) {
        i.op = Op::kLoadGlobal;
        i.name = absl::StrCat("type:", cls);
        i.operands.clear();
        return absl::OkStatus();
      }
    }
    std::optional<absl::StatusOr<BuiltinRewrite>> r =
        tupleBuiltinRewrite(i.operands[0]->type->name, args, i.kwnames.size());
    if (!r) {  // pyfuncs: kiln.static.* checks of library code
      const ir::Instr* d = i.operands.size() > 1 ? i.operands[1]->def : nullptr;
      std::optional<std::string> text;
      if (d && d->op == Op::kConst && d->const_value.kind == compiler::Constant::Kind::kStr) text = d->const_value.s;
      r = staticBuiltinRewrite(i.operands[0]->type->name, args, text);
    }
    if (!r) return absl::OkStatus();
    if (!r->ok()) return typingError(std::string(r->status().message()));
    switch ((*r)->kind) {
      case BuiltinRewrite::Kind::kCopy:
        i.op = Op::kCopy;
        i.operands = {i.operands[1]};
        break;
      case BuiltinRewrite::Kind::kTruth:
        i.op = Op::kTruth;
        i.operands = {i.operands[1]};
        break;
      case BuiltinRewrite::Kind::kEmptyTuple:
        i.op = Op::kBuildTuple;
        i.operands.clear();
        break;
      case BuiltinRewrite::Kind::kConstant:
        foldToBool(i, (*r)->value);
        break;
    }
    return absl::OkStatus();
  }

  // tuples: f(*t) once t's type is known: t's items as unpacks inserted
  // before the call (at index n of the block) in its place. Returns how many
  // instructions were inserted (each typed here).
  absl::StatusOr<size_t> spreadStarArgs(Instance& inst, ir::Block& b, size_t n) {
    ir::Instr& call = *b.instrs[n];
    const size_t at = call.operands.size() - call.kwnames.size();
    ir::Value* t = call.operands[at];
    if (t->type->kind == Kind::kUnknown) return 0;
    if (t->type->kind != Kind::kTuple)
      return typingError(absl::StrCat("star-arguments in a call (f(*args)) need a tuple, not ", t->type->str()));
    std::vector<ir::Value*> items;
    const size_t count = t->type->items.size();
    for (size_t k = 0; k < count; ++k) {
      ir::Instr* u = inst.ir->append(&b, Op::kUnpack, {t}, call.line);
      u->offset = call.offset;
      u->index = static_cast<int32_t>(k);
      u->count = static_cast<int32_t>(count);
      u->result->type = tc_.unknown();
      std::rotate(b.instrs.begin() + n + k, b.instrs.end() - 1, b.instrs.end());
      if (absl::Status s = typeInstr(inst, *u); !s.ok()) return s;
      items.push_back(u->result.get());
    }
    call.operands.erase(call.operands.begin() + at);
    call.operands.insert(call.operands.begin() + at, items.begin(), items.end());
    call.kwnames.erase(call.kwnames.begin());
    return count;
  }

  // optional: an operand of the instruction at index n that is optional
  // but used as its value gets an unwrap inserted before it (rules_optional.cpp).
  // Returns how many were inserted.
  absl::StatusOr<size_t> unwrapOptionals(Instance& inst, ir::Block& b, size_t n) {
    ir::Instr& user = *b.instrs[n];
    if (std::string why = optionalUseProblem(user); !why.empty()) return typingError(why);
    size_t added = 0;
    for (size_t k = 0; k < user.operands.size(); ++k) {
      ir::Value* v = user.operands[k];
      if (v->type->kind != Kind::kOptional || usesOptionalWhole(user, k)) continue;
      ir::Instr* u = inst.ir->append(&b, Op::kCopy, {v}, user.line);
      u->offset = user.offset;
      u->name = kUnwrapOptional;
      u->result->type = v->type->items[0];
      std::rotate(b.instrs.begin() + static_cast<std::ptrdiff_t>(n + added), b.instrs.end() - 1, b.instrs.end());
      user.operands[k] = u->result.get();
      ++added;
    }
    return added;
  }

  // namedtuples: p._replace(y=2) (the call at index n of the block) becomes
  // the tuple of p's items, the named ones replaced: unpacks of p inserted
  // before it for the others. Returns how many were inserted.
  absl::StatusOr<size_t> namedtupleReplace(Instance& inst, ir::Block& b, size_t n) {
    ir::Instr& call = *b.instrs[n];
    ir::Value* p = call.operands[0]->def->operands[0];
    const Type* cls = p->type;
    if (call.operands.size() - 1 != call.kwnames.size())
      return typingError("_replace() of a namedtuple takes keyword arguments only");
    std::vector<std::string> fields = TypeContext::fieldsOf(cls);
    std::vector<ir::Value*> items(fields.size(), nullptr);
    const size_t first = 1;
    for (size_t j = 0; j < call.kwnames.size(); ++j) {
      int k = namedtupleField(cls, call.kwnames[j]);
      if (k < 0)
        return typingError(absl::StrCat("_replace() got an unexpected field name '", call.kwnames[j], "'"));
      items[static_cast<size_t>(k)] = call.operands[first + j];
    }
    size_t added = 0;
    for (size_t k = 0; k < items.size(); ++k) {
      if (items[k] != nullptr) continue;
      ir::Instr* u = inst.ir->append(&b, Op::kUnpack, {p}, call.line);
      u->offset = call.offset;
      u->index = static_cast<int32_t>(k);
      u->count = static_cast<int32_t>(items.size());
      u->result->type = tc_.unknown();
      std::rotate(b.instrs.begin() + static_cast<std::ptrdiff_t>(n + added), b.instrs.end() - 1, b.instrs.end());
      if (absl::Status s = typeInstr(inst, *u); !s.ok()) return s;
      items[k] = u->result.get();
      ++added;
    }
    call.op = Op::kBuildTuple;
    call.name = cls->name;
    call.operands = std::move(items);
    call.kwnames.clear();
    return added;
  }

  // dicts: storing into {} types it. The store refines the dict value it
  // stores into and, through the edges that pass it, the values it came
  // from (the {} itself), so the dict has one type from its creation on.
  // sets: as refineDict; a set passed in keeps its item type.
  absl::Status refineSet(Instance& inst, ir::Value* v, const Type* t) {
    const ir::Block* entry = p_.instances[cur_]->ir->blocks[0].get();
    bool argument = false;
    for (const auto& prm : entry->params) argument = argument || prm.get() == v;
    if (argument && v->type != t && unify(tc_, v->type, t) != v->type)
      return typingError(absl::StrCat("cannot store items of type ", t->items[0]->str(), " into ", v->type->str(),
                                      ": a set passed in keeps its item type"));
    return refineDict(inst, v, t);
  }

  absl::Status refineDict(Instance& inst, ir::Value* v, const Type* t) {
    if (v->type == t || (v->type->kind != Kind::kDict && v->type->kind != Kind::kUnknown)) return absl::OkStatus();
    if (unify(tc_, v->type, t) == v->type) return absl::OkStatus();
    if (absl::Status s = set(v, t, v->debug_name); !s.ok()) return s;
    if (v->param_of != nullptr) {
      size_t k = 0;
      while (k < v->param_of->params.size() && v->param_of->params[k].get() != v) ++k;
      for (auto& b : inst.ir->blocks)
        for (auto& instr : b->instrs)
          for (ir::Edge& e : instr->succs)
            if (e.target == v->param_of && k < e.args.size())
              if (absl::Status s = refineDict(inst, e.args[k], t); !s.ok()) return s;
    } else if (v->def != nullptr && v->def->op == Op::kCopy) {
      return refineDict(inst, v->def->operands[0], t);
    }
    return absl::OkStatus();
  }

  absl::Status typeInstr(Instance& inst, ir::Instr& i) {
    auto operand = [&](size_t k) { return i.operands[k]->type; };
    const Type* t = nullptr;
    switch (i.op) {
      case Op::kConst: {
        absl::StatusOr<const Type*> c = constType(i.const_value);
        if (!c.ok()) return c.status();
        t = *c;
        break;
      }
      case Op::kUndef:
        t = tc_.unknown();
        break;
      case Op::kLoadGlobal: {
        absl::StatusOr<const Type*> g = globalType(i.name);
        if (!g.ok()) return g.status();
        t = *g;
        break;
      }
      case Op::kGetAttr: {
        const Type* obj = operand(0);
        // overload: Kiln's own attributes and methods first (their chain below
        // sets t, or refuses); where they refuse, a user's overload_attribute or
        // overload_method of the name may take it (memberOverload).
        absl::Status own = [&]() -> absl::Status {
          do {
            if (obj->kind == Kind::kUnknown) {
              t = obj;
            } else if (obj->kind == Kind::kSlice) {  // slices: s.start, s.stop, s.step, s.indices (rules_slices.cpp)
              t = sliceAttrType(tc_, obj, i.name);
              if (!t) return typingError(absl::StrCat("unknown attribute '", i.name, "' of type ", obj->str()));
            } else if (obj->kind == Kind::kRange) {  // pysub3: r.start, r.stop, r.step (rules_slices.cpp)
              t = rangeAttrType(tc_, obj, i.name);
              if (!t) return typingError(absl::StrCat("unknown attribute '", i.name, "' of type ", obj->str()));
            } else if (obj->kind == Kind::kModule) {
              // A library function written in Python (kiln/library) travels in
              // the bundle as a function global named "module.attr"; it wins
              // over the compiler's own table.
              const compiler::GlobalRef* member = p_.bundle->functions[inst.function_index].global(
                  absl::StrCat(obj->name, ".", i.name));
              if (member && (member->kind == compiler::GlobalRef::Kind::kFunction ||
                             (member->kind == compiler::GlobalRef::Kind::kBuiltin &&  // exceptions: np.linalg.LinAlgError
                              (member->qualified_name.rfind("exception:", 0) == 0 ||
                               member->qualified_name.rfind("numpy.", 0) == 0 ||  // tlist: types.int64
                               member->qualified_name.rfind("overload:", 0) == 0 ||  // overload: norm.pdf(x, mu, sigma)
                               member->qualified_name.rfind("typeref:", 0) == 0 ||  // typedempty: types.unicode_type
                               member->qualified_name == "literally" ||  // literally: numba.literally(k)
                               isNativeFunctionName(member->qualified_name))) ||  // native: _special.ndtri
                             (member->kind == compiler::GlobalRef::Kind::kUnsupported &&  // native: refused, and why
                              isNativeFunctionName(member->type_name)))) {
                absl::StatusOr<const Type*> f = globalType(member->name);
                if (!f.ok()) return f.status();
                t = *f;
                break;
              }
              if (isCudaModule(obj->name)) {  // cuda: the kernel language (rules_cuda.cpp)
                absl::StatusOr<const Type*> c = cudaModuleAttr(tc_, obj->name, i.name, &i.resolution);
                if (!c.ok()) return userError(Diagnostic::Kind::kUnsupported, std::string(c.status().message()), line_);
                t = *c;
                break;
              }
              t = moduleAttr(tc_, obj->name, i.name);
              if (!t && member && member->kind == compiler::GlobalRef::Kind::kConstant) {
                // pysub3: a plain number or str of the module, frozen by bundle.py
                absl::StatusOr<const Type*> c = globalType(member->name);
                if (!c.ok()) return c.status();
                t = *c;
              }
              if (!t)
                return userError(Diagnostic::Kind::kUnsupported,
                                 absl::StrCat("'", obj->name, ".", i.name, "' is not supported"), line_);
            } else if (obj->kind == Kind::kStr && i.name == "format") {  // format: template.format(...) (rules_format.cpp)
              t = tc_.boundMethod(obj, i.name);
            } else if (isBytes(obj) && strLibraryMethod(inst, i.name, "bytes") >= 0) {
              // bytesm: a bytes method written in Python (kiln/library/bytes_methods.py).
              t = tc_.boundMethod(obj, i.name);
            } else if (isBytes(obj) && (strLibraryMethod(inst, i.name, "array") >= 0 || bytesArrayMethod(obj, i.name))) {
              // bytesm: an array method (b.sum(), b.copy()) would answer elementwise; Python's bytes has none.
              return typingError(absl::StrCat("unknown attribute '", i.name, "' of type ", obj->str(),
                                              " (a bytes value has the methods of bytes, not of an array)"));
            } else if (obj->kind == Kind::kStr && strLibraryMethod(inst, i.name) >= 0) {
              // strings: a str method written in Python (kiln/library/str_methods.py).
              t = tc_.boundMethod(obj, i.name);
            } else if (isSet(obj)) {  // sets: its methods (rules_sets.cpp)
              t = setAttr(tc_, obj, i.name);
              if (!t) return typingError(absl::StrCat("unknown attribute '", i.name, "' of type ", obj->str()));
            } else if (isLiteralList(obj) || isLiteralStrKeyDict(obj)) {  // litcont: its read-only methods
              std::string why;
              t = literalAttr(tc_, obj, i.name, &why);
              if (!t) return typingError(why);
            } else if (int k = namedtupleField(obj, i.name); k >= 0) {  // namedtuples: p.x is p[k]
              t = obj->items[static_cast<size_t>(k)];
            } else if (obj->kind == Kind::kTuple && !obj->name.empty() && i.name == "_replace") {
              t = tc_.boundMethod(obj, i.name);  // namedtuples: p._replace(x=1), built where it is called
            } else if (obj->kind == Kind::kTuple && strLibraryMethod(inst, i.name, "tuple") >= 0) {
              t = tc_.boundMethod(obj, i.name);  // tuples: a tuple method written in Python (kiln/library/tuple_methods.py)
            } else if (obj->kind == Kind::kStructRef) {  // structref: s.x, a new reference to what the field holds
              const int k = structRefField(obj, i.name);
              if (k < 0) return typingError(structRefNoField(obj, i.name));
              t = obj->items[static_cast<size_t>(k)];
            } else if (obj->isRecord()) {  // records: r.x
              const int k = obj->recordField(i.name);
              if (k < 0) return typingError(recordNoField(obj, i.name));
              t = recordFieldValue(tc_, obj->items[static_cast<size_t>(k)], obj->readonly);
            } else if (!findMember(Kind::kArray, i.name) && recordArrayField(tc_, obj, i.name)) {
              t = recordArrayField(tc_, obj, i.name);  // records: a.x, a view of the field
            } else if (obj->kind == Kind::kArray && !findMember(Kind::kArray, i.name) &&
                       strLibraryMethod(inst, i.name, "array") >= 0) {
              // npfuncs: an array method written in Python (kiln/library/numpy_functions.py, "array.NAME").
              t = tc_.boundMethod(obj, i.name);
            } else if (obj->kind == Kind::kArray && i.name == "ctypes" && !findMember(Kind::kArray, i.name)) {
              t = tc_.builtin(kArrayCTypes);  // pysub4: a.ctypes, only for its .data (read from the array itself)
            } else if (obj->kind == Kind::kBuiltin && obj->name == kArrayCTypes) {
              if (i.name != "data")
                return typingError(absl::StrCat("attribute '", i.name, "' of an array's ctypes is not supported (only .data)"));
              if (!arrayOfCTypes(i.operands[0]))
                return typingError("a.ctypes.data is supported only as one expression on the array a");
              t = tc_.integer(64, false);  // the data pointer, as Numba's uintp
            } else if (obj->kind == Kind::kNPGenerator) {  // npgen: g.bit_generator; methods written in Python
              t = npgenAttr(tc_, obj, i.name);
              if (!t && obj->index == 0 && strLibraryMethod(inst, i.name, "Generator") >= 0) t = tc_.boundMethod(obj, i.name);
              if (!t)
                return userError(Diagnostic::Kind::kUnsupported,
                                 absl::StrCat("'", i.name, "' of ", obj->str(), " is not supported"), line_);
            } else if (obj->kind == Kind::kBuiltin && obj->name == builtinName(BuiltinId::kTypedDictNew)) {
              // typedempty: Dict.empty, a registry row of its own (rules_dicts.cpp: typedDictEmpty)
              if (i.name != "empty") return typingError(absl::StrCat("unknown attribute '", i.name, "' of Dict"));
              t = tc_.builtin(builtinName(BuiltinId::kTypedDictEmpty));
            } else if (obj->kind == Kind::kBuiltin && obj->name == kTypedListBuiltin) {  // tlist: List.empty_list
              if (i.name != "empty_list") return typingError(absl::StrCat("unknown attribute '", i.name, "' of List"));
              t = tc_.builtin(absl::StrCat(kTypedListBuiltin, ".", i.name));
            } else if (obj->kind == Kind::kList) {  // lists
              t = listAttr(tc_, obj, i.name);
              if (!t) return typingError(absl::StrCat("unknown attribute '", i.name, "' of type ", obj->str()));
            } else if (obj->kind == Kind::kEnumMember && i.name == "value") {  // enums: m.value
              t = obj->items[0];
            } else if (obj->kind == Kind::kBuiltin && obj->name.rfind("enumclass:", 0) == 0) {  // enums: Color.red
              std::string member = enumMemberGlobal(obj->name, i.name);
              if (!p_.bundle->functions[inst.function_index].global(member))
                return typingError(absl::StrCat("enum class '", obj->name.substr(10), "' has no member '", i.name,
                                                "' kiln can use (its value has no type of kiln's)"));
              absl::StatusOr<const Type*> m = globalType(member);
              if (!m.ok()) return m.status();
              t = *m;
            } else if (obj->kind == Kind::kDType && i.name == "type" && !isScalarClassValue(i.operands[0])) {
              t = obj;  // np0d: a.dtype.type is the scalar class a.dtype stands for (a.dtype(3) is not Python)
            } else if (i.name == "view" && pythonScalarConstant(i.operands[0])) {
              // wording: Numba's; a Python int, float or bool has no .view (AttributeError), a NumPy scalar has
              const std::string& var = i.operands[0]->debug_name;
              return typingError(absl::StrCat("'view' can only be called on NumPy dtypes, try wrapping the variable ",
                                              var.empty() ? "" : absl::StrCat("'", var, "' "),
                                              "with 'np.<dtype>()'"));
            } else if (const Type* part = numberAttr(tc_, obj, i.name)) {  // complex: z.real, z.imag, z.conjugate
              t = part;
            } else if (const Type* flag = bufferAttr(tc_, obj, i.name)) {  // buffers: a memoryview's flags (lower_buffers.cpp)
              t = flag;
            } else if (std::optional<BuiltinId> id = findMember(obj->kind, i.name)) {
              // An attribute or method row of the receiver's kind.
              t = memberAttr(tc_, *id, obj);
              if (!t && obj->kind == Kind::kArray && obj->dtype()->kind == Kind::kRecord &&
                  (i.name == "real" || i.name == "imag"))  // wording: Numba's, a record array has no parts
                return typingError(absl::StrCat("cannot access .", i.name, " of array of Record"));
              if (!t)  // arrays: a member row this receiver does not have (a.flat of a strided array of records)
                return typingError(absl::StrCat("attribute '", i.name, "' of ", obj->str(), " is not supported"));
              i.resolution = ir::Resolution{*id, {}, nullptr, nullptr};
            } else if (obj->kind == Kind::kTuple && obj->name.empty()) {  // unroll: Numba's words (a tuple of its items)
              std::vector<std::string> items;
              for (const Type* x : obj->items) items.push_back(x->str());
              return typingError(absl::StrCat("Unknown attribute '", i.name, "' of type Tuple(", absl::StrJoin(items, ", "), ")"));
            } else if (obj->kind == Kind::kTuple && !TypeContext::fieldsOf(obj).empty()) {  // namedtuples: no such field
              return typingError(namedtupleNoField(obj, i.name));
            } else {
              return typingError(absl::StrCat("unknown attribute '", i.name, "' of type ", obj->str()));
            }
          } while (false);
          return absl::OkStatus();
        }();
        if (!own.ok()) {
          absl::StatusOr<const Type*> m = memberOverload(inst, i, obj, own);
          if (!m.ok()) return m.status();
          t = *m;
        }
        break;
      }
      case Op::kBinOp:
        if (i.binary_op == ir::BinaryOp::kMatMul && i.inplace) {  // linalg: a rebinding would differ from NumPy 2
          if (operand(0)->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown) return absl::OkStatus();
          return typingError(absl::StrCat(
              "in-place matrix multiplication 'a @= b' is not supported between ", operand(0)->str(), " and ",
              operand(1)->str(), " (NumPy 1.x refuses it and NumPy 2 writes the product into a): write 'a = a @ b'",
              noOperatorImplementation(i.binary_op, true, operand(0), operand(1))));
        }
        // A bytes, bytearray, memoryview or array.array operand: Python's
        // operators concatenate, repeat or raise TypeError, never NumPy's
        // elementwise arithmetic (b"ab" + b"cd" is b"abcd"), as Numba refuses.
        if (const Type* r = bytesBinaryResult(tc_, i.binary_op, operand(0), operand(1))) {
          t = r;  // bytes2: b1 + b2, b * n, n * b: a new bytes (lower_strings.cpp); `+=` rebinds, as Python
          i.operand_types = ir::OperandTypes{};
          break;
        }
        if ((isBuffer(operand(0)) || isBuffer(operand(1))) &&
            (operand(0)->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown))
          return absl::OkStatus();  // bytes2: not yet known (a call typed later may give bytes)
        if (isBuffer(operand(0)) || isBuffer(operand(1)))
          return typingError(absl::StrCat("operator '", ir::symbol(i.binary_op), "' is not supported between ",
                                          operand(0)->str(), " and ", operand(1)->str(),
                                          " (bytes-like values are not combined elementwise; bytes concatenate "
                                          "with bytes and repeat by an int)"));
        if (isLiteralList(operand(0)) || isLiteralStrKeyDict(operand(0)) || isLiteralList(operand(1)) ||
            isLiteralStrKeyDict(operand(1)))  // litcont: not the tuple operators of what carries them
          return typingError(absl::StrCat("operator '", ir::symbol(i.binary_op), "' is not supported between ",
                                          operand(0)->str(), " and ", operand(1)->str(),
                                          " (a literal list or dict is read-only and cannot be combined)"));
        if (isSet(operand(0)) || isSet(operand(1))) {  // sets: | & - ^ and in place
          if (operand(0)->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown) return absl::OkStatus();
          absl::StatusOr<const Type*> r = setBinaryResult(tc_, i.binary_op, operand(0), operand(1));
          if (!r.ok()) return typingError(std::string(r.status().message()));
          t = *r;
          if (i.inplace) {  // s |= t changes s: it keeps its type (typed by t when set())
            if (*r != operand(0))
              if (absl::Status s = refineSet(inst, i.operands[0], tc_.set((*r)->items[0], operand(0)->name != "set"));
                  !s.ok())
                return s;
            t = operand(0);
          }
          break;
        }
        if (operand(0)->kind == Kind::kList || operand(1)->kind == Kind::kList) {  // lists
          if (operand(0)->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown) return absl::OkStatus();
          t = listBinaryResult(tc_, i.binary_op, operand(0), operand(1));
          if (!t && i.binary_op == ir::BinaryOp::kAdd && operand(0)->kind == Kind::kTuple)  // wording: (*lst,) is () + lst
            return typingError(absl::StrCat("operator '+' is not supported between ", operand(0)->str(), " and ",
                                            operand(1)->str(), ": No implementation of function tuple(", operand(1)->str(),
                                            ") (a list's length is not known at compile time, so it cannot be "
                                            "star-unpacked into or added to a tuple)"));
          if (!t)
            return typingError(absl::StrCat("operator '", ir::symbol(i.binary_op), "' is not supported between ",
                                            operand(0)->str(), " and ", operand(1)->str()));
          // lst += x extends lst in place: it keeps its type (widened).
          if (i.inplace && operand(0)->kind == Kind::kList && i.binary_op == ir::BinaryOp::kAdd) {
            if (absl::Status s = refine(i.operands[0], tc_.list(t->items[0], isReflectedList(operand(0)), isTypedList(operand(0)))); !s.ok())
              return s;
            t = operand(0);
          }
          break;
        }
        t = binaryResult(tc_, i.binary_op, operand(0), operand(1));
        if (!t)
          return typingError(absl::StrCat("operator '", ir::symbol(i.binary_op), "' is not supported between ",
                                          operand(0)->str(), " and ", operand(1)->str(),
                                          noOperatorImplementation(i.binary_op, i.inplace, operand(0), operand(1))));
        if (t->kind != Kind::kUnknown) i.operand_types = binaryOperands(tc_, i.binary_op, operand(0), operand(1), t);
        // `a += x` on an array updates a in place (casting to a's dtype).
        if (i.inplace && operand(0)->isArray() && t->kind != Kind::kUnknown) {
          if (operand(0)->readonly)  // arrays: no update in place of read-only memory
            return typingError(absl::StrCat("Cannot modify readonly array of type: ", operand(0)->str()));
          // NumPy casts the result back with casting='same_kind': never to
          // a lower kind (bool < unsigned < signed < float < complex).
          auto kindRank = [](const Type* d) {
            if (d->kind == Kind::kBool) return 0;
            if (d->kind == Kind::kInt) return d->is_signed ? 2 : 1;
            return d->kind == Kind::kFloat ? 3 : 4;
          };
          if (t->items[0]->isDatetimeLike() && t->items[0] != operand(0)->items[0] &&
              !datetimeConvertible(t->items[0], operand(0)->items[0]))  // datetime: a unit it converts to
            return typingError(absl::StrCat("cannot update ", operand(0)->str(), " in place with ", operand(1)->str()));
          if (t->ndim > operand(0)->ndim)
            return typingError(absl::StrCat("cannot update ", operand(0)->str(), " in place with ", operand(1)->str()));
          if (kindRank(t->items[0]) > kindRank(operand(0)->items[0]))
            return typingError(absl::StrCat("cannot update ", operand(0)->str(), " in place with ", operand(1)->str(),
                                            ": the result is ", t->items[0]->str(),
                                            ", which NumPy does not cast to ", operand(0)->items[0]->str(),
                                            " (casting='same_kind')"));
          t = operand(0);
        }
        break;
      case Op::kUnaryOp:
        t = i.unary_op == ir::UnaryOp::kNot && isBytes(operand(0)) ? tc_.boolean()  // charseq: empty
            : isBuffer(operand(0)) ? nullptr  // Python raises TypeError for -b, +b and ~b (not elementwise)
                                   : unaryResult(tc_, i.unary_op, operand(0));
        if (!t)
          return typingError(absl::StrCat("unary '", ir::name(i.unary_op), "' is not supported for ",
                                          operand(0)->str()));
        break;
      case Op::kCompare:
        if (const Type* o = optionalCompareResult(tc_, i.compare_op, operand(0), operand(1))) {  // optional: x is None
          t = o;
          break;
        }
        if ((i.compare_op == ir::CompareOp::kIn || i.compare_op == ir::CompareOp::kNotIn) &&
            (isLiteralList(operand(1)) || isLiteralStrKeyDict(operand(1)))) {  // litcont: item by item
          if (operand(0)->kind == Kind::kUnknown) return absl::OkStatus();
          if (std::string why = literalContainsProblem(operand(0), operand(1)); !why.empty()) return typingError(why);
          t = tc_.boolean();
          break;
        }
        if (i.compare_op != ir::CompareOp::kIn && i.compare_op != ir::CompareOp::kNotIn &&
            i.compare_op != ir::CompareOp::kIs && i.compare_op != ir::CompareOp::kIsNot &&
            (isLiteralList(operand(0)) || isLiteralStrKeyDict(operand(0)) || isLiteralList(operand(1)) ||
             isLiteralStrKeyDict(operand(1)))) {
          // litcont: compared item by item as the tuples they are carried as, which is Python's meaning only
          // between two literal lists, or two literal dicts with the same keys in the same order (== and !=).
          if (operand(0)->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown) return absl::OkStatus();
          const bool lists = isLiteralList(operand(0)) && isLiteralList(operand(1));
          const bool dicts = operand(0) == operand(1) && isLiteralStrKeyDict(operand(0)) &&
                             (i.compare_op == ir::CompareOp::kEq || i.compare_op == ir::CompareOp::kNe);
          if (!lists && !dicts)
            return typingError(absl::StrCat("comparison '", ir::symbol(i.compare_op), "' is not supported between ",
                                            operand(0)->str(), " and ", operand(1)->str(),
                                            " (a literal list compares with a literal list, a literal dict with "
                                            "one of the same keys in the same order)"));
        }
        if ((i.compare_op == ir::CompareOp::kIn || i.compare_op == ir::CompareOp::kNotIn) &&
            operand(1)->kind == Kind::kDict) {  // dicts: k in d
          if (operand(0)->kind == Kind::kUnknown || !dictComplete(operand(1))) return absl::OkStatus();
          if (!dictCastFits(tc_, operand(1)->items[0], operand(0)))
            return typingError(absl::StrCat("a key of type ", operand(0)->str(), " does not fit ", operand(1)->str()));
          t = tc_.boolean();
          break;
        }
        if ((isSet(operand(0)) || isSet(operand(1))) && i.compare_op != ir::CompareOp::kIn &&
            i.compare_op != ir::CompareOp::kNotIn) {  // sets: == != <= < >= >
          if (operand(0)->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown) return absl::OkStatus();
          absl::StatusOr<const Type*> r = setCompareResult(tc_, i.compare_op, operand(0), operand(1));
          if (!r.ok()) return typingError(std::string(r.status().message()));
          t = *r;
          break;
        }
        if ((i.compare_op == ir::CompareOp::kEq || i.compare_op == ir::CompareOp::kNe) &&
            (operand(0)->kind == Kind::kDict || operand(1)->kind == Kind::kDict)) {  // dicts: d == e
          if (operand(0)->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown) return absl::OkStatus();
          if (std::string why = dictEqualityProblem(operand(0), operand(1)); !why.empty()) return typingError(why);
          t = tc_.boolean();
          break;
        }
        if (operand(0)->kind == Kind::kList || operand(1)->kind == Kind::kList) {  // lists
          if (operand(0)->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown) return absl::OkStatus();
          t = listCompareResult(tc_, i.compare_op, operand(0), operand(1));
          if (!t)
            return typingError(absl::StrCat("comparison '", ir::symbol(i.compare_op), "' is not supported between ",
                                            operand(0)->str(), " and ", operand(1)->str()));
          break;
        }
        if (isBytes(operand(0)) && isBytes(operand(1))) {  // charseq: bytes compare as Python's, not elementwise
          if (i.compare_op == ir::CompareOp::kIs || i.compare_op == ir::CompareOp::kIsNot) {
            // bytes2: CPython's identity of two bytes objects hangs on its
            // caches (b'' and one-byte bytes are shared, b[:] is b, equal
            // constants of one code object are one object), which compiled
            // bytes values do not mirror: only a value and itself is decided.
            if (i.operands[0] != i.operands[1])
              return typingError(absl::StrCat("comparison '", ir::symbol(i.compare_op),
                                              "' of two bytes values cannot be decided as CPython would (its answer "
                                              "depends on which bytes objects it caches and shares); use '",
                                              i.compare_op == ir::CompareOp::kIs ? "==" : "!=", "' to compare their "
                                              "contents"));
            foldToBool(i, i.compare_op == ir::CompareOp::kIs);
          }
          t = tc_.boolean();  // bytesm: `in` is a substring test (lower_buffers.cpp)
          break;
        }
        if ((i.compare_op == ir::CompareOp::kIn || i.compare_op == ir::CompareOp::kNotIn) && isBytes(operand(1)) &&
            (operand(0)->kind == Kind::kInt || operand(0)->kind == Kind::kBool)) {
          t = tc_.boolean();  // bytesm: `c in b` of a byte value c (ValueError out of range(0, 256))
          break;
        }
        if ((isBuffer(operand(0)) || isBuffer(operand(1))) &&
            (operand(0)->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown))
          return absl::OkStatus();  // bytesm: not yet known (a call typed later may give bytes)
        if ((i.compare_op == ir::CompareOp::kIs || i.compare_op == ir::CompareOp::kIsNot) &&
            isBytes(operand(0)) != isBytes(operand(1)) && operand(0)->kind != Kind::kUnknown &&
            operand(1)->kind != Kind::kUnknown &&
            operand(0)->kind != Kind::kOptional && operand(1)->kind != Kind::kOptional) {
          t = tc_.boolean();  // bytes2: a bytes value is not None, nor any value of another type (lower.cpp)
          i.operand_types = ir::OperandTypes{};
          break;
        }
        if (isBuffer(operand(0)) || isBuffer(operand(1)))  // Python's answer (b"a" == 1 is False), not elementwise
          return typingError(absl::StrCat("comparison '", ir::symbol(i.compare_op), "' is not supported between ",
                                          operand(0)->str(), " and ", operand(1)->str(),
                                          " (a bytes-like value compares as Python's, not elementwise)"));
        t = compareResult(tc_, i.compare_op, operand(0), operand(1));
        if (!t)
          return typingError(absl::StrCat("comparison '", ir::symbol(i.compare_op), "' is not supported between ",
                                          operand(0)->str(), " and ", operand(1)->str()));
        if (std::string why = strCompareProblem(i.compare_op, i.operands[0], i.operands[1]); !why.empty())
          return typingError(why);
        if (t->kind != Kind::kUnknown) i.operand_types = compareOperands(tc_, i.compare_op, operand(0), operand(1), t);
        break;
      case Op::kTruth: {
        const Type* x = operand(0);
        if (x->kind == Kind::kUnknown || x->isNumber() || x->kind == Kind::kNone || x->kind == Kind::kTuple ||
            x->kind == Kind::kStr || x->kind == Kind::kDict ||  // dicts: len(d) != 0
            x->kind == Kind::kList ||  // lists: non-empty
            isBytes(x) ||  // charseq: non-empty
            x->kind == Kind::kEnumMember ||  // enums: an IntEnum's int; an Enum member is true
            (x->kind == Kind::kOptional && x->items[0]->isNumber()) ||  // optional: None is false
            // pysub3: a NumPy array's is NumPy's: its one element (lower.cpp). Not a
            // bytearray/memoryview/array.array's (named): those are true when not empty.
            (x->isArray() && x->name.empty() && x->dtype()->isNumber()))
          t = x->kind == Kind::kUnknown ? x : tc_.boolean();
        else
          return typingError(absl::StrCat("cannot test the truth of ", x->str()));
        break;
      }
      case Op::kCall: {
        absl::StatusOr<const Type*> c = callType(inst, i);
        if (!c.ok()) return c.status();
        t = *c;
        break;
      }
      case Op::kBuildTuple: {
        std::vector<const Type*> items;
        for (size_t k = 0; k < i.operands.size(); ++k) {
          if (operand(k)->kind == Kind::kUnknown) return absl::OkStatus();
          items.push_back(operand(k));
        }
        t = tc_.namedTuple(std::move(items), i.name);  // namedtuples: the class a Point(...) call named
        break;
      }
      case Op::kBuildMap: {  // dicts:
        std::vector<const Type*> keys, values;
        for (size_t k = 0; k + 1 < i.operands.size(); k += 2) {
          if (operand(k)->kind == Kind::kUnknown || operand(k + 1)->kind == Kind::kUnknown) return absl::OkStatus();
          keys.push_back(operand(k));
          values.push_back(operand(k + 1));
        }
        if ((t = literalDictOf(tc_, i))) break;  // litcont: a LiteralStrKeyDict, now the tuple of its values
        absl::StatusOr<const Type*> d = buildMapType(tc_, keys, values);
        if (!d.ok() && (t = literalDictOf(tc_, i, /*force=*/true))) break;  // litcont: values a dict cannot hold
        if (!d.ok()) return typingError(std::string(d.status().message()));
        t = *d;
        break;
      }
      case Op::kDelItem: {  // del obj[index]: dicts (by key) and lists (by index or slice)
        const Type* obj = operand(0);
        if (obj->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown) return absl::OkStatus();
        if (isLiteralList(obj) || isLiteralStrKeyDict(obj)) return typingError(literalMutation(obj));  // litcont:
        if (obj->kind == Kind::kList) {  // lists: the __delitem__ method's rule
          const Type* refined = obj;
          absl::StatusOr<const Type*> r = listMethodCall(tc_, obj, "__delitem__", {operand(1)}, {}, &refined);
          if (!r.ok()) return typingError(std::string(r.status().message()));
          return absl::OkStatus();
        }
        if (obj->kind != Kind::kDict || isSet(obj))  // sets: no item deletion either
          return typingError(absl::StrCat("'", obj->str(), "' object does not support item deletion"));
        if (!dictComplete(obj) || !dictCastFits(tc_, obj->items[0], operand(1)))
          return typingError(absl::StrCat("cannot delete a key of type ", operand(1)->str(), " from ", obj->str()));
        return absl::OkStatus();
      }
      case Op::kBuildList: {  // lists
        std::vector<const Type*> items;
        for (size_t k = 0; k < i.operands.size(); ++k) {
          if (operand(k)->kind == Kind::kUnknown) return absl::OkStatus();
          items.push_back(operand(k));
        }
        if (constantListUnrolled(inst, i)) {  // unroll: as Numba, a constant list given to literal_unroll is a tuple
          i.op = Op::kBuildTuple;
          t = tc_.tuple(items);
          break;
        }
        absl::StatusOr<const Type*> l = listLiteral(tc_, items);
        if (!l.ok() && (t = literalListOf(tc_, items))) {  // litcont: a LiteralList, built as the tuple of its items
          i.op = Op::kBuildTuple;
          i.name = t->name;
          break;
        }
        if (!l.ok()) return typingError(std::string(l.status().message()));
        t = *l;
        break;
      }
      case Op::kUnpack: {
        const Type* seq = operand(0);
        if (seq->kind == Kind::kUnknown) return absl::OkStatus();
        if (i.count < 0) {  // tuples: around the star of `a, *rest, b = t`
          const int32_t n = static_cast<int32_t>(seq->items.size());
          if (seq->kind != Kind::kTuple)
            return typingError(absl::StrCat("a starred assignment (a, *b = ...) unpacks tuples only, not ", seq->str()));
          if (n < -i.count)
            return typingError(absl::StrCat("not enough values to unpack (expected at least ", -i.count, ", got ", n, ")"));
          i.index = i.index < 0 ? i.index + n : i.index;
          i.count = n;  // from now on an ordinary unpack
        }
        if (seq->kind == Kind::kRange && i.count >= 0) {  // format: a, b, c = range(3), its length checked when run
          t = tc_.integer(64, true);
          break;
        }
        // realcode3: a, b = arr unpacks along the first axis, as arr[0], arr[1]
        // (items of a 1-D array, views of rows otherwise); its length is
        // checked when run (lowering).
        if (seq->isArray() && seq->ndim >= 1 && i.count >= 0 && !typing::isBytes(seq) &&
            !typing::isCharDtype(seq->dtype())) {
          t = typing::arrayIndexResult(tc_, seq, tc_.integer(64, true));
          if (t) break;
        }
        if (seq->kind != Kind::kTuple || static_cast<int>(seq->items.size()) != i.count)
          return typingError(absl::StrCat("cannot unpack ", seq->str(), " into ", i.count, " values"));
        t = seq->items[i.index];
        break;
      }
      case Op::kGetItem: {
        const Type* obj = operand(0);
        const Type* idx = operand(1);
        if (obj->kind == Kind::kUnknown || idx->kind == Kind::kUnknown) return absl::OkStatus();
        if (std::string why = bufferIndexProblem(obj, idx); !why.empty()) return typingError(why);  // buffers:
        if (obj->kind == Kind::kBuiltin && obj->name.rfind("enumclass:", 0) == 0) {  // enums: Color['red']
          const std::string* key = constantStr(i.operands[1]);
          if (!key) return typingError("an enum class is indexed by a constant member name only");
          std::string member = enumMemberGlobal(obj->name, *key);
          if (!p_.bundle->functions[inst.function_index].global(member))
            return typingError(absl::StrCat("enum class '", obj->name.substr(10), "' has no member '", *key, "'"));
          absl::StatusOr<const Type*> m = globalType(member);
          if (!m.ok()) return m.status();
          t = *m;
          break;
        }
        if (isLiteralList(obj) || isLiteralStrKeyDict(obj)) {  // litcont: a constant index or key only
          absl::StatusOr<const Type*> r = literalGetItem(obj, i.operands[1]);
          if (!r.ok()) return typingError(std::string(r.status().message()));
          if (*r) {
            t = *r;
            break;
          }
        }
        if (obj->kind == Kind::kTuple && (idx->kind == Kind::kInt || idx->kind == Kind::kBool)) {
          ir::Instr* def = i.operands[1]->def;
          if (def && def->op == Op::kConst && def->const_value.kind == compiler::Constant::Kind::kInt) {
            int64_t n = static_cast<int64_t>(obj->items.size());
            int64_t k = def->const_value.i < 0 ? def->const_value.i + n : def->const_value.i;
            if (k < 0 || k >= n) return typingError(absl::StrCat("tuple index ", def->const_value.i, " out of range"));
            t = obj->items[k];
            break;
          }
          const Type* item = obj->items.empty() ? nullptr : obj->items[0];
          for (const Type* it : obj->items)
            if (it != item) item = nullptr;
          if (item) {
            t = item;
            break;
          }
          return typingError(absl::StrCat("No implementation of function getitem(", obj->str(), ", ", idx->str(),  // wording: Numba's lead
                                          "): cannot index heterogeneous ", obj->str(), " with a non-constant index"));
        }
        if (obj->kind == Kind::kTuple && idx->kind == Kind::kSlice) {
          std::optional<std::vector<int64_t>> picks =
              constantSlice(i.operands[1], static_cast<int64_t>(obj->items.size()));
          if (!picks) return typingError("a tuple can only be sliced with constant bounds");
          std::vector<const Type*> items;
          for (int64_t k : *picks) items.push_back(obj->items[k]);
          t = tc_.tuple(std::move(items));
          break;
        }
        if (obj->kind == Kind::kStr) {  // strings
          t = strIndexResult(tc_, obj, idx);
          if (t) break;
          return typingError(absl::StrCat("string indices must be integers or slices, not ", idx->str()));
        }
        if (isSet(obj)) return typingError(absl::StrCat("'", obj->str(), "' object is not subscriptable"));  // sets:
        if (obj->kind == Kind::kDType && isScalarClassValue(i.operands[0]) && idx->kind != Kind::kInt &&
            !obj->items[0]->isRecord()) {  // typedempty: types.float64[:] written in the function
          std::string why;
          const Type* a = arrayTypeSpelled(tc_, obj->items[0], i.operands[1], &why);
          if (!a) return typingError(absl::StrCat(obj->str(), "[...]: ", why));
          t = tc_.typeRef(a);
          break;
        }
        if (obj->kind == Kind::kDict) {  // dicts:
          if (!dictComplete(obj)) return absl::OkStatus();
          if (!dictCastFits(tc_, obj->items[0], idx))
            return typingError(absl::StrCat("a key of type ", idx->str(), " does not fit ", obj->str()));
          t = obj->items[1];
          break;
        }
        if (obj->kind == Kind::kList) {  // lists
          t = listIndexResult(tc_, obj, idx);
          if (t) break;
          return typingError(absl::StrCat("list indices must be integers or slices, not ", idx->str()));
        }
        if (obj->isRecord()) {  // records: r['x'], r[0]
          const int k = recordFieldAt(obj, i.operands[1], p_.bundle->functions[inst.function_index]);
          if (k < 0) return typingError(recordIndexProblem(obj, i.operands[1], p_.bundle->functions[inst.function_index]));
          t = recordFieldValue(tc_, obj->items[static_cast<size_t>(k)], obj->readonly);
          break;
        }
        if (obj->kind == Kind::kArray && idx->kind == Kind::kStr && obj->dtype()->isRecord()) {  // records: a['x']
          const std::string* name = constantName(i.operands[1], p_.bundle->functions[inst.function_index]);
          t = name ? recordArrayField(tc_, obj, *name) : nullptr;
          if (t) break;
          if (name && obj->dtype()->recordField(*name) >= 0)
            return typingError(absl::StrCat("a view of the string field '", *name, "' is not supported yet"));
          if (name) return typingError(recordNoField(obj->dtype(), *name));
          return typingError("an array of records is indexed by a constant field name only");
        }
        if (obj->isFlatIter()) {  // flatimag: a.flat[k], the element at C-order position k (NumPy's flatiter)
          if (idx->kind != Kind::kInt)
            return typingError(absl::StrCat("indexing ", obj->str(), " with ", idx->str(),
                                            " is not supported (an integer index is)"));
          // rorecord: read-only as its array; NEP 50: an element is a NumPy scalar (strong)
          t = tc_.strongScalar(tc_.recordView(obj->items[0]->dtype(), obj->items[0]->readonly));
          break;
        }
        if (isBytes(obj) && idx->kind == Kind::kSlice) {  // bytes2: b[i:j:k] is a new bytes, as Python's
          t = bytesType(tc_);
          break;
        }
        if (obj->kind == Kind::kArray) {
          t = arrayIndexResult(tc_, obj, idx, steplessSlices(i.operands[1]));
          if (t && t->kind == Kind::kUnicodeCharSeq) t = tc_.str();  // chararrays: an item of a U array reads as a str
          if (t && isCharDtype(t)) t = *tc_.parse("Bytes(uint8, 1d, C)");  // chararrays: an S item reads as bytes
          if (t) break;
          if (std::string why = selectionIndexProblem(idx); !why.empty()) return typingError(why);  // mixidx:
          // wording: more ints and slices than dimensions, in Numba's words.
          int indices = 0;
          for (const Type* p : idx->kind == Kind::kTuple ? idx->items : std::vector<const Type*>{idx})
            indices += p->kind == Kind::kInt || p->kind == Kind::kSlice;
          if (indices > obj->ndim)
            return typingError(absl::StrCat("cannot index ", obj->str(), " with ", indices, " indices: ", idx->str()));
          return typingError(absl::StrCat("indexing ", obj->str(), " with ", idx->str(), " is not supported"));
        }
        return typingError(absl::StrCat("'", obj->str(), "' object is not subscriptable with ", idx->str()));
      }
      case Op::kBuildSlice: {
        for (size_t k = 0; k < i.operands.size(); ++k) {
          const Type* part = operand(k);
          if (part->kind == Kind::kUnknown) return absl::OkStatus();
          if (part->kind != Kind::kNone && part->kind != Kind::kInt && part->kind != Kind::kBool)
            return typingError(absl::StrCat("slice indices must be integers or None, not ", part->str()));
        }
        t = tc_.slice();
        break;
      }
      case Op::kGetIter: {
        const Type* x = operand(0);
        if (x->kind == Kind::kUnknown) return absl::OkStatus();
        std::string why;
        t = iteratorOf(tc_, x, &why);
        if (!t) return typingError(why);
        break;
      }
      case Op::kCopy:
        t = operand(0);
        if (i.name == kUnwrapOptional && t->kind == Kind::kOptional) t = t->items[0];  // optional: its value
        break;
      case Op::kDeclare: {  // locals: a value stored to a local declared by jit(locals=...)
        const Type* x = operand(0);
        if (x->kind == Kind::kUnknown) return absl::OkStatus();
        absl::StatusOr<const Type*> declared = declaredLocal(i, x);
        if (!declared.ok()) return declared.status();
        t = *declared;
        break;
      }
      case Op::kMakeFunction: {  // closures
        if (operand(0)->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown) return absl::OkStatus();
        if (i.index < 0 || static_cast<size_t>(i.index) >= p_.bundle->functions.size())
          return absl::InvalidArgumentError("make_function of a function outside the bundle");
        if (operand(0)->kind != Kind::kTuple || operand(1)->kind != Kind::kTuple)
          return absl::InvalidArgumentError("make_function without tuples of captures and defaults");
        t = tc_.closure(i.index, operand(0), operand(1));
        break;
      }
      case Op::kSetItem: {
        const Type* obj = operand(0);
        if (obj->kind == Kind::kUnknown || operand(1)->kind == Kind::kUnknown || operand(2)->kind == Kind::kUnknown)
          return absl::OkStatus();
        if (isLiteralList(obj) || isLiteralStrKeyDict(obj)) return typingError(literalMutation(obj));  // litcont:
        if (obj->kind == Kind::kStructRef) {  // structref: s.x = v, converted to the field's type
          if (i.name.empty())
            return typingError(absl::StrCat("'", obj->str(), "' object does not support item assignment"));
          const int k = structRefField(obj, i.name);
          if (k < 0) return typingError(structRefNoField(obj, i.name));
          if (std::string why = structRefStoreProblem(obj, k, operand(2)); !why.empty()) return typingError(why);
          i.operand_types = ir::OperandTypes{obj->items[static_cast<size_t>(k)], {}};
          return absl::OkStatus();
        }
        if (!i.name.empty() && !obj->isRecord())  // records: r.x = v; no other receiver takes an attribute store
          return userError(Diagnostic::Kind::kUnsupported,
                           absl::StrCat("an attribute assignment (x.", i.name, " = ...) to ", obj->str(), " is not supported"),
                           line_);
        if (obj->isRecord()) {  // records: r.x = v, r['x'] = v, r[0] = v
          const compiler::Function& fn = p_.bundle->functions[inst.function_index];
          const int k = recordFieldAt(obj, i.operands[1], fn);
          if (k < 0)
            return typingError(i.name.empty() ? recordIndexProblem(obj, i.operands[1], fn) : recordNoField(obj, i.name));
          const Type* field = obj->items[static_cast<size_t>(k)];
          if (std::string why = recordStoreProblem(field, operand(2)); !why.empty()) return typingError(why);
          if (obj->readonly)  // rorecord: NumPy's words, then the construct
            return typingError(absl::StrCat("assignment destination is read-only: cannot store into field '",
                                            obj->field_names[static_cast<size_t>(k)], "' of ", obj->str()));
          i.operand_types = ir::OperandTypes{field, {}};
          return absl::OkStatus();
        }
        if (isSet(obj))  // sets:
          return typingError(absl::StrCat("'", obj->str(), "' object does not support item assignment"));
        if (obj->kind == Kind::kDict) {  // dicts:
          std::string why;
          const Type* d = dictWithItem(tc_, obj, operand(1), operand(2), &why);
          if (!d) return typingError(why);
          return refineDict(inst, i.operands[0], d);
        }
        if (obj->kind == Kind::kList) {  // lists
          // wording: Numba's lead words, then why.
          auto setitemError = [&](absl::string_view why) {
            // Numba spells a list type with its initial value (none here)
            const char* iv = obj->items[0]->kind == Kind::kList ? "<iv=None>" : "";
            return typingError(absl::StrCat("invalid setitem with value of ", operand(2)->str(), " to element of ",
                                            obj->items[0]->str(), iv, ": ", why));
          };
          absl::StatusOr<const Type*> l = listStore(tc_, obj, operand(1), operand(2));
          if (!l.ok()) return setitemError(l.status().message());
          if (absl::Status s = refine(i.operands[0], *l); !s.ok()) return setitemError(s.message());
          return absl::OkStatus();
        }
        if (obj->isFlatIter()) {  // flatimag: a.flat[k] = x, into the element at C-order position k
          const Type* a = obj->items[0];
          const Type* v = operand(2);
          if (operand(1)->kind != Kind::kInt)
            return typingError(absl::StrCat("assigning to ", obj->str(), " at an index of type ", operand(1)->str(),
                                            " is not supported (an integer index is)"));
          if (a->readonly) return typingError(absl::StrCat("Cannot modify readonly array of type: ", a->str()));
          if (!v->isNumber() || (v->kind == Kind::kComplex && a->dtype()->kind != Kind::kComplex))
            return typingError(absl::StrCat("cannot store ", v->str(), " into ", obj->str()));
          i.operand_types = ir::OperandTypes{a->dtype(), {}};
          return absl::OkStatus();
        }
        if (obj->kind != Kind::kArray)
          return typingError(absl::StrCat("'", obj->str(), "' object does not support item assignment"));
        // arrays: a read-only array (an argument over a read-only buffer, a
        // frozen global) refuses writes, as Numba.
        if (obj->readonly) return typingError(absl::StrCat("Cannot modify readonly array of type: ", obj->str()));
        if (isCharDtype(obj->dtype())) {  // chararrays: a[i] = b, bytes truncated or NUL-padded as NumPy
          const Type* slot = arrayIndexResult(tc_, obj, operand(1));
          if (!slot || slot->isArray() || !isBytes(operand(2)))
            return typingError(absl::StrCat("assigning ", operand(2)->str(), " to ", obj->str(), " at an index of type ",
                                            operand(1)->str(), " is not supported (bytes, at one element, are)"));
          i.operand_types = ir::OperandTypes{slot, {}};
          return absl::OkStatus();
        }
        if (obj->dtype()->isRecord()) {  // records: a[i] = r copies a record of the same type
          const Type* slot = operand(1)->kind == Kind::kStr ? nullptr : arrayIndexResult(tc_, obj, operand(1));
          // rorecord: a read-only record's bytes copy as well as a writable one's
          if (!slot || slot->isArray() || tc_.recordView(operand(2), false) != obj->dtype())
            return typingError(absl::StrCat("assigning ", operand(2)->str(), " to ", obj->str(), " at an index of type ",
                                            operand(1)->str(), " is not supported (a record of the array's type, ",
                                            "at one element, is)"));
          i.operand_types = ir::OperandTypes{slot, {}};
          return absl::OkStatus();
        }
        if (obj->dtype()->kind == Kind::kUnicodeCharSeq) {  // chararrays: a[i] = s, truncated or NUL-padded as NumPy
          const Type* slot = arrayIndexResult(tc_, obj, operand(1));
          const Type* v = operand(2);
          const bool text = v->kind == Kind::kStr ||  // or a 0-d U array's text
                            (v->isArray() && v->ndim == 0 && v->dtype()->kind == Kind::kUnicodeCharSeq);
          if (!slot || slot->isArray() || !text)
            return typingError(absl::StrCat("assigning ", operand(2)->str(), " to ", obj->str(), " at an index of type ",
                                            operand(1)->str(), " is not supported (a str, at one element, is)"));
          i.operand_types = ir::OperandTypes{slot, {}};
          return absl::OkStatus();
        }
        const Type* slot = arrayIndexResult(tc_, obj, operand(1));
        if (std::string why = selectionIndexProblem(operand(1)); !slot && !why.empty()) return typingError(why);  // mixidx:
        if (!slot)
          return typingError(absl::StrCat("assigning to ", obj->str(), " at an index of type ", operand(1)->str(),
                                          " is not supported"));
        // Into a view (a[1:3] = x): a scalar (or a 0-d array) fills it, an
        // array broadcasts (leading dimensions past the view's must be 1, as
        // NumPy), a list or tuple of numbers fills a 1-d view item by item.
        // Selected rows (a[idx] = x) take a scalar or an array broadcast to
        // the selection's shape.
        // realcode3: an IntEnum member stores as its int (lowering converts it).
        const Type* v = enumAsNumber(operand(2));
        const bool sequence = (v->kind == Kind::kList || v->kind == Kind::kTuple) && !isLiteralList(v) &&
                              !v->items.empty() && slot->isArray() && slot->ndim == 1 && !isSelectionIndex(operand(1));
        bool fits = true;
        for (const Type* ve : sequence ? v->items : std::vector<const Type*>{v->isArray() ? v->dtype() : v})
          fits = fits && enumAsNumber(ve)->isNumber() && (ve->kind != Kind::kComplex || obj->dtype()->kind == Kind::kComplex);
        if (v->isArray() && v->ndim > 0 && !slot->isArray()) fits = false;
        if (v->isArray() && isSelectionIndex(operand(1)) && v->ndim > slot->ndim) fits = false;
        if (!v->isArray() && !v->isNumber() && !sequence) fits = false;
        if (!fits) return typingError(absl::StrCat("cannot store ", v->str(), " into ", obj->str()));
        i.operand_types = ir::OperandTypes{slot, {}};
        return absl::OkStatus();
      }
      case Op::kForIter: {
        t = iterItem(tc_, operand(0));
        i.operand_types = ir::OperandTypes{t, {}};
        break;
      }
      case Op::kBranch: {
        const Type* c = operand(0);
        if (c->kind != Kind::kUnknown && c->kind != Kind::kBool)
          return absl::InternalError("branch on a non-bool value");
        return absl::OkStatus();
      }
      case Op::kReturn: {
        if (inst.ret->kind == Kind::kGenerator && inst.ret->name == inst.symbol) {  // generators: ends it
          if (operand(0)->kind != Kind::kNone && operand(0)->kind != Kind::kUnknown)
            return userError(Diagnostic::Kind::kUnsupported,
                             "'return' with a value in a generator is not supported", line_);
          return absl::OkStatus();
        }
        // closures: a closure lives only in the function that makes it (its
        // captures are values, checked there); returning it is refused
        // (pyrest: Numba's words first, and its class: a TypingError).
        if (operand(0)->kind == Kind::kFunction && !operand(0)->items.empty())
          return userError(Diagnostic::Kind::kTyping,
                           "Cannot capture the non-constant value of a function that may escape: returning an "
                           "inner function or lambda is not supported", line_);
        const Type* u = unify(tc_, inst.ret, operand(0));
        if (!u) u = joinOptional(tc_, inst.ret, operand(0));  // optional: None on one path
        if (!u)
          return typingError(absl::StrCat("cannot unify return types ", inst.ret->str(), " and ", operand(0)->str()));
        if (u != inst.ret) {
          inst.ret = u;
          changed_ = true;
        }
        return absl::OkStatus();
      }
      case Op::kRaise: {
        const Type* x = operand(0);
        if (x->kind != Kind::kUnknown && x->kind != Kind::kExceptionClass) {
          // Numba's words for a constant that is not an exception class.
          const ir::Instr* def = i.operands[0]->def;
          if (x->kind == Kind::kStr && constantStr(i.operands[0]) != nullptr)
            return userError(Diagnostic::Kind::kUnsupported,
                             "Directly raising a string constant as an exception is not supported.", line_);
          if (def != nullptr && (def->op == Op::kConst || def->op == Op::kLoadGlobal))
            return userError(Diagnostic::Kind::kUnsupported,
                             absl::StrCat("Encountered unsupported constant type used for exception (",
                                          x->str(), ")"), line_);
          return typingError(absl::StrCat("exceptions must derive from BaseException, not ", x->str()));
        }
        return absl::OkStatus();
      }
      case Op::kJump:
      case Op::kUnreachable:
      case Op::kReraise:
      case Op::kRestoreError:
      case Op::kDropCaught:
        return absl::OkStatus();
      case Op::kCatch:  // exceptions: no value compiled code can use
        t = tc_.none();
        break;
      case Op::kFused:  // fusion: made after typing
        return absl::InternalError("a fused op reached typing");
      case Op::kExcMatch: {  // exceptions:
        const Type* c = operand(0);
        if (c->kind == Kind::kUnknown) return absl::OkStatus();
        bool ok = c->kind == Kind::kExceptionClass;
        if (c->kind == Kind::kTuple) {
          ok = true;
          for (const Type* item : c->items) ok &= item->kind == Kind::kExceptionClass;
        }
        if (!ok)
          return typingError(absl::StrCat("catching classes that do not inherit from BaseException is not allowed (got ",
                                          c->str(), ")"));
        t = tc_.boolean();
        break;
      }
      case Op::kYield: {  // generators: the yield type widens to take the item
        const Type* x = operand(0);
        t = tc_.none();  // the value of the yield expression (send() is not supported)
        if (inst.ret->kind != Kind::kGenerator || inst.ret->name != inst.symbol)
          return absl::InternalError("yield outside a generator reached typing");
        if (x->kind == Kind::kUnknown) break;
        if (!yieldable(x))
          return userError(Diagnostic::Kind::kUnsupported,
                           absl::StrCat("yielding a value of type ", x->str(),
                                        " is not supported (a generator yields numbers, booleans, arrays, strings, records or tuples of them)"),
                           line_);
        const Type* y = unify(tc_, inst.ret->items[0], x);
        if (!y)
          return typingError(absl::StrCat("cannot unify yield types ", inst.ret->items[0]->str(), " and ", x->str()));
        if (y != inst.ret->items[0]) {
          inst.ret = tc_.generator(inst.symbol, y, inst.arg_types);
          changed_ = true;
        }
        break;
      }
    }
    if (t && (t->kind == Kind::kUnicodeCharSeq || isCharDtype(t)))  // chararrays: an item is only ever read by indexing
      return typingError(absl::StrCat("the items of a character array (dtype ", t->str(),
                                      ") are read one at a time by indexing (a[i]); this use is not supported"));
    if (i.result && t) return set(i.result.get(), t);
    return absl::OkStatus();
  }

  Program& p_;
  TypeContext& tc_;
  const UntypedFunctions& functions_;
  // (function, argument types, literal arguments) -> instance; looked up, never iterated
  std::map<std::tuple<int, std::vector<const Type*>, std::vector<std::string>>, int> instance_of_;
  std::map<int, std::vector<LiteralParam>> literal_params_;  // codec: literalParams(), by function; never iterated
  std::map<int, int> instances_per_function_;
  std::map<int, int> fresh_typings_;  // strength: typeAfresh per instance
  int cur_ = 0;
  int line_ = 0;
};

// linalg: `a @ b` (and `a @= b`) becomes a call of the function global
// "numpy.matmul" (kiln/library/numpy_linalg.py), which the bundle adds to
// every function using the operator (bundle.py matmul_member). Without that
// global the operator stays, and typing refuses it as before.
void matmulAsCall(ir::Function& f, const compiler::Function& fn) {
  const compiler::GlobalRef* g = fn.global("numpy.matmul");
  if (!g || g->kind != compiler::GlobalRef::Kind::kFunction) return;
  for (auto& b : f.blocks)
    for (size_t k = 0; k < b->instrs.size(); ++k) {
      ir::Instr* i = b->instrs[k].get();
      // `a @= b` stays an operator, refused by typing: NumPy 1.x raises and NumPy 2 writes into a.
      if (i->op != Op::kBinOp || i->binary_op != ir::BinaryOp::kMatMul || i->inplace) continue;
      ir::Instr* load = f.append(b.get(), Op::kLoadGlobal, {}, i->line);
      load->name = "numpy.matmul";
      load->offset = i->offset;
      std::unique_ptr<ir::Instr> moved = std::move(b->instrs.back());
      b->instrs.pop_back();
      b->instrs.insert(b->instrs.begin() + static_cast<std::ptrdiff_t>(k), std::move(moved));
      i->op = Op::kCall;
      i->operands = {load->result.get(), i->operands[0], i->operands[1]};
      ++k;
    }
}

// Marks instances reachable from the entry through the final call bindings.
void markReachable(Program& p, int idx) {
  Instance& inst = *p.instances[idx];
  if (inst.reachable) return;
  inst.reachable = true;
  for (auto& b : inst.ir->blocks)
    for (auto& i : b->instrs) {
      auto it = inst.calls.find(i.get());
      if (it != inst.calls.end() && it->second.target >= 0) markReachable(p, it->second.target);  // intrinsic: -1
      if (auto set = inst.set_calls.find(i.get()); set != inst.set_calls.end())  // pycells:
        for (const CallBinding& c : set->second) markReachable(p, c.target);
    }
}

// pyrest: a user error met inside Kiln's library code (kiln/library,
// compiler/library_code.h) is shown at the user's call into the
// library: the user's file, line and function, with the library function and
// its own line named in the message. The call is found by a breadth-first walk
// from the entry in program order (the first call that reaches the instance),
// so the choice is deterministic. Errors of user code, and of an entry that is
// itself library code, stay where they are.
absl::Status atUserCall(const Program& p, int idx, absl::Status s) {
  const compiler::Bundle& bundle = *p.bundle;
  auto library = [&](int k) { return compiler::isLibraryCode(bundle.functions[p.instances[k]->function_index].code); };
  std::optional<Diagnostic> d = compiler::diagnosticOf(s);
  if (!d || !library(idx)) return s;
  const size_t n = p.instances.size();
  std::vector<std::pair<int, const ir::Instr*>> caller(n, {-1, nullptr});
  std::vector<bool> seen(n, false);
  std::vector<int> queue{0};
  seen[0] = true;
  for (size_t q = 0; q < queue.size(); ++q) {
    const Instance& inst = *p.instances[queue[q]];
    auto reach = [&](int target, const ir::Instr* call) {
      if (target < 0 || static_cast<size_t>(target) >= n || seen[target]) return;
      seen[target] = true;
      caller[target] = {queue[q], call};
      queue.push_back(target);
    };
    for (auto& b : inst.ir->blocks)
      for (auto& i : b->instrs) {
        if (auto it = inst.calls.find(i.get()); it != inst.calls.end()) reach(it->second.target, i.get());
        if (auto set = inst.set_calls.find(i.get()); set != inst.set_calls.end())
          for (const CallBinding& c : set->second) reach(c.target, i.get());
      }
  }
  int at = idx, called = idx;
  const ir::Instr* call = nullptr;
  while (library(at)) {
    if (caller[at].first < 0) return s;  // library code all the way up: no user call to show
    called = at;
    std::tie(at, call) = caller[at];
  }
  const compiler::CodeObject& user = bundle.functions[p.instances[at]->function_index].code;
  const compiler::CodeObject& lib = bundle.functions[p.instances[called]->function_index].code;
  std::string file = d->filename.substr(d->filename.find_last_of('/') + 1);
  return compiler::userError(d->kind,
                             absl::StrCat(d->message, " (in kiln's library function '", lib.qualname, "', ", file,
                                          ":", d->line, ")"),
                             user.filename, call->line, user.qualname);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Program>> inferTypes(const compiler::Bundle& bundle, const UntypedFunctions& functions,
                                                    const std::vector<std::string>& arg_types,
                                                    const std::string& return_type, const compiler::Budget& budget) {
  auto p = std::make_unique<Program>();
  p->bundle = &bundle;
  if (bundle.functions.empty()) return absl::InvalidArgumentError("bundle has no functions");
  std::vector<const Type*> args;
  for (const std::string& s : arg_types) {
    absl::StatusOr<const Type*> t = p->types.parse(s);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("argument type: ", t.status().message()));
    args.push_back(*t);
  }
  // As Numba (its issue 2195): a homogeneous tuple argument of more than 1000
  // items is refused rather than unrolled into enormous code.
  const compiler::CodeObject& entry_code = bundle.functions[0].code;
  for (size_t k = 0; k < args.size(); ++k) {
    bool uni = args[k]->kind == Kind::kTuple && !args[k]->items.empty() &&
               std::all_of(args[k]->items.begin(), args[k]->items.end(),
                           [&](const Type* t) { return t == args[k]->items[0]; });
    if (uni && args[k]->items.size() > 1000)
      return compiler::userError(
          compiler::Diagnostic::Kind::kUnsupported,
          absl::StrCat("Tuple '", k < entry_code.varnames.size() ? entry_code.varnames[k] : "?",
                       "' length must be smaller than 1000 (large tuples make prohibitively large code)"),
          entry_code.filename, entry_code.firstlineno, entry_code.qualname);
  }
  if (!return_type.empty()) {
    absl::StatusOr<const Type*> t = p->types.parse(return_type);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("return type: ", t.status().message()));
    p->declared_ret = *t;
  }
  Inferrer inf(*p, functions);
  inf.budget_ = &budget;
  if (absl::Status asked = inf.literalRequest(); !asked.ok()) return asked;
  absl::StatusOr<int> entry = inf.instanceFor(0, args);
  if (!entry.ok()) return entry.status();
  bool converged = false;
  for (int round = 0; round < kMaxRounds && !converged; ++round) {
    inf.changed_ = false;
    for (size_t k = 0; k < p->instances.size(); ++k) {
      if (absl::Status s = inf.checkBudget(); !s.ok()) return s;
      if (budget.max_instances != 0 && p->instances.size() > budget.max_instances)
        return absl::ResourceExhaustedError(
            absl::StrCat("compile stopped: typing made ", p->instances.size(),
                         " instances (function x argument types), more than the limit of ", budget.max_instances,
                         " (--max-instances)"));
      Instance& inst = *p->instances[k];
      // realcode2: an instance that met a user error is typed again in the
      // next rounds: the error may come from a type that was not final yet
      // (a callee's return type while the callee's other returns are still
      // unknown: None where it is Optional). The error stands when a round
      // changes nothing.
      absl::Status s = inf.typeInstance(static_cast<int>(k));
      // strength: an error met with types kept from earlier rounds may be
      // theirs: typed afresh, it stands only if it comes again.
      if (!s.ok() && compiler::diagnosticOf(s) && inf.typeAfresh(static_cast<int>(k)))
        s = inf.typeInstance(static_cast<int>(k));
      if (!s.ok()) {
        if (!compiler::diagnosticOf(s)) return s;  // malformed input or our bug: stop now
        if (inst.error.ok()) inf.changed_ = true;  // a new error: another round (one that merely changes it does not)
        inst.error = s;
      } else if (!inst.error.ok()) {
        inst.error = absl::OkStatus();
        inf.changed_ = true;
      }
    }
    converged = !inf.changed_;
  }
  if (!converged) return absl::InvalidArgumentError("type inference did not converge");
  markReachable(*p, 0);
  // pycells: a FunctionSet has one signature, as Numba's first-class function
  // type does: every call of one set passes the same argument types.
  {
    std::map<const Type*, const std::vector<const Type*>*> signature;  // looked up, never iterated for output
    for (const auto& inst : p->instances) {
      if (!inst->reachable) continue;
      for (auto& b : inst->ir->blocks)
        for (auto& i : b->instrs) {
          auto it = inst->set_calls.find(i.get());
          if (it == inst->set_calls.end() || it->second.empty()) continue;
          const std::vector<const Type*>& args = p->instances[it->second[0].target]->arg_types;
          auto [seen, fresh] = signature.emplace(i->operands[0]->type, &args);
          if (fresh || *seen->second == args) continue;
          auto spelled = [](const std::vector<const Type*>& ts) {
            std::vector<std::string> out;
            for (const Type* t : ts) out.push_back(t->str());
            return absl::StrJoin(out, ", ");
          };
          const compiler::CodeObject& code = bundle.functions[inst->function_index].code;
          return compiler::userError(
              compiler::Diagnostic::Kind::kUnsupported,
              absl::StrCat("mismatch of function types: ", i->operands[0]->type->str(), " is called with (",
                           spelled(*seen->second), ") and with (", spelled(args),
                           "): a variable holding two different functions has one signature"),
              code.filename, i->line, code.qualname);
        }
    }
  }
  for (size_t k = 0; k < p->instances.size(); ++k) {
    const Instance& inst = *p->instances[k];
    if (!inst.reachable) continue;
    if (!inst.error.ok()) return atUserCall(*p, static_cast<int>(k), inst.error);
  }
  // Every value a reachable operation consumes must have a type by now.
  for (size_t k = 0; k < p->instances.size(); ++k) {
    Instance& inst = *p->instances[k];
    if (!inst.reachable) continue;
    const compiler::CodeObject& code = bundle.functions[inst.function_index].code;
    for (auto& b : inst.ir->blocks)
      for (auto& i : b->instrs)
        for (ir::Value* o : i->operands) {
          if (holdsUntypedList(o->type))  // lists
            return atUserCall(*p, static_cast<int>(k), compiler::userError(
                compiler::Diagnostic::Kind::kTyping,
                isTypedList(o->type)  // pyrest: a typed List() whose items nothing types
                    ? absl::StrCat("Cannot infer the type of variable ",  // Numba's words first
                                   o->debug_name.empty() ? "used here" : absl::StrCat("'", o->debug_name, "'"),
                                   ", have imprecise type: ListType[undefined]: nothing gives the empty typed List "
                                   "an item type: make it with one (List.empty_list(int64), with the item type "
                                   "from numba.types, kiln.types or NumPy) or append an item to it")
                    : absl::StrCat("Cannot infer the type of variable ",  // pyfuncs: Numba's words first
                             o->debug_name.empty() ? "used here" : absl::StrCat("'", o->debug_name, "'"),
                             ", have imprecise type: list(undefined): cannot infer the item type of the empty list "
                             "(For Numba to be able to compile a list, the list must have a known and precise "
                             "type that can be inferred from the other variables: append an item to it, or make "
                             "it with a typed item)"),
                code.filename, i->line, code.qualname));
          if (o->type->kind == Kind::kUnknown)
            return atUserCall(*p, static_cast<int>(k), compiler::userError(
                compiler::Diagnostic::Kind::kTyping,
                absl::StrCat(i->op == ir::Op::kReturn && o->def && o->def->op == ir::Op::kCall
                                 ? "cannot type infer runaway recursion: "  // Numba's words, for a call that never returns a type
                                 : "",
                             "cannot determine the type of ",
                             o->debug_name.empty() ? "a value" : absl::StrCat("'", o->debug_name, "'"),
                             " used by '", ir::mnemonic(i->op), "'",
                             i->op == ir::Op::kReturn ? " (a recursion without a base case?)" : ""),
                code.filename, i->line, code.qualname));
        }
  }
  // The entry's result crosses into the caller, which can only receive
  // values with a run-time form in the ABI (runtime/cpu/kiln_abi.h).
  std::function<bool(const Type*)> returnable = [&](const Type* t) {
    if (isLiteralList(t) || isLiteralStrKeyDict(t)) return false;  // litcont: as Numba, never boxed
    if (t->kind == Kind::kTuple) {
      for (const Type* item : t->items)
        if (!returnable(item)) return false;
      return true;
    }
    if (t->kind == Kind::kDict)  // dicts: boxed as a Python dict
      return dictComplete(t) && returnable(t->items[0]) && returnable(t->items[1]);
    if (t->kind == Kind::kList) return returnable(t->items[0]);  // lists: boxed as Python lists
    if (t->kind == Kind::kGenerator) return returnable(t->items[0]);  // genpy: a Python iterator boxing its items
    if (t->kind == Kind::kEnumMember) return true;  // enums: boxed as the class's member of its value
    if (t->kind == Kind::kOptional) return returnable(t->items[0]);  // optional: None or the value boxed
    if (t->kind == Kind::kNPGenerator) return t->index == 0;  // npgen: the Generator argument itself
    if (t->kind == Kind::kDType) return t->items[0]->isNumber() || t->items[0]->isRecord();  // flatimag: a np.dtype, as Numba
    if (t->kind == Kind::kSlice) return true;  // pyvals: a slice object, its None parts as they were (KilnSlice)
    if (t->kind == Kind::kEllipsis) return true;  // pyvals: the Ellipsis object
    if (t->kind == Kind::kStructRef) return true;  // structref: boxed as an instance of its proxy class
    return t->kind == Kind::kNone || t->isNumber() || t->kind == Kind::kArray || t->kind == Kind::kStr ||
           t->isDatetimeLike();  // datetime: boxed as np.datetime64/np.timedelta64
  };
  // rorecord: a record returned to Python is a copy of its bytes, writable
  // (the same data model: lowering copies it either way).
  if (!p->declared_ret && p->instances[0]->ret->isRecord())
    p->instances[0]->ret = p->types.recordView(p->instances[0]->ret, false);
  const Type* entry_ret = p->declared_ret ? p->declared_ret : p->instances[0]->ret;
  // records: a record at the top only (boxed as a np.void copy of its bytes).
  // pycells: a function object, as Numba refuses it (NumbaTypeError)
  if (entry_ret->kind == Kind::kFunction || entry_ret->kind == Kind::kFunctionSet || entry_ret->kind == Kind::kBuiltin)
    return compiler::userError(compiler::Diagnostic::Kind::kNumbaType,
                               absl::StrCat("returning a value of type ", entry_ret->str(),
                                            " from a jitted function is not supported (can't return function "
                                            "object in nopython mode)"),
                               bundle.functions[0].code.filename, bundle.functions[0].code.firstlineno,
                               bundle.functions[0].code.qualname);
  // litcont: Numba's words; pysub4: a TypeError, as Numba raises when the call returns it
  if (isLiteralList(entry_ret) || isLiteralStrKeyDict(entry_ret))
    return compiler::userError(compiler::Diagnostic::Kind::kBoxing,
                               absl::StrCat("cannot convert native ", entry_ret->str(),
                                            " to a Python object (a literal container stays in compiled code)"),
                               bundle.functions[0].code.filename, bundle.functions[0].code.firstlineno,
                               bundle.functions[0].code.qualname);
  // dicts: an empty dict that nothing typed, as Numba words it
  if (entry_ret->kind == Kind::kDict && !isSet(entry_ret) && !dictComplete(entry_ret))
    return compiler::userError(compiler::Diagnostic::Kind::kTyping,
                               absl::StrCat("Cannot infer the type of the returned dict, have imprecise type ",
                                            entry_ret->str(), " (nothing stored into it gives its key and value types)"),
                               bundle.functions[0].code.filename, bundle.functions[0].code.firstlineno,
                               bundle.functions[0].code.qualname);
  if (!entry_ret->isRecord() && !returnable(entry_ret))
    return compiler::userError(compiler::Diagnostic::Kind::kUnsupported,
                               absl::StrCat("returning a value of type ", entry_ret->str(),
                                            " from a jitted function is not supported"),
                               bundle.functions[0].code.filename, bundle.functions[0].code.firstlineno,
                               bundle.functions[0].code.qualname);
  // genpy: a generator returned to Python runs after the call has written
  // its list and set arguments back, so its changes to them would be lost.
  if (entry_ret->kind == Kind::kGenerator)
    for (const Type* a : p->instances[0]->arg_types)
      if (a->kind == Kind::kList || (a->kind == Kind::kDict && a->name == "reflected set") ||
          a->kind == Kind::kNPGenerator)  // npgen: borrowed for the call only
        return compiler::userError(compiler::Diagnostic::Kind::kUnsupported,
                                   absl::StrCat("returning a generator to Python from a function with a ", a->str(),
                                                " argument is not supported"),
                                   bundle.functions[0].code.filename, bundle.functions[0].code.firstlineno,
                                   bundle.functions[0].code.qualname);
  if (absl::Status s = checkCudaProgram(*p); !s.ok()) return s;  // cuda: kernels (rules_cuda.cpp)
  if (p->declared_ret && !unify(p->types, p->instances[0]->ret, p->declared_ret))
    return compiler::userError(compiler::Diagnostic::Kind::kTyping,
                               absl::StrCat("cannot convert the return type ", p->instances[0]->ret->str(),
                                            " to the declared ", p->declared_ret->str()),
                               bundle.functions[0].code.filename, bundle.functions[0].code.firstlineno,
                               bundle.functions[0].code.qualname);
  return p;
}

std::string printTyped(const Program& program) {
  std::string out;
  for (const auto& inst : program.instances) {
    if (!inst->reachable) continue;
    // A builtin call, a method call or an attribute shows the registry row
    // typing resolved it to ([numpy.zeros]); an operator, the types typing
    // chose for its operands ({float64}).
    auto resolution = [](const ir::Instr& i) -> std::string {
      std::string out = i.resolution ? absl::StrCat(" [", builtinName(i.resolution->id), "]") : "";
      if (i.operand_types && (i.operand_types->operand || !i.operand_types->items.empty())) {
        std::vector<std::string> names;
        if (i.operand_types->operand) names.push_back(i.operand_types->operand->str());
        for (const Type* t : i.operand_types->items) names.push_back(t->str());
        absl::StrAppend(&out, " {", absl::StrJoin(names, ", "), "}");
      }
      return out;
    };
    absl::StrAppend(&out, "; ", inst->symbol, " -> ", inst->ret->str(), "\n",
                    ir::print(*inst->ir, [](const Type* t) { return t->str(); }, resolution));
  }
  return out;
}

std::string printTyped(const ir::Function& f) {
  return ir::print(f, [](const typing::Type* t) { return t->str(); });
}

ir::TypeResolver typeResolver(TypeContext& types) {
  return [&types](std::string_view spelling) -> const Type* {
    absl::StatusOr<const Type*> t = types.parse(std::string(spelling));
    return t.ok() ? *t : nullptr;
  };
}

}  // namespace kiln::typing
