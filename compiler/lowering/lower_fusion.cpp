// fusion: a Fused op (typing/fuse_array_exprs.h) as one loop nest over
// the broadcast shape of its leaves, writing one new array (or, in place,
// the target's elements) and no temporaries. Each element runs the body's ops in order, each with the
// element code its unfused op uses (ufuncBody, compareValues) on the types
// typing recorded, and with its result converted to its array's dtype, as
// the unfused op would have stored it.
//
// Two loops: when every array leaf has the result's shape and its elements
// are contiguous in the result's order, C or F (known from its layout, or
// checked at run time), one flat loop over memory order whose loads and
// store are unit-stride, which LLVM vectorises; otherwise the strided,
// broadcasting loop of FunctionLowering::elementwise.
#include <map>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/contiguity.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/lowering/lower_pairwise.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/ufuncs.h"

namespace kiln::lowering {

using ir::BinaryOp;
using ir::Op;
using typing::BuiltinId;
using typing::Kind;
using typing::UfuncImpl;

namespace {

const typing::Type* elementType(const typing::Type* t) { return t->isArray() ? t->dtype() : t; }

bool numeric(const typing::Type* t) {
  return t->kind == Kind::kBool || t->kind == Kind::kInt || t->kind == Kind::kFloat || t->kind == Kind::kComplex;
}

// The ufunc an array operator runs (as FunctionLowering::arrayBinary maps it).
UfuncImpl operatorUfunc(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return UfuncImpl::kAdd;
    case BinaryOp::kSub: return UfuncImpl::kSubtract;
    case BinaryOp::kMul: return UfuncImpl::kMultiply;
    case BinaryOp::kTrueDiv: return UfuncImpl::kTrueDivide;
    case BinaryOp::kFloorDiv: return UfuncImpl::kFloorDivide;
    case BinaryOp::kMod: return UfuncImpl::kRemainder;
    case BinaryOp::kPow: return UfuncImpl::kPower;
    case BinaryOp::kLShift: return UfuncImpl::kLeftShift;
    case BinaryOp::kRShift: return UfuncImpl::kRightShift;
    case BinaryOp::kAnd: return UfuncImpl::kBitwiseAnd;
    case BinaryOp::kOr: return UfuncImpl::kBitwiseOr;
    case BinaryOp::kXor: return UfuncImpl::kBitwiseXor;
    case BinaryOp::kMatMul: break;  // never fused
  }
  return UfuncImpl::kAdd;
}

}  // namespace

llvm::Value* FunctionLowering::fusedArrayExpr(const ir::Instr& i) {
  // A sum ends the body with its GetAttr and call (typing/fuse_array_exprs.h):
  // the element ops are the others, and rt the summed array's type.
  const bool sums = i.fused.back()->op == Op::kCall && !i.fused.back()->result->type->isArray();
  const size_t nops = i.fused.size() - (sums ? 2 : 0);
  const typing::Type* rt = i.fused[nops - 1]->result->type;
  std::vector<Typed> leaves;
  std::vector<const ir::Value*> leaf_values;
  std::vector<const typing::Type*> leaf_types;  // their elements' types: no conversion on load
  for (const ir::Value* o : i.operands) {
    if (!o->type->isArray() && !numeric(o->type)) continue;  // a ufunc call's callee
    leaves.push_back(typed(o));
    leaf_values.push_back(o);
    leaf_types.push_back(elementType(o->type));
  }
  // One element of the root from one element of each leaf.
  auto body = [&](const std::vector<llvm::Value*>& xs) -> llvm::Value* {
    std::map<const ir::Value*, llvm::Value*> env;
    for (size_t q = 0; q < leaf_values.size(); ++q) env[leaf_values[q]] = xs[q];
    auto in = [&](const ir::Value* v, const typing::Type* to) {
      return convert(b_, env.at(v), elementType(v->type), to);
    };
    llvm::Value* last = nullptr;
    for (size_t q = 0; q < nops; ++q) {
      const ir::Instr* n = i.fused[q].get();
      const typing::Type* dt = n->result->type->dtype();
      llvm::Value* r = nullptr;
      switch (n->op) {
        case Op::kBinOp: {
          const typing::Type* ct = n->operand_types->operand;
          llvm::Value* x = in(n->operands[0], ct);
          llvm::Value* y = in(n->operands[1], ct);
          if (n->binary_op == ir::BinaryOp::kPow) {  // powop: as arrayBinary
            const ir::Value* e = n->operands[1];
            llvm::Value* raw = e->type->isArray() && e->type->ndim != 0 ? nullptr : env.at(e);
            r = convert(b_, numpyPowerElement(ct, x, y, n->operands[0]->type, e->type, raw, /*is_operator=*/true), ct, dt);
            break;
          }
          r = convert(b_, ufuncBody(operatorUfunc(n->binary_op), {ct, ct, ct}, {x, y})[0], ct, dt);
          break;
        }
        case Op::kUnaryOp: {
          UfuncImpl impl = n->unary_op == ir::UnaryOp::kNeg ? UfuncImpl::kNegative : UfuncImpl::kInvert;
          r = ufuncBody(impl, {dt, dt}, {in(n->operands[0], dt)})[0];
          break;
        }
        case Op::kCompare: {
          const typing::Type* ot = n->operand_types->operand;
          r = compareValues(n->compare_op, in(n->operands[0], ot), in(n->operands[1], ot), ot);
          r = convert(b_, r, types().boolean(), dt);
          break;
        }
        case Op::kCall: {
          const std::vector<const typing::Type*>& loop = n->resolution->compute->items;
          std::vector<llvm::Value*> xs_n;
          for (size_t k = 0; k < n->resolution->bound.size(); ++k)
            xs_n.push_back(in(n->operands[n->resolution->bound[k]], loop[k]));
          const UfuncImpl impl = typing::ufuncInfo(n->resolution->id).impl;
          if (impl == UfuncImpl::kPower) {  // powop: np.power's loops, as ufuncCall
            const ir::Value* base = n->operands[n->resolution->bound[0]];
            const ir::Value* e = n->operands[n->resolution->bound[1]];
            llvm::Value* raw = e->type->isArray() && e->type->ndim != 0 ? nullptr : env.at(e);
            r = convert(b_, numpyPowerElement(loop[0], xs_n[0], xs_n[1], base->type, e->type, raw, false), loop.back(), dt);
            break;
          }
          std::vector<llvm::Value*> ys = ufuncBody(impl, loop, xs_n);
          r = convert(b_, ys[0], loop.back(), dt);
          break;
        }
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
          r = llvm::PoisonValue::get(valueType(ctx_, dt));  // the pass fuses none of these
          break;
      }
      env[n->result.get()] = r;
      last = r;
    }
    return last;
  };
  // The broadcast shape, checked as the unfused ops check it; in place,
  // the target's shape.
  unsigned nd = static_cast<unsigned>(rt->ndim);
  llvm::Value* one = b_.getInt64(1);
  std::vector<llvm::Value*> shape(nd, one);
  const ir::Value* target = i.inplace ? i.fused.back()->operands[0] : nullptr;
  Typed into{rt, target ? value(target) : nullptr};
  for (unsigned d = 0; target && d < nd; ++d) shape[d] = b_.CreateExtractValue(into.v, {kShape, d});
  for (const Typed& o : leaves) {
    if (!o.type->isArray() || target) continue;
    unsigned lead = nd - static_cast<unsigned>(o.type->ndim);
    for (unsigned j = 0; j < static_cast<unsigned>(o.type->ndim); ++j) {
      llvm::Value* d = b_.CreateExtractValue(o.v, {kShape, j});
      shape[lead + j] = b_.CreateSelect(b_.CreateICmpEQ(d, one), shape[lead + j], d);
    }
  }
  // Every array leaf checked against the shape as the unfused ops check it
  // (NumPy's ValueError when it does not broadcast); the result: whether the
  // flat loop serves, i.e. `flat` holds and every array leaf has the shape
  // and is contiguous in `order`.
  auto checkLeaves = [&](llvm::Value* flat, char order) {
    llvm::Value* bad = b_.getInt1(false);
    for (const Typed& o : leaves) {
      if (!o.type->isArray()) continue;
      unsigned ond = static_cast<unsigned>(o.type->ndim);
      unsigned lead = nd - ond;
      if (ond != nd) flat = b_.getInt1(false);
      for (unsigned j = 0; j < ond; ++j) {
        llvm::Value* d = b_.CreateExtractValue(o.v, {kShape, j});
        bad = b_.CreateOr(bad, b_.CreateAnd(b_.CreateICmpNE(d, one), b_.CreateICmpNE(d, shape[lead + j])));
        flat = b_.CreateAnd(flat, b_.CreateICmpEQ(d, shape[lead + j]));
      }
      flat = b_.CreateAnd(flat, isContiguous(b_, o.v, o.type, order));
    }
    raiseIf(bad, KILN_VALUE_ERROR, "operands could not be broadcast together");
    return flat;
  };
  // The flat loops' leaves: each array leaf's data pointer (a scalar leaf is
  // its value), and the leaves' values at flat index k.
  auto leafData = [&]() {
    std::vector<llvm::Value*> datas;
    for (const Typed& o : leaves) datas.push_back(o.type->isArray() ? b_.CreateExtractValue(o.v, kData) : o.v);
    return datas;
  };
  auto flatLeafValues = [&](const std::vector<llvm::Value*>& datas, llvm::Value* k) {
    std::vector<llvm::Value*> xs;
    for (size_t q = 0; q < leaves.size(); ++q) {
      const typing::Type* ldt = leaves[q].type->isArray() ? leaves[q].type->dtype() : nullptr;
      xs.push_back(ldt ? loadElement(b_.CreateGEP(memoryType(ctx_, ldt), datas[q], k), ldt) : datas[q]);
    }
    return xs;
  };
  if (sums) {
    // The sum as arrayMethod's array.sum adds x's elements: in C order, in
    // the result's type (a float's pairwise, as NumPy sums). Flat over memory when every leaf is C-contiguous
    // with x's shape; otherwise x is made (a temporary) and summed.
    const typing::Type* st = i.result->type;
    const typing::Type* xdt = rt->dtype();
    llvm::Value* flat = checkLeaves(b_.getInt1(rt->layout == 'C'), 'C');
    llvm::Value* total = one;
    for (llvm::Value* d : shape) total = b_.CreateMul(total, d);
    llvm::BasicBlock* flat_bb = llvm::BasicBlock::Create(ctx_, "fused.sum.flat", fn_);
    llvm::BasicBlock* temp_bb = llvm::BasicBlock::Create(ctx_, "fused.sum.temp", fn_);
    llvm::BasicBlock* done_bb = llvm::BasicBlock::Create(ctx_, "fused.sum.done", fn_);
    b_.CreateCondBr(flat, flat_bb, temp_bb);
    b_.SetInsertPoint(flat_bb);
    llvm::AllocaInst* acc = entryAlloca(valueType(ctx_, st), "fused.sum");
    std::vector<llvm::Value*> datas = leafData();
    if (st->kind == Kind::kFloat || st->kind == Kind::kComplex) {
      // pairwise: NumPy's sum of the temporary it would make (lower_pairwise.h).
      b_.CreateStore(pairwiseSum(*this, total, valueType(ctx_, st), [&](llvm::Value* k) {
        return convert(b_, body(flatLeafValues(datas, k)), xdt, st);
      }), acc);
    } else {
      b_.CreateStore(convert(b_, b_.getInt64(0), types().integer(64, true), st), acc);
      loop(total, [&](llvm::Value* k) {
        llvm::Value* x = convert(b_, body(flatLeafValues(datas, k)), xdt, st);
        llvm::Value* cur = b_.CreateLoad(acc->getAllocatedType(), acc);
        b_.CreateStore(binaryValues(BinaryOp::kAdd, cur, x, st, false, true), acc);
      });
    }
    llvm::Value* flat_sum = b_.CreateLoad(acc->getAllocatedType(), acc);
    llvm::BasicBlock* flat_end = b_.GetInsertBlock();
    b_.CreateBr(done_bb);
    b_.SetInsertPoint(temp_bb);
    const typing::Type* tmp_t = types().array(xdt, rt->ndim, 'C');
    Typed tmp{tmp_t, newArray(tmp_t, shape)};
    elementwiseLoop(leaves, leaf_types.empty() ? xdt : leaf_types[0], tmp_t, &tmp, body, leaf_types);
    llvm::Value* temp_sum = arrayMethod(BuiltinId::kArraySum, tmp_t, tmp.v, {}, st);
    releaseTemp(tmp.v);
    llvm::BasicBlock* temp_end = b_.GetInsertBlock();
    b_.CreateBr(done_bb);
    b_.SetInsertPoint(done_bb);
    llvm::PHINode* sum = b_.CreatePHI(valueType(ctx_, st), 2, "fused.sum");
    sum->addIncoming(flat_sum, flat_end);
    sum->addIncoming(temp_sum, temp_end);
    return sum;
  }
  // The flat loop: every array leaf has the result's shape and is contiguous
  // in the result's order, as the result is (a new array of layout C or F,
  // or the in-place target when its strides say so).
  const char order = rt->layout == 'F' ? 'F' : 'C';
  llvm::Value* flat = checkLeaves(
      target ? isContiguous(b_, into.v, into.type, order) : b_.getInt1(rt->layout == order), order);
  llvm::Value* dest = target ? into.v : newArray(rt, shape);
  into.v = dest;
  llvm::Value* total = one;
  for (llvm::Value* d : shape) total = b_.CreateMul(total, d);
  llvm::BasicBlock* flat_bb = llvm::BasicBlock::Create(ctx_, "fused.flat", fn_);
  llvm::BasicBlock* strided_bb = llvm::BasicBlock::Create(ctx_, "fused.strided", fn_);
  llvm::BasicBlock* done_bb = llvm::BasicBlock::Create(ctx_, "fused.done", fn_);
  if (target) {
    // In place: a leaf other than the target whose memory overlaps the
    // target's would read elements the loop already wrote; then the tree
    // runs into a temporary first, which is copied into the target.
    llvm::Value* overlap = b_.getInt1(false);
    for (size_t q = 0; q < leaves.size(); ++q)
      if (leaves[q].type->isArray() && leaf_values[q] != target)
        overlap = b_.CreateOr(overlap, mustBuffer(leaves[q], into));
    if (canBuffer(overlap)) {
      llvm::BasicBlock* copy_bb = llvm::BasicBlock::Create(ctx_, "fused.overlap", fn_);
      llvm::BasicBlock* direct_bb = llvm::BasicBlock::Create(ctx_, "fused.direct", fn_);
      b_.CreateCondBr(overlap, copy_bb, direct_bb);
      b_.SetInsertPoint(copy_bb);
      const typing::Type* tmp_t = types().array(rt->dtype(), rt->ndim, 'C');
      Typed tmp{tmp_t, newArray(tmp_t, shape)};
      elementwiseLoop(leaves, leaf_types.empty() ? rt->dtype() : leaf_types[0], tmp_t, &tmp, body, leaf_types);
      elementwiseLoop({tmp}, rt->dtype(), rt, &into, [](const std::vector<llvm::Value*>& xs) { return xs[0]; }, {});
      releaseTemp(tmp.v);
      b_.CreateBr(done_bb);
      b_.SetInsertPoint(direct_bb);
    }
  }
  b_.CreateCondBr(flat, flat_bb, strided_bb);
  b_.SetInsertPoint(flat_bb);
  {
    std::vector<llvm::Value*> datas = leafData();
    llvm::Value* out = b_.CreateExtractValue(dest, kData);
    const typing::Type* rdt = rt->dtype();
    loop(total, [&](llvm::Value* k) {
      storeElement(b_.CreateGEP(memoryType(ctx_, rdt), out, k), body(flatLeafValues(datas, k)), rdt);
    });
  }
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(strided_bb);  // in place, only when no leaf overlaps the target (checked above)
  elementwiseLoop(leaves, leaf_types.empty() ? rt->dtype() : leaf_types[0], rt, &into, body, leaf_types);
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(done_bb);
  return dest;
}

}  // namespace kiln::lowering
