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


# nanpercentile / nanquantile: the compiler's percentile / quantile of the
# non-NaN elements (flattened, as without axis=), which also checks q in
# NumPy's words; with no such element, of the all-NaN array itself, whose
# answer is NaN. An array q is taken item by item into an array of q's
# shape, in NumPy's result dtype (x's float type promoted with q's: float64
# for ints or a float64 q).

def _nan_kept(a):
    x = np.asarray(a).ravel()
    keep = x[x == x]
    if keep.size == 0:
        return x
    return keep


@implements("numpy.nanpercentile")
def nanpercentile(a, q):
    return _nan_points(a, q, True)


@implements("numpy.nanquantile")
def nanquantile(a, q):
    return _nan_points(a, q, False)


def _nan_points(a, q, percent):
    # np.percentile (percent) or np.quantile of a's non-NaN items, at each q.
    x = _nan_kept(a)
    if isinstance(q, (bool, int, float)):
        return np.percentile(x, q) if percent else np.quantile(x, q)
    qs = np.asarray(q)
    flat = qs.ravel()
    out = np.empty(qs.size, (x[:0] * 0.5 + flat[:0]).dtype)
    xr = x.astype(out.dtype)  # computed in the result's type, as NumPy
    for i in range(flat.shape[0]):
        out[i] = np.percentile(xr, flat[i]) if percent else np.quantile(xr, flat[i])
    return out.reshape(qs.shape)


# digitize: the bin of each x by binary search on monotonic bins (NumPy's
# searchsorted order, NaN after everything): increasing bins count the
# edges <= x (< x when right=True), decreasing ones the edges > x (>= x).
# int64 in x's shape, an int64 for a number.

def _monotonic(bins):
    # 1 increasing (or all equal), -1 decreasing, 0 neither
    n = bins.shape[0]
    if n == 0:
        return 1
    i = 1
    while i < n and bins[i] == bins[0]:
        i += 1
    if i == n:
        return 1
    up = bins[i - 1] < bins[i]
    for j in range(i + 1, n):
        if up and bins[j - 1] > bins[j]:
            return 0
        if not up and bins[j - 1] < bins[j]:
            return 0
    if up:
        return 1
    return -1


def _sorts_before(u, v):
    # u < v in searchsorted's order: NaN is larger than any number
    return u < v or (v != v and u == u)


def _bin_of(b, v, mono, right):
    n = b.shape[0]
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) // 2
        e = b[mid]
        if mono == 1:
            if right:
                go_right = _sorts_before(e, v)
            else:
                go_right = not _sorts_before(v, e)
        else:
            if right:
                go_right = not _sorts_before(e, v)
            else:
                go_right = _sorts_before(v, e)
        if go_right:
            lo = mid + 1
        else:
            hi = mid
    return lo


@implements("numpy.digitize")
def digitize(x, bins, right=False):
    if isinstance(x, complex) or (not isinstance(x, (bool, int, float)) and isinstance(np.asarray(x).dtype(0), complex)):
        _error("x may not be complex")
    b = np.asarray(bins)
    if b.ndim != 1:
        _error("np.digitize(): bins must be a 1-d array")
    mono = _monotonic(b)
    if mono == 0:
        raise ValueError("bins must be monotonically increasing or decreasing")
    if isinstance(x, (bool, int, float)):
        return np.int64(_bin_of(b, x, mono, right))
    xs = np.asarray(x)
    flat = xs.ravel()
    out = np.empty(flat.shape[0], np.int64)
    for i in range(flat.shape[0]):
        out[i] = _bin_of(b, flat[i], mono, right)
    return out.reshape(xs.shape)


# isin: each element looked up in the sorted test elements (complex ones,
# which the compiler does not sort, by a scan); NaN never matches, as ==.
# A bool array of element's shape, 0-d for a number (NumPy's).

def _found_sorted(t, v):
    n = t.shape[0]
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) // 2
        if t[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo < n and t[min(lo, n - 1)] == v


def _found_scan(t, v):
    for i in range(t.shape[0]):
        if t[i] == v:
            return True
    return False


def _isin_flat(flat, t, invert):
    out = np.empty(flat.shape[0], np.bool_)
    if isinstance(t.dtype(0), complex) or isinstance(flat.dtype(0), complex):
        for k in range(flat.shape[0]):
            out[k] = _found_scan(t, flat[k]) != invert
    else:
        st = np.sort(t)
        for k in range(flat.shape[0]):
            out[k] = _found_sorted(st, flat[k]) != invert
    return out


@implements("numpy.isin")
def isin(element, test_elements, assume_unique=False, invert=False):
    if not (_iterable(element) or isinstance(element, (bool, int, float, complex))):
        _error("isin: first two args must be array-like")
    if not (_iterable(test_elements) or isinstance(test_elements, (bool, int, float, complex))):
        _error("isin: first two args must be array-like")
    if not isinstance(assume_unique, bool):
        _error('isin: Argument "assume_unique" must be boolean')
    if not isinstance(invert, bool):
        _error('isin: Argument "invert" must be boolean')
    t = np.asarray(test_elements).ravel()
    e = np.asarray(element)
    if e.ndim == 0:
        return np.array(_isin_flat(e.reshape(1), t, invert)[0])
    return _isin_flat(e.ravel(), t, invert).reshape(e.shape)


# nan_to_num: NaN and infinities of a float (or each part of a complex)
# replaced by nan / posinf / neginf (the dtype's largest finite values by
# default); ints and bools unchanged. A number gives a number; copy=False
# writes the answer back into x and returns x.

def _nan_to_num_real(x, nan, posinf, neginf):
    fi = np.finfo(x.dtype)
    hi = fi.max
    lo = fi.min
    if posinf is not None:
        hi = posinf
    if neginf is not None:
        lo = neginf
    for i in range(x.shape[0]):
        v = x[i]
        if v != v:
            x[i] = nan
        elif v == np.inf:
            x[i] = hi
        elif v == -np.inf:
            x[i] = lo


def _nan_to_num_flat(a, nan, posinf, neginf):
    flat = a.ravel().copy()
    if isinstance(a.dtype(0), complex):
        re = flat.real.copy()
        im = flat.imag.copy()
        _nan_to_num_real(re, nan, posinf, neginf)
        _nan_to_num_real(im, nan, posinf, neginf)
        flat.real[...] = re
        flat.imag[...] = im
    else:
        _nan_to_num_real(flat, nan, posinf, neginf)
    return flat.reshape(a.shape)


@implements("numpy.nan_to_num")
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    if isinstance(x, (bool, int, float, complex)):
        return np.nan_to_num(np.asarray(x).reshape(1), True, nan, posinf, neginf)[0]
    if not _iterable(x) or isinstance(x, str):
        _error("np.nan_to_num(): x must be array-like, not", x)
    a = np.asarray(x)
    if isinstance(a.dtype(0), (bool, int)):
        if copy:
            return a.copy()
        return a
    r = _nan_to_num_flat(a, nan, posinf, neginf)
    if copy:
        return r
    a[...] = r
    return a


# sinc: sin(pi x) / (pi x), 1 at 0 (NumPy's 1e-20 in place of 0); in
# x's float type (float64 for ints), complex too.

def _sinc_of(a):
    y = a * 1.0
    flat = y.ravel()
    for i in range(flat.shape[0]):
        if flat[i] == 0:
            flat[i] = 1.0e-20
    y = np.pi * flat.reshape(a.shape)
    return np.sin(y) / y


@implements("numpy.sinc")
def sinc(x):
    if isinstance(x, (bool, int, float, complex)):
        return _sinc_of(np.asarray(x).reshape(1))[0]
    if not _iterable(x) or isinstance(x, str):
        _error("np.sinc(): x must be a number or an array, not", x)
    return _sinc_of(np.asarray(x))


# set functions on flattened arrays, NumPy's algorithms: np.unique (sorted,
# NaNs collapsed) of the inputs, then a merge of the sorted values.
# assume_unique=True skips the unique step as NumPy does, so repeated
# values in the inputs give NumPy's (unspecified but deterministic) answer.

def _ravel_sorted(ar, assume_unique):
    if assume_unique:
        return np.sort(np.asarray(ar).ravel())
    return np.unique(ar)


@implements("numpy.union1d")
def union1d(ar1, ar2):
    return np.unique(np.concatenate((np.asarray(ar1).ravel(), np.asarray(ar2).ravel())))


@implements("numpy.intersect1d")
def intersect1d(ar1, ar2, assume_unique=False):
    aux = np.sort(np.concatenate((_ravel_sorted(ar1, assume_unique), _ravel_sorted(ar2, assume_unique))))
    if aux.shape[0] == 0:
        return aux
    return aux[:-1][aux[1:] == aux[:-1]]


@implements("numpy.setdiff1d")
def setdiff1d(ar1, ar2, assume_unique=False):
    if assume_unique:
        a = np.asarray(ar1).ravel()
    else:
        a = np.unique(ar1)
    return a[np.isin(a, ar2, invert=True)]


@implements("numpy.setxor1d")
def setxor1d(ar1, ar2, assume_unique=False):
    aux = np.sort(np.concatenate((_ravel_sorted(ar1, assume_unique), _ravel_sorted(ar2, assume_unique))))
    n = aux.shape[0]
    if n == 0:
        return aux
    keep = np.empty(n, np.bool_)
    for i in range(n):
        keep[i] = (i == 0 or aux[i] != aux[i - 1]) and (i == n - 1 or aux[i] != aux[i + 1])
    return aux[keep]


# nanargmax / nanargmin: the flat (C-order) index of the largest / smallest
# non-NaN element; NaNs count as -inf / +inf, an all-NaN array is NumPy's
# ValueError. Without axis=.

def _nan_filled(a, fill):
    x = np.asarray(a).ravel().copy()
    seen = x.shape[0] == 0
    for i in range(x.shape[0]):
        if x[i] != x[i]:
            x[i] = fill
        else:
            seen = True
    if not seen:
        raise ValueError("All-NaN slice encountered")
    return x


@implements("numpy.nanargmax")
def nanargmax(a):
    if isinstance(np.asarray(a).dtype(0), (bool, int)):
        return np.argmax(np.asarray(a))
    return np.argmax(_nan_filled(a, -np.inf))


@implements("numpy.nanargmin")
def nanargmin(a):
    if isinstance(np.asarray(a).dtype(0), (bool, int)):
        return np.argmin(np.asarray(a))
    return np.argmin(_nan_filled(a, np.inf))


# triu_indices / tril_indices: the nonzero positions of NumPy's tri mask,
# row-major, two int64 arrays.

@implements("numpy.tril_indices")
def tril_indices(n, k=0, m=None):
    return np.nonzero(np.tri(n, m, k))


@implements("numpy.triu_indices")
def triu_indices(n, k=0, m=None):
    return np.nonzero(np.tri(n, m, k - 1) == 0)


# dstack: each array at least 3-d (NumPy's new axes), joined on axis 2.

@implements("numpy.dstack")
def dstack(tup):
    if not isinstance(tup, (tuple, list)):
        _error("np.dstack(): expects a tuple or list of arrays, not", tup)
    return np.concatenate(np.atleast_3d(*tup), axis=2)


# unwrap: NumPy's algorithm along the last axis (Numba's reach: another
# axis is Numba's ValueError), row by row, in result_type(p, period):
# float32 stays float32 for the default (Python float) period as in NumPy 2.

@implements("numpy.unwrap")
def unwrap(p, discont=None, axis=-1, period=6.283185307179586):
    if not isinstance(axis, int) or isinstance(axis, bool):
        _error('The argument "axis" must be an integer')
    if not _iterable(p) or isinstance(p, str):
        _error('The argument "p" must be array-like')
    if not (discont is None or isinstance(discont, (int, float))):
        _error('The argument "discont" must be a scalar')
    if not isinstance(period, (int, float)):
        _error('The argument "period" must be a scalar')
    if axis != -1:
        raise ValueError('Value for argument "axis" is not supported')
    x = np.asarray(p)
    up = (x + (period - period)).copy()  # result_type(p, period), C order
    if up.size == 0:
        return up
    n = up.shape[-1]
    rows = up.reshape((up.size // n, n))
    if isinstance(period, int):
        hi, rem = divmod(period, 2)
        ambiguous = rem == 0
    else:
        hi = period / 2
        ambiguous = True
    lo = -hi
    if discont is None:
        dc = period / 2
    else:
        dc = discont
    for i in range(rows.shape[0]):
        row = rows[i]
        dd = np.diff(row)
        ddmod = np.mod(dd - lo, period) + lo
        ph = ddmod - dd
        for j in range(dd.shape[0]):
            if ambiguous and ddmod[j] == lo and dd[j] > 0:
                ph[j] = hi - dd[j]
            if abs(dd[j]) < dc:
                ph[j] = 0
        row[1:] = row[1:] + np.cumsum(ph)
    return up


# trapezoid (and trapz where the installed NumPy has it): NumPy's
# (d * (y[1:] + y[:-1]) / 2.0).sum(-1) along the last axis, d = dx or
# diff(x); a number for a 1-d y, an array of y's other axes otherwise.

@implements("numpy.trapezoid")
def trapezoid(y, x=None, dx=1.0):
    if isinstance(y, (bool, int, float, complex)):
        _error("y cannot be a scalar")
    ya = np.asarray(y)
    if ya.ndim == 0:
        _error("y cannot be 0D")
    if x is None:
        d = dx
    else:
        d = np.diff(np.asarray(x))
    t = d * (ya[..., 1:] + ya[..., :-1]) / 2.0
    if ya.ndim == 1:
        return t.sum()
    return t.sum(axis=ya.ndim - 1)


if hasattr(np, "trapz"):
    @implements("numpy.trapz")
    def trapz(y, x=None, dx=1.0):
        return np.trapezoid(y, x, dx)
