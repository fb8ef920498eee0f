"""NumPy functions Numba supports that Kiln lacked (issue 8, npmissing):
cross, cov, corrcoef, nanpercentile, nanquantile, digitize, isin, the set
functions, nan_to_num, sinc, nanargmax/nanargmin, triu_indices/tril_indices,
dstack, unwrap and trapezoid.

Registered into the "numpy" library namespace by numpy_functions.py, which
imports this module. Each gives NumPy's values, dtype and shape for the
argument types it compiles for; Numba's refusals are compile-time errors
(kiln.static.error), NumPy's run-time errors are raised with NumPy's
exception class and message. A keyword NumPy has and this module does not
(axis=, assume_unique=, ...) is left out of the signature, so a call using
it is refused ("got an unexpected keyword argument"), never ignored."""

import numpy as np

from kiln.library import implements, primitive

_error = primitive("kiln.static.error")
_iterable = primitive("kiln.static.iterable")


# cross: the last axis holds the vectors (2 or 3 components), the others
# broadcast. A 2-vector has a zero third component; two 2-vectors are
# Numba's ValueError (it points to numba.np.extensions.cross2d), as NumPy
# 2.5 refuses them too.

@implements("numpy.cross")
def cross(a, b):
    if not _iterable(a) or not _iterable(b) or isinstance(a, str) or isinstance(b, str):
        _error("np.cross(): inputs must be array-like")
    x = np.asarray(a)
    y = np.asarray(b)
    if x.ndim < 1 or y.ndim < 1:
        _error("np.cross(): inputs must be at least 1-d arrays")
    na = x.shape[-1]
    nb = y.shape[-1]
    if (na != 2 and na != 3) or (nb != 2 and nb != 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 or 3)")
    if na == 2 and nb == 2:
        raise ValueError("Dimensions for both inputs is 2.\n"
                         "Please replace your numpy.cross(a, b) call with "
                         "a call to `cross2d(a, b)` from `numba.np.extensions`.")
    a0 = x[..., 0]
    a1 = x[..., 1]
    b0 = y[..., 0]
    b1 = y[..., 1]
    cp2 = a0 * b1 - a1 * b0
    out = np.empty(np.shape(cp2) + (3,), np.asarray(cp2).dtype)
    if na == 3 and nb == 3:
        a2 = x[..., 2]
        b2 = y[..., 2]
        out[..., 0] = a1 * b2 - a2 * b1
        out[..., 1] = a2 * b0 - a0 * b2
    elif na == 3:
        a2 = x[..., 2]
        out[..., 0] = -(a2 * b1)
        out[..., 1] = a2 * b0
    else:
        b2 = y[..., 2]
        out[..., 0] = a1 * b2
        out[..., 1] = -(a0 * b2)
    out[..., 2] = cp2
    return out


# cov and corrcoef: NumPy's algorithm (variables in rows unless
# rowvar=False, the mean subtracted, X @ X.T.conj() / (N - ddof)) in float64,
# complex128 for complex input. A 1-d m without y (or a number) is one
# variable: a 0-d array, as NumPy and Numba; a 2-d m keeps its (n, n) shape
# even for one row (Numba's: NumPy squeezes that to 0-d, a shape known only
# at run time).

def _cov_rows(m, rowvar, dtype):
    x = np.asarray(m).astype(dtype)
    if x.ndim == 0:
        return x.reshape((1, 1))
    if x.ndim == 1:
        return x.reshape((1, x.shape[0]))
    if not rowvar and x.shape[0] != 1:
        return np.ascontiguousarray(x.T)
    return x


def _cov_of(X, ddof):
    n = X.shape[0]
    N = X.shape[1]
    if n == 0 or N == 0:
        return np.full((n, n), np.nan, X.dtype)
    fact = N - ddof
    if fact <= 0:
        fact = 0.0
    Xc = X.copy()
    for i in range(n):
        Xc[i, :] -= Xc[i, :].sum() / N
    return np.dot(Xc, Xc.T.conj()) * (1.0 / fact)


def _cov_dtype(m, y):
    # result_type(m, y, float64): float64, or complex128 when either is complex
    z = np.asarray(m).dtype(0)
    if y is not None:
        z = z + np.asarray(y).dtype(0)
    if isinstance(z, complex):
        return np.complex128
    return np.float64


@implements("numpy.cov")
def cov(m, y=None, rowvar=True, bias=False, ddof=None):
    if not _iterable(m) and not isinstance(m, (bool, int, float, complex)):
        _error("np.cov(): m must be array-like, not", m)
    if isinstance(m, str) or isinstance(y, str):
        _error("np.cov(): m and y must be array-like, not a str")
    if np.asarray(m).ndim > 2:
        _error("m has more than 2 dimensions")
    if y is not None:
        if np.asarray(y).ndim > 2:
            _error("y has more than 2 dimensions")
    if not (ddof is None or isinstance(ddof, (bool, int, float))):
        _error("ddof must be a real numerical scalar type")
    if isinstance(ddof, float):
        if ddof != ddof:
            raise ValueError("cannot convert float NaN to integer")
        if ddof == np.inf or ddof == -np.inf:
            raise OverflowError("cannot convert float infinity to integer")
        if ddof != int(ddof):
            raise ValueError("ddof must be integer")
    dtype = _cov_dtype(m, y)
    X = _cov_rows(m, rowvar, dtype)
    if y is not None:
        X = np.concatenate((X, _cov_rows(y, rowvar, dtype)), axis=0)
    if ddof is None:
        d = 1
        if bias:
            d = 0
    else:
        d = int(ddof)
    c = _cov_of(X, d)
    if y is None and np.asarray(m).ndim < 2:
        return np.array(c[0, 0])
    return c


@implements("numpy.corrcoef")
def corrcoef(x, y=None, rowvar=True):
    c = np.cov(x, y, rowvar)
    if c.ndim == 0:
        v = c.sum()  # NumPy: c / c of 0-d arrays, a scalar
        return v / v
    n = c.shape[0]
    s = np.sqrt(np.diag(c).real)
    for i in range(n):
        c[i, :] /= s
        c[:, i] /= s
    if isinstance(c.dtype(0), complex):
        re = np.clip(c.real, -1.0, 1.0)
        im = np.clip(c.imag, -1.0, 1.0)
        c.real[...] = re
        c.imag[...] = im
        return c
    return np.clip(c, -1.0, 1.0)
