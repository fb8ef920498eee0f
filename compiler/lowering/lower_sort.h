// sort: the default-kind sort of a contiguous buffer, emitted once per dtype
// into the module (lower_sort.cpp).
#pragma once

#include "compiler/typing/types.h"
#include "llvm/IR/Module.h"

namespace kiln::lowering {

// `void kiln.sort.<dtype>(ptr data, i64 n)`: sorts n items of dtype dt in
// place, ascending, NaNs last (NumPy's order). An introsort specialised to
// the dtype: quicksort with a median-of-three pivot, insertion sort for
// partitions of at most 16 items, heapsort once the depth exceeds
// 2 log2(n). Not stable (NumPy's 'quicksort' is not either). Null for a
// dtype it does not cover (anything but bool, integers and floats).
llvm::Function* sortFunction(llvm::Module& mod, const typing::Type* dt);

}  // namespace kiln::lowering
