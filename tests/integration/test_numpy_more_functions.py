"""npmissing (issue 8): NumPy functions Numba 0.68 supports that Kiln lacked,
written in kiln/library/numpy_missing.py, each compared with NumPy run as
plain Python (values, dtype, shape) over dtypes and layouts, plus the
refusals (NumPy's run-time exceptions, located compile-time errors)."""

import warnings

import numpy as np
import pytest


def same(got, want, close=False):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            same(g, w, close)
        return
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), type(got)
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        assert got.shape == want.shape, (got.shape, want.shape)
    else:
        # a scalar boxes as Numba boxes it (a float32 result is a Python
        # float holding the float32 value): same kind and value
        assert not isinstance(got, np.ndarray), type(got)
        assert np.asarray(got).dtype.kind == np.asarray(want).dtype.kind, (got, want)
        if np.asarray(want).dtype == np.float32:
            got = np.float32(got)
    if close:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def layouts(a):
    """a in C order, in Fortran order and as a non-contiguous slice."""
    f = np.asfortranarray(a)
    big = np.empty(a.shape[:-1] + (2 * a.shape[-1],), a.dtype) if a.ndim else a.copy()
    if a.ndim:
        big[..., ::2] = a
        s = big[..., ::2]
    else:
        s = big
    return [a.copy(), f, s]


DTYPES = [np.int64, np.float32, np.float64, np.complex128]


def arr(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, size=shape)
    if np.dtype(dtype).kind == "c":
        return (x + 1j * rng.integers(-9, 10, size=shape)).astype(dtype)
    return x.astype(dtype)


# cross

@pytest.mark.parametrize("dt", DTYPES)
def test_cross(kilnd, dt):
    from kiln import jit

    @jit
    def f(a, b):
        return np.cross(a, b)

    a = arr((4, 3), dt)
    b = arr((4, 3), np.float64, 1)
    for x in layouts(a):
        for y in layouts(b):
            same(f(x, y), np.cross(x, y))
    v = arr(3, dt, 2)
    same(f(v, arr(3, np.int64, 3)), np.cross(v, arr(3, np.int64, 3)))
    same(f(a, v), np.cross(a, v))                                 # broadcast
    same(f(arr((2, 1, 3), dt), arr((4, 3), dt, 5)), np.cross(arr((2, 1, 3), dt), arr((4, 3), dt, 5)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        same(f(a[:, :2], b), np.cross(a[:, :2], b))                # a 2-vector has z = 0
        same(f(a, b[:, 1:]), np.cross(a, b[:, 1:]))


def test_cross_refusals(kilnd):
    from kiln import jit, TypingError

    @jit
    def f(a, b):
        return np.cross(a, b)

    with pytest.raises(ValueError, match="Dimensions for both inputs is 2"):
        f(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        f(np.ones(4), np.ones(3))

    @jit
    def g(a):
        return np.cross(a, "abc")

    with pytest.raises(TypingError, match="np.cross"):
        g(np.ones(3))


# cov, corrcoef

@pytest.mark.parametrize("dt", DTYPES + [np.bool_])
def test_cov_corrcoef(kilnd, dt):
    from kiln import jit

    @jit
    def f(m):
        return np.cov(m), np.corrcoef(m)

    @jit
    def g(m, y, rowvar, bias):
        return np.cov(m, y, rowvar, bias), np.corrcoef(m, y, rowvar)

    @jit
    def h(m, ddof):
        return np.cov(m, ddof=ddof)

    m = arr((3, 6), dt)
    if dt is np.bool_:
        m = arr((3, 6), np.int64) > 0
    for x in layouts(m):
        same(f(x), (np.cov(x), np.corrcoef(x)), close=True)
        same(f(x[0]), (np.cov(x[0]), np.corrcoef(x[0])), close=True)       # one variable: 0-d
        y = arr((3, 6), np.float64, 4)
        for rowvar in (True, False):
            for bias in (True, False):
                same(g(x, y, rowvar, bias), (np.cov(x, y, rowvar, bias), np.corrcoef(x, y, rowvar)), close=True)
        same(g(x[1], y[2], True, False), (np.cov(x[1], y[2]), np.corrcoef(x[1], y[2])), close=True)
        for ddof in (0, 2, 3.0):
            same(h(x, ddof), np.cov(x, ddof=ddof), close=True)


def test_cov_refusals(kilnd):
    from kiln import jit, TypingError

    @jit
    def h(m, ddof):
        return np.cov(m, ddof=ddof)

    with pytest.raises(ValueError, match="ddof must be integer"):
        h(np.ones((2, 3)), 1.5)
    with pytest.raises(TypingError, match="ddof must be a real numerical scalar type"):
        h(np.ones((2, 3)), "a")
    with pytest.raises(TypingError, match="m has more than 2 dimensions"):
        h(np.ones((2, 3, 2)), 1)

    @jit
    def k(m):
        return np.cov(m, axis=0)

    with pytest.raises(TypingError, match="axis"):
        k(np.ones((2, 3)))


# nanpercentile, nanquantile

@pytest.mark.parametrize("dt", [np.int64, np.float32, np.float64])
def test_nanpercentile_nanquantile(kilnd, dt):
    from kiln import jit

    @jit
    def f(a, p, q):
        return np.nanpercentile(a, p), np.nanquantile(a, q)

    a = arr((4, 5), dt)
    if dt is not np.int64:
        a[1, 2] = np.nan
        a[3, 0] = np.nan
    for x in layouts(a):
        for p, q in ((50.0, 0.5), (0.0, 0.0), (100.0, 1.0), (37.5, 0.3)):
            same(f(x, p, q), (np.nanpercentile(x, p), np.nanquantile(x, q)), close=True)
        ps = np.array([10.0, 50.0, 90.0])
        same(f(x, ps, ps / 100), (np.nanpercentile(x, ps), np.nanquantile(x, ps / 100)), close=True)
    if dt is not np.int64:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            allnan = np.full(3, np.nan, dt)
            same(f(allnan, 50.0, 0.5), (np.nanpercentile(allnan, 50.0), np.nanquantile(allnan, 0.5)))


def test_nanpercentile_bad_q(kilnd):
    from kiln import jit

    @jit
    def f(a, p):
        return np.nanpercentile(a, p)

    @jit
    def g(a, q):
        return np.nanquantile(a, q)

    with pytest.raises(ValueError, match="Percentiles must be in the range"):
        f(np.arange(3.0), 101.0)
    with pytest.raises(ValueError, match="Quantiles must be in the range"):
        g(np.arange(3.0), -0.5)


# digitize

@pytest.mark.parametrize("dt", [np.int64, np.float32, np.float64])
def test_digitize(kilnd, dt):
    from kiln import jit

    @jit
    def f(x, bins, right):
        return np.digitize(x, bins, right)

    @jit
    def g(x, bins):
        return np.digitize(x, bins)

    x = arr((3, 4), dt)
    up = np.array([-5.0, -1.0, 0.0, 0.0, 3.0, 7.0])
    for bins in (up, up[::-1], up.astype(np.int64), np.array([2.0]), np.array([1.0, 1.0])):
        for xx in layouts(x):
            for right in (False, True):
                same(f(xx, bins, right), np.digitize(xx, bins, right))
        same(g(x[0], bins), np.digitize(x[0], bins))
        same(g(3.0, bins), np.digitize(3.0, bins))
    xn = np.array([np.nan, 1.0, np.inf, -np.inf])
    same(g(xn, up), np.digitize(xn, up))
    with pytest.raises(ValueError, match="bins must be monotonically increasing or decreasing"):
        g(x, np.array([1.0, 3.0, 2.0]))


def test_digitize_complex_refused(kilnd):
    from kiln import jit, TypingError

    @jit
    def g(x, bins):
        return np.digitize(x, bins)

    with pytest.raises(TypingError, match="x may not be complex"):
        g(np.ones(2, np.complex128), np.arange(3.0))


# isin

@pytest.mark.parametrize("dt", DTYPES)
def test_isin(kilnd, dt):
    from kiln import jit

    @jit
    def f(e, t):
        return np.isin(e, t)

    @jit
    def g(e, t, invert):
        return np.isin(e, t, invert=invert)

    e = arr((3, 5), dt)
    t = arr(6, dt, 7)
    for x in layouts(e):
        same(f(x, t), np.isin(x, t))
        same(f(x, t[::2]), np.isin(x, t[::2]))
        same(g(x, t, True), np.isin(x, t, invert=True))
        same(f(x, t.reshape(2, 3)), np.isin(x, t.reshape(2, 3)))
    same(f(e, np.zeros(0, dt)), np.isin(e, np.zeros(0, dt)))
    same(f(e[0, 0], t), np.isin(e[0, 0], t))
    if dt in (np.float32, np.float64):
        en = np.array([np.nan, 1.0, np.inf], dt)
        same(f(en, en), np.isin(en, en))


def test_isin_refusals(kilnd):
    from kiln import jit, TypingError

    @jit
    def g(e, t, invert):
        return np.isin(e, t, invert=invert)

    with pytest.raises(TypingError, match='isin: Argument "invert" must be boolean'):
        g(np.ones(2), np.ones(2), 1)

    @jit
    def k(e, t):
        return np.isin(e, t, kind="sort")

    with pytest.raises(TypingError, match="kind"):
        k(np.ones(2), np.ones(2))


# nan_to_num

@pytest.mark.parametrize("dt", DTYPES + [np.bool_])
def test_nan_to_num(kilnd, dt):
    from kiln import jit

    @jit
    def f(x):
        return np.nan_to_num(x)

    @jit
    def g(x, nan, posinf, neginf):
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @jit
    def inplace(x):
        r = np.nan_to_num(x, copy=False)
        return r

    special = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0, 0.0])
    if dt is np.complex128:
        a = (special + 1j * special[::-1]).astype(dt).reshape(2, 3)
    elif dt in (np.float32, np.float64):
        a = special.astype(dt).reshape(2, 3)
    else:
        a = arr((2, 3), np.int64).astype(dt)
    for x in layouts(a):
        same(f(x), np.nan_to_num(x))
        same(g(x, 1.0, 9.0, -9.0), np.nan_to_num(x, nan=1.0, posinf=9.0, neginf=-9.0))
        y = x.copy()
        r = inplace(y)
        same(r, np.nan_to_num(x))
        same(y, np.nan_to_num(x))                                   # copy=False: in place
    same(f(a.ravel()[0]), np.nan_to_num(a.ravel()[0]))
    same(f(float("inf")), np.nan_to_num(float("inf")))


# sinc

@pytest.mark.parametrize("dt", DTYPES)
def test_sinc(kilnd, dt):
    from kiln import jit

    @jit
    def f(x):
        return np.sinc(x)

    a = (arr((3, 4), dt) / 4).astype(dt) if dt is not np.int64 else arr((3, 4), dt)
    for x in layouts(a):
        same(f(x), np.sinc(x), close=dt is not np.float32)
        if dt is np.float32:
            np.testing.assert_allclose(f(x), np.sinc(x), rtol=1e-6)
    same(f(a.ravel()[1]), np.sinc(a.ravel()[1]), close=True)
    same(f(0.0), np.sinc(0.0))
    same(f(0.5), np.sinc(0.5), close=True)


# set functions

@pytest.mark.parametrize("dt", [np.int64, np.float32, np.float64])
def test_set_functions(kilnd, dt):
    from kiln import jit

    @jit
    def f(a, b):
        return np.union1d(a, b), np.intersect1d(a, b), np.setdiff1d(a, b), np.setxor1d(a, b)

    @jit
    def u(a, b):
        return np.intersect1d(a, b, True), np.setdiff1d(a, b, True), np.setxor1d(a, b, True)

    a = arr((3, 4), dt)
    b = arr(7, dt, 8)
    for x in layouts(a):
        same(f(x, b), (np.union1d(x, b), np.intersect1d(x, b), np.setdiff1d(x, b), np.setxor1d(x, b)))
        same(f(x, b[::3]), (np.union1d(x, b[::3]), np.intersect1d(x, b[::3]), np.setdiff1d(x, b[::3]),
                            np.setxor1d(x, b[::3])))
    ua = np.unique(a)
    ub = np.unique(b)[::-1].copy()
    same(u(ua, ub), (np.intersect1d(ua, ub, True), np.setdiff1d(ua, ub, True), np.setxor1d(ua, ub, True)))
    e = np.zeros(0, dt)
    same(f(e, e), (np.union1d(e, e), np.intersect1d(e, e), np.setdiff1d(e, e), np.setxor1d(e, e)))
    if dt is not np.int64:
        n = np.array([np.nan, 1.0, np.nan, 2.0], dt)
        same(f(n, n[1:]), (np.union1d(n, n[1:]), np.intersect1d(n, n[1:]), np.setdiff1d(n, n[1:]),
                           np.setxor1d(n, n[1:])))


# nanargmax, nanargmin

@pytest.mark.parametrize("dt", [np.int64, np.float32, np.float64, np.bool_])
def test_nanargmax_nanargmin(kilnd, dt):
    from kiln import jit

    @jit
    def f(a):
        return np.nanargmax(a), np.nanargmin(a)

    a = arr((3, 4), dt)
    if dt in (np.float32, np.float64):
        a[0, 0] = np.nan
        a[2, 1] = np.nan
    for x in layouts(a):
        same(f(x), (np.nanargmax(x), np.nanargmin(x)))
    if dt in (np.float32, np.float64):
        with pytest.raises(ValueError, match="All-NaN slice encountered"):
            f(np.full(3, np.nan, dt))


# triu_indices, tril_indices

def test_triu_tril_indices(kilnd):
    from kiln import jit

    @jit
    def f(n, k, m):
        return np.triu_indices(n, k, m), np.tril_indices(n, k, m)

    @jit
    def g(n):
        return np.triu_indices(n), np.tril_indices(n)

    for n in (0, 1, 4):
        same(g(n), (np.triu_indices(n), np.tril_indices(n)))
        for k in (-2, 0, 1, 5):
            for m in (None, 2, 6):
                same(f(n, k, m), (np.triu_indices(n, k, m), np.tril_indices(n, k, m)))


# dstack

@pytest.mark.parametrize("dt", DTYPES)
def test_dstack(kilnd, dt):
    from kiln import jit

    @jit
    def f(a, b):
        return np.dstack((a, b))

    @jit
    def g(a, b, c):
        return np.dstack((a, b, c))

    a = arr((3, 4), dt)
    for x in layouts(a):
        same(f(x, a), np.dstack((x, a)))
        same(f(x[0], a[1]), np.dstack((x[0], a[1])))
        same(g(x, a, a), np.dstack((x, a, a)))
    b = arr((3, 4, 2), dt)
    same(f(b, a), np.dstack((b, a)))


# unwrap

@pytest.mark.parametrize("dt", [np.int64, np.float32, np.float64])
def test_unwrap(kilnd, dt):
    from kiln import jit

    @jit
    def f(p):
        return np.unwrap(p)

    @jit
    def g(p, discont, period):
        return np.unwrap(p, discont, period=period)

    rng = np.random.default_rng(3)
    a = (rng.uniform(-12, 12, size=(3, 7))).astype(dt)
    for x in layouts(a):
        same(f(x), np.unwrap(x), close=dt is not np.float32)
        if dt is np.float32:
            np.testing.assert_allclose(f(x), np.unwrap(x), rtol=1e-5)
        same(g(x, 4.0, 6.0), np.unwrap(x, 4.0, period=6.0), close=dt is not np.float32)
        same(f(x[1]), np.unwrap(x[1]), close=dt is not np.float32)
    if dt is np.int64:
        for period in (4, 5):
            same(g(a, None, period), np.unwrap(a, None, period=period))


def test_unwrap_refusals(kilnd):
    from kiln import jit, TypingError

    @jit
    def f(p, axis):
        return np.unwrap(p, axis=axis)

    with pytest.raises(ValueError, match='Value for argument "axis" is not supported'):
        f(np.ones((2, 3)), 0)
    with pytest.raises(TypingError, match='The argument "axis" must be an integer'):
        f(np.ones((2, 3)), 0.5)


# trapezoid

@pytest.mark.parametrize("dt", DTYPES)
def test_trapezoid(kilnd, dt):
    from kiln import jit

    @jit
    def f(y):
        return np.trapezoid(y)

    @jit
    def g(y, x):
        return np.trapezoid(y, x)

    @jit
    def h(y, dx):
        return np.trapezoid(y, dx=dx)

    a = arr((3, 6), dt)
    xs = np.cumsum(np.arange(1.0, 7.0))
    for y in layouts(a):
        same(f(y), np.trapezoid(y), close=True)
        same(g(y, xs), np.trapezoid(y, xs), close=True)
        same(h(y, 0.5), np.trapezoid(y, dx=0.5), close=True)
        same(f(y[1]), np.trapezoid(y[1]), close=True)
        same(g(y[2], xs), np.trapezoid(y[2], xs), close=True)


def test_trapezoid_refusals(kilnd):
    from kiln import jit, TypingError

    @jit
    def f(y):
        return np.trapezoid(y)

    with pytest.raises(TypingError, match="y cannot be a scalar"):
        f(1.0)

    @jit
    def g(y):
        return np.trapezoid(y, axis=0)

    with pytest.raises(TypingError, match="axis"):
        g(np.ones((2, 3)))


# ldexp of an array and a Python int (NumPy's "dl->d"/"fl->f" loops)

@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_ldexp_array_python_int(kilnd, dt):
    from kiln import jit

    @jit
    def f(a, n):
        return np.ldexp(a, n)

    @jit
    def g(a):
        return np.ldexp(a, 3), np.ldexp(a, -2)

    a = arr((3, 4), dt) / 3
    a = a.astype(dt)
    for x in layouts(a):
        same(f(x, 2), np.ldexp(x, 2))
        same(g(x), (np.ldexp(x, 3), np.ldexp(x, -2)))
        same(f(x, np.arange(4)), np.ldexp(x, np.arange(4)))
    same(f(1.5, 3), np.ldexp(1.5, 3))


def test_keywords_not_supported_are_refused(kilnd):
    from kiln import jit, TypingError

    @jit
    def a(x):
        return np.nanargmax(x, axis=0)

    @jit
    def b(x):
        return np.nanpercentile(x, 50.0, axis=0)

    @jit
    def c(x):
        return np.intersect1d(x, x, return_indices=True)

    for f in (a, b, c):
        with pytest.raises(TypingError, match="axis|return_indices"):
            f(np.ones((2, 3)))


def test_list_arguments(kilnd):
    from kiln import jit

    @jit
    def f(a, b):
        return (np.cross(a, b), np.isin(a, b), np.union1d(a, b), np.digitize(a, b), np.nan_to_num(a),
                np.sinc(a), np.trapezoid(a), np.unwrap(a), np.nanargmax(a))

    a = [1.0, 2.5, -3.0]
    b = [0.5, 1.0, 2.0]
    want = (np.cross(a, b), np.isin(a, b), np.union1d(a, b), np.digitize(a, b), np.nan_to_num(a), np.sinc(a),
            np.trapezoid(a), np.unwrap(a), np.nanargmax(a))
    same(f(a, b), want, close=True)


def test_cov_lists_and_trapezoid_2d_x(kilnd):
    from kiln import jit

    @jit
    def f(m, y):
        return np.cov(y), np.corrcoef(y), np.cov(y, y[::-1]), np.trapezoid(m, m * m)

    m = np.array([[1.0, 2.0, 4.0], [3.0, 1.0, 0.5]])
    y = [1.0, 5.0, 2.0, 7.0]
    same(f(m, y), (np.cov(y), np.corrcoef(y), np.cov(y, y[::-1]), np.trapezoid(m, m * m)), close=True)
