# prange: the parallel-loops pass (typing/parallel_loops.h) marks a race-free
# prange loop of a parallel=True function `for_iter prange`; a loop it
# cannot prove keeps a plain for_iter and warns at its line, naming why;
# without parallel=True prange is range and nothing is marked.
# RUN: %mkbundle %s:elementwise > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C), float64)" --emit=typed --print-after=fuse-array-exprs,parallel-loops 2>&1 | FileCheck %s
# RUN: %mkbundle %s:reduction > %t2.pb
# RUN: %kilnc --bundle %t2.pb --sig "(array(float64, 1d, C))" --emit=typed 2>&1 | FileCheck %s --check-prefix=REDUCTION
# RUN: %mkbundle %s:serial > %t3.pb
# RUN: %kilnc --bundle %t3.pb --sig "(array(float64, 1d, C), float64)" --emit=typed 2>&1 | FileCheck %s --check-prefix=SERIAL
# RUN: %mkbundle %s:elementwise > %t4.pb
# RUN: %kilnc --bundle %t4.pb --sig "(array(float64, 1d, C), float64)" --emit=llvm 2>&1 | FileCheck %s --check-prefix=LLVM
import numpy as np
from numba import prange

import kiln


@kiln.jit(parallel=True)
def elementwise(x, k):
    r = np.empty_like(x)
    for i in prange(len(x)):
        r[i] = x[i] * k
    return r


@kiln.jit(parallel=True)
def reduction(x):
    s = 0.0
    for i in prange(len(x)):
        s += x[i]
    return s


def serial(x, k):
    r = np.empty_like(x)
    for i in prange(len(x)):
        r[i] = x[i] * k
    return r

# CHECK: ; *** IR after fuse-array-exprs ***
# CHECK: for_iter %{{[0-9]+}}
# CHECK: ; *** IR after parallel-loops ***
# CHECK: for_iter prange %{{[0-9]+}}

# REDUCTION: parallel_loops.py:30:{{.*}}parallel=True: the prange loop runs serially: variable 's' is carried from one iteration to the next (a reduction or a loop-carried value)
# REDUCTION-NOT: for_iter prange

# SERIAL-NOT: runs serially
# SERIAL-NOT: for_iter prange

# The loop's body is a function of its own over a chunk, called by the pool.
# LLVM: define internal {{.*}}i32 @{{.*}}.prange0(ptr {{.*}}%0, i64 %1, i64 %2, ptr {{.*}}%3)
# LLVM: call {{.*}}i32 %{{.*}}(ptr {{.*}}@{{.*}}.prange0, ptr
