// mixidx: advanced indexing. One 1-d int array or bool mask, or several
// 1-d int arrays selecting pointwise (realcode4: the k-th place is
// (i0[k], i1[k], ...), the arrays broadcast to one length), alone or in a
// tuple with ints, slices, None and `...` (typing's selectionAxes), gathers
// into a new C array or scatters a broadcast value. The index read without
// its arrays (each array part keeping its dimension whole) is a view of the
// array (locate); the arrays then pick places along their dimensions of
// that view, and the result's dimensions are the view's with those replaced
// by the selection's one, moved where NumPy puts it (typing's result_axis).
// Every selected index is checked (IndexError out of bounds, negative ones
// wrapped), with boundscheck off too, as NumPy: a gather's load depends on
// the index anyway, so the check costs little.
#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"
#include "compiler/typing/rules.h"

namespace kiln::lowering {

using typing::Kind;

FunctionLowering::Selection FunctionLowering::selection(const ir::Value* obj, const ir::Value* index) {
  const typing::Type* at = obj->type;
  const typing::Type* it = index->type;
  const typing::SelectionAxes ax = *typing::selectionAxes(at, it);
  Selection s;
  s.arr = value(obj);
  s.view = locate(s.arr, at, value(index), it, /*check_ints=*/true);
  s.result_axis = static_cast<unsigned>(ax.result_axis);
  const bool tuple = it->kind == Kind::kTuple;
  for (size_t k = 0; k < ax.parts.size(); ++k) {
    Selector by;
    by.axis = static_cast<unsigned>(ax.view_axes[k]);
    const unsigned part = static_cast<unsigned>(ax.parts[k]);
    by.index = tuple ? b_.CreateExtractValue(value(index), part) : value(index);
    by.type = tuple ? it->items[part] : it;
    by.length = s.view.shape[by.axis];
    by.step = s.view.strides[by.axis];
    by.out_of_bounds =
        at->ndim == 1 ? "index out of bounds" : absl::StrCat("index out of bounds for axis ", ax.array_axes[k]);
    s.by.push_back(by);
  }
  for (unsigned d = 0; d < s.view.shape.size(); ++d) {
    bool selected = false;
    for (const Selector& by : s.by) selected = selected || by.axis == d;
    if (selected) continue;
    s.rest.push_back(s.view.shape[d]);
    s.rest_strides.push_back(s.view.strides[d]);
  }
  if (!s.rest.empty()) s.sub = types().array(at->dtype(), static_cast<int>(s.rest.size()), 'A');
  Selector& by = s.by[0];
  llvm::Value* m = b_.CreateExtractValue(by.index, {kShape, 0});
  if (s.by.size() > 1) {
    // realcode4: several int arrays broadcast to one length (each has it,
    // or one item), as NumPy's index arrays broadcast together.
    llvm::Value* count = b_.getInt64(1);
    for (Selector& x : s.by) {
      llvm::Value* n = b_.CreateExtractValue(x.index, {kShape, 0});
      x.one = b_.CreateICmpEQ(n, b_.getInt64(1));
      count = b_.CreateSelect(x.one, count, n);
    }
    llvm::Value* bad = b_.getInt1(false);
    for (const Selector& x : s.by) {
      llvm::Value* n = b_.CreateExtractValue(x.index, {kShape, 0});
      bad = b_.CreateOr(bad, b_.CreateAnd(b_.CreateNot(x.one), b_.CreateICmpNE(n, count)));
    }
    raiseIf(bad, KILN_INDEX_ERROR, "shape mismatch: indexing arrays could not be broadcast together");
    s.count = count;
    return s;
  }
  if (by.type->dtype()->kind != Kind::kBool) {  // an int array selects its own length
    s.count = m;
    return s;
  }
  // A mask must match its axis; it selects as many places as it has Trues.
  raiseIf(b_.CreateICmpNE(by.length, m), KILN_INDEX_ERROR,
          absl::StrCat("boolean index did not match indexed array along axis ", ax.array_axes[0]));
  llvm::AllocaInst* c = entryAlloca(b_.getInt64Ty(), "count");
  b_.CreateStore(b_.getInt64(0), c);
  loop(m, [&](llvm::Value* k) {
    llvm::Value* hit = b_.CreateZExt(loadElement(item1d(by.index, k), by.type->dtype()), b_.getInt64Ty());
    b_.CreateStore(b_.CreateAdd(b_.CreateLoad(b_.getInt64Ty(), c), hit), c);
  });
  s.count = b_.CreateLoad(b_.getInt64Ty(), c);
  return s;
}

void FunctionLowering::forSelected(const Selection& s,
                                   const std::function<void(llvm::Value* offset, llvm::Value* j)>& body, bool check) {
  const Selector& first = s.by[0];
  const typing::Type* dt = first.type->dtype();
  if (dt->kind == Kind::kBool) {  // a mask (alone): its Trues in order
    llvm::AllocaInst* j = entryAlloca(b_.getInt64Ty(), "j");
    b_.CreateStore(b_.getInt64(0), j);
    loop(b_.CreateExtractValue(first.index, {kShape, 0}), [&](llvm::Value* k) {
      ifThen(loadElement(item1d(first.index, k), dt), [&]() {
        llvm::Value* jj = b_.CreateLoad(b_.getInt64Ty(), j);
        body(b_.CreateMul(k, first.step), jj);
        b_.CreateStore(b_.CreateAdd(jj, b_.getInt64(1)), j);
      });
    });
    return;
  }
  loop(s.count, [&](llvm::Value* k) {
    llvm::Value* offset = b_.getInt64(0);
    for (const Selector& by : s.by) {
      const typing::Type* bt = by.type->dtype();
      llvm::Value* at = by.one ? b_.CreateSelect(by.one, b_.getInt64(0), k) : k;
      llvm::Value* sel = loadElement(item1d(by.index, at), bt);
      // An unsigned index is never wrapped: one past INT64_MAX is out of
      // bounds, not negative.
      llvm::Value* i = convert(b_, sel, bt, types().integer(64, true));
      if (bt->is_signed) i = b_.CreateSelect(b_.CreateICmpSLT(i, b_.getInt64(0)), b_.CreateAdd(i, by.length), i);
      if (check) raiseIf(b_.CreateICmpUGE(i, by.length), KILN_INDEX_ERROR, by.out_of_bounds);
      offset = b_.CreateAdd(offset, b_.CreateMul(i, by.step));
    }
    body(offset, k);
  });
}

llvm::Value* FunctionLowering::gatherSelection(const ir::Value* obj, const ir::Value* index,
                                               const typing::Type* result) {
  Selection s = selection(obj, index);
  const unsigned r = s.result_axis;
  const Place& view = s.view;
  // The view without the selected dimensions is what one selected place
  // copies: a sub-array (or one element) of arr into one of the result.
  const std::vector<llvm::Value*>& rest = s.rest;
  std::vector<llvm::Value*> shape = rest;
  shape.insert(shape.begin() + r, s.count);
  llvm::Value* out = newArray(result, shape);
  std::vector<llvm::Value*> out_strides;
  for (unsigned d = 0; d < shape.size(); ++d)
    if (d != r) out_strides.push_back(strideOf(out, result, d));
  llvm::Value* out_step = strideOf(out, result, r);
  const typing::Type* dt = obj->type->dtype();
  const typing::Type* sub = s.sub;
  llvm::Value* out_data = b_.CreateExtractValue(out, kData);
  forSelected(s, [&](llvm::Value* offset, llvm::Value* j) {
    llvm::Value* from = b_.CreateGEP(b_.getInt8Ty(), view.ptr, offset);
    llvm::Value* to = b_.CreateGEP(b_.getInt8Ty(), out_data, b_.CreateMul(j, out_step));
    if (!sub) {
      storeElement(to, loadElement(from, dt), dt);
      return;
    }
    Typed target{sub, viewOf(Place{b_.CreateExtractValue(out, kMeminfo), to, rest, out_strides}, sub)};
    // The result is new memory: no overlap to look for.
    elementwiseLoop({Typed{sub, viewOf(Place{view.meminfo, from, rest, s.rest_strides}, sub)}}, dt, sub, &target,
                    [](const std::vector<llvm::Value*>& xs) { return xs[0]; }, {});
  });
  return out;
}

void FunctionLowering::scatterSelection(const ir::Value* obj, const ir::Value* index, const ir::Value* v) {
  const typing::Type* at = obj->type;
  Selection s = selection(obj, index);
  const unsigned r = s.result_axis;
  const Place& view = s.view;
  llvm::Value* arr = s.arr;
  // An index array (or mask) over arr's own memory is read before any
  // store, as NumPy copies it: a store must not change a later index.
  std::vector<llvm::Value*> held_indices;
  for (Selector& by : s.by) {
    llvm::Value* held_index = nullptr;
    Typed index_copy = copiedIfOverlapping(Typed{by.type, by.index}, arr, at, &held_index);
    by.index = index_copy.v;
    by.type = index_copy.type;
    held_indices.push_back(held_index);
  }
  // NumPy checks every index before it stores anything: a first pass
  // checks them, the stores below trust them.
  if (s.by[0].type->dtype()->kind != Kind::kBool) forSelected(s, [](llvm::Value*, llvm::Value*) {});
  const std::vector<llvm::Value*>& rest = s.rest;
  const typing::Type* dt = at->dtype();
  const typing::Type* sub = s.sub;
  Typed src = typed(v);
  if (src.type->isArray() && src.type->ndim == 0)  // a 0-d array: its element
    src = Typed{src.type->dtype(), loadElement(b_.CreateExtractValue(src.v, kData), src.type->dtype())};
  // An array value broadcasts to the shape a[index] has (typing: it has no
  // more dimensions); its dimension at the selection's, if it reaches
  // that far, runs along the selection (or is 1).
  int src_axis = -1;
  llvm::Value* one = nullptr;
  llvm::Value* held = nullptr;  // the meminfo of src's copy (null when none was made)
  if (src.type->isArray()) {
    const unsigned nd = static_cast<unsigned>(src.type->ndim);
    std::vector<llvm::Value*> shape = rest;
    shape.insert(shape.begin() + r, s.count);
    const unsigned lead = static_cast<unsigned>(shape.size()) - nd;
    llvm::Value* bad = b_.getInt1(false);
    for (unsigned k = 0; k < nd; ++k) {
      llvm::Value* d = b_.CreateExtractValue(src.v, {kShape, k});
      bad = b_.CreateOr(bad, b_.CreateAnd(b_.CreateICmpNE(d, b_.getInt64(1)), b_.CreateICmpNE(d, shape[lead + k])));
    }
    raiseIf(bad, KILN_VALUE_ERROR, "shape mismatch: value array does not match the indexing result");
    // A value that overlaps arr is copied first (as NumPy), so that no
    // place is read after a store into it.
    src = copiedIfOverlapping(src, arr, at, &held);
    if (r >= lead) {
      src_axis = static_cast<int>(r - lead);
      one = b_.CreateICmpEQ(b_.CreateExtractValue(src.v, {kShape, static_cast<unsigned>(src_axis)}), b_.getInt64(1));
    }
  }
  forSelected(s, [&](llvm::Value* offset, llvm::Value* j) {
    llvm::Value* to = b_.CreateGEP(b_.getInt8Ty(), view.ptr, offset);
    Typed part = src;  // what the place takes: src, or its slice j along the selection
    if (src_axis >= 0) {
      const unsigned a = static_cast<unsigned>(src_axis);
      const unsigned nd = static_cast<unsigned>(src.type->ndim);
      llvm::Value* from = b_.CreateGEP(b_.getInt8Ty(), b_.CreateExtractValue(src.v, kData),
                                       b_.CreateMul(b_.CreateSelect(one, b_.getInt64(0), j), strideOf(src.v, src.type, a)));
      const typing::Type* se = src.type->dtype();
      if (nd == 1) {
        part = Typed{se, loadElement(from, se)};
      } else {
        Place p{b_.CreateExtractValue(src.v, kMeminfo), from, {}, {}};
        for (unsigned k = 0; k < nd; ++k) {
          if (k == a) continue;
          p.shape.push_back(b_.CreateExtractValue(src.v, {kShape, k}));
          p.strides.push_back(strideOf(src.v, src.type, k));
        }
        const typing::Type* pt = types().array(se, static_cast<int>(nd - 1), 'A');
        part = Typed{pt, viewOf(p, pt)};
      }
    }
    if (!sub) {  // one element: part is a scalar (typing: src has at most the result's one dimension)
      storeElement(to, convert(b_, part.v, part.type, dt), dt);
      return;
    }
    storeIntoView(Typed{sub, viewOf(Place{view.meminfo, to, rest, s.rest_strides}, sub)}, part);
  }, /*check=*/false);
  held_indices.push_back(held);
  for (llvm::Value* mi : held_indices) {
    if (!mi) continue;
    for (size_t k = 0; k < temps_.size(); ++k)
      if (temps_[k] == mi) {
        temps_.erase(temps_.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
    emitDecref(b_, mod_, mi);
  }
}

FunctionLowering::Typed FunctionLowering::copiedIfOverlapping(Typed src, llvm::Value* arr, const typing::Type* at,
                                                              llvm::Value** held) {
  const typing::Type* se = src.type->dtype();
  const unsigned nd = static_cast<unsigned>(src.type->ndim);
  const typing::Type* any = types().array(se, static_cast<int>(nd), 'A');
  auto asAny = [&](llvm::Value* a, const typing::Type* t) {
    Place p{b_.CreateExtractValue(a, kMeminfo), b_.CreateExtractValue(a, kData), {}, {}};
    for (unsigned k = 0; k < nd; ++k) {
      p.shape.push_back(b_.CreateExtractValue(a, {kShape, k}));
      p.strides.push_back(strideOf(a, t, k));
    }
    return viewOf(p, any);
  };
  llvm::Value* direct = asAny(src.v, src.type);
  llvm::Value* overlap = arraysOverlap(src.v, src.type, arr, at);
  *held = nullptr;
  if (!canBuffer(overlap)) return Typed{any, direct};
  llvm::BasicBlock* from = b_.GetInsertBlock();
  llvm::BasicBlock* copy_bb = llvm::BasicBlock::Create(ctx_, "selection.copy", fn_);
  llvm::BasicBlock* done_bb = llvm::BasicBlock::Create(ctx_, "selection.copied", fn_);
  b_.CreateCondBr(overlap, copy_bb, done_bb);
  b_.SetInsertPoint(copy_bb);
  const typing::Type* ct = types().array(se, static_cast<int>(nd), 'C');
  llvm::Value* copy =
      elementwiseLoop({src}, se, ct, nullptr, [](const std::vector<llvm::Value*>& xs) { return xs[0]; }, {se});
  // The copy's block is a temporary of this instruction only on this path:
  // the merged meminfo (null on the other) stands for it until released.
  llvm::Value* mi = temps_.back();
  temps_.pop_back();
  llvm::Value* copied = asAny(copy, ct);
  llvm::BasicBlock* copy_end = b_.GetInsertBlock();
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(done_bb);
  llvm::PHINode* value = b_.CreatePHI(direct->getType(), 2, "selection.src");
  value->addIncoming(direct, from);
  value->addIncoming(copied, copy_end);
  llvm::PHINode* block = b_.CreatePHI(b_.getPtrTy(), 2, "selection.block");
  block->addIncoming(llvm::ConstantPointerNull::get(b_.getPtrTy()), from);
  block->addIncoming(mi, copy_end);
  temps_.push_back(block);
  *held = block;
  return Typed{any, value};
}

}  // namespace kiln::lowering
