# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[::1], float64" --emit=typed 2>&1 | FileCheck %s
import numpy as np


def f(a, v):
    s = 'middle'
    return np.searchsorted(a, v, side=s)

# CHECK: searchsorted_side.py:8: TypingError: numpy.searchsorted() side= must be the constant 'left' or 'right'
