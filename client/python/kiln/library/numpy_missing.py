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
