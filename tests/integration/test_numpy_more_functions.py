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
