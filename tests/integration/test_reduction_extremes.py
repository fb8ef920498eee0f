"""max, min, argmax and argmin of whole arrays (lower_arrays.cpp,
blockedExtreme): a vector pass per block of 2048 items and a second look
only at a block whose extreme beats the best so far. These pin what the
plain loop gave and NumPy gives: the first NaN wins (its index for argmax
and argmin, the NaN itself for max and min), of equal items the first
wins (-0.0 and 0.0 are equal: max and min return the first of them, argmax
and argmin its index), every integer and float dtype, strided, reversed
and 2-d inputs, block edges, and NumPy's ValueError for an empty array.
Also the flat elementwise loop (one unfused operation over contiguous
operands) against NumPy over layouts."""

import math

import numpy as np
import pytest

import kiln


@kiln.jit
def jmax(a):
    return a.max()


@kiln.jit
def jmin(a):
    return np.min(a)


@kiln.jit
def jargmax(a):
    return np.argmax(a)


@kiln.jit
def jargmin(a):
    return a.argmin()


def reference(a, is_min, is_arg):
    """The plain loop: the first NaN, else the first of the extreme items."""
    flat = a.ravel()  # C order, as NumPy's argmax counts
    best, where = flat[0], 0
    for k in range(1, flat.size):
        x = flat[k]
        if math.isnan(best):
            break
        if math.isnan(x) or (x < best if is_min else x > best):
            best, where = x, k
    return where if is_arg else best


def same(got, want):
    if isinstance(want, (float, np.floating)):
        if math.isnan(want):
            return math.isnan(got)
        return got == want and math.copysign(1.0, got) == math.copysign(1.0, want)
    return got == want


FUNCS = [(jmax, False, False, np.max), (jmin, True, False, np.min),
         (jargmax, False, True, np.argmax), (jargmin, True, True, np.argmin)]
SIZES = [1, 2, 5, 2047, 2048, 2049, 4096, 4097, 10_001]


def check(a):
    for f, is_min, is_arg, np_f in FUNCS:
        got, want = f(a), reference(a, is_min, is_arg)
        assert same(got, want), (f, a.dtype, a.shape, got, want)
        if is_arg:
            assert got == np_f(a)  # NumPy's index exactly: first NaN, first of ties
        else:
            w = np_f(a)
            assert (math.isnan(got) and math.isnan(w)) or got == w


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", SIZES)
def test_floats_random_sorted_and_constant(kilnd, dtype, n):
    a = np.random.default_rng(n).standard_normal(n).astype(dtype)
    for x in (a, np.sort(a), np.sort(a)[::-1].copy(), np.full(n, a[0]), a[::2], a[::-1]):
        check(x)


@pytest.mark.parametrize("n", SIZES)
def test_nan_positions(kilnd, n):
    rng = np.random.default_rng(100 + n)
    base = rng.standard_normal(n)
    spots = {0, n - 1, n // 2, min(2048, n - 1), min(2049, n - 1)}
    for p in spots:
        a = base.copy()
        a[p] = np.nan
        check(a)
        assert jargmax(a) == p and jargmin(a) == p
        assert math.isnan(jmax(a)) and math.isnan(jmin(a))
        b = a.copy()
        b[n - 1] = np.nan  # a second NaN later: the first still wins
        assert jargmax(b) == p and jargmin(b) == p
    big = base.copy()
    big[-1] = 1e300  # a larger item after a NaN does not win
    big[0] = np.nan
    assert jargmax(big) == 0 and math.isnan(jmax(big))
    assert jargmax(np.full(n, np.nan)) == 0


@pytest.mark.parametrize("n", [3, 2048, 2049, 5000])
def test_signed_zero_ties_first_wins(kilnd, n):
    rng = np.random.default_rng(7)
    a = rng.choice(np.array([0.0, -0.0, -1.0, -3.5]), n)
    for x in (a, -a, a[::-1], a[1:]):
        check(x)
    z = np.full(n, -1.0)
    z[n // 3], z[n - 1] = -0.0, 0.0
    assert jargmax(z) == n // 3
    assert math.copysign(1.0, jmax(z)) == -1.0 and jmax(z) == 0.0
    z[n // 3], z[n - 1] = 0.0, -0.0
    assert math.copysign(1.0, jmax(z)) == 1.0
    assert jargmin(-z) == n // 3 and math.copysign(1.0, jmin(-z)) == -1.0


def test_infinities(kilnd):
    a = np.array([1.0, np.inf, 2.0, np.inf, -np.inf, -np.inf] * 1000)
    check(a)
    assert jargmax(a) == 1 and jargmin(a) == 4
    check(np.full(3000, -np.inf))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64])
@pytest.mark.parametrize("n", [1, 7, 2048, 2049, 9000])
def test_integers(kilnd, dtype, n):
    info = np.iinfo(dtype)
    a = np.random.default_rng(n).integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    for x in (a, np.sort(a), np.sort(a)[::-1].copy(), a[::3], np.full(n, info.max), np.full(n, info.min)):
        check(x)
    ties = np.zeros(n, dtype=dtype)
    ties[n // 2:] = 5
    assert jargmax(ties) == n // 2 and jargmin(ties) == 0


def test_float16_and_bool_keep_their_loop(kilnd):
    h = np.array([1.5, np.nan, 7.0, -2.0], dtype=np.float16)
    assert jargmax(h) == 1 and math.isnan(jmax(h))
    b = np.array([False, True, True, False])
    assert jargmax(b) == 1 and jargmin(b) == 0 and jmax(b) and not jmin(b)


def test_two_d_layouts(kilnd):
    m = np.random.default_rng(3).standard_normal((67, 91))
    m[40, 3] = np.nan
    for x in (m, m.T, np.asfortranarray(m), m[::2, ::3], m[:, 5:], m[::-1]):
        check(x)
    clean = np.random.default_rng(4).standard_normal((50, 70))
    for x in (clean, clean.T, clean[1::2, ::-1]):
        check(x)


def test_axis_argument(kilnd):
    @kiln.jit
    def per_axis(m):
        return m.max(axis=0), m.min(axis=1), np.argmax(m, axis=0), np.argmin(m, axis=1)

    m = np.random.default_rng(5).standard_normal((30, 40))
    m[3, 4] = np.nan
    m[7, 9], m[8, 9] = 0.0, -0.0
    got = per_axis(m)
    want = (m.max(axis=0), m.min(axis=1), np.argmax(m, axis=0), np.argmin(m, axis=1))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("f, message", [
    (jmax, "zero-size array to reduction operation maximum which has no identity"),
    (jmin, "zero-size array to reduction operation minimum which has no identity"),
    (jargmax, "attempt to get argmax of an empty sequence"),
    (jargmin, "attempt to get argmin of an empty sequence"),
])
@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_empty_raises(kilnd, f, message, dtype):
    with pytest.raises(ValueError, match=message):
        f(np.zeros(0, dtype=dtype))
    with pytest.raises(ValueError):
        f(np.zeros((3, 0), dtype=dtype))


def test_elementwise_flat_and_strided_agree_with_numpy(kilnd):
    @kiln.jit
    def gt(a, b):
        return a > b

    @kiln.jit
    def add(a, b):
        return a + b

    @kiln.jit
    def count(a):
        return (a > 0.5).sum()

    rng = np.random.default_rng(6)
    m, n = rng.random((13, 17)), rng.random((13, 17))
    for a, b in [(m, n), (m.T, n.T), (m[::2], n[::2]), (m, n[0]), (m[:, :1], n),
                 (np.asfortranarray(m), n), (m[:, ::-1], n)]:
        np.testing.assert_array_equal(gt(a, b), a > b)
        np.testing.assert_array_equal(add(a, b), a + b)
        assert count(a) == (a > 0.5).sum()
    v = rng.random(100_003)
    assert count(v) == (v > 0.5).sum() and count(v[::3]) == (v[::3] > 0.5).sum()
    assert count(np.array([np.nan, 0.7, 0.5])) == 1
    assert count(np.zeros(0)) == 0
