# RUN: %mkbundle %s:f > %t.pb
# RUN: not %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C))" --emit=ptx 2>&1 | FileCheck %s
import numpy as np


def f(a):
    b = np.zeros(4)
    a[0] = b[0]

# CHECK: refused_allocation.py:6: UnsupportedError: a GPU kernel cannot allocate memory (a new array, list, string or dict)
