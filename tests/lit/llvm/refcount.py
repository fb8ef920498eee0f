# RUN: %mkbundle %s:loop_sum > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(int64, array(float64, 1d, C))" --emit=llvm --opt 2 | FileCheck %s
# RUN: %kilnc --bundle %t.pb --sig "(int64, array(float64, 1d, C))" --emit=llvm --opt 2 | FileCheck %s --check-prefix=NOINC
import numpy as np


def loop_sum(n, b):
    a = np.arange(n) * 2.0
    s = 0.0
    for i in range(n):
        s += a[i] + b[i]
    return s

# Reference counts (docs/architecture.md, Memory): np.arange's block is
# released once the product exists, the product's once the loop is done;
# nothing is ever incremented (each block has one owner), and the Python
# loop over `a` carries no refcount operation at all.
# NOINC-NOT: atomicrmw add
# CHECK: @kiln_rt_hook = weak
# CHECK: bb2.i:
# CHECK-NOT: atomicrmw
# CHECK: br i1 {{.*}}, label %bb2.i
# CHECK: atomicrmw sub
