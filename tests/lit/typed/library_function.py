# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "float64[::1]" --emit=typed | FileCheck %s
import numpy as np


def f(a):
    return np.clip(a, 0.0, 1.0)

# np.clip is written in Python (kiln/library/numpy_functions.py): it travels in
# the bundle as function #1 and is typed at the caller's argument types.
# CHECK: ; kiln.f.0 -> array(float64, 1d, C)
# CHECK: Function(#1) = getattr %{{[0-9]+}}.clip
# CHECK: array(float64, 1d, C) = call
# CHECK: ; kiln.clip.1 -> array(float64, 1d, C)
# CHECK: func @clip(%0: array(float64, 1d, C) a, %1: float64 a_min, %2: float64 a_max, %3: none out)
# CHECK: Function(numpy.maximum) = getattr
