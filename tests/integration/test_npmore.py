"""NumPy functions of issue 8 written in the library (broadcasting, interp,
histogram): each result compared with NumPy itself on the same arguments,
values, dtypes, shapes and errors."""

import numpy as np
import pytest

from kiln import jit


@jit
def broadcast_to(a, shape):
    return np.broadcast_to(a, shape)


@jit
def broadcast_to_sum(a, shape):
    return np.broadcast_to(a, shape).sum()


@jit
def broadcast_shapes2(s, t):
    return np.broadcast_shapes(s, t)


@jit
def broadcast_shapes3(s, t, u):
    return np.broadcast_shapes(s, t, u)


@jit
def broadcast_arrays2(a, b):
    return np.broadcast_arrays(a, b)


@pytest.mark.parametrize("a, shape", [
    (np.array(0), (3,)),
    (np.ones(1), (1, 2, 3)),
    (np.arange(3), (2, 3)),
    (np.arange(6).reshape(2, 3)[:, ::2], (4, 2, 2)),
    (np.arange(3.0), 3),
    (np.ones((2, 1)), (2, 0)),
    (np.arange(6).reshape(3, 2).T, (5, 2, 3)),
])
def test_broadcast_to_matches_numpy(a, shape):
    got = broadcast_to(a, shape)
    want = np.broadcast_to(a, shape)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.array_equal(got, want)
    assert np.shares_memory(got, a) or a.size == 0 or got.size == 0
    assert broadcast_to_sum(a, shape) == want.sum()


def test_broadcast_to_is_a_view():
    a = np.zeros(2, dtype=np.int32)
    v = broadcast_to(a, (2, 2))
    a[0] = 10
    assert v.sum() == 20


def test_broadcast_to_scalar_and_tuple():
    assert np.array_equal(broadcast_to(2, (2, 2)), np.broadcast_to(2, (2, 2)))
    assert np.array_equal(broadcast_to((1, 2), (2, 2)), np.broadcast_to((1, 2), (2, 2)))


@pytest.mark.parametrize("a, shape, msg", [
    (np.zeros(3), (4,), "operands could not be broadcast together with remapped shapes"),
    (np.zeros((1, 2)), (2, 1), "operands could not be broadcast together with remapped shapes"),
    (np.zeros((2, 2)), (3,), "input operand has more dimensions than allowed by the axis remapping"),
    (np.zeros(1), (-1,), "all elements of broadcast shape must be non-negative"),
])
def test_broadcast_to_errors(a, shape, msg):
    with pytest.raises(ValueError, match=msg.replace("[", r"\[")):
        np.broadcast_to(a, shape)
    with pytest.raises(ValueError, match=msg):
        broadcast_to(a, shape)


@pytest.mark.parametrize("s, t", [
    ((), ()), ((1, 1), (3, 4)), ((1, 0), (0, 1)), ((), (0, 1)), ((1,), (3,)), (2, (3, 2)), ((5, 1), (7,)),
])
def test_broadcast_shapes_matches_numpy(s, t):
    got = broadcast_shapes2(s, t)
    assert isinstance(got, tuple)
    assert got == np.broadcast_shapes(s, t)


def test_broadcast_shapes_errors():
    assert broadcast_shapes3((6, 7), (5, 6, 1), (7,)) == np.broadcast_shapes((6, 7), (5, 6, 1), (7,))
    with pytest.raises(ValueError, match="shape mismatch: objects cannot be broadcast to a single shape"):
        broadcast_shapes3((3,), (3,), (4,))
    with pytest.raises(ValueError, match="negative dimensions are not allowed"):
        broadcast_shapes3((1, 2), 2, -2)


@pytest.mark.parametrize("s, t", [((1,), (3,)), ((3, 1), (3, 3)), ((1, 1), (0,)), ((), (3, 1))])
def test_broadcast_arrays_matches_numpy(s, t):
    a = np.arange(int(np.prod(s)), dtype=np.float64).reshape(s)
    b = np.ones(t)
    got = broadcast_arrays2(a, b)
    want = np.broadcast_arrays(a, b)
    assert len(got) == 2
    for g, w in zip(got, want):
        assert g.shape == w.shape
        assert np.array_equal(g, w)
    with pytest.raises(ValueError, match="shape mismatch"):
        broadcast_arrays2(np.zeros((2, 3)), np.zeros(2))


@jit
def interp(x, xp, fp):
    return np.interp(x, xp, fp)


def test_interp_real_matches_numpy():
    rng = np.random.RandomState(0)
    xp = np.sort(rng.uniform(0, 10, 50))
    fp = np.sin(xp)
    x = rng.uniform(-1, 11, (4, 5))
    x[0, 0] = np.nan
    x[1, 1] = xp[3]
    got = interp(x, xp, fp)
    want = np.interp(x, xp, fp)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert interp(2.5, xp, fp) == np.interp(2.5, xp, fp)
    ix = np.arange(10)
    np.testing.assert_array_equal(interp(ix, ix * 2, ix ** 2), np.interp(ix, ix * 2, ix ** 2))


def test_interp_non_finite_matches_numpy():
    for xp, fp in [(np.array([0, 1, 9, 10]), np.array([-np.inf, 0.1, 0.9, np.inf])),
                   (np.array([-np.inf, 1, 9, np.inf]), np.array([0, 0.1, 0.9, 1]))]:
        x = np.array([0.2, 9.5, 0.0, 10.0, -3.0, 12.0])
        np.testing.assert_array_equal(interp(x, xp, fp), np.interp(x, xp, fp))


def test_interp_complex_matches_numpy():
    x = np.linspace(0, 1, 5)
    y = np.linspace(0, 1, 5) + (1 + np.linspace(0, 1, 5)) * 1.0j
    assert interp(0.3, x, y) == np.interp(0.3, x, y)
    xs = np.linspace(-0.5, 1.5, 17)
    got = interp(xs, x, y)
    assert got.dtype == np.complex128
    np.testing.assert_array_equal(got, np.interp(xs, x, y))


def test_interp_errors():
    with pytest.raises(ValueError, match="array of sample points is empty"):
        interp(1.0, np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="fp and xp are not of the same size"):
        interp(1.0, np.arange(3.0), np.arange(2.0))


@jit
def histogram1(a):
    return np.histogram(a)


@jit
def histogram2(a, bins):
    return np.histogram(a, bins)


@jit
def histogram3(a, bins, r):
    return np.histogram(a, bins, r)


def _check_hist(got, want):
    assert got[0].dtype == want[0].dtype
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=1e-15)


def test_histogram_matches_numpy():
    values = np.float64((0, 0.99, 1, 4.4, 4.5, 7, 8, 9, 9.5, 42.5, -1.0, -0.0))
    np.random.RandomState(1).shuffle(values)
    bins = np.float64([1, 3, 4.5, 8])
    _check_hist(histogram2(values, bins), np.histogram(values, bins))
    _check_hist(histogram2(values.reshape(3, 4), bins), np.histogram(values.reshape(3, 4), bins))
    _check_hist(histogram2(values, 7), np.histogram(values, 7))
    _check_hist(histogram3(values, 7, (1.0, 13.5)), np.histogram(values, 7, (1.0, 13.5)))
    _check_hist(histogram1(values), np.histogram(values))
    ints = np.arange(100) % 13
    _check_hist(histogram2(ints, 5), np.histogram(ints, 5))
    _check_hist(histogram1(np.full(4, 3.0)), np.histogram(np.full(4, 3.0)))


def test_interp_unsorted_xp_matches_numpy():
    # NumPy's search with a guess on an unsorted xp: the same answer, point for point.
    rng = np.random.RandomState(42)
    xp = np.linspace(0, 10, 201)
    fp = np.sin(xp) + 1j * np.cos(xp)
    fp[:20] = np.nan
    x = np.linspace(2.0, 7.0, 301)
    rng.shuffle(xp)
    rng.shuffle(fp)
    np.testing.assert_array_equal(interp(x, xp, fp), np.interp(x, xp, fp))
    np.testing.assert_array_equal(interp(x, xp, fp.real), np.interp(x, xp, fp.real))
    np.testing.assert_array_equal(interp(x[::-1], xp[:3], fp.real[:3]), np.interp(x[::-1], xp[:3], fp.real[:3]))


def test_broadcast_results_are_read_only():
    a = np.arange(3.0)
    v = broadcast_to(a, (2, 3))
    assert not v.flags.writeable and not np.broadcast_to(a, (2, 3)).flags.writeable
    same = broadcast_to(a, (3,))
    assert same is not a and not same.flags.writeable and a.flags.writeable
    for g in broadcast_arrays2(np.zeros((2, 1)), np.zeros(3)):
        assert not g.flags.writeable


def test_broadcast_arrays_refusals():
    from kiln.errors import TypingError
    with pytest.raises(TypingError, match="Mismatch of argument types"):
        broadcast_arrays2(np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.bool_))
    with pytest.raises(TypingError, match="0-d values only"):  # npmisc: numbers count as 1-d (Numba's)
        broadcast_arrays2(np.array(1), np.array(2))


@jit
def linspace2(a, b):
    return np.linspace(a, b)


@jit
def linspace3(a, b, n):
    return np.linspace(a, b, n)


@pytest.mark.parametrize("a, b, n", [(0, 4, 9), (-3.5, 2.5, 8), (-3j, 2 + 3j, 7), (2, 1, 0), (1 + 0.5j, 1.5j, 5),
                                     (1j, 1j, 4), (2 + 1j, 3, 1), (1, 1e100, 1)])
def test_linspace_matches_numpy(a, b, n):
    got = linspace3(a, b, n)
    want = np.linspace(a, b, n)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(linspace2(a, b), np.linspace(a, b))


def test_logspace_complex_matches_numpy():
    f = jit(lambda a, b: np.logspace(a, b))
    for a, b in [(np.complex64(1 + 2j), np.complex64(3 + 4j)), (1.0, 60.0)]:
        np.testing.assert_allclose(f(a, b), np.logspace(a, b), rtol=1e-6)


@jit
def uint64_constant():
    return 18446744073709551615


_BIG = 18446744073709551614


@jit
def uint64_global():
    return max(_BIG, 18446744073709551615) - _BIG


def test_uint64_constants():
    assert uint64_constant() == 18446744073709551615
    assert uint64_global() == 1


@jit
def diag_k(v, k):
    return np.diag(v, k=k)


@jit
def diag1(v):
    return np.diag(v)


def test_diag_offsets_match_numpy():
    for v in (np.arange(1, 5), np.arange(3.0) + 1j, np.zeros(0), np.arange(4.0)[::-2]):
        for k in range(-5, 6):
            got, want = diag_k(v, k), np.diag(v, k=k)
            assert got.shape == want.shape and got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(diag1(v), np.diag(v))
    for m in (np.arange(12).reshape(3, 4), np.arange(12.0).reshape(4, 3).T, np.arange(20).reshape(4, 5)[::2, ::-1]):
        for k in range(-6, 7):
            np.testing.assert_array_equal(diag_k(m, k), np.diag(m, k=k))
        np.testing.assert_array_equal(diag1(m), np.diag(m))


_ATLEAST_INPUTS = [np.array(42), np.array(5j), np.arange(5), np.arange(6)[::-1], np.arange(6).reshape(2, 3),
                   np.arange(6).reshape(2, 3).T, np.arange(24).reshape(2, 3, 4)[::-1], np.arange(16).reshape(2, 2, 2, 2)]


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast_nd_matches_numpy(name):
    fn = getattr(np, name)
    one = jit(lambda a: fn(a))
    three = jit(lambda a, b, c: fn(a, b, c))
    for a in _ATLEAST_INPUTS:
        got, want = one(a), fn(a)
        assert got.shape == want.shape and got.strides == want.strides
        np.testing.assert_array_equal(got, want)
    got = three(_ATLEAST_INPUTS[0], _ATLEAST_INPUTS[3], _ATLEAST_INPUTS[5])
    want = fn(_ATLEAST_INPUTS[0], _ATLEAST_INPUTS[3], _ATLEAST_INPUTS[5])
    assert len(got) == 3
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.strides == w.strides
        np.testing.assert_array_equal(g, w)


def test_flip_matches_numpy():
    f = jit(lambda a: np.flip(a))
    assert f(np.array(7)) == np.flip(np.array(7)) == 7
    for a in (np.arange(10), np.arange(10).reshape(5, 2), np.arange(20).reshape(5, 2, 2).T):
        got, want = f(a), np.flip(a)
        assert got.shape == want.shape and got.strides == want.strides
        np.testing.assert_array_equal(got, want)


def test_broadcast_refusals_name_the_argument():
    from kiln.errors import TypingError
    with pytest.raises(TypingError, match="must be either an int or tuple"):
        broadcast_shapes2((1, 2), ("hello",))
    with pytest.raises(TypingError, match='The first argument "array" must be array-like'):
        broadcast_to("hello", (3,))
    with pytest.raises(TypingError, match='The argument "shape" must be a tuple or an integer'):
        broadcast_to(np.zeros(3), ())


def test_flip_of_a_tuple_is_refused_with_numbas_words():
    from kiln.errors import TypingError
    with pytest.raises(TypingError, match="Cannot np.flip on UniTuple"):
        jit(lambda m: np.flip(m))((1, 2, 3))


def test_isscalar_matches_numpy():
    f = jit(lambda x: np.isscalar(x))
    for x in (3, np.asarray([3]), (3,), 3j, "numba", np.int16(12345), 4.234, True, None, np.float32(1)):
        assert f(x) == np.isscalar(x), x
