#include "compiler/ir/ir.h"

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
    for (auto& i : b->instrs)
      if (i->result) i->result->id = v++;
  }
  next_value_ = v;
  next_block_ = bid;
}

}  // namespace kiln::ir
