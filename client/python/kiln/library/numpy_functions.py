"""NumPy functions written in the supported Python subset (see
kiln/library/__init__.py). Each gives NumPy's result, dtype included, for
the argument types it compiles for; anything else is refused at compile time
by typing, never approximated."""

import numpy as np

from kiln import literal_unroll
from kiln.library import implements, primitive


@implements("numpy.clip")
def clip(a, a_min, a_max, out=None):
    # NumPy's definition: minimum(maximum(a, a_min), a_max), NaN propagating;
    # a None bound is left out; out= receives the result (and is returned).
    # Bad argument types are refused in Numba's words.
    if a is None or isinstance(a, str):
        return _error('np.clip(): The argument "a" must be array-like, not', a)
    if isinstance(a_min, str):
        return _error('np.clip(): The argument "a_min" must be a number or an array, not', a_min)
    if isinstance(a_max, str):
        return _error('np.clip(): The argument "a_max" must be a number or an array, not', a_max)
    if out is not None:
        if isinstance(out, (int, float, complex, str, tuple, list, dict)):
            return _error('np.clip(): The argument "out" must be an array if it is provided, not', out)
    if a_min is None:
        if a_max is None:
            if np.ndim(a) >= 0:  # always: the raise is the only path, typed as one that returns
                raise ValueError("array_clip: must set either max or min")
            r = np.minimum(a, a)
        else:
            r = np.minimum(a, a_max)
    elif a_max is None:
        r = np.maximum(a, a_min)
    else:
        try:
            r = np.minimum(np.maximum(a, a_min), a_max)
        except ValueError:
            raise ValueError("shape mismatch: objects cannot be broadcast to a single shape")  # Numba's message
    if out is None:
        return r
    out[...] = r
    return out


@implements("array.clip")
def array_clip(a, a_min=None, a_max=None, out=None):
    return np.clip(a, a_min, a_max, out)


@implements("numpy.average")
def average(a, axis=None, weights=None):
    # npfun3: weights= as Numba has it (same shape as a, the whole array);
    # axis= is Numba's run-time TypeError.
    if axis is not None:
        if np.ndim(a) >= 0:  # always: typed as a path that returns
            raise TypeError("Numba does not support average with axis.")
        return np.mean(a)
    if weights is None:
        return np.mean(a)
    x = np.asarray(a)
    w = np.asarray(weights)
    if x.shape != w.shape:
        raise TypeError("Numba does not support average when shapes of a and weights differ.")
    # NumPy computes in result_type(a, weights, float64) for integer and bool a
    scl = np.sum(w * 1.0) if not isinstance(x.dtype(0), (float, complex)) else np.sum(w)
    if scl == 0:
        raise ZeroDivisionError("Weights sum to zero, can't be normalized.")
    if isinstance(x.dtype(0), (float, complex)):
        return np.sum(np.multiply(x, w)) / scl
    return np.sum(np.multiply(x * 1.0, w * 1.0)) / scl


@implements("numpy.trace")
def trace(a, offset=0):
    # An optional array is not iterable to typing and is checked when it is
    # run (isinstance of an optional is refused: its answer takes a branch).
    if _iterable(a) and isinstance(a, np.ndarray):
        if a.ndim != 2:
            return _error("np.trace() only supported on 2-D arrays, not", a)
    if a.ndim != 2:
        raise ValueError("trace of an array that is not 2-d is not supported")
    if isinstance(offset, (bool, float, complex, str, tuple, list, dict, np.ndarray)):
        return _error("np.trace(): offset must be an integer, not", offset)
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
    # npcreate: numbers, tuples and lists too, as arrays (np.asarray), as NumPy and Numba
    if a1 is None or isinstance(a1, (str, dict)):
        return _error('np.array_equal(): Both arguments to "array_equals" must be array-like, not', a1)
    if a2 is None or isinstance(a2, (str, dict)):
        return _error('np.array_equal(): Both arguments to "array_equals" must be array-like, not', a2)
    x = np.asarray(a1)
    y = np.asarray(a2)
    if x.shape != y.shape:
        return False
    return bool(np.all(x.ravel() == y.ravel()))


@implements("numpy.unique")
def unique(ar):
    # Sorted distinct values of the flattened array; NaNs collapse into one
    # (NumPy 2's equal_nan=True default).
    b = np.sort(np.asarray(ar).ravel())  # any layout (reshape refuses a non-contiguous one)
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
    # A view, as NumPy's: reversed columns. npcreate: an array-like (a tuple,
    # a list) through np.asarray; fewer than 2 dimensions is refused by the
    # indexing itself, as in Numba
    if isinstance(m, str):
        return _error("Cannot np.fliplr on unicode_type type")
    return np.asarray(m)[:, ::-1]


@implements("numpy.flipud")
def flipud(m):
    # npcreate: an array-like (a tuple, a list) through np.asarray, as Numba
    if isinstance(m, str):
        return _error("Cannot np.flipud on unicode_type type")
    if isinstance(m, (int, float, complex, dict)):
        return _error("np.flipud() takes an array: cannot index array with 1 indices in", m)
    return np.asarray(m)[::-1]


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
    # npfun3: a number is a 0-d array-like; a string or None is refused as Numba does
    if isinstance(a, (int, float, complex, bool)):
        return ()
    if isinstance(a, str) or a is None:
        _error("The argument to np.shape must be array-like")
    return np.asarray(a).shape


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
    # Indices of the nonzero elements of the flattened array (C order); an
    # array-like as NumPy's asarray of it (npfun3: a number, str or None is
    # a 0-d array, () an empty one).
    if a is None:
        return np.empty(0, np.int64)
    elif isinstance(a, (int, float, complex, bool, str)):
        return np.zeros(1 if a else 0, np.int64)
    elif isinstance(a, tuple) and len(a) == 0:
        return np.empty(0, np.int64)
    return np.nonzero(np.asarray(a).ravel())[0]


@implements("numpy.argwhere")
def argwhere(a):
    # One row of indices per nonzero element, in C order: shape (N, a.ndim).
    # NumPy builds it as (a.ndim, N) and returns the transpose: F order.
    # npfun3: an array-like as flatnonzero takes it.
    if a is None:
        return np.empty((0, 0), np.int64)
    elif isinstance(a, (int, float, complex, bool, str)):
        return np.empty((1 if a else 0, 0), np.int64)
    elif isinstance(a, tuple) and len(a) == 0:
        return np.empty((0, 1), np.int64)
    return _argwhere_of(np.asarray(a))


def _argwhere_of(a):
    if a.ndim == 0:
        return np.empty((1 if a.ravel()[0] != 0 else 0, 0), np.int64)
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
    if isinstance(a, (int, float, complex, str, tuple, list, dict)):
        return _error('np.swapaxes(): The first argument "arr" must be an array, not', a)
    if isinstance(axis1, (bool, float, complex, str, tuple, list, dict, np.ndarray)):
        return _error('np.swapaxes(): The second argument "axis1" must be an integer, not', axis1)
    if isinstance(axis2, (bool, float, complex, str, tuple, list, dict, np.ndarray)):
        return _error('np.swapaxes(): The third argument "axis2" must be an integer, not', axis2)
    nd = a.ndim
    if axis1 < -nd or axis1 >= nd:
        raise ValueError('np.swapaxes(): The second argument "axis1" is out of bounds for array of given dimension')
    if axis2 < -nd or axis2 >= nd:
        raise ValueError('np.swapaxes(): The third argument "axis2" is out of bounds for array of given dimension')
    return a.swapaxes(axis1, axis2)


# complex: the parts of complex arrays and numbers (views of an array, as NumPy's).
@implements("numpy.real")
def real(val):
    return val.real


@implements("numpy.imag")
def imag(val):
    return val.imag


@implements("numpy.angle")
def angle(z, deg=False):
    a = np.arctan2(np.imag(z), np.real(z))
    if deg:
        return a * (180.0 / np.pi)
    return a


# npfuncs: issue 8 parts 2, 3, 6.

@implements("numpy.allclose")
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    # isclose over the broadcast operands, all of it (a Python bool).
    # (| with a 1-element array makes a scalar result an array too.)
    try:
        close = np.zeros(1, np.bool_) | np.isclose(a, b, rtol, atol, equal_nan)
    except ValueError:
        raise ValueError("shape mismatch: objects cannot be broadcast to a single shape")  # Numba's message
    return bool(close.all())


@implements("numpy.bincount")
def bincount(x, weights=None, minlength=0):
    # Non-negative ints (an array or a list); int64 counts, or float64 sums
    # of the weights.
    a = np.asarray(x)
    if minlength < 0:
        raise ValueError("'minlength' must not be negative")
    n = a.size
    if weights is not None:
        if np.asarray(weights).size != n:
            raise ValueError("weights and list don't have the same length")
    m = minlength
    for i in range(n):
        v = a[i]
        if v < 0:
            raise ValueError("first argument must be non-negative")
        if v >= m:
            m = v + 1
    if weights is None:
        counts = np.zeros(m, np.int64)
        for i in range(n):
            counts[a[i]] += 1
        return counts
    w = np.asarray(weights)
    sums = np.zeros(m, np.float64)
    for i in range(n):
        sums[a[i]] += w[i]
    return sums


# linspace: real ends are the compiler's row (lower_numpy.cpp); complex ends
# here, with NumPy's algorithm (i * step + start, the last point exactly stop).
_linspace_real = primitive("numpy.linspace")


def _linspace_complex(start, stop, num):
    if num < 0:
        raise ValueError("Number of samples must be non-negative.")
    out = np.empty(num, dtype=np.complex128)
    div = num - 1
    delta = stop - start
    if div > 0:
        step = delta / div
        if step == 0:
            for i in range(num):
                out[i] = (float(i) / div) * delta + start
        else:
            for i in range(num):
                out[i] = float(i) * step + start
        out[num - 1] = stop
    else:
        for i in range(num):
            out[i] = float(i) * delta + start
    return out


@implements("numpy.linspace")
def linspace(start, stop, num=50):
    if isinstance(start, (str, tuple, list, dict, np.ndarray)):
        return _error('np.linspace(): The first argument "start" must be a number, not', start)
    if isinstance(stop, (str, tuple, list, dict, np.ndarray)):
        return _error('np.linspace(): The second argument "stop" must be a number, not', stop)
    if isinstance(num, (bool, float, complex, str, tuple, list, dict, np.ndarray)):
        return _error('np.linspace(): The third argument "num" must be an integer, not', num)
    # complex128 for complex ends (as Numba), float64 otherwise.
    if isinstance(start, complex) or isinstance(stop, complex):
        return _linspace_complex(complex(start), complex(stop), num)
    return _linspace_real(start, stop, num)


@implements("numpy.logspace")
def logspace(start, stop, num=50):
    if isinstance(start, (str, tuple, list, dict, np.ndarray)):
        return _error('np.logspace(): The first argument "start" must be a number, not', start)
    if isinstance(stop, (str, tuple, list, dict, np.ndarray)):
        return _error('np.logspace(): The second argument "stop" must be a number, not', stop)
    if isinstance(num, (bool, float, complex, str, tuple, list, dict, np.ndarray)):
        return _error('np.logspace(): The third argument "num" must be an integer, not', num)
    # NumPy's definition: base ** linspace(start, stop, num), base 10.
    return np.power(10.0, np.linspace(start, stop, num))


@implements("numpy.geomspace")
def geomspace(start, stop, num=50):
    # Real, same-signed, non-zero ends: a geometric progression whose ends
    # are exactly start and stop (as NumPy sets them).
    if start == 0 or stop == 0:
        raise ValueError("Geometric sequence cannot include zero")
    sign = 1.0
    lo = start * 1.0
    hi = stop * 1.0
    if lo < 0 and hi < 0:
        sign = -1.0
        lo = -lo
        hi = -hi
    elif lo < 0 or hi < 0:
        raise ValueError("geomspace of ends of opposite signs is not supported")
    out = np.power(10.0, np.linspace(np.log10(lo), np.log10(hi), num))
    if num > 0:
        out[0] = lo
        if num > 1:
            out[num - 1] = hi
    return out * sign


@implements("numpy.tri")
def tri(N, M=None, k=0):
    if isinstance(k, (bool, float, complex, str, tuple, list, dict, np.ndarray)):
        return _error("np.tri(): k must be an integer, not", k)
    # Ones at and below the k-th diagonal, float64.
    if M is None:
        m = N
    else:
        m = M
    rows = max(N, 0)
    cols = max(m, 0)
    out = np.zeros((rows, cols), np.float64)
    for i in range(rows):
        for j in range(min(cols, max(i + k + 1, 0))):
            out[i, j] = 1.0
    return out


@implements("numpy.nanprod")
def nanprod(a):
    # The product of the non-NaN elements, in prod()'s type (ints: int64).
    x = np.asarray(a).ravel()
    p = x[:0].prod()  # one, of prod's result type
    for i in range(x.size):
        v = x[i]
        if v == v:
            p *= v
    return p


@implements("numpy.nancumsum")
def nancumsum(a):
    # cumsum with NaNs counted as zero (flattened, as cumsum without axis=).
    x = np.asarray(a).ravel().copy()
    for i in range(x.size):
        if x[i] != x[i]:
            x[i] = 0
    return x.cumsum()


@implements("numpy.nancumprod")
def nancumprod(a):
    x = np.asarray(a).ravel().copy()
    for i in range(x.size):
        if x[i] != x[i]:
            x[i] = 1
    return x.cumprod()


@implements("numpy.nanmedian")
def nanmedian(a):
    # The median of the non-NaN elements; NaN when there are none.
    x = np.asarray(a).ravel()
    keep = x[x == x]
    if keep.size == 0:
        return np.nan
    return np.median(keep)


@implements("numpy.roll")
def roll(a, shift):
    # npcreate: a bool shift is 0 or 1, as NumPy's
    if isinstance(shift, (float, complex, str, tuple, list, dict, np.ndarray)):
        return _error("np.roll(): shift must be an integer, not", shift)
    # Without axis=: the flattened array rolled, in a's shape; a number is
    # a 0-d array (npcreate)
    if isinstance(a, (bool, int, float, complex)):
        return np.asarray(a)
    flat = np.asarray(a).ravel()
    n = flat.size
    out = np.empty_like(flat)
    if n == 0:
        return out.reshape(np.asarray(a).shape)
    s = int(shift) % n
    for i in range(n):
        j = i + s
        if j >= n:
            j -= n
        out[j] = flat[i]
    return out.reshape(np.asarray(a).shape)


def _check_sort_kind(kind):
    if kind != "quicksort" and kind != "mergesort" and kind != "stable" and kind != "heapsort":
        raise ValueError("sort kind must be one of 'quicksort', 'heapsort', 'mergesort' or 'stable'")


def _argsort_1d(v, idx, tmp):
    # A stable merge sort of the indices idx by v[idx] (NaNs last, as NumPy
    # sorts them): insertion sort of runs of 16, then bottom-up merges.
    n = idx.size
    run = 16
    for lo in range(0, n, run):
        hi = min(lo + run, n)
        for i in range(lo + 1, hi):
            cur = idx[i]
            x = v[cur]
            j = i - 1
            while j >= lo:
                y = v[idx[j]]
                if x < y or (y != y and x == x):
                    idx[j + 1] = idx[j]
                    j -= 1
                else:
                    break
            idx[j + 1] = cur
    width = run
    while width < n:
        lo = 0
        while lo < n - width:
            mid = lo + width
            hi = min(lo + 2 * width, n)
            i = lo
            j = mid
            k = lo
            while i < mid and j < hi:
                x = v[idx[j]]
                y = v[idx[i]]
                if x < y or (y != y and x == x):
                    tmp[k] = idx[j]
                    j += 1
                else:
                    tmp[k] = idx[i]
                    i += 1
                k += 1
            while i < mid:
                tmp[k] = idx[i]
                i += 1
                k += 1
            while j < hi:
                tmp[k] = idx[j]
                j += 1
                k += 1
            for t in range(lo, hi):
                idx[t] = tmp[t]
            lo += 2 * width
        width *= 2


@implements("numpy.argsort")
def argsort(a, kind="quicksort"):
    # Along the last axis; every kind is answered by a stable sort (a valid
    # 'quicksort' order; NumPy's own order among equal elements is
    # unspecified for it), NaNs last.
    _check_sort_kind(kind)
    x = np.asarray(a)
    n = x.shape[x.ndim - 1]
    rows = np.ascontiguousarray(x).reshape(-1, n) if n > 0 else np.zeros((0, 1), x.dtype)
    out = np.empty((rows.shape[0], n), np.int64)
    tmp = np.empty(n, np.int64)
    for r in range(rows.shape[0]):
        idx = np.arange(n)
        _argsort_1d(rows[r], idx, tmp)
        out[r] = idx
    return out.reshape(x.shape)


@implements("array.argsort")
def array_argsort(a, kind="quicksort"):
    return np.argsort(a, kind)


def _partition_kth(kth, n):
    # kth as a 1-d array of in-range positions (negative ones wrap).
    ks = np.asarray(kth).ravel()
    if np.asarray(kth).ndim > 1:
        raise ValueError("kth must be scalar or 1-D")
    if np.full(1, 0.5, ks.dtype)[0] != 0:  # a float kth (0.5 truncates to 0 in an integer dtype)
        raise TypeError("Partition index must be integer")
    for i in range(ks.size):
        if ks[i] >= n or ks[i] < -n:
            raise ValueError("kth out of bounds")
    return ks


@implements("numpy.partition")
def partition(a, kth):
    if isinstance(a, (int, float, complex, str)):
        return _error("np.partition(): The first argument must be an array-like, not", a)
    if isinstance(a, np.ndarray):
        if a.ndim == 0:
            return _error("np.partition(): The first argument must be at least 1-D (found 0-D):", a)
    # Along the last axis. Each row is sorted: a sorted row has every kth
    # element in its sorted place with no larger one before it and no
    # smaller one after it, which is all NumPy promises (NaNs last).
    x = np.asarray(a)
    out = x.copy()
    n = x.shape[x.ndim - 1]
    if x.size == 0:
        return out
    _partition_kth(kth, n)
    rows = out.reshape(-1, n)
    idx = np.empty(n, np.int64)
    tmp = np.empty(n, np.int64)
    for r in range(rows.shape[0]):
        row = rows[r].copy()
        for i in range(n):
            idx[i] = i
        _argsort_1d(row, idx, tmp)
        for i in range(n):
            rows[r, i] = row[idx[i]]
    return out


@implements("numpy.argpartition")
def argpartition(a, kth):
    x = np.asarray(a)
    if x.size > 0:
        _partition_kth(kth, x.shape[x.ndim - 1])
    return np.argsort(x, "stable")


@implements("numpy.diff")
def diff(a, n=1):
    # The n-th differences along the last axis, in a's dtype (ints wrap as
    # NumPy's subtract; bools differ as not_equal). A 0-d array is refused
    # by typing (its shape has no last axis).
    x = np.asarray(a)
    m = x.shape[x.ndim - 1]
    if n < 0:
        raise ValueError("order must be non-negative")
    k = m - n if m > n else 0
    rows = np.ascontiguousarray(x).reshape(-1, m)
    out = np.empty((rows.shape[0], k), x.dtype)
    work = np.empty(m, x.dtype)
    for r in range(rows.shape[0]):
        for i in range(m):
            work[i] = rows[r, i]
        length = m
        for _ in range(min(n, m)):
            for i in range(length - 1):
                work[i] = work[i + 1] - work[i]
            length -= 1
        for i in range(k):
            out[r, i] = work[i]
    return out.reshape(x.shape[:-1] + (k,))


# linalg: np.dot, np.vdot, np.matmul are written with np.linalg (numpy_linalg.py).
from kiln.library import numpy_linalg  # noqa: E402,F401
from kiln.library import numpy_xinfo  # noqa: E402,F401  dtypes: np.iinfo, np.finfo
from kiln.library import numpy_more  # noqa: E402,F401  npfun3: around, copy, vander, convolve, ...
from kiln.library import numpy_missing  # noqa: E402,F401  npmissing: cross, cov, corrcoef, isin, ...


# ndindex: np.ndindex and np.ndenumerate as generators over the primitive
# kiln.nd.unravel(k, shape), the C-order index tuple of flat position k
# (compiler/typing/rules_ndindex.cpp, lowering/lower_ndindex.cpp).
_unravel = primitive("kiln.nd.unravel")


def _ndindex_of(shape):
    n = 1
    dims = shape + (1,)  # never empty: np.ndindex(()) yields one ()
    for j in range(len(dims)):
        if dims[j] < 0:
            raise ValueError("negative dimensions are not allowed")
        n *= dims[j]
    for k in range(n):
        yield _unravel(k, shape)


@implements("numpy.ndindex")
def ndindex(*shape):
    # np.ndindex(2, 3) and np.ndindex((2, 3)): every index of the shape, in
    # C order, as a tuple of int64 (Numba's UniTuple(int64 x n)).
    if isinstance(shape[0], tuple):
        return _ndindex_of(shape[0])
    return _ndindex_of(shape)


def _ndenumerate_of(a):
    shape = a.shape
    for k in range(a.size):
        idx = _unravel(k, shape)
        yield idx, a[idx]


@implements("numpy.ndenumerate")
def ndenumerate(a):
    # (index, element) of every element, in C order whatever the layout.
    return _ndenumerate_of(a)


# broadcast: np.broadcast_to, np.broadcast_shapes and np.broadcast_arrays over
# the primitives kiln.nd.broadcast_to (a read-only view with zero strides on
# the broadcast dimensions), kiln.nd.broadcast_shapes and
# kiln.nd.broadcast_shape_of (compiler/typing/rules_broadcast.cpp,
# lowering/lower_broadcast.cpp), which carry NumPy's ValueErrors.
_broadcast_to = primitive("kiln.nd.broadcast_to")
_broadcast_shapes = primitive("kiln.nd.broadcast_shapes")
_broadcast_shape_of = primitive("kiln.nd.broadcast_shape_of")


@implements("numpy.broadcast_to")
def broadcast_to(array, shape):
    # A read-only view of `array` (an array, a number or a tuple of numbers)
    # in `shape` (an int or a non-empty tuple of ints), as Numba's.
    if isinstance(array, str):  # refused by the primitive's typing, with Numba's message
        return _broadcast_to(array, shape)
    return _broadcast_to(np.asarray(array), shape)


@implements("numpy.broadcast_shapes")
def broadcast_shapes(*args):
    # The broadcast of shapes given as ints or tuples of ints: a tuple of int64.
    return _broadcast_shapes(args)


@implements("numpy.broadcast_arrays")
def broadcast_arrays(*args):
    # A list of read-only views, one per argument, in the broadcast shape;
    # as Numba's, every argument must give an array of one dtype.
    shape = _broadcast_shape_of(args)
    out = []
    for a in literal_unroll(args):
        out.append(_broadcast_to(np.asarray(a), shape))
    return out


# interp: NumPy's compiled_interp (and its complex twin) point for point,
# so the non-finite cases give NumPy's values: the slope is recomputed from
# the right end when the left gives NaN, and an exact hit on a sample point
# is that point's value. The sample index is found by NumPy's search with a
# guess (the previous point's index), so even an unsorted xp gives NumPy's
# answer.
def _interp_search(key, arr, n, guess):
    # -1 left of arr[0], n right of arr[n - 1], else the bin of key.
    if key > arr[n - 1]:
        return n
    if key < arr[0]:
        return -1
    if n <= 4:
        i = 1
        while i < n and key >= arr[i]:
            i += 1
        return i - 1
    imin = 0
    imax = n
    if guess > n - 3:
        guess = n - 3
    if guess < 1:
        guess = 1
    if key < arr[guess]:
        if key < arr[guess - 1]:
            imax = guess - 1
            if guess > 8 and key >= arr[guess - 8]:
                imin = guess - 8
        else:
            return guess - 1
    else:
        if key < arr[guess + 1]:
            return guess
        if key < arr[guess + 2]:
            return guess + 1
        imin = guess + 2
        if guess < n - 8 - 1 and key < arr[guess + 8]:
            imax = guess + 8
    while imin < imax:
        imid = imin + ((imax - imin) >> 1)
        if key >= arr[imid]:
            imin = imid + 1
        else:
            imax = imid
    return imin - 1


def _interp_real(xv, x0, x1, y0, y1, slope):
    r = slope * (xv - x0) + y0
    if np.isnan(r):
        r = slope * (xv - x1) + y1
        if np.isnan(r) and y0 == y1:
            r = y0
    return r


def _interp_between(xv, x0, x1, a, b):
    # One point between samples (x0, a) and (x1, b). Complex samples: real
    # and imaginary parts apart, the slope as NumPy's (difference times
    # 1 / dx); real: the difference over dx. (isinstance is decided while
    # typing: one branch is compiled.)
    if isinstance(a, complex):
        inv_dx = 1.0 / (x1 - x0)
        re = _interp_real(xv, x0, x1, a.real, b.real, (b.real - a.real) * inv_dx)
        im = _interp_real(xv, x0, x1, a.imag, b.imag, (b.imag - a.imag) * inv_dx)
        return complex(re, im)
    return _interp_real(xv, x0, x1, a, b, (b - a) / (x1 - x0))


def _interp_fill(xf, dx, dy, out):
    # NumPy's loop: float64 sample points dx, float64 or complex128 dy; a NaN
    # x gives NaN (NaN + 0j for complex out).
    n = dx.size
    j = 0
    for i in range(xf.size):
        xv = float(xf[i])
        if n == 1:
            out[i] = dy[0]  # left, right and the point itself are all fp[0]
            continue
        if np.isnan(xv):
            out[i] = xv
            continue
        j = _interp_search(xv, dx, n, j)
        if j == -1:
            out[i] = dy[0]
        elif j == n:
            out[i] = dy[n - 1]
        elif j == n - 1:
            out[i] = dy[j]
        elif dx[j] == xv:
            out[i] = dy[j]
        else:
            out[i] = _interp_between(xv, dx[j], dx[j + 1], dy[j], dy[j + 1])


@implements("numpy.interp")
def interp(x, xp, fp):
    # float64 results (complex128 for complex fp), x a number or an array of
    # any shape; left=/right=/period= are refused as unexpected keywords.
    dx = np.asarray(xp).astype(np.float64)
    fpa = np.asarray(fp)
    if dx.ndim != 1 or fpa.ndim != 1:
        raise ValueError("object too deep for desired array")
    if dx.shape[0] == 0:
        raise ValueError("array of sample points is empty")
    if fpa.shape[0] != dx.shape[0]:
        raise ValueError("fp and xp are not of the same size.")
    xa = np.asarray(x)
    xf = xa.ravel()
    if isinstance(fpa[0], complex):
        out = np.empty(xf.size, dtype=np.complex128)
        _interp_fill(xf, dx, fpa.astype(np.complex128), out)
    else:
        out = np.empty(xf.size, dtype=np.float64)
        _interp_fill(xf, dx, fpa.astype(np.float64), out)
    if isinstance(x, (int, float, bool)):
        return out[0]
    return out.reshape(xa.shape)


# histogram: NumPy's two paths: equal bins (an int `bins`) index each value
# from its offset and correct against the edges; explicit edges count
# e[i] <= v < e[i+1], the last bin closed, as NumPy's searchsorted does.
def _histogram_equal(a, nbins, first, last):
    if first == last:
        first = first - 0.5
        last = last + 0.5
    edges = np.linspace(first, last, nbins + 1)
    hist = np.zeros(nbins, dtype=np.int64)
    denom = last - first
    for k in range(a.size):
        v = float(a[k])
        if v >= first and v <= last:
            i = int((v - first) / denom * nbins)
            if i == nbins:
                i -= 1
            if v < edges[i]:
                i -= 1
            elif v >= edges[i + 1] and i != nbins - 1:
                i += 1
            hist[i] += 1
    return hist, edges


def _histogram_edges(a, edges):
    nb = edges.size - 1
    hist = np.zeros(max(nb, 0), dtype=np.int64)
    if nb <= 0:
        return hist, edges
    for k in range(edges.size - 1):
        if edges[k] > edges[k + 1]:
            raise ValueError("bins must increase monotonically, when an array")
    lo = edges[0]
    hi = edges[nb]
    for k in range(a.size):
        v = a[k]
        if v >= lo and v <= hi:
            if v == hi:  # the last bin is closed
                hist[nb - 1] += 1
                continue
            l = 0
            h = nb
            while h - l > 1:
                m = (l + h) // 2
                if edges[m] <= v:
                    l = m
                else:
                    h = m
            hist[l] += 1
    return hist, edges


@implements("numpy.histogram")
def histogram(a, bins=10, range=None):
    # (int64 counts, float64 edges) for an int `bins` (edges over `range` or
    # a's min and max); an array `bins` is the edges, returned as given.
    flat = np.asarray(a).ravel()
    if isinstance(bins, int):
        if bins <= 0:
            raise ValueError("`bins` must be positive, when an integer")
        if range is None:
            if flat.size == 0:
                return _histogram_equal(flat, bins, 0.0, 1.0)
            return _histogram_equal(flat, bins, float(flat.min()), float(flat.max()))
        first = float(range[0])
        last = float(range[1])
        if first > last:
            raise ValueError("max must be larger than min in range parameter.")
        return _histogram_equal(flat, bins, first, last)
    return _histogram_edges(flat, np.asarray(bins))


# atleast_Nd, flip: views chosen by the argument's rank (a comparison of
# an argument's a.ndim or len(args) with a constant is decided at compile
# time, typing/prune_none_branches.cpp); the new axes are
# NumPy's (index None: stride 0; a 0-d array reshaped).
def _atleast_1d(a):
    return _atleast_1d_of(np.asarray(a))


def _atleast_1d_of(x):
    if x.ndim == 0:
        return x.reshape((1,))
    return x


def _atleast_2d(a):
    return _atleast_2d_of(np.asarray(a))


def _atleast_2d_of(x):
    if x.ndim == 0:
        return x.reshape((1, 1))
    if x.ndim == 1:
        return x[None, :]
    return x


def _atleast_3d(a):
    return _atleast_3d_of(np.asarray(a))


def _atleast_3d_of(x):
    if x.ndim == 0:
        return x.reshape((1, 1, 1))
    if x.ndim == 1:
        return x[None, :, None]
    if x.ndim == 2:
        return x[:, :, None]
    return x


_error = primitive("kiln.static.error")
_iterable = primitive("kiln.static.iterable")


def _each(f, arys):
    # f of one argument, else a tuple of f of each (up to 6 arguments).
    n = len(arys)
    if n == 1:
        return f(arys[0])
    if n == 2:
        return (f(arys[0]), f(arys[1]))
    if n == 3:
        return (f(arys[0]), f(arys[1]), f(arys[2]))
    if n == 4:
        return (f(arys[0]), f(arys[1]), f(arys[2]), f(arys[3]))
    if n == 5:
        return (f(arys[0]), f(arys[1]), f(arys[2]), f(arys[3]), f(arys[4]))
    if n == 6:
        return (f(arys[0]), f(arys[1]), f(arys[2]), f(arys[3]), f(arys[4]), f(arys[5]))
    _error("np.atleast_1d/2d/3d of more than 6 arrays is not supported")


@implements("numpy.atleast_1d")
def atleast_1d(*arys):
    return _each(_atleast_1d, arys)


@implements("numpy.atleast_2d")
def atleast_2d(*arys):
    return _each(_atleast_2d, arys)


@implements("numpy.atleast_3d")
def atleast_3d(*arys):
    return _each(_atleast_3d, arys)




@implements("numpy.flip")
def flip(m):
    # Every axis reversed (no axis=): a view, up to 4 dimensions.
    if isinstance(m, tuple):
        return _error("Cannot np.flip on", m)
    if m.ndim == 0:
        return m[()]  # NumPy's m[()]: the element
    if m.ndim == 1:
        return m[::-1]
    if m.ndim == 2:
        return m[::-1, ::-1]
    if m.ndim == 3:
        return m[::-1, ::-1, ::-1]
    if m.ndim == 4:
        return m[::-1, ::-1, ::-1, ::-1]
    raise ValueError("np.flip of more than 4 dimensions is not supported")


@implements("numpy.isscalar")
def isscalar(element):
    # Numbers (NumPy scalars too) and strings; arrays, tuples and None are not.
    return isinstance(element, (int, float, complex, bool, str))


# npmisc: np.asfarray, np.select and np.lib.stride_tricks.as_strided.
@implements("numpy.asfarray")
def asfarray(a, dtype=np.float64):
    # NumPy's: `a` as an array of `dtype` when that is a float or complex
    # type, else of float64.
    if isinstance(np.zeros(1, dtype)[0], (float, complex)):
        return np.asarray(a, dtype=dtype)
    return np.asarray(a, dtype=np.float64)


@implements("numpy.select")
def select(condlist, choicelist, default=0):
    # Numba's checks and words, then NumPy's result: the choice of the first
    # true condition, else `default`, in the dtype of `default * choice`
    # promoted with every choice's.
    if not isinstance(condlist, (list, tuple)):
        _error("condlist must be a List or a Tuple")
    if not isinstance(choicelist, (list, tuple)):
        _error("choicelist must be a List or a Tuple")
    if not isinstance(default, (int, float, complex, bool)):
        _error("default must be a scalar (number or boolean)")
    if not isinstance(condlist[0], np.ndarray):
        _error("items of condlist must be arrays")
    if not isinstance(choicelist[0], np.ndarray):
        _error("items of choicelist must be arrays")
    if not isinstance(condlist[0].dtype(0), bool):
        _error("condlist arrays must contain booleans")
    if condlist[0].ndim != choicelist[0].ndim:
        _error("condlist and choicelist elements must have the same number of dimensions")
    if condlist[0].ndim < 1:
        _error("condlist arrays must be of at least dimension 1")
    n = len(condlist)
    if n != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if n == 0:
        raise ValueError("select with an empty condition list is not possible")
    # The last case first, so that `out` has its final dtype in the loop.
    out = np.where(condlist[n - 1], choicelist[n - 1], default * np.ones(choicelist[0].shape, choicelist[0].dtype))
    for i in range(n - 2, -1, -1):
        out = np.where(condlist[i], choicelist[i], out)
    return out


_as_strided = primitive("kiln.nd.as_strided")


@implements("numpy.lib.stride_tricks.as_strided")
def as_strided(x, shape=None, strides=None):
    # A view of x's memory with the given shape and byte strides (nothing is
    # checked, as in NumPy). As Numba's, strides= is needed with a shape:
    # without it NumPy reshapes by the array interface, not supported here.
    a = np.asarray(x)
    if strides is None:
        if shape is None:
            return _as_strided(a, a.shape, a.strides)
        _error("as_strided() strides argument is mandatory")
    if shape is None:
        return _as_strided(a, a.shape, strides)
    return _as_strided(a, shape, strides)
