#include "compiler/ir/ir.h"

#include <algorithm>
#include <unordered_map>

namespace kiln::ir {

const char* mnemonic(Op op) {
  switch (op) {
#define KILN_OP(Name, mnem, kind) \
  case Op::k##Name:               \
    return mnem;
#include "compiler/ir/ops.def"
  }
  return "?";
}

OpKind opKind(Op op) {
  switch (op) {
#define KILN_OP(Name, mnem, kind) \
  case Op::k##Name:               \
    return OpKind::kind;
#include "compiler/ir/ops.def"
  }
  return OpKind::kValue;
}

const char* name(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "add";
    case BinaryOp::kSub: return "sub";
    case BinaryOp::kMul: return "mul";
    case BinaryOp::kTrueDiv: return "truediv";
    case BinaryOp::kFloorDiv: return "floordiv";
    case BinaryOp::kMod: return "mod";
    case BinaryOp::kPow: return "pow";
    case BinaryOp::kLShift: return "lshift";
    case BinaryOp::kRShift: return "rshift";
    case BinaryOp::kAnd: return "and";
    case BinaryOp::kOr: return "or";
    case BinaryOp::kXor: return "xor";
    case BinaryOp::kMatMul: return "matmul";
  }
  return "?";
}

const char* symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kTrueDiv: return "/";
    case BinaryOp::kFloorDiv: return "//";
    case BinaryOp::kMod: return "%";
    case BinaryOp::kPow: return "**";
    case BinaryOp::kLShift: return "<<";
    case BinaryOp::kRShift: return ">>";
    case BinaryOp::kAnd: return "&";
    case BinaryOp::kOr: return "|";
    case BinaryOp::kXor: return "^";
    case BinaryOp::kMatMul: return "@";
  }
  return "?";
}

const char* name(UnaryOp op) {
  switch (op) {
    case UnaryOp::kNeg: return "neg";
    case UnaryOp::kPos: return "pos";
    case UnaryOp::kNot: return "not";
    case UnaryOp::kInvert: return "invert";
  }
  return "?";
}

const char* name(CompareOp op) {
  switch (op) {
    case CompareOp::kLt: return "lt";
    case CompareOp::kLe: return "le";
    case CompareOp::kEq: return "eq";
    case CompareOp::kNe: return "ne";
    case CompareOp::kGt: return "gt";
    case CompareOp::kGe: return "ge";
    case CompareOp::kIs: return "is";
    case CompareOp::kIsNot: return "is_not";
    case CompareOp::kIn: return "in";
    case CompareOp::kNotIn: return "not_in";
  }
  return "?";
}

const char* symbol(CompareOp op) {
  switch (op) {
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kEq: return "==";
    case CompareOp::kNe: return "!=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
    case CompareOp::kIs: return "is";
    case CompareOp::kIsNot: return "is not";
    case CompareOp::kIn: return "in";
    case CompareOp::kNotIn: return "not in";
  }
  return "?";
}

Value* Block::addParam(std::string debug_name) {
  auto v = std::make_unique<Value>();
  v->id = parent->newValueId();
  v->param_of = this;
  v->debug_name = std::move(debug_name);
  params.push_back(std::move(v));
  return params.back().get();
}

Block* Function::addBlock() {
  auto b = std::make_unique<Block>();
  b->id = next_block_++;
  b->parent = this;
  blocks.push_back(std::move(b));
  return blocks.back().get();
}

Instr* Function::append(Block* b, Op op, std::vector<Value*> operands, int32_t line) {
  auto instr = std::make_unique<Instr>();
  instr->op = op;
  instr->operands = std::move(operands);
  instr->line = line;
  instr->parent = b;
  if (opKind(op) == OpKind::kValue || op == Op::kForIter) {
    instr->result = std::make_unique<Value>();
    instr->result->id = newValueId();
    instr->result->def = instr.get();
  }
  b->instrs.push_back(std::move(instr));
  return b->instrs.back().get();
}

void Function::renumber() {
  int v = 0, bid = 0;
  for (auto& b : blocks) {
    b->id = bid++;
    for (auto& p : b->params) p->id = v++;
    for (auto& i : b->instrs) {
      if (i->result) i->result->id = v++;
      for (auto& f : i->fused)  // fusion: the values of a fused op's body
        if (f->result) f->result->id = v++;
    }
  }
  next_value_ = v;
  next_block_ = bid;
}

std::unique_ptr<Function> Function::clone() const {
  auto out = std::make_unique<Function>();
  out->name = name;
  out->qualname = qualname;
  out->filename = filename;
  out->firstlineno = firstlineno;
  out->arg_names = arg_names;
  out->next_value_ = next_value_;
  out->next_block_ = next_block_;
  std::unordered_map<const Value*, Value*> values;
  std::unordered_map<const Block*, Block*> blocks_map;
  auto copyValue = [&](const Value& from, Value& to) {
    to.id = from.id;
    to.type = from.type;
    to.debug_name = from.debug_name;
    values[&from] = &to;
  };
  for (const auto& b : blocks) {
    auto nb = std::make_unique<Block>();
    nb->id = b->id;
    nb->parent = out.get();
    blocks_map[b.get()] = nb.get();
    for (const auto& p : b->params) {
      auto np = std::make_unique<Value>();
      copyValue(*p, *np);
      np->param_of = nb.get();
      nb->params.push_back(std::move(np));
    }
    for (const auto& i : b->instrs) {
      auto ni = std::make_unique<Instr>();
      ni->op = i->op;
      ni->line = i->line;
      ni->offset = i->offset;
      ni->const_value = i->const_value;
      ni->name = i->name;
      ni->binary_op = i->binary_op;
      ni->inplace = i->inplace;
      ni->has_handler = i->has_handler;
      ni->unary_op = i->unary_op;
      ni->compare_op = i->compare_op;
      ni->kwnames = i->kwnames;
      ni->index = i->index;
      ni->count = i->count;
      ni->resolution = i->resolution;
      ni->operand_types = i->operand_types;
      ni->parent = nb.get();
      if (i->result) {
        ni->result = std::make_unique<Value>();
        copyValue(*i->result, *ni->result);
        ni->result->def = ni.get();
      }
      nb->instrs.push_back(std::move(ni));
    }
    out->blocks.push_back(std::move(nb));
  }
  // Operands and edges may refer forward (loop back edges): map them last.
  auto map = [&](Value* v) -> Value* {
    auto it = values.find(v);
    return it == values.end() ? nullptr : it->second;
  };
  for (size_t bi = 0; bi < blocks.size(); ++bi) {
    for (size_t k = 0; k < blocks[bi]->instrs.size(); ++k) {
      const Instr& from = *blocks[bi]->instrs[k];
      Instr& to = *out->blocks[bi]->instrs[k];
      for (Value* o : from.operands) to.operands.push_back(map(o));
      for (const Edge& e : from.succs) {
        Edge ne;
        auto it = blocks_map.find(e.target);
        ne.target = it == blocks_map.end() ? nullptr : it->second;
        for (Value* a : e.args) ne.args.push_back(map(a));
        to.succs.push_back(std::move(ne));
      }
    }
  }
  return out;
}

void Function::syncIdCounters() {
  int v = 0, bid = 0;
  for (const auto& b : blocks) {
    bid = std::max(bid, b->id + 1);
    for (const auto& p : b->params) v = std::max(v, p->id + 1);
    for (const auto& i : b->instrs)
      if (i->result) v = std::max(v, i->result->id + 1);
  }
  next_value_ = v;
  next_block_ = bid;
}

}  // namespace kiln::ir
