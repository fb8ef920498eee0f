# RUN: %mkbundle %s:views > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 2d, C), int64)" --emit=typed | FileCheck %s
import numpy as np


def views(m, i):
    row = m[i]
    col = m[:, i]
    m[1:, ::2] = 0.0
    return row, col, m[i, 1:], m[::-1]

# An int index drops a dimension (a row of a C array stays C); a slice makes
# a strided view (layout A), except a slice without a step as the innermost
# index of a C array (m[i, 1:]: what it leaves is contiguous; Numba's rule).
# CHECK: ; kiln.views.0 -> Tuple(array(float64, 1d, C), array(float64, 1d, A), array(float64, 1d, C), array(float64, 2d, A))
# CHECK: array(float64, 1d, C) = getitem %0, %1
# CHECK: slice3_type = build_slice
# CHECK: Tuple(slice3_type, int64) = build_tuple
# CHECK: array(float64, 1d, A) = getitem
# CHECK: setitem %0
