# RUN: %mkbundle %s:stats > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(int32, 1d, C), array(float64, 1d, A))" --emit=typed | FileCheck %s
import numpy as np


def stats(a, b):
    out = np.zeros(a.shape[0], dtype=np.int64)
    for i, (x, y) in enumerate(zip(a, b)):
        out[i] = x
    return a + a, a * 1.5, b / 2, (a > 0).sum(), b.max(), out

# NumPy's promotion: int32 + int32 stays int32, a Python float makes float64,
# a strided operand still gives a new C-contiguous array.
# CHECK: ; kiln.stats.0 -> Tuple(array(int32, 1d, C), array(float64, 1d, C), array(float64, 1d, C), int64, float64, array(int64, 1d, C))
# CHECK: UniTuple(int64, 1) = getattr %0.shape
# CHECK: class(int64) = getattr {{.*}}.int64
# CHECK: array(int64, 1d, C) = call {{.*}} kw(dtype)
# CHECK: zip(iter(array(int32, 1d, C)), iter(array(float64, 1d, A))) = call
# CHECK: enumerate(zip(iter(array(int32, 1d, C)), iter(array(float64, 1d, A)))) = call
# CHECK: Tuple(int64, Tuple(int32, float64)) = for_iter
# CHECK: setitem
# CHECK: BoundFunction(array.sum for array(bool, 1d, C)) = getattr
