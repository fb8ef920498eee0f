# RUN: %mkbundle %s:shift_right > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "float64[::1], int64" --emit=llvm --opt 0 | FileCheck %s
# RUN: %kilnc --bundle %t.pb --sig "float64[::1], int64" --emit=llvm --opt 0 --boundscheck | FileCheck %s --check-prefix=BC

# int64 + and - wrap (as Numba), so they carry no nsw, except for x +- c
# (a small constant) used only as an array index with bounds unchecked: a
# wrapped index would be out of bounds anyway. That nsw lets LLVM drop the
# negative-index select of a[j + 1] (insertion sort).


def shift_right(a, j):
    a[j + 1] = a[j]
    k = j - 1
    return k

# CHECK-LABEL: define internal i32 @kiln.shift_right.0
# CHECK: add nsw i64 %{{[0-9]+}}, 1
# CHECK: sub i64 %{{[0-9]+}}, 1
# BC-LABEL: define internal i32 @kiln.shift_right.0
# BC-NOT: nsw
