"""npfuncs (issue 8 parts 2, 3, 6): NumPy functions written in
kiln/library/numpy_functions.py and dtypes given as strings or dtype objects,
each compared with NumPy itself at test time (values and dtype)."""

import numpy as np
import pytest


def same(got, want, exact=True):
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), type(got)
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        assert got.shape == want.shape, (got.shape, want.shape)
        if exact:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-13)
    else:
        assert type(got) is type(want) or np.asarray(got).dtype.kind == np.asarray(want).dtype.kind, (got, want)
        assert got == want or (got != got and want != want), (got, want)


DTYPE_STRINGS = ["float32", "f4", "<f8", "i8", "int16", "u1", "uint64", "bool", "?", "complex128", "c8", "D", "int", "float"]


@pytest.mark.parametrize("name", DTYPE_STRINGS)
def test_dtype_strings(kilnd, name):
    from kiln import jit

    @jit
    def make(a):
        return (np.zeros(3, name), np.ones((2, 2), dtype=name), np.empty_like(a, name),
                np.zeros_like(a, dtype=name), np.ones_like(a, name), np.full(2, 1, name),
                np.full_like(a, 1, dtype=name), a.astype(name))

    a = np.arange(4.0)
    got = make(a)
    want = (np.zeros(3, name), np.ones((2, 2), dtype=name), np.empty_like(a, name), np.zeros_like(a, dtype=name),
            np.ones_like(a, name), np.full(2, 1, name), np.full_like(a, 1, dtype=name), a.astype(name))
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype and g.shape == w.shape, k
        if k != 2:  # empty_like: values undefined
            np.testing.assert_array_equal(g, w)


def test_dtype_string_arange_eye_array(kilnd):
    from kiln import jit

    @jit
    def f(n):
        return np.arange(n, dtype="i2"), np.eye(n, dtype="f4"), np.identity(n, "u2"), np.array((1, 2), "f4")

    for g, w in zip(f(3), (np.arange(3, dtype="i2"), np.eye(3, dtype="f4"), np.identity(3, "u2"),
                           np.array((1, 2), "f4"))):
        same(g, w)


def test_dtype_string_unknown_is_refused(kilnd):
    from kiln import jit, TypingError

    @jit
    def f(n):
        return np.zeros(n, "float37")

    with pytest.raises(TypingError, match="Invalid NumPy dtype specified: 'float37'"):
        f(3)


GLOBAL_DT = np.dtype("int32")
GLOBAL_BOOL = np.dtype(bool)
GLOBAL_C = np.dtype("complex64")


def test_global_dtype_objects(kilnd):
    from kiln import jit

    @jit
    def f(n):
        return np.zeros(n, GLOBAL_DT), np.ones(n, dtype=GLOBAL_BOOL), np.arange(n).astype(GLOBAL_C)

    same(f(3)[0], np.zeros(3, GLOBAL_DT))
    same(f(3)[1], np.ones(3, GLOBAL_BOOL))
    same(f(3)[2], np.arange(3).astype(GLOBAL_C))


def test_array_too_big_is_numpys_value_error(kilnd):
    from kiln import jit

    @jit
    def f(n):
        return np.zeros((n, 64), np.intp)

    with pytest.raises(ValueError, match="array is too big"):
        f(1 << 56)


def test_array_of_scalar_and_list(kilnd):
    from kiln import jit

    @jit
    def f(x, lst):
        return np.asarray(x), np.array(lst), np.asarray(lst, np.float32), np.ascontiguousarray(x)

    got = f(2.5, [1, 2, 3])
    for g, w in zip(got, (np.asarray(2.5), np.array([1, 2, 3]), np.asarray([1, 2, 3], np.float32),
                          np.ascontiguousarray(2.5))):
        same(g, w)


ALLCLOSE = [
    (np.asarray([1, 0]), np.asarray([1, 0])),
    (np.asarray([1e-8]), np.asarray([0.0])),
    (np.asarray([1.0]), np.asarray([1 + 1e-5 + 2e-8])),
    (np.asarray([np.inf, 0]), np.asarray([1.0, np.inf])),
    (np.asarray([np.nan, 0.0]), np.asarray([np.nan, 0.0])),
    (np.inf, np.inf),
    (np.inf, np.asarray([np.inf])),
    (np.arange(125.0).reshape(5, 5, 5), np.arange(125.0).reshape(5, 5, 5) * (1 + 1e-5)),
]


@pytest.mark.parametrize("k", range(len(ALLCLOSE)))
def test_allclose(kilnd, k):
    from kiln import jit

    @jit
    def f(a, b):
        return np.allclose(a, b), np.allclose(a, b, equal_nan=True)

    a, b = ALLCLOSE[k]
    assert f(a, b) == (np.allclose(a, b), np.allclose(a, b, equal_nan=True))


def test_bincount(kilnd):
    from kiln import jit

    @jit
    def plain(x):
        return np.bincount(x)

    @jit
    def weighted(x, w, m):
        return np.bincount(x, w, m)

    x = np.random.RandomState(0).randint(0, 100, size=300).astype(np.int8)
    same(plain(x), np.bincount(x))
    same(plain([1, 2, 5, 2, 3, 20]), np.bincount([1, 2, 5, 2, 3, 20]))
    w = np.sqrt(np.arange(300.0))
    same(weighted(x, w, 0), np.bincount(x, w, 0))
    same(weighted(x, None, 130), np.bincount(x, None, 130))
    with pytest.raises(ValueError, match="first argument must be non-negative"):
        plain(np.array([2, -1]))
    with pytest.raises(ValueError, match="'minlength' must not be negative"):
        weighted(np.array([2]), None, -1)
    with pytest.raises(ValueError, match="same length"):
        weighted(np.array([2, 1]), np.array([1.0]), 0)


def test_logspace_geomspace(kilnd):
    from kiln import jit

    @jit
    def f(a, b, n):
        return np.logspace(a, b), np.logspace(a, b, num=n), np.geomspace(10.0 ** a, 10.0 ** b, n)

    for a, b, n in ((1, 60, 20), (-1.0, 3.0, 7), (60, -1, 60), (0.0, np.pi, 1)):
        got = f(a, b, n)
        for g, w in zip(got, (np.logspace(a, b), np.logspace(a, b, num=n), np.geomspace(10.0 ** a, 10.0 ** b, n))):
            same(g, w, exact=False)


@pytest.mark.parametrize("n", [-2, 0, 1, 4])
def test_tri(kilnd, n):
    from kiln import jit

    @jit
    def f(n, m, k):
        return np.tri(n, m, k)

    @jit
    def g(n):
        return np.tri(n)

    same(g(n), np.tri(n))
    for m in (None, 0, 3, 6):
        for k in (-5, -1, 0, 2, 9):
            same(f(n, m, k), np.tri(n, m, k))


NAN_DATA = [
    np.array([3.0, np.nan, 1.0, 2.0, np.nan]),
    np.array([[2.0, np.nan], [0.5, 4.0]], dtype=np.float32),
    np.arange(1, 7, dtype=np.int32).reshape(2, 3),
    np.array([np.nan, np.nan]),
]


@pytest.mark.parametrize("k", range(len(NAN_DATA)))
def test_nan_functions(kilnd, k):
    from kiln import jit

    a = NAN_DATA[k]
    for fn in (np.nancumsum, np.nancumprod):
        same(jit(lambda x: fn(x))(a), fn(a))
    assert jit(lambda x: np.nanprod(x))(a) == np.nanprod(a)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = np.nanmedian(a)
    got = jit(lambda x: np.nanmedian(x))(a)
    assert got == want or (np.isnan(got) and np.isnan(want))


def test_roll(kilnd):
    from kiln import jit

    @jit
    def f(a, s):
        return np.roll(a, s)

    for a in (np.arange(10), np.arange(12.0).reshape(3, 4), np.zeros(0)):
        for s in (0, 3, -13, 25):
            same(f(a, s), np.roll(a, s))


SORT_DATA = [
    np.random.RandomState(0).permutation(100),
    np.random.RandomState(1).randint(0, 5, 300),
    np.array([3.0, np.nan, 1.0, -np.inf, 2.0, np.nan, 0.0, -0.0]),
    np.random.RandomState(2).rand(4, 37),
    np.asfortranarray(np.random.RandomState(3).rand(5, 7)),
    np.arange(10, dtype=np.uint8)[::-2],
]


@pytest.mark.parametrize("k", range(len(SORT_DATA)))
def test_argsort(kilnd, k):
    from kiln import jit

    a = SORT_DATA[k]
    # A stable sort's order is NumPy's stable order exactly.
    same(jit(lambda x: np.argsort(x, kind="stable"))(a), np.argsort(a, kind="stable"))
    same(jit(lambda x: x.argsort(kind="mergesort"))(a), a.argsort(kind="mergesort"))
    got = jit(lambda x: x.argsort())(a)
    np.testing.assert_array_equal(np.take_along_axis(a, got, -1), np.sort(a, -1))


@pytest.mark.parametrize("k", range(len(SORT_DATA)))
def test_partition(kilnd, k):
    from kiln import jit

    a = SORT_DATA[k]
    n = a.shape[-1]
    for kth in (0, n // 2, n - 1, -1):
        got = jit(lambda x, t: np.partition(x, t))(a, kth)
        want = np.partition(a, kth)
        np.testing.assert_array_equal(got[..., kth], want[..., kth])
        np.testing.assert_array_equal(np.sort(got, -1), np.sort(a, -1))
        idx = jit(lambda x, t: np.argpartition(x, t))(a, kth)
        np.testing.assert_array_equal(np.take_along_axis(a, idx, -1)[..., kth], want[..., kth])
    with pytest.raises(ValueError, match="kth out of bounds"):
        jit(lambda x, t: np.partition(x, t))(a, n)


def test_partition_of_list_and_empty(kilnd):
    from kiln import jit

    f = jit(lambda x, t: np.partition(x, t))
    assert f(list(range(47))[::-1], 6)[6] == 6
    same(f(np.zeros((3, 2, 1, 0)), 0), np.partition(np.zeros((3, 2, 1, 0)), 0))


def test_clip_out_and_none(kilnd):
    from kiln import jit

    a = np.linspace(-10, 10, 101)
    out = np.empty_like(a)
    r = jit(lambda x, o: np.clip(x, -5, 5, o))(a, out)
    np.testing.assert_array_equal(out, np.clip(a, -5, 5))
    np.testing.assert_array_equal(r, out)
    same(jit(lambda x: np.clip(x, None, 0))(a), np.clip(a, None, 0))
    same(jit(lambda x: x.clip(0, None))(a), a.clip(0, None))
    with pytest.raises(ValueError, match="must set either max or min"):
        jit(lambda x: np.clip(x, None, None))(a)


def test_like_constructors_of_numbers_and_0d(kilnd):
    from kiln import jit

    cases = [
        (lambda x: np.ones_like(x), (2.0,)),
        (lambda x: np.zeros_like(x, "f4"), (3,)),
        (lambda x: np.zeros_like(x, np.int32), (True,)),
        (lambda x, v: np.full_like(x, v), (np.array(1.0), 3.5)),
        (lambda x, v: np.full_like(x, v, np.bool_), (np.array(1.0), 3.5)),
        (lambda x, v: np.full_like(x, v), (2, 3.5)),
    ]
    for f, args in cases:
        same(jit(f)(*args), f(*args))
    got = jit(lambda x: np.empty_like(x, np.int16))(2.0)
    assert got.shape == () and got.dtype == np.int16


def test_array_of_list_literals(kilnd):
    from kiln import jit

    @jit
    def f(n):
        return np.array([[1, 2, 3], [4, 5, n]]), np.array([[1.5], [2.5]], np.float32), np.asarray([1.0, 2.0])

    for g, w in zip(f(7), (np.array([[1, 2, 3], [4, 5, 7]]), np.array([[1.5], [2.5]], np.float32),
                           np.asarray([1.0, 2.0]))):
        same(g, w)

    @jit
    def ragged(n):
        rows = [[1, 2], [3, 4]]
        rows[1].append(n)
        return np.array(rows)

    with pytest.raises(ValueError, match="inhomogeneous shape"):
        ragged(5)


DIFF_DATA = [
    np.arange(12) ** 3,
    (np.arange(12) ** 3).reshape(3, 4),
    (np.arange(24) ** 3).reshape(3, 2, 4),
    np.array([3.0, np.nan, 1.0, 2.5]),
    np.array([200, 3, 255, 0], dtype=np.uint8),
    np.array([True, False, False, True]),
    np.asfortranarray(np.arange(12.0).reshape(3, 4) ** 2),
]


@pytest.mark.parametrize("k", range(len(DIFF_DATA)))
def test_diff(kilnd, k):
    from kiln import jit

    a = DIFF_DATA[k]
    f = jit(lambda x, n: np.diff(x, n))
    same(jit(lambda x: np.diff(x))(a), np.diff(a))
    for n in (0, 1, 2, 3, a.shape[-1], a.shape[-1] + 1):
        same(f(a, n), np.diff(a, n))
    with pytest.raises(ValueError, match="order must be non-negative"):
        f(a, -1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.uint8, np.bool_])
def test_argmin_argmax_axis(kilnd, dtype):
    from kiln import jit

    a = (np.random.RandomState(0).rand(3, 4, 5) * 10).astype(dtype)
    if a.dtype.kind == "f":
        a[1, 2, 3] = np.nan
        a[2, 0, 0] = np.nan
    fs = [lambda x, k: x.argmax(axis=k), lambda x, k: x.argmin(k), lambda x, k: np.argmax(x, k),
          lambda x, k: np.argmin(x, axis=k)]
    for f in fs:
        for ax in (0, 1, 2, -1, -3):
            same(jit(f)(a, ax), f(a, ax))
        with pytest.raises(ValueError, match="axis is out of bounds"):
            jit(f)(a, 3)
    with pytest.raises(ValueError, match="attempt to get argmax of an empty sequence"):
        jit(fs[0])(np.zeros((0, 3), dtype), 0)


def test_dtype_keyword_must_be_a_dtype(kilnd):
    """np.arange(5, dtype=2) is NumPy's TypeError; the 2 must never be read
    as another argument (it gave arange(5, 2), or arange(2) for
    np.arange(dtype=2))."""
    import kiln

    for f in (lambda x: np.arange(5, dtype=x), lambda x: np.zeros(3, dtype=x)):
        with pytest.raises(TypeError):
            f(2)
        with pytest.raises(kiln.TypingError, match="dtype must be a NumPy dtype, not int64"):
            kiln.jit(f)(2)
    # flatimag: arange(start, stop=None, step=None, dtype=None): start is required (as Numba)
    for f in (lambda x: np.arange(dtype=x), lambda x: np.arange(dtype=np.int32, stop=x)):
        with pytest.raises(kiln.TypingError, match="'numpy.arange' missing argument 'start'"):
            kiln.jit(f)(2)
    g = kiln.jit(lambda x: np.arange(x, dtype=np.int32))
    assert g(4).tolist() == [0, 1, 2, 3] and g(4).dtype == np.int32
