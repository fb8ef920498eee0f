// Arrays: joining a tuple of arrays into a new C-contiguous array, as
// numpy.concatenate, stack, vstack, hstack and column_stack. Each is one of
// two moves along a run-time axis: concatenate (the arrays' shapes agree but
// on the axis, which grows) or stack (equal shapes, a new axis of length the
// number of arrays). vstack/hstack/column_stack pick the move and axis by
// the arrays' ndim, which typing fixed (rules_arrays.cpp arrayJoinResult).
// Each array is copied into its view of the result by `elementwise`, which
// converts its dtype to the result's.
#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "compiler/lowering/function_lowering.h"

namespace kiln::lowering {

using typing::BuiltinId;

llvm::Value* FunctionLowering::joinArrays(BuiltinId id, const std::vector<const ir::Value*>& args,
                                          const typing::Type* result) {
  const typing::Type* tt = args[0]->type;
  llvm::Value* tv = value(args[0]);
  const unsigned count = static_cast<unsigned>(tt->items.size());
  // npcreate: column_stack of 1-d and 2-d arrays together: each 1-d array
  // is a column, a (n, 1) view, and the 2-d ones are joined along axis 1
  bool columns2d = false;
  for (const typing::Type* a : tt->items)
    columns2d = columns2d || (id == BuiltinId::kNpColumnStack && a->ndim == 2);
  const unsigned nd = columns2d ? 2 : static_cast<unsigned>(tt->items[0]->ndim);
  const typing::Type* dt = result->dtype();
  const typing::Type* i64 = types().integer(64, true);

  bool stack = id == BuiltinId::kNpStack;
  llvm::Value* axis = args.size() > 1 ? converted(args[1], i64) : b_.getInt64(0);
  if (id == BuiltinId::kNpVstack) stack = nd == 1;
  if (id == BuiltinId::kNpHstack && nd > 1) axis = b_.getInt64(1);
  if (id == BuiltinId::kNpColumnStack) {
    stack = nd == 1;  // all 1-d (columns2d: nd is 2)
    axis = b_.getInt64(1);
  }
  const unsigned rank = static_cast<unsigned>(result->ndim);
  llvm::Value* zero = b_.getInt64(0);
  llvm::Value* r = b_.getInt64(rank);
  axis = b_.CreateSelect(b_.CreateICmpSLT(axis, zero), b_.CreateAdd(axis, r), axis);
  raiseIf(b_.CreateOr(b_.CreateICmpSLT(axis, zero), b_.CreateICmpSGE(axis, r)), KILN_VALUE_ERROR,
          absl::StrCat("axis is out of bounds for array of dimension ", rank));

  std::vector<llvm::Value*> items;
  std::vector<const typing::Type*> item_types;
  std::vector<std::vector<llvm::Value*>> shapes;
  for (unsigned i = 0; i < count; ++i) {
    const typing::Type* it = tt->items[i];
    items.push_back(b_.CreateExtractValue(tv, i));
    item_types.push_back(it);
    if (columns2d && it->ndim == 1) {  // npcreate: a column view (n, 1) of a 1-d array
      const typing::Type* col = types().array(it->dtype(), 2, 'A');
      Place p{b_.CreateExtractValue(items[i], kMeminfo), b_.CreateExtractValue(items[i], kData),
              {b_.CreateExtractValue(items[i], {kShape, 0}), b_.getInt64(1)}, {strideOf(items[i], it, 0), b_.getInt64(0)}};
      items[i] = viewOf(p, col);
      item_types[i] = col;
    }
    shapes.emplace_back();
    for (unsigned d = 0; d < nd; ++d) shapes[i].push_back(b_.CreateExtractValue(items[i], {kShape, d}));
  }
  auto isAxis = [&](unsigned d) { return b_.CreateICmpEQ(axis, b_.getInt64(d)); };
  llvm::Value* bad = b_.getInt1(false);
  std::vector<llvm::Value*> shape;
  if (stack) {
    for (unsigned i = 1; i < count; ++i)
      for (unsigned d = 0; d < nd; ++d) bad = b_.CreateOr(bad, b_.CreateICmpNE(shapes[i][d], shapes[0][d]));
    raiseIf(bad, KILN_VALUE_ERROR, "all input arrays must have the same shape");
    for (unsigned d = 0; d <= nd; ++d) {
      llvm::Value* before = d < nd ? shapes[0][d] : b_.getInt64(0);  // dimension d when the axis is past it
      llvm::Value* after = d > 0 ? shapes[0][d - 1] : b_.getInt64(0);
      llvm::Value* past = b_.CreateICmpSGT(axis, b_.getInt64(d));
      shape.push_back(b_.CreateSelect(isAxis(d), b_.getInt64(count), b_.CreateSelect(past, before, after)));
    }
  } else {
    for (unsigned d = 0; d < nd; ++d) {
      llvm::Value* total = shapes[0][d];
      for (unsigned i = 1; i < count; ++i) {
        total = b_.CreateAdd(total, shapes[i][d]);
        bad = b_.CreateOr(bad, b_.CreateAnd(b_.CreateNot(isAxis(d)), b_.CreateICmpNE(shapes[i][d], shapes[0][d])));
      }
      shape.push_back(b_.CreateSelect(isAxis(d), total, shapes[0][d]));
    }
    raiseIf(bad, KILN_VALUE_ERROR,
            "all the input array dimensions except for the concatenation axis must match exactly");
  }

  llvm::Value* out = newArray(result, shape);
  std::vector<llvm::Value*> strides;
  for (unsigned d = 0; d < rank; ++d) strides.push_back(strideOf(out, result, d));
  llvm::Value* axis_stride = strides[0];
  for (unsigned d = 1; d < rank; ++d) axis_stride = b_.CreateSelect(isAxis(d), strides[d], axis_stride);
  const typing::Type* view = types().array(dt, static_cast<int>(nd), 'A');
  llvm::Value* data = b_.CreateExtractValue(out, kData);
  llvm::Value* offset = zero;  // along the axis
  for (unsigned i = 0; i < count; ++i) {
    Place p{b_.CreateExtractValue(out, kMeminfo), b_.CreateGEP(b_.getInt8Ty(), data, b_.CreateMul(offset, axis_stride)),
            shapes[i], {}};
    for (unsigned d = 0; d < nd; ++d) {
      if (!stack) {
        p.strides.push_back(strides[d]);
        continue;
      }
      // The result's dimensions but the stacking axis.
      p.strides.push_back(b_.CreateSelect(b_.CreateICmpSGT(axis, b_.getInt64(d)), strides[d], strides[d + 1]));
    }
    if (stack) {
      offset = b_.getInt64(i + 1);
    } else {
      llvm::Value* len = shapes[i][0];
      for (unsigned d = 1; d < nd; ++d) len = b_.CreateSelect(isAxis(d), shapes[i][d], len);
      offset = b_.CreateAdd(offset, len);
    }
    const typing::Type* it = item_types[i];
    Typed target{view, viewOf(p, view)};
    elementwise({Typed{it, items[i]}}, it->dtype(), view, &target,
                [&](const std::vector<llvm::Value*>& xs) { return convert(b_, xs[0], it->dtype(), dt); });
  }
  return out;
}

}  // namespace kiln::lowering

namespace kiln::lowering {

llvm::Value* FunctionLowering::arrayFrom(typing::BuiltinId id, const ir::Value* src, const typing::Type* result) {
  const typing::Type* st = src->type;
  const typing::Type* dt = result->dtype();
  // asarray/ascontiguousarray of an array typing found NumPy returns: the argument.
  if (st == result && id != typing::BuiltinId::kNpArray) return value(src);
  if (st->isArray() && st->ndim == 0 && result->ndim == 1 && st->dtype() == dt &&
      id == typing::BuiltinId::kNpAscontiguousarray) {  // the 0-d array's element as a 1-d view (typing)
    llvm::Value* a = value(src);
    Place p{b_.CreateExtractValue(a, kMeminfo), b_.CreateExtractValue(a, kData), {b_.getInt64(1)},
            {b_.getInt64(itemSize(dt))}};
    return viewOf(p, result);
  }
  if (st->isArray()) {  // a C-contiguous copy, converted
    llvm::Value* a = value(src);
    std::vector<llvm::Value*> shape;
    for (unsigned d = 0; d < static_cast<unsigned>(st->ndim); ++d) shape.push_back(b_.CreateExtractValue(a, {kShape, d}));
    if (shape.empty() && result->ndim == 1) shape.push_back(b_.getInt64(1));  // ascontiguousarray of 0-d
    llvm::Value* out = newArray(result, shape);
    Typed target{result, out};
    elementwise({Typed{st, a}}, st->dtype(), result, &target,
                [&](const std::vector<llvm::Value*>& xs) { return convert(b_, xs[0], st->dtype(), dt); });
    return out;
  }
  if (st->kind == typing::Kind::kStr) {  // np0d: a constant str as a 0-d U array of its length (typing)
    llvm::Value* out = newArray(result, {});
    storeStrAsUcs4(b_.CreateExtractValue(out, kData), value(src), dt->index);
    return out;
  }
  if (st->isNumber()) {  // npfuncs: a number as a 0-d array (1-d for ascontiguousarray)
    std::vector<llvm::Value*> shape;
    if (result->ndim == 1) shape.push_back(b_.getInt64(1));
    llvm::Value* out = newArray(result, shape);
    storeElement(flatElementPtr(out, result, b_.getInt64(0)), convert(b_, value(src), st, dt), dt);
    return out;
  }
  if (st->kind == typing::Kind::kList && st->items[0]->kind == typing::Kind::kList) {  // npfuncs: a list of lists
    const typing::Type* rt = st->items[0];
    llvm::Value* lst = value(src);
    llvm::Value* rows = listSize(lst);
    llvm::AllocaInst* ncols = entryAlloca(b_.getInt64Ty(), "cols");
    b_.CreateStore(b_.getInt64(0), ncols);
    ifThen(b_.CreateICmpSGT(rows, b_.getInt64(0)),
           [&]() { b_.CreateStore(listSize(listGet(lst, st, b_.getInt64(0))), ncols); });
    llvm::Value* cols = b_.CreateLoad(b_.getInt64Ty(), ncols);
    loop(rows, [&](llvm::Value* i) {
      raiseIf(b_.CreateICmpNE(listSize(listGet(lst, st, i)), cols), KILN_VALUE_ERROR,
              "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 "
              "dimensions.");
    });
    llvm::Value* out = newArray(result, {rows, cols});
    loop(rows, [&](llvm::Value* i) {
      llvm::Value* row = listGet(lst, st, i);
      loop(cols, [&](llvm::Value* j) {
        storeElement(flatElementPtr(out, result, b_.CreateAdd(b_.CreateMul(i, cols), j)),
                     convert(b_, listGet(row, rt, j), rt->items[0], dt), dt);
      });
    });
    return out;
  }
  if (st->kind == typing::Kind::kList && st->items[0]->kind == typing::Kind::kTuple) {  // npcreate: a list of tuples
    const typing::Type* rt = st->items[0];
    const unsigned cols = static_cast<unsigned>(rt->items.size());
    llvm::Value* lst = value(src);
    llvm::Value* rows = listSize(lst);
    llvm::Value* out = newArray(result, {rows, b_.getInt64(cols)});
    loop(rows, [&](llvm::Value* i) {
      llvm::Value* row = listGet(lst, st, i);
      for (unsigned j = 0; j < cols; ++j)
        storeElement(flatElementPtr(out, result, b_.CreateAdd(b_.CreateMul(i, b_.getInt64(cols)), b_.getInt64(j))),
                     convert(b_, b_.CreateExtractValue(row, j), rt->items[j], dt), dt);
    });
    return out;
  }
  if (st->kind == typing::Kind::kList) {  // npfuncs: a list of numbers
    llvm::Value* lst = value(src);
    llvm::Value* n = listSize(lst);
    llvm::Value* out = newArray(result, {n});
    loop(n, [&](llvm::Value* k) {
      storeElement(flatElementPtr(out, result, k), convert(b_, listGet(lst, st, k), st->items[0], dt), dt);
    });
    return out;
  }
  if (st->items.empty()) return newArray(result, {b_.getInt64(0)});  // npcreate: (), an empty array
  if (st->items[0]->isArray()) return joinArrays(typing::BuiltinId::kNpStack, {src}, result);
  llvm::Value* tv = value(src);
  const unsigned rows = static_cast<unsigned>(st->items.size());
  if (st->items[0]->kind == typing::Kind::kList) {  // npcreate: a tuple of lists, each a row
    std::vector<llvm::Value*> lists;
    for (unsigned i = 0; i < rows; ++i) lists.push_back(b_.CreateExtractValue(tv, i));
    llvm::Value* cols = listSize(lists[0]);
    for (unsigned i = 1; i < rows; ++i)
      raiseIf(b_.CreateICmpNE(listSize(lists[i]), cols), KILN_VALUE_ERROR,
              "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 "
              "dimensions.");
    llvm::Value* out = newArray(result, {b_.getInt64(rows), cols});
    for (unsigned i = 0; i < rows; ++i) {
      const typing::Type* lt = st->items[i];
      loop(cols, [&](llvm::Value* j) {
        storeElement(flatElementPtr(out, result, b_.CreateAdd(b_.CreateMul(b_.getInt64(i), cols), j)),
                     convert(b_, listGet(lists[i], lt, j), lt->items[0], dt), dt);
      });
    }
    return out;
  }
  if (st->items[0]->isNumber()) {
    llvm::Value* out = newArray(result, {b_.getInt64(rows)});
    for (unsigned k = 0; k < rows; ++k)
      storeElement(flatElementPtr(out, result, b_.getInt64(k)), convert(b_, b_.CreateExtractValue(tv, k), st->items[k], dt),
                   dt);
    return out;
  }
  const unsigned cols = static_cast<unsigned>(st->items[0]->items.size());
  llvm::Value* out = newArray(result, {b_.getInt64(rows), b_.getInt64(cols)});
  for (unsigned i = 0; i < rows; ++i)
    for (unsigned j = 0; j < cols; ++j)
      storeElement(flatElementPtr(out, result, b_.getInt64(i * cols + j)),
                   convert(b_, b_.CreateExtractValue(tv, {i, j}), st->items[i]->items[j], dt), dt);
  return out;
}

}  // namespace kiln::lowering

namespace kiln::lowering {

namespace {
// v[k] for a run-time k in [0, v.size()): a chain of selects.
llvm::Value* pick(llvm::IRBuilder<>& b, const std::vector<llvm::Value*>& v, llvm::Value* k) {
  llvm::Value* out = v[0];
  for (unsigned d = 1; d < v.size(); ++d) out = b.CreateSelect(b.CreateICmpEQ(k, b.getInt64(d)), v[d], out);
  return out;
}
}  // namespace

llvm::Value* FunctionLowering::swapAxes(llvm::Value* arr, const typing::Type* at, const ir::Value* axis1,
                                        const ir::Value* axis2, const typing::Type* result) {
  const unsigned nd = static_cast<unsigned>(at->ndim);
  const typing::Type* i64 = types().integer(64, true);
  llvm::Value* n = b_.getInt64(nd);
  auto normalized = [&](const ir::Value* v) {
    llvm::Value* a = converted(v, i64);
    a = b_.CreateSelect(b_.CreateICmpSLT(a, b_.getInt64(0)), b_.CreateAdd(a, n), a);
    raiseIf(b_.CreateICmpUGE(a, n), KILN_VALUE_ERROR, absl::StrCat("axis is out of bounds for array of dimension ", nd));
    return a;
  };
  llvm::Value* a1 = normalized(axis1);
  llvm::Value* a2 = normalized(axis2);
  std::vector<llvm::Value*> shape, strides;
  for (unsigned d = 0; d < nd; ++d) {
    shape.push_back(b_.CreateExtractValue(arr, {kShape, d}));
    strides.push_back(strideOf(arr, at, d));
  }
  Place p{b_.CreateExtractValue(arr, kMeminfo), b_.CreateExtractValue(arr, kData), {}, {}};
  for (unsigned d = 0; d < nd; ++d) {
    llvm::Value* k = b_.getInt64(d);
    llvm::Value* from = b_.CreateSelect(b_.CreateICmpEQ(k, a1), a2, b_.CreateSelect(b_.CreateICmpEQ(k, a2), a1, k));
    p.shape.push_back(pick(b_, shape, from));
    p.strides.push_back(pick(b_, strides, from));
  }
  return viewOf(p, result);
}

llvm::Value* FunctionLowering::expandDims(const ir::Value* a, const ir::Value* axis, const typing::Type* result) {
  llvm::Value* arr = value(a);
  const typing::Type* at = a->type;
  const unsigned nd = static_cast<unsigned>(at->ndim);
  llvm::Value* rank = b_.getInt64(nd + 1);
  llvm::Value* ax = converted(axis, types().integer(64, true));
  ax = b_.CreateSelect(b_.CreateICmpSLT(ax, b_.getInt64(0)), b_.CreateAdd(ax, rank), ax);
  raiseIf(b_.CreateICmpUGE(ax, rank), KILN_VALUE_ERROR,
          absl::StrCat("axis is out of bounds for array of dimension ", nd + 1));
  Place p{b_.CreateExtractValue(arr, kMeminfo), b_.CreateExtractValue(arr, kData), {}, {}};
  for (unsigned d = 0; d <= nd; ++d) {
    llvm::Value* k = b_.getInt64(d);
    // Dimension d of the result: arr's d before the axis, 1 at it, arr's d - 1 past it.
    llvm::Value* before_shape = d < nd ? b_.CreateExtractValue(arr, {kShape, d}) : b_.getInt64(1);
    llvm::Value* before_stride = d < nd ? strideOf(arr, at, d) : b_.getInt64(0);
    llvm::Value* after_shape = d > 0 ? b_.CreateExtractValue(arr, {kShape, d - 1}) : b_.getInt64(1);
    llvm::Value* after_stride = d > 0 ? strideOf(arr, at, d - 1) : b_.getInt64(0);
    llvm::Value* at_axis = b_.CreateICmpEQ(k, ax);
    llvm::Value* past = b_.CreateICmpSGT(ax, k);
    p.shape.push_back(b_.CreateSelect(at_axis, b_.getInt64(1), b_.CreateSelect(past, before_shape, after_shape)));
    p.strides.push_back(b_.CreateSelect(at_axis, b_.getInt64(0), b_.CreateSelect(past, before_stride, after_stride)));
  }
  return viewOf(p, result);
}

}  // namespace kiln::lowering
