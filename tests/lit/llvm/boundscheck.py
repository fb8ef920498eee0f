# RUN: %mkbundle %s:get > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "array(float64, 1d, C), int64" --emit=llvm | FileCheck %s --check-prefix=OFF
# RUN: %kilnc --bundle %t.pb --sig "array(float64, 1d, C), int64" --emit=llvm --boundscheck | FileCheck %s --check-prefix=ON


def get(a, i):
    return a[i]

# Negative indices wrap either way; only boundscheck=True checks the range
# (Numba's default is off).
# OFF-NOT: index out of bounds
# ON: index out of bounds
