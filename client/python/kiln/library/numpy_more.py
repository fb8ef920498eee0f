"""More NumPy functions in the supported Python subset (issue 8, npfun3):
rounding, copies in a given layout, the iscomplex/isreal family, and the
array-building functions of NumPy's lib (vander, convolve, correlate,
ediff1d, extract, delete, append, select, rot90, take_along_axis, ...).

Registered into the "numpy" library namespace by numpy_functions.py, which
imports this module. Each function gives NumPy's values and dtype for the
argument types it compiles for; a bad argument type is refused at compile
time with the words Numba uses (kiln.static.error), a bad value raises
NumPy's exception at run time."""

import numpy as np

from kiln.library import implements, primitive

_error = primitive("kiln.static.error")
_iterable = primitive("kiln.static.iterable")
# The installed NumPy's major version: where NumPy's own answer changed
# between 1.x and 2.x, the library gives the answer of the NumPy the user
# has (a frozen global: part of the cache key).
_NUMPY_MAJOR = int(np.__version__.split(".")[0])


# rounding: NumPy's algorithm (PyArray_Round): multiply by 10**decimals,
# round half to even (rint), divide back, in the array's own float type;
# integers are unchanged for decimals >= 0 and rounded through float64 (then
# cast back) otherwise; complex values round their two parts.

def _round_real(a, decimals):
    if decimals >= 0:
        f = np.full(1, 10.0 ** decimals, a.dtype)[0]
        return np.rint(a * f) / f
    f = np.full(1, 10.0 ** (-decimals), a.dtype)[0]
    return np.rint(a / f) * f


def _round_array(a, decimals):
    z = a.dtype(0)
    if isinstance(z, bool):
        return a.copy()
    elif isinstance(z, complex):
        out = np.empty(a.shape, a.dtype)
        out.real[...] = _round_real(a.real, decimals)
        out.imag[...] = _round_real(a.imag, decimals)
        return out
    elif isinstance(z, int):
        if decimals >= 0:
            return a.copy()
        f = 10.0 ** (-decimals)
        return (np.rint(a / f) * f).astype(a.dtype)
    return _round_real(a, decimals)


@implements("numpy.around")
def around(a, decimals=0, out=None):
    if isinstance(a, (int, float, complex)):
        if out is not None:
            _error("np.around: out= is not supported for a scalar argument")
        return _round_array(np.array([a]), decimals)[0]
    if not _iterable(a):
        _error("The argument to np.around must be array-like")
    r = _round_array(np.asarray(a), decimals)
    if out is None:
        return r
    if out.shape != r.shape:
        raise ValueError("invalid output shape")
    out[...] = r
    return out


@implements("numpy.round")
def round_(a, decimals=0, out=None):
    return np.around(a, decimals, out)


@implements("array.round")
def array_round(a, decimals=0, out=None):
    return np.around(a, decimals, out)


# copies

@implements("numpy.copy")
def copy(a):
    # NumPy's order='K' for an array: a.copy() keeps an F-ordered array F.
    if isinstance(a, (int, float, complex, bool)):
        return np.asarray(a).copy()
    if not _iterable(a):
        _error('The argument "a" must be array-like')
    return _copy_k(np.asarray(a))


def _copy_k(x):
    # order='K' as far as a layout goes: an F-contiguous (and not
    # C-contiguous) array is copied in Fortran order, any other in C order.
    if x.ndim < 2:
        return x.copy()
    if _f_only(x):
        return x.T.copy().T
    return x.copy()


def _f_only(x):
    expect = x.itemsize
    c_order = True
    for i in range(x.ndim - 1, -1, -1):
        if x.shape[i] != 1 and x.strides[i] != expect:
            c_order = False
        expect *= x.shape[i]
    if c_order:
        return False
    expect = x.itemsize
    for i in range(x.ndim):
        if x.shape[i] != 1 and x.strides[i] != expect:
            return False
        expect *= x.shape[i]
    return True


@implements("numpy.asfortranarray")
def asfortranarray(a):
    # At least 1-d, Fortran-contiguous: the array itself when it already is.
    if isinstance(a, (int, float, complex, bool)):
        return np.array([a])
    if not _iterable(a):
        _error('The argument "a" must be array-like')
    return _fortran_of(np.asarray(a))


def _fortran_of(x):
    if x.ndim == 0:
        return x.reshape((1,))
    return np.ascontiguousarray(x.T).T


# the iscomplex / isreal family

@implements("numpy.iscomplex")
def iscomplex(x):
    if isinstance(x, complex):
        return x.imag != 0
    elif isinstance(x, (int, float, bool)):
        return False
    a = np.asarray(x)
    if isinstance(a.dtype(0), complex):
        return a.imag != 0
    return np.zeros(a.shape, np.bool_)


@implements("numpy.isreal")
def isreal(x):
    if isinstance(x, complex):
        return x.imag == 0
    elif isinstance(x, (int, float, bool)):
        return True
    a = np.asarray(x)
    if isinstance(a.dtype(0), complex):
        return a.imag == 0
    return np.ones(a.shape, np.bool_)


@implements("numpy.iscomplexobj")
def iscomplexobj(x):
    if isinstance(x, (int, float, complex, bool)):
        return isinstance(x, complex)
    return isinstance(np.asarray(x).dtype(0), complex)


@implements("numpy.isrealobj")
def isrealobj(x):
    return not np.iscomplexobj(x)


# checked conversions

@implements("numpy.asarray_chkfinite")
def asarray_chkfinite(a, dtype=None):
    if not _iterable(a) or isinstance(a, str):
        _error("The argument to np.asarray_chkfinite must be array-like")
    if isinstance(dtype, str):
        _error("dtype must be a valid Numpy dtype")
    if dtype is None:
        r = np.asarray(a)
    else:
        r = np.asarray(a, dtype)
    if not np.all(np.isfinite(r)):
        raise ValueError("array must not contain infs or NaNs")
    return r


# polynomial and signal helpers

def _promoted_with_int(a):
    # NumPy's promote_types(a.dtype, int): the dtype vander computes in.
    return (a[:0] + np.zeros(0, np.int64)).dtype


@implements("numpy.vander")
def vander(x, N=None, increasing=False):
    if isinstance(N, bool) or not (N is None or isinstance(N, int)):
        _error("Second argument N must be None or an integer")
    return _vander_of(np.asarray(x), N, increasing)


def _vander_of(a, N, increasing):
    if a.ndim != 1:
        if a.size >= 0:  # always: typed as a path that returns
            raise ValueError("x must be a one-dimensional array or sequence.")
        return np.empty((0, 0), _promoted_with_int(a))
    m = a.shape[0]
    n = m if N is None else N
    if n < 0:
        raise ValueError("Negative dimensions are not allowed")
    out = np.empty((m, n), _promoted_with_int(a))
    acc = np.ones(m, out.dtype)
    for j in range(n):
        col = j if increasing else n - 1 - j
        out[:, col] = acc
        acc = acc * a
    return out


def _check_conv_operands(x, y):
    if x.ndim != 1 or y.ndim != 1:
        _error("np.convolve/np.correlate: both arguments must be one-dimensional")
    if x.size == 0:
        raise ValueError("'a' cannot be empty")
    if y.size == 0:
        raise ValueError("'v' cannot be empty")


def _conv_dtype(x, y):
    return (x[:0] * y[:0]).dtype


@implements("numpy.convolve")
def convolve(a, v):
    # mode='full': the discrete linear convolution, as NumPy's default.
    return _convolve_of(np.asarray(a), np.asarray(v))


def _convolve_of(x, y):
    _check_conv_operands(x, y)
    n = x.shape[0]
    m = y.shape[0]
    out = np.zeros(n + m - 1, _conv_dtype(x, y))
    for k in range(n + m - 1):
        lo = max(0, k - m + 1)
        hi = min(n - 1, k)
        s = out[k]
        for i in range(lo, hi + 1):
            s += x[i] * y[k - i]
        out[k] = s
    return out


@implements("numpy.correlate")
def correlate(a, v):
    # mode='valid' (NumPy's default): c[k] = sum_j a[j + k] * conj(v[j]) over
    # the offsets k where the shorter sequence lies wholly inside the longer.
    return _correlate_of(np.asarray(a), np.asarray(v))


def _correlate_of(x, y):
    _check_conv_operands(x, y)
    n = x.shape[0]
    m = y.shape[0]
    yc = np.conj(y) if isinstance(y.dtype(0), complex) else y
    lo = 0 if n >= m else n - m
    count = abs(n - m) + 1
    out = np.zeros(count, _conv_dtype(x, y))
    for t in range(count):
        k = lo + t
        s = out[t]
        for j in range(max(0, -k), min(m, n - k)):
            s += x[j + k] * yc[j]
        out[t] = s
    return out


# building arrays from others

@implements("numpy.ediff1d")
def ediff1d(ary, to_end=None, to_begin=None):
    a = np.asarray(ary).ravel()
    if isinstance(a.dtype(0), bool):
        _error("Boolean dtype is unsupported (as per NumPy)")
    if isinstance(a.dtype(0), int) and to_begin is not None:
        if not isinstance(np.asarray(to_begin).dtype(0), int):
            _error("dtype of `to_begin` must be compatible with input `ary` under the `same_kind` rule.")
    if isinstance(a.dtype(0), int) and to_end is not None:
        if not isinstance(np.asarray(to_end).dtype(0), int):
            _error("dtype of `to_end` must be compatible with input `ary` under the `same_kind` rule.")
    n = max(a.size - 1, 0)
    begin = _as_flat(to_begin, a.dtype)
    end = _as_flat(to_end, a.dtype)
    nb = begin.size
    out = np.empty(nb + n + end.size, a.dtype)
    out[:nb] = begin
    out[nb:nb + n] = a[1:] - a[:-1]
    out[nb + n:] = end
    return out


def _as_flat(x, dtype):
    if x is None:
        return np.empty(0, dtype)
    elif isinstance(x, (int, float, complex, bool)):
        return np.full(1, x, dtype)
    return np.asarray(x).ravel().astype(dtype)


@implements("numpy.extract")
def extract(condition, arr):
    # Numba's semantics: the first min(cond.size, arr.size) flat positions;
    # a true condition past the end of arr is NumPy's error.
    cond = np.asarray(condition).ravel()
    a = np.asarray(arr).ravel()
    if a.size == 0:
        raise ValueError("Cannot extract from an empty array")
    if cond.size > a.size and np.any(cond[a.size:]):
        raise ValueError("condition shape inconsistent with arr shape")
    return _compress(a, cond, min(a.size, cond.size))


def _compress(a, mask, n):
    # The items a[i], i < n, whose mask[i] is true, in order (flat, 1-d).
    count = 0
    for i in range(n):
        if mask[i]:
            count += 1
    out = np.empty(count, a.dtype)
    j = 0
    for i in range(n):
        if mask[i]:
            out[j] = a[i]
            j += 1
    return out


@implements("numpy.delete")
def delete(arr, obj):
    # Without axis=: of the flattened array, as NumPy's.
    if not _iterable(arr) or isinstance(arr, str):
        _error("arr must be either an Array or a Sequence")
    if isinstance(obj, bool) or isinstance(obj, (float, complex)):
        _error("obj should be of Integer dtype")
    a = np.asarray(arr).ravel()
    n = a.size
    keep = np.ones(n, np.bool_)
    if isinstance(obj, int):
        if obj < -n or obj >= n:
            raise IndexError("obj must be less than the len(arr)")
        keep[obj % n if obj < 0 else obj] = False
    else:
        idx = np.asarray(obj).ravel()
        if not isinstance(idx.dtype(0), int) or isinstance(idx.dtype(0), bool):
            _error("obj should be of Integer dtype")
        for i in range(idx.size):
            k = idx[i]
            if k < -n or k >= n:
                raise IndexError("obj must be less than the len(arr)")
            keep[k + n if k < 0 else k] = False
    return _compress(a, keep, n)


@implements("numpy.append")
def append(arr, values, axis=None):
    if not (_iterable(arr) or isinstance(arr, (int, float, complex, bool))) or isinstance(arr, str):
        _error('The first argument "arr" must be array-like')
    if not (_iterable(values) or isinstance(values, (int, float, complex, bool))) or isinstance(values, str):
        _error('The second argument "values" must be array-like')
    if axis is None:
        return np.concatenate((np.asarray(arr).ravel(), np.asarray(values).ravel()))
    if isinstance(axis, bool) or not isinstance(axis, int):
        _error('The third argument "axis" must be an integer')
    return np.concatenate((np.asarray(arr), np.asarray(values)), axis=axis)


@implements("numpy.rot90")
def rot90(m, k=1):
    # In the plane of the first two axes (NumPy's default axes=(0, 1)); views.
    if isinstance(m, (int, float, complex, bool, str, tuple, list)) or not _iterable(m):
        _error('The first argument "arr" must be an array')
    if isinstance(k, bool) or not isinstance(k, int):
        _error('The second argument "k" must be an integer')
    return _rot90_of(m, k)


def _rot90_of(m, k):
    if m.ndim < 2:
        _error("Input must be >= 2-d.")
    r = k % 4
    if r == 0:
        return m[:, :]
    elif r == 1:
        return np.swapaxes(m[:, ::-1], 0, 1)
    elif r == 2:
        return m[::-1, ::-1]
    return np.swapaxes(m, 0, 1)[:, ::-1]


# nonzero: the C-order positions of the nonzero elements (NaN counts as
# nonzero), one int64 array per dimension; np.where(condition) is the same.

@implements("numpy.nonzero")
def nonzero(a):
    if isinstance(a, (int, float, complex, bool)) or not _iterable(a) or isinstance(a, str):
        _error("np.nonzero of a value that is not an array is not supported:", a)
    if isinstance(a, np.ndarray):  # U/S arrays too, which np.asarray does not take
        return _nonzero_of(a)
    return _nonzero_of(np.asarray(a))


def _nonzero_of(x):
    if x.ndim == 0:
        # NumPy 2 refuses a 0-d array; NumPy 1.x (and Numba) take it as
        # np.atleast_1d of it: the installed NumPy's answer.
        if _NUMPY_MAJOR >= 2 and x.size >= 0:  # (x.size >= 0: typed as a path that returns)
            raise ValueError("Calling nonzero on 0d arrays is not allowed. "
                             "Use np.atleast_1d(scalar).nonzero() instead.")
        out0 = np.zeros(1 if _is_nonzero(x[()]) else 0, np.int64)
        return (out0,)
    out = _nonzero_positions(x)
    if x.ndim == 1:
        return (out[0],)
    elif x.ndim == 2:
        return (out[0], out[1])
    elif x.ndim == 3:
        return (out[0], out[1], out[2])
    elif x.ndim == 4:
        return (out[0], out[1], out[2], out[3])
    elif x.ndim == 5:
        return (out[0], out[1], out[2], out[3], out[4])
    _error("np.nonzero of an array of more than 5 dimensions is not supported")


def _nonzero_positions(x):
    # row k: the index along axis k of each nonzero element, in C order
    flat = x.ravel()
    shape = x.shape
    count = 0
    for i in range(flat.size):
        if _is_nonzero(flat[i]):
            count += 1
    out = np.empty((x.ndim, count), np.int64)
    j = 0
    for i in range(flat.size):
        if _is_nonzero(flat[i]):
            r = i
            for k in range(x.ndim - 1, -1, -1):
                out[k, j] = r % shape[k]
                r //= shape[k]
            j += 1
    return out


def _is_nonzero(v):
    # a string element (U/S arrays) is nonzero when it is not empty
    if isinstance(v, str):
        return len(v) > 0
    return v != 0


@implements("array.nonzero")
def array_nonzero(a):
    return np.nonzero(a)


_where = primitive("numpy.where")


@implements("numpy.where")
def where(condition, x=None, y=None):
    if x is None and y is None:
        return np.nonzero(condition)
    if x is None or y is None:
        _error("either both or neither of x and y should be given")
    return _where(condition, x, y)


# array methods that are NumPy functions

@implements("array.dot")
def array_dot(a, b):
    return np.dot(a, b)


@implements("array.conj")
def array_conj(a):
    return np.conjugate(a)


@implements("array.conjugate")
def array_conjugate(a):
    return np.conjugate(a)


@implements("array.itemset")
def array_itemset(a, v):
    # Numba's form: itemset(v) of a one-element array (any layout)
    if a.size != 1:
        raise ValueError("itemset(): can only write to an array of size 1")
    a.fill(v)


@implements("array.item")
def array_item(a, *args):
    # item() of a one-element array, item(i) by flat (C-order) position.
    if len(args) == 0:
        if a.size != 1:
            raise ValueError("item(): can only convert an array of size 1 to a Python scalar")
        return a.ravel()[0]
    elif len(args) == 1:
        return _item_at(a.ravel(), args[0])
    _error("array.item() with more than one index is not supported")


def _item_at(flat, i):
    n = flat.size
    if i < -n or i >= n:
        raise IndexError("index out of bounds")
    return flat[i + n if i < 0 else i]


# reductions of array-likes: the compiler's rows take arrays; a list, tuple
# or number is converted first (as NumPy's asarray), an n-d median is the
# median of the flattened array (axis=None).

_median = primitive("numpy.median")
_ptp = primitive("numpy.ptp")
_nanmin = primitive("numpy.nanmin")
_nanmax = primitive("numpy.nanmax")


@implements("numpy.median")
def median(a):
    x = np.asarray(a)
    r = _median(x.ravel())
    if _NUMPY_MAJOR >= 2 and isinstance(r, np.timedelta64):
        # dtunits: NumPy 2's median of timedeltas is NaT when any item is
        # NaT (NumPy 1.x's, the compiler's, takes the middle of the sorted
        # items, NaT last); max() gives the first NaT.
        y = x.ravel()
        if np.isnat(y).any():
            return y.max()
    return r


@implements("numpy.ptp")
def ptp(a, axis=None):
    if isinstance(a, bool) or (not isinstance(a, (int, float, complex)) and isinstance(np.asarray(a).dtype(0), bool)):
        _error("Boolean dtype is unsupported (as per NumPy)")
    if isinstance(a, (int, float, complex)):
        return a - a
    x = np.asarray(a)
    if x.size == 0:
        raise ValueError("zero-size array reduction not possible")
    if axis is None:
        return _ptp(x)
    return _ptp(x, axis)


@implements("numpy.nanmin")
def nanmin(a, axis=None):
    if isinstance(a, (int, float, complex, bool)):
        return a
    if axis is None:
        return _nanmin(np.asarray(a))
    return _nanmin(np.asarray(a), axis)


@implements("numpy.nanmax")
def nanmax(a, axis=None):
    if isinstance(a, (int, float, complex, bool)):
        return a
    if axis is None:
        return _nanmax(np.asarray(a))
    return _nanmax(np.asarray(a), axis)


# take_along_axis: out[..., j, ...] = arr[..., indices[..., j, ...], ...],
# arr and indices broadcast against each other on every other axis.

@implements("numpy.take_along_axis")
def take_along_axis(arr, indices, axis):
    if not _iterable(arr) or isinstance(arr, (str, tuple, list)):
        _error('The first argument "arr" must be an array')
    if not _iterable(indices) or isinstance(indices, (str, tuple, list)):
        _error('The second argument "indices" must be an array')
    if isinstance(indices.dtype(0), bool) or not isinstance(indices.dtype(0), int):
        _error("The indices array must contain integers")
    if axis is None:
        return _take_flat(arr.ravel(), indices)
    if isinstance(axis, bool) or not isinstance(axis, int):
        _error("axis must be an integer")
    return _take_along(arr, indices, axis)


def _take_flat(flat, indices):
    if indices.ndim != 1:
        _error("indices array must be 1-d when axis is None")
    return _take_along(flat, indices, 0)


def _take_along(arr, indices, axis):
    if arr.ndim != indices.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    nd = arr.ndim
    ax = axis + nd if axis < 0 else axis
    if ax < 0 or ax >= nd:
        raise ValueError("axis is out of bounds")
    shape = np.empty(nd, np.int64)
    for d in range(nd):
        a, i = arr.shape[d], indices.shape[d]
        if d == ax:
            shape[d] = i
        elif a == i or i == 1:
            shape[d] = a
        elif a == 1:
            shape[d] = i
        else:
            raise ValueError("shape mismatch: objects cannot be broadcast to a single shape")
    total = 1
    for d in range(nd):
        total *= shape[d]
    src = np.ascontiguousarray(arr).ravel()
    idx = np.ascontiguousarray(indices).ravel()
    out = np.empty(total, arr.dtype)
    n_ax = arr.shape[ax]
    for k in range(total):
        r = k
        a_pos = 0
        i_pos = 0
        a_mul = 1
        i_mul = 1
        j_ax = 0
        for d in range(nd - 1, -1, -1):
            j = r % shape[d]
            r //= shape[d]
            if d == ax:
                j_ax = a_mul
            else:
                a_pos += (j if arr.shape[d] != 1 else 0) * a_mul
            i_pos += (j if indices.shape[d] != 1 else 0) * i_mul
            a_mul *= arr.shape[d]
            i_mul *= indices.shape[d]
        t = idx[i_pos]
        if t < 0:
            t += n_ax
        if t < 0 or t >= n_ax:
            raise IndexError("index out of bounds")
        out[k] = src[a_pos + t * j_ax]
    return out.reshape(_shape_tuple(arr, shape))


def _shape_tuple(like, s):
    # the 1-d array s as a tuple of like.ndim ints
    if like.ndim == 1:
        return (s[0],)
    elif like.ndim == 2:
        return (s[0], s[1])
    elif like.ndim == 3:
        return (s[0], s[1], s[2])
    elif like.ndim == 4:
        return (s[0], s[1], s[2], s[3])
    elif like.ndim == 5:
        return (s[0], s[1], s[2], s[3], s[4])
    _error("arrays of more than 5 dimensions are not supported here")


# fill_diagonal: NumPy's a.flat[:end:step] = val (val flattened and repeated),
# after Numba's check that every value fits a's dtype.

@implements("numpy.fill_diagonal")
def fill_diagonal(a, val, wrap=False):
    if not _iterable(a) or isinstance(a, (str, tuple, list)):
        _error('The first argument "a" must be an array')
    return _fill_diagonal_of(a, np.asarray(val).ravel(), wrap)


def _fill_diagonal_of(a, v, wrap):
    if a.ndim < 2:
        _error("The first argument must be at least 2-D")
    z = a.dtype(0)
    if isinstance(z, bool):
        pass
    elif isinstance(z, int):
        info = np.iinfo(a.dtype)
        for k in range(v.size):
            x = v[k]
            if not np.isfinite(x) or x < info.min or x > info.max:
                raise ValueError("Unable to safely conform val to a.dtype")
    elif isinstance(z, float):
        finfo = np.finfo(a.dtype)
        for k in range(v.size):
            x = v[k]
            if np.isfinite(x) and (x < finfo.min or x > finfo.max):
                raise ValueError("Unable to safely conform val to a.dtype")
    if v.size == 0:
        return None
    if a.ndim == 2:
        n, m = a.shape[0], a.shape[1]
        count = 0
        p = 0
        while p < n * m and (wrap or p < m * m):
            a[p // m, p % m] = v[count % v.size]
            count += 1
            p += m + 1
        return None
    n = a.shape[0]
    for d in range(a.ndim):
        if a.shape[d] != n:
            raise ValueError("All dimensions of input must be of equal length")
    for i in range(n):
        _set_diagonal_item(a, i, v[i % v.size])
    return None


def _set_diagonal_item(a, i, x):
    if a.ndim == 3:
        a[i, i, i] = x
    elif a.ndim == 4:
        a[i, i, i, i] = x
    elif a.ndim == 5:
        a[i, i, i, i, i] = x
    else:
        _error("np.fill_diagonal of an array of more than 5 dimensions is not supported")


# np.nditer, Numba's subset: read-only iteration over one array or number
# (in memory order, as NumPy's order='K') or over a tuple of up to three
# broadcast together (in C order), yielding 0-d arrays (a tuple of them for
# a tuple), each a copy of its element.

def _flat_of(x, shape):
    if len(shape) == 0:  # all 0-d
        return np.asarray(x).ravel()
    return np.broadcast_to(np.asarray(x), shape).ravel()


def _broadcast_for_nditer(shape_a, shape_b):
    try:
        return np.broadcast_shapes(shape_a, shape_b)
    except ValueError:
        raise ValueError("operands could not be broadcast together")


@implements("numpy.nditer")
def nditer(op):
    if isinstance(op, tuple):
        if len(op) == 1:
            a = np.asarray(op[0]).ravel()
            for k in range(a.size):
                yield (np.asarray(a[k]),)
        elif len(op) == 2:
            s = _broadcast_for_nditer(np.shape(op[0]), np.shape(op[1]))
            a = _flat_of(op[0], s)
            b = _flat_of(op[1], s)
            for k in range(a.size):
                yield (np.asarray(a[k]), np.asarray(b[k]))
        elif len(op) == 3:
            s = _broadcast_for_nditer(_broadcast_for_nditer(np.shape(op[0]), np.shape(op[1])), np.shape(op[2]))
            a = _flat_of(op[0], s)
            b = _flat_of(op[1], s)
            c = _flat_of(op[2], s)
            for k in range(a.size):
                yield (np.asarray(a[k]), np.asarray(b[k]), np.asarray(c[k]))
        else:
            _error("np.nditer of more than three operands is not supported")
    else:
        a = _memory_order(np.asarray(op))
        for k in range(a.size):
            yield np.asarray(a[k])


def _memory_order(x):
    # NumPy's order='K' for one operand: an F-ordered array in memory order
    if x.ndim >= 2 and _f_only(x):
        return x.T.ravel()
    return x.ravel()


# take: the items of the flattened array at the indices (an int, or an
# array-like of ints whose shape the result has), as NumPy's np.take without
# axis; an index out of [-n, n) raises IndexError whatever boundscheck says
# (NumPy's mode='raise'). axis= and out= are not supported (Numba's refusal).

@implements("numpy.take")
def take(a, indices):
    if not _iterable(a) or isinstance(a, (str, tuple, list)):
        _error('The argument "a" must be an array')
    flat = np.ascontiguousarray(a).ravel()
    n = flat.size
    if isinstance(indices, (int, float, complex, bool)):
        if isinstance(indices, bool) or not isinstance(indices, int):
            _error("np.take: indices must be integers")
        return flat[_take_index(indices, n)]
    idx = np.ascontiguousarray(np.asarray(indices))
    if isinstance(idx.dtype(0), bool) or not isinstance(idx.dtype(0), int):
        _error("np.take: indices must be integers")
    src = idx.ravel()
    out = np.empty(src.size, flat.dtype)
    for k in range(src.size):
        out[k] = flat[_take_index(src[k], n)]
    return out.reshape(idx.shape)


def _take_index(i, n):
    if i < -n or i >= n:
        raise IndexError("index out of bounds")
    return i + n if i < 0 else i


# dtunits: where the compiler's loop gives NumPy 1.x's answer and NumPy 2
# changed it, the library refuses the case under NumPy 2 (registered only
# then), never giving the other NumPy's answer.

_sign = primitive("numpy.sign")


def _csign2(z):
    # np0d: NumPy 2's complex sign loop, in z's own float type (float32 for
    # complex64): z/|z| with |z| = hypot; NaN when |z| is NaN; an infinite
    # part decides alone (NaN when both are); 0 for 0 (positive zeros).
    re = z.real
    im = z.imag
    a = np.hypot(re, im)
    r = np.nan
    i = np.nan
    if np.isnan(a):
        pass
    elif np.isinf(a):
        if np.isinf(re):
            if not np.isinf(im):
                r = 1.0 if re > 0 else -1.0
                i = 0.0
        else:
            r = 0.0
            i = 1.0 if im > 0 else -1.0
    elif a == 0:
        r = 0.0
        i = 0.0
    else:
        r = re / a
        i = im / a
    return complex(r, i)  # exact: a float32 part widens exactly


def _sign_numpy2(x, out=None):
    # NumPy 2's sign of a complex number is z/|z| (_csign2); the compiler's
    # loop is NumPy 1.x's (the sign of the first nonzero part).
    # (isinstance of types, decided while typing: np.iscomplexobj is a call)
    if isinstance(x, np.ndarray):
        if isinstance(x.dtype(0), complex):
            if out is not None:
                _error("np.sign of a complex array under NumPy 2 (z/|z|) with out= is not supported:", x)
            res = np.copy(x)  # a new array in order K, as NumPy lays out a ufunc's result
            for idx in np.ndindex(x.shape):
                res[idx] = _csign2(x[idx])
            if x.ndim == 0:  # a ufunc of a 0-d array gives a scalar, as NumPy (ndim: a constant)
                return res[()]
            return res
    elif isinstance(x, complex):
        if out is not None:
            _error("np.sign of a complex value under NumPy 2 (z/|z|) with out= is not supported:", x)
        res = np.asarray(x).copy()  # 0-d, of x's complex type
        res[()] = _csign2(x)
        return res[()]
    if out is None:
        return _sign(x)
    return _sign(x, out)


if _NUMPY_MAJOR >= 2:
    implements("numpy.sign")(_sign_numpy2)


# realcode: np.kron of arrays of one or two dimensions (Numba's reach): a 1-d
# array is a row, the result has the larger of the two ndims, and each block
# (i, j) of it is a[i, j] * b, in the dtype NumPy promotes the two to.
@implements("numpy.kron")
def kron(a, b):
    if not _iterable(a) or not _iterable(b):
        _error("np.kron() arguments must be arrays")
    return _kron_of(np.asarray(a), np.asarray(b))


def _kron_of(a, b):
    if a.ndim < 1 or a.ndim > 2 or b.ndim < 1 or b.ndim > 2:
        _error("np.kron() only supports arrays of 1 or 2 dimensions")
    x = _as_rows(a)
    y = _as_rows(b)
    ma, na = x.shape
    mb, nb = y.shape
    out = np.empty((ma * mb, na * nb), (x[:0, :0] * y[:0, :0]).dtype)
    for i in range(ma):
        for j in range(na):
            out[i * mb:(i + 1) * mb, j * nb:(j + 1) * nb] = x[i, j] * y
    if a.ndim == 1 and b.ndim == 1:
        return out.reshape(na * nb)
    return out


def _as_rows(x):
    if x.ndim == 1:
        return x[None, :]
    return x


# realcode6: np.array_split and np.split (numba_celltree splits its query
# boxes into chunks, one per prange iteration): a list of views of `ary`
# between division points along `axis`, the points as NumPy defines them
# (sections: the first total % n pieces one longer; indices: slice bounds,
# negative and out-of-range ones read as a slice reads them).

def _split_views(ary, indices_or_sections, axis):
    if not isinstance(ary, np.ndarray):
        _error("np.array_split: the first argument must be an array")
    if isinstance(axis, (bool, float, complex, str, tuple, list, dict, np.ndarray)):
        _error("np.array_split: axis must be an integer")
    if axis < -ary.ndim or axis >= ary.ndim:
        raise ValueError("np.array_split: axis is out of bounds for the array's dimension")  # NumPy's AxisError is one
    moved = np.swapaxes(ary, axis, 0)
    total = moved.shape[0]
    out = []
    if isinstance(indices_or_sections, bool) or isinstance(indices_or_sections, (float, complex, str)):
        _error("np.array_split: indices_or_sections must be an integer or a sequence of integers")
    elif isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extras = divmod(total, n)
        start = 0
        for i in range(n):
            stop = start + each + (1 if i < extras else 0)
            out.append(moved[start:stop].swapaxes(0, axis))
            start = stop
    else:
        if not _iterable(indices_or_sections):
            _error("np.array_split: indices_or_sections must be an integer or a sequence of integers")
        start = 0
        for stop in indices_or_sections:
            out.append(moved[start:stop].swapaxes(0, axis))
            start = stop
        out.append(moved[start:total].swapaxes(0, axis))
    return out


@implements("numpy.array_split")
def array_split(ary, indices_or_sections, axis=0):
    return _split_views(ary, indices_or_sections, axis)


@implements("numpy.split")
def split(ary, indices_or_sections, axis=0):
    if isinstance(indices_or_sections, int) and not isinstance(indices_or_sections, bool):
        if indices_or_sections > 0 and -ary.ndim <= axis < ary.ndim and \
                np.swapaxes(ary, axis, 0).shape[0] % indices_or_sections != 0:
            raise ValueError("array split does not result in an equal division")
    return _split_views(ary, indices_or_sections, axis)
