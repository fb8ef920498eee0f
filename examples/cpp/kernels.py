"""Functions written in Python that examples/cpp/main.cpp calls from C++.

Export them (the C++ program reads the file):
    kilnctl export examples/cpp/kernels.py:axpy,norm,hypot,fill_squares -o kernels.kiln
"""

import math

import numpy as np

from kiln import jit


@jit
def axpy(a, x, y):
    """y += a * x, elementwise (a NumPy-style loop over double arrays)."""
    for i in range(x.shape[0]):
        y[i] += a * x[i]


@jit
def norm(x):
    s = 0.0
    for v in x:
        s += v * v
    return math.sqrt(s)


@jit
def hypot(a, b):
    return math.sqrt(a * a + b * b)


@jit
def fill_squares(n):
    out = np.empty(n)
    for i in range(n):
        out[i] = i * i
    return out
