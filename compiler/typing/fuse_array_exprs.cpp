#include "compiler/typing/fuse_array_exprs.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "compiler/typing/registry.h"
#include "compiler/typing/types.h"
#include "compiler/typing/ufuncs.h"

namespace kiln::typing {

namespace {

using ir::Instr;
using ir::Op;
using ir::Value;

bool numericKind(const Type* t) {
  return t != nullptr && (t->kind == Kind::kBool || t->kind == Kind::kInt || t->kind == Kind::kFloat ||
                          t->kind == Kind::kComplex);
}

// An array of a numeric dtype, or a numeric scalar (which broadcasts).
bool numericOperand(const Value* v) {
  if (v == nullptr || v->type == nullptr) return false;
  return v->type->isArray() ? numericKind(v->type->dtype()) : numericKind(v->type);
}

const Type* elementOf(const Value* v) { return v->type->isArray() ? v->type->dtype() : v->type; }

bool arrayResult(const Instr& i) {
  return i.result && i.result->type && i.result->type->isArray() && numericKind(i.result->type->dtype());
}

// The ufunc row a call resolved to, when it is a plain call of one with one
// output: the operands it reads (the bound ones, all positional inputs).
bool plainUfuncCall(const Instr& i) {
  if (i.op != Op::kCall || !i.resolution || !i.kwnames.empty()) return false;
  if (!isUfunc(builtinInfo(i.resolution->id).family)) return false;
  const UfuncInfo& info = ufuncInfo(i.resolution->id);
  if (info.nout != 1 || i.resolution->bound.size() != static_cast<size_t>(info.nin)) return false;
  if (i.resolution->compute == nullptr || i.resolution->compute->items.size() != static_cast<size_t>(info.nin + 1))
    return false;
  for (int k : i.resolution->bound)
    if (k < 1 || static_cast<size_t>(k) >= i.operands.size() || !numericOperand(i.operands[k])) return false;
  // A signed integer power raises on negative exponents (see the header).
  const Type* t0 = i.resolution->compute->items[0];
  return !(info.impl == UfuncImpl::kPower && t0->kind == Kind::kInt && t0->is_signed);
}

// Whether i is an elementwise array operation the pass may fuse.
bool fusible(const Instr& i) {
  if (!arrayResult(i)) return false;
  switch (i.op) {
    case Op::kBinOp: {
      if (i.inplace || i.binary_op == ir::BinaryOp::kMatMul) return false;
      if (!i.operand_types || !i.operand_types->operand || !numericKind(i.operand_types->operand)) return false;
      const Type* ct = i.operand_types->operand;
      if (i.binary_op == ir::BinaryOp::kPow && ct->kind == Kind::kInt && ct->is_signed) return false;
      return numericOperand(i.operands[0]) && numericOperand(i.operands[1]);
    }
    case Op::kUnaryOp:
      return (i.unary_op == ir::UnaryOp::kNeg || i.unary_op == ir::UnaryOp::kInvert) &&
             i.operands[0]->type->isArray() && i.operands[0]->type->dtype() == i.result->type->dtype();
    case Op::kCompare:
      switch (i.compare_op) {
        case ir::CompareOp::kLt:
        case ir::CompareOp::kLe:
        case ir::CompareOp::kEq:
        case ir::CompareOp::kNe:
        case ir::CompareOp::kGt:
        case ir::CompareOp::kGe:
          // Signed beside unsigned integers compare each in its own type
          // (lowering's arrayCompare decides how); left to it.
          if (elementOf(i.operands[0])->kind == Kind::kInt && elementOf(i.operands[1])->kind == Kind::kInt &&
              elementOf(i.operands[0])->is_signed != elementOf(i.operands[1])->is_signed)
            return false;
          return i.operand_types && i.operand_types->operand && numericKind(i.operand_types->operand) &&
                 numericOperand(i.operands[0]) && numericOperand(i.operands[1]);
        case ir::CompareOp::kIs:
        case ir::CompareOp::kIsNot:
        case ir::CompareOp::kIn:
        case ir::CompareOp::kNotIn:
          return false;
      }
      return false;
    case Op::kCall:
      return plainUfuncCall(i);
    case Op::kConst:
    case Op::kUndef:
    case Op::kLoadGlobal:
    case Op::kGetAttr:
    case Op::kTruth:
    case Op::kBuildTuple:
    case Op::kUnpack:
    case Op::kGetItem:
    case Op::kGetIter:
    case Op::kBuildSlice:
    case Op::kCopy:
    case Op::kDeclare:  // locals:
    case Op::kMakeFunction:
    case Op::kBuildList:
    case Op::kBuildMap:
    case Op::kExcMatch:
    case Op::kSetItem:
    case Op::kDelItem:
    case Op::kJump:
    case Op::kBranch:
    case Op::kForIter:
    case Op::kReturn:
    case Op::kRaise:
    case Op::kUnreachable:
    case Op::kReraise:
    case Op::kFused:
    case Op::kCatch:
    case Op::kRestoreError:
    case Op::kDropCaught:
    case Op::kYield:
      return false;
  }
  return false;
}

// An in-place a op= expr on arrays: a tree's root only, its target a leaf.
bool fusibleInPlace(const Instr& i) {
  if (i.op != Op::kBinOp || !i.inplace || !arrayResult(i) || i.binary_op == ir::BinaryOp::kMatMul) return false;
  if (!i.operands[0]->type->isArray() || i.result->type != i.operands[0]->type) return false;
  if (!i.operand_types || !i.operand_types->operand || !numericKind(i.operand_types->operand)) return false;
  const Type* ct = i.operand_types->operand;
  if (i.binary_op == ir::BinaryOp::kPow && ct->kind == Kind::kInt && ct->is_signed) return false;
  return numericOperand(i.operands[1]);
}

// The operands of a fusible op that carry elements (a call's callee does not).
std::vector<Value*> elementOperands(const Instr& i) {
  if (i.op != Op::kCall) return i.operands;
  std::vector<Value*> out;
  for (int k : i.resolution->bound) out.push_back(i.operands[k]);
  return out;
}

// An op that may sit between a tree's ops: it writes no memory and raises
// nothing, so moving the tree's work past it changes nothing observable.
bool inert(const Instr& i) {
  switch (i.op) {
    case Op::kConst:
    case Op::kLoadGlobal:
    case Op::kBuildTuple:
    case Op::kCopy:
    case Op::kDeclare:  // locals:
      return true;
    case Op::kGetAttr:  // a module's member, an array's attribute or view (.T, .shape)
      return i.operands[0]->type != nullptr &&
             (i.operands[0]->type->kind == Kind::kModule || i.operands[0]->type->isArray());
    case Op::kUndef:
    case Op::kBinOp:
    case Op::kUnaryOp:
    case Op::kCompare:
    case Op::kTruth:
    case Op::kCall:
    case Op::kUnpack:
    case Op::kGetItem:
    case Op::kGetIter:
    case Op::kBuildSlice:
    case Op::kMakeFunction:
    case Op::kBuildList:
    case Op::kBuildMap:
    case Op::kExcMatch:
    case Op::kSetItem:
    case Op::kDelItem:
    case Op::kJump:
    case Op::kBranch:
    case Op::kForIter:
    case Op::kReturn:
    case Op::kRaise:
    case Op::kUnreachable:
    case Op::kReraise:
    case Op::kFused:
    case Op::kCatch:
    case Op::kRestoreError:
    case Op::kDropCaught:
    case Op::kYield:
      return false;
  }
  return false;
}

// A whole-array sum `x.sum()` (no argument) that may end a tree: its bound
// method's GetAttr, which it alone uses, or nullptr. x must be the result
// of a fusible op, used only by that GetAttr; the sum is an integer or a
// float32/float64 (float16 and complex sums keep their own loop).
const Instr* sumOfTree(const Instr& i, std::map<const Value*, int>& uses) {
  if (i.op != Op::kCall || !i.resolution || i.resolution->id != BuiltinId::kArraySum || !i.kwnames.empty() ||
      i.operands.size() != 1 || i.has_handler || !i.result || !i.result->type)
    return nullptr;
  const Type* st = i.result->type;
  if (!(st->kind == Kind::kInt || (st->kind == Kind::kFloat && st->bits >= 32))) return nullptr;
  const Instr* attr = i.operands[0]->def;
  if (attr == nullptr || attr->op != Op::kGetAttr || attr->parent != i.parent || uses[i.operands[0]] != 1 ||
      attr->has_handler)
    return nullptr;
  const Value* x = attr->operands[0];
  if (uses[x] != 1 || x->def == nullptr || x->def->parent != i.parent || !fusible(*x->def)) return nullptr;
  return attr;
}

}  // namespace

void FuseArrayExprs::run(ir::Function& f) {
  // Uses of each value: operands, edge arguments and fused bodies.
  std::map<const Value*, int> uses;
  for (const auto& b : f.blocks)
    for (const auto& i : b->instrs) {
      for (const Value* o : i->operands) ++uses[o];
      for (const ir::Edge& e : i->succs)
        for (const Value* a : e.args) ++uses[a];
    }
  for (auto& b : f.blocks) {
    std::map<const Instr*, size_t> pos;
    for (size_t k = 0; k < b->instrs.size(); ++k) pos[b->instrs[k].get()] = k;
    std::set<const Instr*> taken;  // absorbed into a tree below them
    // Roots from the last op up, so that a root takes the largest tree.
    for (size_t r = b->instrs.size(); r-- > 0;) {
      Instr* root = b->instrs[r].get();
      const bool in_place = fusibleInPlace(*root);
      const Instr* sum_attr = taken.count(root) ? nullptr : sumOfTree(*root, uses);
      if (taken.count(root) || !(fusible(*root) || in_place || sum_attr)) continue;
      std::set<const Instr*> tree = {root};
      std::vector<const Instr*> work = {root};
      if (sum_attr) {  // the sum, its GetAttr, and the tree of the summed array
        const Instr* top = sum_attr->operands[0]->def;
        if (!pos.count(sum_attr) || !pos.count(top) || taken.count(top)) continue;
        tree.insert(sum_attr);
        tree.insert(top);
        work = {top};
      }
      while (!work.empty()) {
        const Instr* n = work.back();
        work.pop_back();
        for (const Value* o : elementOperands(*n)) {
          if (in_place && n == root && o == root->operands[0]) continue;  // the target stays a leaf
          const Instr* d = o->def;
          if (d == nullptr || d->parent != b.get() || !pos.count(d) || pos[d] > r || uses[o] != 1 || tree.count(d) ||
              taken.count(d) || !fusible(*d))
            continue;
          tree.insert(d);
          work.push_back(d);
        }
      }
      if (tree.size() < 2) continue;
      size_t first = r;
      for (const Instr* n : tree) first = std::min(first, pos[n]);
      bool ok = true;
      for (size_t k = first; k < r && ok; ++k)
        ok = tree.count(b->instrs[k].get()) || inert(*b->instrs[k]);
      if (!ok) continue;  // its ops may still make smaller trees of their own
      // The fused op: its leaves in the order the tree first reads them.
      auto fused = std::make_unique<Instr>();
      fused->op = Op::kFused;
      fused->inplace = in_place;
      fused->line = root->line;
      fused->offset = root->offset;
      fused->parent = b.get();
      std::set<const Value*> leaf_seen;
      for (size_t k = first; k <= r; ++k) {
        Instr* n = b->instrs[k].get();
        if (!tree.count(n)) continue;
        for (Value* o : n->operands)
          if ((o->def == nullptr || !tree.count(o->def)) && leaf_seen.insert(o).second) fused->operands.push_back(o);
      }
      // The root's value becomes the fused op's; the root in the body gets a
      // value of its own.
      fused->result = std::move(root->result);
      fused->result->def = fused.get();
      root->result = std::make_unique<Value>();
      root->result->type = fused->result->type;
      root->result->def = root;
      std::vector<std::unique_ptr<Instr>> kept;
      for (size_t k = 0; k < b->instrs.size(); ++k) {
        if (k >= first && k <= r && tree.count(b->instrs[k].get())) {
          taken.insert(b->instrs[k].get());
          fused->fused.push_back(std::move(b->instrs[k]));
          if (k == r) kept.push_back(std::move(fused));
          continue;
        }
        kept.push_back(std::move(b->instrs[k]));
      }
      b->instrs = std::move(kept);
      pos.clear();
      for (size_t k = 0; k < b->instrs.size(); ++k) pos[b->instrs[k].get()] = k;
      r = first;  // on above the tree's first op (ops before it kept their places)
    }
  }
}

}  // namespace kiln::typing
