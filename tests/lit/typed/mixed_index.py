# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 4d, A), array(int64, 1d, C), array(bool, 1d, C))" --emit=typed | FileCheck %s


def f(a, idx, m):
    return a[:, idx, :, 1], a[1, idx], a[m, :, None, 0], a[..., idx, 0]

# mixidx: one index array (or mask) among ints, slices, None and `...` gives a
# new C array with as many dimensions as NumPy's result (the array's one
# dimension stands for itself and the ints it is broadcast with).
# CHECK: array(float64, 3d, C) = getitem
# CHECK: array(float64, 3d, C) = getitem
# CHECK: array(float64, 4d, C) = getitem
# CHECK: array(float64, 3d, C) = getitem
