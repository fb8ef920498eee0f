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
        assert np.asarray(got).dtype == np.asarray(want).dtype, (got, want, type(got), type(want))
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
