// broadcast: the typing of the primitives the library's np.broadcast_to,
// np.broadcast_shapes and np.broadcast_arrays are written over
// (kiln/library/numpy_functions.py; builtins.def rows kiln.nd.*):
//  - kiln.nd.broadcast_to(a, shape): a read-only view of array a with
//    shape `shape` (an int or a tuple of ints), zero strides on the
//    broadcast dimensions, layout A (as Numba's);
//  - kiln.nd.broadcast_shapes(shapes): the broadcast of a tuple of shapes
//    (each an int or a tuple of ints), a UniTuple of int64;
//  - kiln.nd.broadcast_shape_of(values): the same for a tuple of array-likes
//    (arrays, tuples of numbers as 1-d, numbers as 0-d that count as 1-d
//    for the rank, as Numba's np.broadcast_arrays).
// Lowering (the run-time checks with NumPy's ValueErrors) in
// lowering/lower_broadcast.cpp.
#include "absl/strings/str_cat.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

int broadcastRank(const Type* t, bool array_like) {
  if (array_like) {
    if (t->isArray()) return t->ndim;
    if (t->isNumber()) return 0;
    if (t->kind != Kind::kTuple) return -1;
    for (const Type* item : t->items)
      if (!item->isNumber()) return -1;
    return 1;
  }
  if (t->kind == Kind::kInt) return 1;
  if (t->kind != Kind::kTuple) return -1;
  for (const Type* item : t->items)
    if (item->kind != Kind::kInt) return -1;
  return static_cast<int>(t->items.size());
}

absl::StatusOr<const Type*> ndBroadcastToCall(TypeContext& tc, const std::vector<const Type*>& args) {
  const Type* a = args[0];
  const Type* s = args[1];
  if (!a->isArray()) return absl::InvalidArgumentError("The first argument \"array\" must be array-like");
  if (s->kind == Kind::kTuple && s->items.empty())
    return absl::InvalidArgumentError("The argument \"shape\" must be a tuple or an integer.");
  int rank = broadcastRank(s, false);
  if (rank < 0) return absl::InvalidArgumentError("The second argument \"shape\" must be a tuple of integers");
  return tc.array(a->dtype(), rank, 'A', /*readonly=*/true);
}

// npmisc: kiln.nd.as_strided(a, shape, strides): a view of array a's memory
// with the given shape and byte strides (tuples of ints of one length), layout
// A, as np.lib.stride_tricks.as_strided (and Numba's); nothing is checked, as
// NumPy checks nothing.
absl::StatusOr<const Type*> ndAsStridedCall(TypeContext& tc, const std::vector<const Type*>& args) {
  const Type* a = args[0];
  if (!a->isArray()) return absl::InvalidArgumentError("as_strided() needs an array");
  const int rank = broadcastRank(args[1], false);
  if (args[1]->kind != Kind::kTuple || rank < 0 || broadcastRank(args[2], false) != rank ||
      args[2]->kind != Kind::kTuple)
    return absl::InvalidArgumentError(absl::StrCat("as_strided(): shape and strides must be tuples of ints of one length, not ",
                                                   args[1]->str(), " and ", args[2]->str()));
  return tc.array(a->dtype(), rank, 'A', a->readonly);
}

absl::StatusOr<const Type*> ndBroadcastShapeCall(TypeContext& tc, const std::vector<const Type*>& args,
                                                 bool array_like) {
  const Type* t = args[0];
  if (t->kind != Kind::kTuple) return absl::InvalidArgumentError(absl::StrCat("expected a tuple, not ", t->str()));
  int rank = 0;
  for (size_t k = 0; k < t->items.size(); ++k) {
    int r = broadcastRank(t->items[k], array_like);
    if (r < 0)
      return absl::InvalidArgumentError(array_like ? absl::StrCat("Argument \"", k, "\" must be array-like")
                                                   : absl::StrCat("np.broadcast_shapes: argument ", k, " (",
                                                                  t->items[k]->str(),
                                                                  ") must be either an int or tuple[int]"));
    // npmisc: in np.broadcast_arrays a number counts as 1-d, as Numba's
    // (np.broadcast_arrays(True, False) gives arrays of shape (1,)).
    if (array_like && t->items[k]->isNumber()) r = 1;
    rank = std::max(rank, r);
  }
  if (array_like) {
    // np.broadcast_arrays gives a list of views of one type (Numba's rule).
    const Type* dtype = nullptr;
    for (const Type* item : t->items) {
      const Type* d = item->isArray() ? item->dtype() : item;
      if (item->kind == Kind::kTuple) {  // np.asarray's dtype: checked here only for a uniform tuple
        d = item->items.empty() ? nullptr : item->items[0];
        for (const Type* x : item->items)
          if (x != d) d = nullptr;
        if (d == nullptr) continue;
      }
      if (dtype != nullptr && d != dtype)
        return absl::InvalidArgumentError(absl::StrCat("Mismatch of argument types: np.broadcast_arrays of ",
                                                       dtype->str(), " and ", d->str(), " values"));
      dtype = d;
    }
    if (rank == 0)
      return absl::InvalidArgumentError("np.broadcast_arrays of 0-d values only is not supported");
  }
  return tc.tuple(std::vector<const Type*>(static_cast<size_t>(rank), tc.integer(64, true)));
}

}  // namespace kiln::typing
