"""NumPy functions written in the supported Python subset (see
kiln/library/__init__.py). Each gives NumPy's result, dtype included, for
the argument types it compiles for; anything else is refused at compile time
by typing, never approximated."""

import numpy as np

from kiln.library import implements


@implements("numpy.clip")
def clip(a, a_min, a_max):
    # NumPy's definition: minimum(maximum(a, a_min), a_max), NaN propagating.
    return np.minimum(np.maximum(a, a_min), a_max)


@implements("numpy.average")
def average(a):
    # Without weights= or axis= (those are refused as unexpected keywords).
    return np.mean(a)


@implements("numpy.trace")
def trace(a, offset=0):
    if a.ndim != 2:
        raise ValueError("trace of an array that is not 2-d is not supported")
    n = a.shape[0]
    m = a.shape[1]
    if offset >= 0:
        k = min(n, m - offset)
    else:
        k = min(n + offset, m)
    if k <= 0:
        return a[:0, :0].sum()  # zero of sum's result type (int32 -> int64)
    # The diagonal gathered into an array of a's dtype and summed by sum(),
    # so the accumulation type and order are sum's, as in NumPy.
    if offset >= 0:
        d = a[:k, offset].copy()
        for i in range(k):
            d[i] = a[i, i + offset]
    else:
        d = a[:k, 0].copy()
        for i in range(k):
            d[i] = a[i - offset, i]
    return d.sum()


@implements("numpy.isclose")
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    # NumPy computes in the floating type of the operands (ints as float64).
    x = a * 1.0
    y = b * 1.0
    result = (np.abs(x - y) <= atol + rtol * np.abs(y)) & np.isfinite(y) | (x == y)
    if equal_nan:
        result = result | (np.isnan(x) & np.isnan(y))
    return result


@implements("numpy.array_equal")
def array_equal(a1, a2):
    if a1.shape != a2.shape:
        return False
    return np.all(a1 == a2)


@implements("numpy.unique")
def unique(ar):
    # Sorted distinct values of the flattened array; NaNs collapse into one
    # (NumPy 2's equal_nan=True default).
    b = np.sort(ar.reshape(-1))
    n = b.size
    count = 1 if n > 0 else 0
    for i in range(1, n):
        if b[i] != b[i - 1] and not (b[i] != b[i] and b[i - 1] != b[i - 1]):
            count += 1
    out = b[:count].copy()
    j = 1
    for i in range(1, n):
        if b[i] != b[i - 1] and not (b[i] != b[i] and b[i - 1] != b[i - 1]):
            out[j] = b[i]
            j += 1
    return out


@implements("numpy.fliplr")
def fliplr(m):
    # A view, as NumPy's: reversed columns. m must be an array (a list is
    # refused: NumPy would return a new array, not a list).
    if m.ndim < 2:
        raise ValueError("Input must be >= 2-d.")
    return m[:, ::-1]


@implements("numpy.flipud")
def flipud(m):
    if m.ndim < 1:  # an array only, as fliplr
        raise ValueError("Input must be >= 1-d.")
    return m[::-1]


# arrays: the function forms of array methods and attributes, and repeat/tile.

@implements("numpy.ravel")
def ravel(a):
    # A view of a C-contiguous array, else a copy (as the method).
    return a.ravel()


@implements("numpy.transpose")
def transpose(a):
    # Without axes= (refused as an unexpected keyword): the reversed axes, a view.
    return a.transpose()


@implements("numpy.reshape")
def reshape(a, newshape):
    return a.reshape(newshape)


@implements("numpy.shape")
def shape(a):
    return a.shape


@implements("numpy.size")
def size(a):
    return a.size


@implements("numpy.ndim")
def ndim(a):
    return a.ndim


@implements("numpy.repeat")
def repeat(a, repeats):
    # An int repeats: each element of the flattened array `repeats` times.
    if repeats < 0:
        raise ValueError("negative dimensions are not allowed")
    flat = a.ravel()
    n = flat.size
    out = np.empty(n * repeats, flat.dtype)
    for i in range(n):
        for j in range(repeats):
            out[i * repeats + j] = flat[i]
    return out


@implements("numpy.tile")
def tile(A, reps):
    # A 1-d array and an int reps (other forms are refused by typing).
    n = A.shape[0]
    r = reps if reps > 0 else 0
    out = np.empty(n * r, A.dtype)
    for k in range(r):
        for i in range(n):
            out[k * n + i] = A[i]
    return out


@implements("numpy.flatnonzero")
def flatnonzero(a):
    # Indices of the nonzero elements of the flattened array (C order).
    return np.nonzero(a.ravel())[0]


@implements("numpy.argwhere")
def argwhere(a):
    # One row of indices per nonzero element, in C order: shape (N, a.ndim).
    # NumPy builds it as (a.ndim, N) and returns the transpose: F order.
    idx = np.nonzero(a.ravel())[0]
    nd = a.ndim
    shp = a.shape
    out = np.empty((nd, idx.size), np.int64)
    for r in range(idx.size):
        k = idx[r]
        for d in range(nd - 1, -1, -1):
            out[d, r] = k % shp[d]
            k = k // shp[d]
    return out.T


@implements("numpy.swapaxes")
def swapaxes(a, axis1, axis2):
    return a.swapaxes(axis1, axis2)


# linalg: np.dot, np.vdot, np.matmul are written with np.linalg (numpy_linalg.py).
from kiln.library import numpy_linalg  # noqa: E402,F401
