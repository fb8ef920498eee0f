"""NumPy functions of issue 8 (npfun3) written in the library
(kiln/library/numpy_more.py): each result is compared with NumPy itself on
the same arguments (values, dtype, shape), and each refusal or run-time
error with the words Numba uses."""

import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError


def same(got, want, exact=True):
    got_a, want_a = np.asarray(got), np.asarray(want)
    assert got_a.dtype == want_a.dtype or not isinstance(want, np.ndarray), (got_a.dtype, want_a.dtype)
    assert got_a.shape == want_a.shape, (got_a.shape, want_a.shape)
    if exact:
        np.testing.assert_array_equal(got_a, want_a)
        # the sign of zero too (np.round(-0.3) is -0.0)
        if got_a.dtype.kind == "f":
            np.testing.assert_array_equal(np.signbit(got_a), np.signbit(want_a))
    else:
        np.testing.assert_allclose(got_a, want_a, rtol=1e-12)


# rounding

@jit
def around1(a):
    return np.around(a)


@jit
def around2(a, d):
    return np.around(a, d)


@jit
def round2(a, d):
    return np.round(a, d)


@jit
def round_out(a, d, out):
    np.round(a, d, out)
    return out


@pytest.mark.parametrize("v", [-3.0, -2.5, -2.25, -1.5, 1.5, 2.25, 2.5, 2.75, -0.3, 25, -35, 7, 1.5 - 2.5j, -2.5j])
@pytest.mark.parametrize("d", [0, 1, -1])
def test_round_scalars(v, d):
    x = v * 10 if d > 0 else v
    same(around2(x, d), np.round(x, d))
    same(round2(x, d), np.round(x, d))
    same(around1(x), np.round(x))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.complex128, np.complex64])
@pytest.mark.parametrize("d", [0, 1, 2, -1])
def test_round_arrays(dtype, d):
    a = (np.array([-3.0, -2.5, -2.25, -1.5, 1.5, 2.25, 2.5, 2.75, 125.0, -0.04]) * (1 - 1j if np.dtype(dtype).kind == "c" else 1)
         * (10 if d > 0 else 1)).astype(dtype)
    same(around2(a, d), np.round(a, d))
    same(round2(a.reshape(2, 5)[:, ::2], d), np.round(a.reshape(2, 5)[:, ::2], d))
    out = np.zeros_like(a)
    same(round_out(a, d, out), np.round(a, d))
    with pytest.raises(ValueError, match="invalid output shape"):
        round_out(a, d, out[1:])


# copies

@jit
def np_copy(a):
    return np.copy(a)


@jit
def asfortranarray(a):
    return np.asfortranarray(a)


def layouts():
    a = np.arange(24)
    return [a, a.reshape(3, 8), a.reshape(3, 8).T, a.reshape(3, 8)[::2], a.reshape(2, 3, 4).T,
            np.array([0]).reshape(())]


@pytest.mark.parametrize("k", range(6))
def test_copy_and_asfortranarray(k):
    a = layouts()[k]
    for f, ref in ((np_copy, np.copy), (asfortranarray, np.asfortranarray)):
        got, want = f(a), ref(a)
        same(got, want)
        assert got.flags.c_contiguous == want.flags.c_contiguous
        assert got.flags.f_contiguous == want.flags.f_contiguous
        assert np.shares_memory(got, a) == np.shares_memory(want, a)
    for x in (42, 42.0, 42j, True):
        same(asfortranarray(x), np.asfortranarray(x))


# the iscomplex / isreal family

@jit
def iscomplex(x):
    return np.iscomplex(x)


@jit
def isreal(x):
    return np.isreal(x)


@jit
def iscomplexobj(x):
    return np.iscomplexobj(x)


@jit
def isrealobj(x):
    return np.isrealobj(x)


@pytest.mark.parametrize("x", [np.array([1 + 1j, 1 + 0j, 4.5, 3, 2, 2j]), np.array([1, 2, 3]), 3, 12j, 1 + 4j,
                               10 + 0j, (1 + 4j, 2 + 0j), np.array([[1, 2], [3, 4]]), 2.5])
def test_is_real_or_complex(x):
    same(iscomplex(x), np.iscomplex(x))
    same(isreal(x), np.isreal(x))
    assert iscomplexobj(x) == np.iscomplexobj(x)
    assert isrealobj(x) == np.isrealobj(x)


# asarray_chkfinite

@jit
def chkfinite(a, dtype=None):
    return np.asarray_chkfinite(a, dtype)


def test_asarray_chkfinite():
    for args in [(np.array([1, 2, 3]), np.float32), (np.array([1, 2, 3]),), ([1, 2, 3, 4],),
                 (np.arange(36).reshape(6, 2, 3),), (np.array([[1.5, 2], [3, 4]]), np.float32)]:
        same(chkfinite(*args), np.asarray_chkfinite(*args))
    for bad in (np.array([2, 4, np.nan, 5]), np.array([1, 2, np.inf, 4])):
        with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
            chkfinite(bad)
    with pytest.raises(TypingError, match="The argument to np.asarray_chkfinite must be array-like"):
        chkfinite(2)
    with pytest.raises(TypingError, match="dtype must be a valid Numpy dtype"):
        chkfinite(np.array([1, 2]), "float32")


# vander, convolve, correlate

@jit
def vander(x, N=None, increasing=False):
    return np.vander(x, N, increasing)


@pytest.mark.parametrize("x", [np.arange(5) - 0.5, np.arange(4, dtype=np.int32), np.array([1, 2, 3], np.uint8),
                               np.array([True, False]), np.array([1 + 2j, 3j]), [1, 2, 3], np.arange(6.0)[::2]])
@pytest.mark.parametrize("N", [None, 0, 1, 4])
@pytest.mark.parametrize("inc", [False, True])
def test_vander(x, N, inc):
    same(vander(x, N, inc), np.vander(x, N, inc))


def test_vander_errors():
    x = np.arange(5) - 0.5
    for N in (1.1, True, np.inf, [1, 2]):
        with pytest.raises(TypingError, match="Second argument N must be None or an integer"):
            vander(x, N)
    with pytest.raises(ValueError, match="Negative dimensions are not allowed"):
        vander(x, -1)
    for bad in (np.arange(27).reshape((3, 3, 3)), ((2, 3), (4, 5))):
        with pytest.raises(ValueError, match="x must be a one-dimensional array or sequence."):
            vander(bad)


@jit
def convolve(a, v):
    return np.convolve(a, v)


@jit
def correlate(a, v):
    return np.correlate(a, v)


@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("m", [1, 3, 7])
@pytest.mark.parametrize("kind", ["f", "i", "c", "fc"])
def test_convolve_correlate(n, m, kind):
    rng = np.random.default_rng(n * 10 + m)
    a, v = rng.standard_normal(n), rng.standard_normal(m)
    if kind == "i":
        a, v = (a * 10).astype(np.int64), (v * 10).astype(np.int32)
    elif kind == "c":
        a, v = a + 1j * a[::-1], v - 2j * v[::-1]
    elif kind == "fc":
        v = v + 1j
    for f, ref in ((convolve, np.convolve), (correlate, np.correlate)):
        same(f(a, v), ref(a, v), exact=(kind == "i"))


def test_convolve_correlate_errors():
    for f in (convolve, correlate):
        with pytest.raises(ValueError, match="'a' cannot be empty"):
            f(np.ones(0), np.arange(5))
        with pytest.raises(ValueError, match="'v' cannot be empty"):
            f(np.arange(5), np.ones(0))


# ediff1d, extract, delete, append, rot90

@jit
def ediff1d(a, to_end=None, to_begin=None):
    return np.ediff1d(a, to_end, to_begin)


def test_ediff1d():
    same(ediff1d(np.array([1, 4, 9, 16])), np.ediff1d(np.array([1, 4, 9, 16])))
    same(ediff1d(np.array([[1.0, 2], [4, 8]]), np.array([9.0]), 5.0),
         np.ediff1d(np.array([[1.0, 2], [4, 8]]), np.array([9.0]), 5.0))
    same(ediff1d(np.array([7], np.int32), [1, 2], 3), np.ediff1d(np.array([7], np.int32), [1, 2], 3))
    same(ediff1d(np.array([], np.float64)), np.ediff1d(np.array([], np.float64)))
    with pytest.raises(TypingError, match=r"Boolean dtype is unsupported \(as per NumPy\)"):
        ediff1d(np.array([True, False]))
    with pytest.raises(TypingError, match="same_kind"):
        ediff1d(np.array([1, 2]), None, 0.5)


@jit
def extract(c, a):
    return np.extract(c, a)


def test_extract():
    for c, a in [(np.array([1, 0, 1]), np.array([4, 5, 6])), (np.arange(12) % 3 == 0, np.arange(12.0).reshape(3, 4)),
                 ([True, False], np.array([[1, 2], [3, 4]])), (np.array([1, 0, 1, 0, 0]), np.arange(4))]:
        same(extract(c, a), np.extract(c, a))
    with pytest.raises(ValueError, match="Cannot extract from an empty array"):
        extract(np.array([1, 2, 3]), np.array([]))
    with pytest.raises(ValueError, match="condition shape inconsistent with arr shape"):
        extract(np.array([True, False, False, False, True]), np.arange(4))


@jit
def delete(a, obj):
    return np.delete(a, obj)


def test_delete():
    for a, obj in [(np.arange(10), 3), (np.arange(10), -1), ([1, 2, 3], 0), (np.arange(10).reshape(2, 5), np.array([0, -1, 4])),
                   (np.arange(6.0), [1, 1, 5])]:
        same(delete(a, obj), np.delete(a, obj))
    with pytest.raises(TypingError, match="obj should be of Integer dtype"):
        delete([1, 2], 3.14)
    with pytest.raises(TypingError, match="obj should be of Integer dtype"):
        delete(np.arange(10), [3.5, 5.6])
    with pytest.raises(TypingError, match="arr must be either an Array or a Sequence"):
        delete(2, 3)
    with pytest.raises(IndexError, match="obj must be less than the len"):
        delete([1, 2], 3)


@jit
def append(a, v, axis=None):
    return np.append(a, v, axis)


def test_append():
    a, v = np.array([[1, 2, 3], [4, 5, 6]]), np.array([[7, 8, 9]])
    same(append(a, v, 0), np.append(a, v, 0))
    same(append(a, v), np.append(a, v))
    same(append(np.arange(3), [4.5]), np.append(np.arange(3), [4.5]))
    same(append(a, a, 1), np.append(a, a, 1))
    with pytest.raises(TypingError, match='The first argument "arr" must be array-like'):
        append(None, v, 0)
    with pytest.raises(TypingError, match='The second argument "values" must be array-like'):
        append(a, None, 0)
    with pytest.raises(TypingError, match='The third argument "axis" must be an integer'):
        append(a, v, 0.0)


@jit
def rot90(m, k=1):
    return np.rot90(m, k)


@pytest.mark.parametrize("k", range(-5, 6))
def test_rot90(k):
    a = np.arange(24).reshape(2, 3, 4)
    same(rot90(a, k), np.rot90(a, k))
    same(rot90(a[0], k), np.rot90(a[0], k))
    same(rot90(a[0].T, k), np.rot90(a[0].T, k))


def test_rot90_errors():
    with pytest.raises(TypingError, match='The first argument "arr" must be an array'):
        rot90("abc")
    with pytest.raises(TypingError, match='The second argument "k" must be an integer'):
        rot90(np.arange(4).reshape(2, 2), "abc")
    with pytest.raises(TypingError, match="Input must be >= 2-d."):
        rot90(np.arange(3))


# nonzero / where(condition), array methods

@jit
def np_nonzero(a):
    return np.nonzero(a)


@jit
def array_nonzero(a):
    return a.nonzero()


@jit
def where1(c):
    return np.where(c)


def nonzero_inputs():
    rng = np.random.default_rng(42)
    arr = rng.random(24)
    arr[arr < 0.3] = 0.0
    arr[arr > 0.7] = np.nan
    return [np.int16([1, 0, -1, 0]), np.bool_([1, 0, 1]), arr, arr.reshape((3, 8)), arr.reshape((3, 8)).T,
            arr.reshape((3, 8))[::2], arr.reshape((2, 3, 4)), arr.reshape((2, 3, 4)).T, np.array([1 + 1j, 0, 2j]),
            np.zeros((2, 0)), arr.reshape((2, 3, 2, 1, 2))]


@pytest.mark.parametrize("k", range(11))
def test_nonzero(k):
    a = nonzero_inputs()[k]
    want = np.nonzero(a)
    for f in (np_nonzero, array_nonzero, where1):
        got = f(a)
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)


@pytest.mark.parametrize("v", [0.0, 1.5, float("nan"), True, False, 0, 7])
def test_nonzero_0d(v):
    # The installed NumPy's answer: NumPy 2 refuses a 0-d array, NumPy 1.x
    # (and Numba) take it as np.atleast_1d of it.
    a = np.array(v)
    if int(np.__version__.split(".")[0]) >= 2:
        for f in (np_nonzero, array_nonzero, where1):
            with pytest.raises(ValueError, match="Calling nonzero on 0d arrays is not allowed"):
                f(a)
        return
    want = np.nonzero(np.atleast_1d(a))
    for f in (np_nonzero, array_nonzero, where1):
        got = f(a)
        assert isinstance(got, tuple) and len(got) == 1
        same(got[0], want[0])


def test_nonzero_strings():
    a = np.array(["Hello", "", "world", ""])
    for f in (np_nonzero, array_nonzero, where1):
        same(f(a)[0], np.array([0, 2]))
        same(f(a.reshape(2, 2))[1], np.array([0, 0]))


@jit
def array_dot_chain(a, b):
    return a.dot(b).dot(b)


@jit
def array_conj(a):
    return a.conj(), a.conjugate()


@jit
def array_item(a):
    return a.item()


@jit
def array_item_at(a, i):
    return a.item(i)


def test_array_methods():
    a = np.arange(16.0).reshape(4, 4)
    same(array_dot_chain(a, a), a.dot(a).dot(a))
    for x in (np.linspace(-10, 10), np.linspace(-10, 10) + 1j * np.arange(50), np.arange(5, dtype=np.int32)):
        got = array_conj(x)
        same(got[0], x.conj())
        same(got[1], x.conjugate())
    for x in (np.float32([1.5]), np.complex128([[1.5j]]), np.array(1.5), np.array([True])):
        got = array_item(x)
        assert got == x.item() and type(got) is type(x.item())
    for x in (np.array([1, 2]), np.array([])):
        with pytest.raises(ValueError, match="can only convert an array of size 1 to a Python scalar"):
            array_item(x)
    b = np.arange(6).reshape(2, 3).T
    for i in (0, 4, -1):
        assert array_item_at(b, i) == b.item(i)


# iterating over an n-d array yields views of its rows

@jit
def array_items(a):
    return list(iter(a))


@jit
def rows_sum(a):
    s = np.zeros(a.shape[1:])
    for r in a:
        s += r
    return s


@jit
def nested_rows(arr):
    t = []
    for y1 in arr:
        for y2 in y1:
            t.append(y2.ravel())
    return t


@jit
def rows_of_temporary(a):
    tot = 0.0
    for i, r in enumerate(a * 2.0):
        tot += i * r.sum()
    return tot


@jit
def write_rows(a):
    for r in a:
        r[0] = -1
    return a


def test_iterate_nd_arrays():
    import kiln
    a = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    for x in (a, a.T, a[::2], np.arange(24.0).reshape(2, 3, 4)):
        got, want = array_items(x), list(iter(x))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
        same(rows_sum(x), rows_sum.py_func(x))
    base = np.arange(64).reshape((4, 8, 2), order="F")
    for arr in (np.arange(24).reshape((2, 3, 4), order="F"), base[::2], base[:, ::2], base[:, :, ::2]):
        got, want = nested_rows(arr), nested_rows.py_func(arr)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
    m = np.arange(12.0).reshape(4, 3)
    before = kiln.live_allocations()
    for _ in range(100):
        assert rows_of_temporary(m) == rows_of_temporary.py_func(m)
    assert kiln.live_allocations() == before
    same(write_rows(np.ones((3, 2))), write_rows.py_func(np.ones((3, 2))))


# reductions of array-likes

@jit
def median(a):
    return np.median(a)


@jit
def ptp(a):
    return np.ptp(a)


@jit
def nanmin_nanmax(a):
    return np.nanmin(a), np.nanmax(a)


def test_median_nd():
    rng = np.random.default_rng(3)
    for n, shape in ((63, (9, 7)), (64, (4, 16))):
        a = rng.permutation(np.arange(n) + 10.5)
        for x in (a, a.reshape(shape), a.reshape(shape).T, [1.0, 5.0, 2.0]):
            same(median(x), np.median(x))


def test_ptp_array_likes():
    x = np.linspace(-10, 10, 16).reshape(4, 2, 2)
    for v in (np.arange(10), (4, 2, 5), (1,), [2.2, -2.3, 0.1], x, np.asfortranarray(x), x[::-1], 6, 6.5, 1 + 4j,
              ((4.1, 2.0, -7.6), (4.3, 2.7, 5.2))):
        got, want = ptp(v), np.ptp(v)
        assert got == want and np.asarray(got).dtype.kind == np.asarray(want).dtype.kind, (v, got, want)
    with pytest.raises(ValueError, match="zero-size array reduction not possible"):
        ptp(np.array([]))
    with pytest.raises(TypingError, match=r"Boolean dtype is unsupported \(as per NumPy\)"):
        ptp(np.array([True, False]))


def test_nanmin_nanmax_array_likes():
    for v in ([1, 6, 4, 2], ((-10, 4, -12), (5, 200, -30)), np.array(3), (2,), 3.142, False,
              (np.nan, 3.142, -5.2, 3.0), [np.inf, np.nan, -np.inf]):
        got = nanmin_nanmax(v)
        assert got == (np.nanmin(v), np.nanmax(v)), v


@jit
def flatnonzero(a):
    return np.flatnonzero(a)


@jit
def argwhere(a):
    return np.argwhere(a)


@pytest.mark.parametrize("a", [((1.1, 2.2), (3.3, 4.4), (5.5, 6.6)), (0.0, 1.0, 0.0, -6.0), (), np.nan, 0, 1, False,
                               True, (True, False, True), 2 + 1j, None, "a_string", "", np.array(3),
                               np.array([1 + 1j, 0, 2j]), np.arange(6).reshape(2, 3).T % 2])
def test_flatnonzero_argwhere_array_likes(a):
    same(flatnonzero(a), np.flatnonzero(a))
    got, want = argwhere(a), np.argwhere(a)
    same(got, want)
    assert got.flags.f_contiguous == want.flags.f_contiguous


# take_along_axis

@jit
def take_along_1(a, i):
    return np.take_along_axis(a, i, 1)


@jit
def take_along_m2(a, i):
    return np.take_along_axis(a, i, -2)


@jit
def take_along(a, i, axis):
    return np.take_along_axis(a, i, axis)


@jit
def take_along_none(a, i):
    return np.take_along_axis(a, i, None)


def test_take_along_axis():
    arr, ai = np.ones((3, 4, 1)), np.ones((1, 2, 5), dtype=np.intp)
    for f in (take_along_1, take_along_m2):
        same(f(arr, ai), np.take_along_axis(arr, ai, 1))
    a = np.random.default_rng(0).random((3, 4, 5))
    for ax in (0, 1, 2, -1):
        for x in (a, a.T, a[:, ::2]):
            i = np.argsort(x, axis=ax)
            same(take_along(x, i, ax), np.take_along_axis(x, i, ax))
            same(take_along(x, i[:1] if ax != 0 else i[:, :1], ax), np.take_along_axis(x, i[:1] if ax != 0 else i[:, :1], ax))
    x, i = np.arange(12).reshape(3, 4), np.array([0, 11, -1, 5])
    same(take_along_none(x, i), np.take_along_axis(x, i, None))
    with pytest.raises(IndexError):
        take_along(x, np.array([[4]]), 1)
    with pytest.raises(ValueError, match="axis is out of bounds"):
        take_along(x, np.array([[0]]), 2)
    with pytest.raises(TypingError, match="axis must be an integer"):
        take_along(x, np.array([[0]]), 1.0)
    with pytest.raises(TypingError, match='"indices" must be an array'):
        take_along(x, (0,), 1)


@jit
def average(a, axis=None, weights=None):
    return np.average(a, axis=axis, weights=weights)


def test_average_weights():
    rng = np.random.default_rng(5)
    a, w = rng.random(100) * 100, rng.random(100) * 100
    ab, wb = rng.random(100) > 0.5, rng.random(100) > 0.5
    ai, wi = rng.integers(0, 101, 100), rng.integers(0, 101, 100)
    a3, w3 = rng.random((10, 5, 2)), rng.random((10, 5, 2))
    for x, ww in ((a, w), (a3, w3), (ai, wi), (a, wb), (ab, w), (ab, wb), (a, None), (a3, None)):
        assert average(x, weights=ww) == pytest.approx(np.average(x, weights=ww), rel=1e-12)
    with pytest.raises(ZeroDivisionError, match="Weights sum to zero, can't be normalized."):
        average(a, weights=np.zeros(100))
    with pytest.raises(TypeError, match="shapes of a and weights differ"):
        average(np.arange(6).reshape((3, 2, 1)), weights=np.array([0.25, 0.75]))
    with pytest.raises(TypeError, match="Numba does not support average with axis."):
        average(np.arange(6).reshape((3, 2, 1)), axis=1, weights=np.array([0.25, 0.75]))


@jit
def fill_diagonal(a, val):
    np.fill_diagonal(a, val)
    return a


@jit
def fill_diagonal_wrap(a, val):
    np.fill_diagonal(a, val, wrap=True)
    return a


def test_fill_diagonal():
    vals = [1, 3.142, np.nan, -np.inf, True, np.arange(4), (4,), [8, 9], np.arange(54).reshape(9, 3, 2, 1),
            np.asfortranarray(np.arange(9).reshape(3, 3)), np.arange(9).reshape(3, 3)[::-1]]
    for s in ((3, 3), (6, 3), (3, 6), (7, 5), (3, 3, 3, 3), (1, 1, 1)):
        for arr in (np.zeros(s), np.asfortranarray(np.ones(s)), np.zeros(tuple(x * 2 for x in s))[tuple(slice(None, None, 2) for _ in s)]):
            for v in vals:
                for f in (fill_diagonal, fill_diagonal_wrap):
                    np.testing.assert_array_equal(f(arr.copy(), v), f.py_func(arr.copy(), v))
    for a in (np.array([]), np.ones(5)):
        with pytest.raises(TypingError, match="The first argument must be at least 2-D"):
            fill_diagonal(a, 1)
    with pytest.raises(ValueError, match="All dimensions of input must be of equal length"):
        fill_diagonal(np.zeros((3, 3, 4)), 1)
    for a, v in ((np.zeros((3, 3), np.int32), np.nan), (np.zeros((3, 3), np.int32), [3.3, np.inf]),
                 (np.zeros((3, 3), np.int32), np.array([1, 2, 1e10], dtype=np.int64)),
                 (np.zeros((3, 3), np.float32), [1.4, 2.6, -1e100]), (np.zeros((3, 3), np.float32), 1.1e100)):
        with pytest.raises(ValueError, match="Unable to safely conform val to a.dtype"):
            fill_diagonal(a, v)


# x in array

@jit
def contains(a, key):
    return key in a, key not in a


def test_in_array():
    rng = np.random.default_rng(2)
    fa = rng.random(10)
    ca = fa.view(np.complex128)
    u = rng.integers(0, 10, 15).astype(np.uint8)
    m = np.arange(12).reshape(3, 4).T[::2]
    for a, k in ((np.arange(10, 50), 20), (np.arange(6), 10), (np.asarray([20]), 20), (np.asarray([20]), 13),
                 (np.asarray([]), 13), (np.array([True, False]), True), (np.array([True, False]), 20),
                 (fa, 0.5), (fa, fa[3]), (ca, ca[0]), (ca, 0.5), (u, 5), (u, 25), (u, -1), (m, 5), (m, 4),
                 (np.array([np.nan]), np.nan)):
        assert contains(a, k) == (k in a, k not in a), (a, k)


def test_list_of_argument_views_keeps_strides():
    a = np.arange(9).reshape(3, 3)
    got = array_items(a.T)
    for g, w in zip(got, list(iter(a.T))):
        assert g.strides == w.strides and np.shares_memory(g, a)


# np.nditer

@jit
def nditer1(a):
    res = []
    for u in np.nditer(a):
        res.append(u.item())
    return res


@jit
def nditer2(a, b):
    res = []
    for u, v in np.nditer((a, b)):
        res.append((u.item(), v.item()))
    return res


@jit
def nditer3(a, b, c):
    res = []
    for u, v, w in np.nditer((a, b, c)):
        res.append((u.item(), v.item(), w.item()))
    return res


def nditer_inputs():
    a = np.arange(12).reshape((3, 4))
    return [np.float32(100), np.array(102, dtype=np.int16), np.arange(4).astype(np.complex64), np.arange(8)[::2], a,
            a.copy(order="F"), np.arange(24).reshape((6, 4))[::2]]


def test_nditer():
    import itertools
    for a in nditer_inputs():
        assert nditer1(a) == nditer1.py_func(a)
    for a, b in itertools.product(nditer_inputs(), nditer_inputs()):
        assert set(nditer2(a, b)) == set(nditer2.py_func(a, b))  # the order of several operands is C
    some = nditer_inputs()[2:6]
    for a, b, c in itertools.product(some, some[:2], some[1:3]):
        assert set(nditer3(a, b, c)) == set(nditer3.py_func(a, b, c))
    with pytest.raises(ValueError, match="operands could not be broadcast together"):
        nditer2(np.arange(2), np.arange(3))


@jit
def np_shape(x):
    return np.shape(x)


def test_shape_of_array_likes():
    for x in (np.empty((4, 5, 6)), np.empty(()), 1, False, 2.5, [1], (1,), (1, 2, 3), np.float32(3)):
        assert np_shape(x) == np.shape(x)
    with pytest.raises(TypingError, match="The argument to np.shape must be array-like"):
        np_shape("a")


# a.flags

@jit
def flags(a):
    f = a.flags
    return f.c_contiguous, f.f_contiguous, f.contiguous


@jit
def row_flags(arr):
    out = []
    for sub in arr:
        out.append((sub.flags.c_contiguous, sub.flags.f_contiguous))
    return out


def test_flags():
    a = np.arange(24).reshape(2, 3, 4)
    for x in (a, a.T, a[::2], a[:, ::2], a[:, :1], np.arange(5), np.arange(10)[::3], np.empty((0, 3)),
              np.empty((0, 3))[:, ::2], np.array(1.0), np.ones((3, 1)), np.ones((1, 3)).T, np.asfortranarray(a)):
        assert flags(x) == (x.flags.c_contiguous, x.flags.f_contiguous, x.flags.contiguous), x.strides
    arr = np.arange(10).reshape((2, 5), order="F")
    assert row_flags(arr) == row_flags.py_func(arr)
