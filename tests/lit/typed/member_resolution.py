# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "array(float64, 2d, C)" --emit=typed | FileCheck %s
import numpy as np


def f(a):
    return a.shape, a.T, a.sum(axis=1), a.reshape(-1).cumsum(), np.nanmax(a)

# Attributes and methods are registry rows keyed by the receiver's kind
# (builtins.def KILN_ATTRIBUTE / KILN_METHOD): typing records the row on the
# getattr and, with the bound arguments, on the method call.
# CHECK: UniTuple(int64, 2) = getattr %0.shape [array.shape]
# CHECK: array(float64, 2d, F) = getattr %0.T [array.T]
# CHECK: BoundFunction(array.sum for array(float64, 2d, C)) = getattr %0.sum [array.sum]
# CHECK: array(float64, 1d, C) = call {{.*}} kw(axis) [array.sum]
# CHECK: = call {{.*}} [array.reshape]
# CHECK: array(float64, 1d, C) = call {{.*}} [array.cumsum]
# CHECK: float64 = call {{.*}} [numpy.nanmax]
