"""float16: np.float16 scalars and arrays, compared with NumPy bit for bit.

NumPy computes half arithmetic in float32 and rounds back once; Kiln's half
values are LLVM `half`, promoted the same way, with the conversions the
module defines itself (compiler/targets/cpu/half_conversions.cpp)."""
import math

import numpy as np
import pytest

import kiln

ALL = np.arange(65536, dtype=np.uint16).view(np.float16)  # every half, NaNs and infinities included


def same_bits(got, want):
    """Equal bits, except that any NaN matches any NaN (which NaN operand a
    sum of two NaNs keeps is up to the hardware's operand order)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(np.uint16), want[~nan].view(np.uint16))


@pytest.fixture(scope="module")
def pairs():
    rng = np.random.default_rng(7)
    a = rng.choice(ALL, 100_000)
    b = rng.choice(ALL, 100_000)
    b[b == 0] = np.float16(1)  # scalar division by zero raises, as for other floats
    return a, b


def test_scalar_arithmetic_rounds_as_numpy(pairs):
    @kiln.jit
    def ops(a, b, o):
        for i in range(a.size):
            x = a[i]
            y = b[i]
            o[0, i] = x + y
            o[1, i] = x - y
            o[2, i] = x * y
            o[3, i] = x / y
            o[4, i] = -x
            o[5, i] = abs(x)

    a, b = pairs
    o = np.empty((6, a.size), np.float16)
    ops(a, b, o)
    with np.errstate(all="ignore"):
        for k, want in enumerate([a + b, a - b, a * b, a / b, -a, np.abs(a)]):
            same_bits(o[k], want)


def test_comparisons(pairs):
    @kiln.jit
    def cmp(a, b, o):
        for i in range(a.size):
            o[0, i] = a[i] < b[i]
            o[1, i] = a[i] == b[i]
            o[2, i] = a[i] >= b[i]

    a, b = pairs
    o = np.empty((3, a.size), np.bool_)
    cmp(a, b, o)
    assert np.array_equal(o, [a < b, a == b, a >= b])


def test_conversions_round_to_nearest_even():
    @kiln.jit
    def narrow(d, o):
        for i in range(d.size):
            o[i] = np.float16(d[i])

    @kiln.jit
    def widen(h, o):
        for i in range(h.size):
            o[i] = np.float64(h[i])

    rng = np.random.default_rng(1)
    d = rng.standard_normal(50_000) * rng.choice([1e-9, 6e-8, 1e-5, 1e-3, 1.0, 100.0, 6.5e4, 7e4], 50_000)
    d = np.concatenate([d, ALL[~np.isnan(ALL)].astype(np.float64), [65519.99, 65520.0, 2.0**-25, 3 * 2.0**-26]])
    for src in (d, d.astype(np.float32)):
        o = np.empty(src.size, np.float16)
        narrow(src, o)
        with np.errstate(all="ignore"):
            same_bits(o, src.astype(np.float16))
    o64 = np.empty(ALL.size)
    widen(ALL, o64)
    assert np.array_equal(o64, ALL.astype(np.float64), equal_nan=True)


def test_scalars_in_and_out():
    f = kiln.jit(lambda a, b: a * b + a)
    r = f(np.float16(1.5), np.float16(0.1))
    assert type(r) is np.float16 and r == np.float16(1.5) * np.float16(0.1) + np.float16(1.5)
    assert kiln.jit(lambda x: np.float16(x))(2.7) == np.float16(2.7)
    assert kiln.jit(lambda x: int(x))(np.float16(-3.75)) == -3
    assert kiln.jit(lambda x: float(x))(np.float16(0.1)) == float(np.float16(0.1))


def test_promotion_follows_numpy_types():
    h = np.float16(1.5)
    # float16 with float32 is float32; with an int64 or float64, float64
    assert kiln.jit(lambda a, b: (a + b) * np.float32(1) == np.float32(2.5))(h, np.float32(1))
    assert kiln.jit(lambda a, b: a + b)(h, np.int64(1)) == 2.5
    assert kiln.jit(lambda a: math.sqrt(a))(h) == math.sqrt(1.5)


def test_ufuncs_compute_in_float32_and_round_back():
    x = ALL[np.isfinite(ALL)]
    with np.errstate(all="ignore"):
        for fn in (lambda a: np.sqrt(a), lambda a: a + a, lambda a: a * np.float16(3), lambda a: np.floor(a),
                   lambda a: np.true_divide(a, np.float16(7))):
            same_bits(kiln.jit(fn)(x), fn(x))
        # Transcendental loops: libm's float32 function rounded to half. NumPy's own
        # float16 sin/exp take SIMD paths that depend on the CPU and may differ by
        # one half ulp in a few places; Kiln is never further away than that.
        for fn in (lambda a: np.sin(a), lambda a: np.exp(a), lambda a: np.log(a), lambda a: np.tanh(a)):
            got, want = kiln.jit(fn)(x), fn(x)
            ok = ~np.isnan(want) & np.isfinite(want)
            assert np.array_equal(np.isnan(got), np.isnan(want))
            ulps = np.abs(got[ok].view(np.int16).astype(np.int32) - want[ok].view(np.int16).astype(np.int32))
            assert ulps.max() <= 1 and (ulps == 0).mean() > 0.999
    i8 = np.arange(-5, 6, dtype=np.int8)
    with np.errstate(all="ignore"):
        same_bits(kiln.jit(lambda a: np.sqrt(a))(i8), np.sqrt(i8))  # NumPy's loop for int8 is e->e


def test_reductions_accumulate_in_float32():
    rng = np.random.default_rng(3)
    for n in (5, 7, 1000):
        x = rng.standard_normal(n).astype(np.float16)
        assert kiln.jit(lambda a: a.sum())(x) == x.sum()
        assert kiln.jit(lambda a: a.mean())(x) == x.mean()
        assert kiln.jit(lambda a: a.max())(x) == x.max()
        same_bits(kiln.jit(lambda a: np.cumsum(a))(x), np.cumsum(x))
    m = rng.standard_normal((4, 6)).astype(np.float16)
    same_bits(kiln.jit(lambda a: a.sum(axis=1))(m), m.sum(axis=1))


def test_arrays_are_made_and_returned():
    z = kiln.jit(lambda n: np.zeros(n, np.float16))(3)
    assert z.dtype == np.float16 and z.tolist() == [0, 0, 0]
    e = kiln.jit(lambda n: np.ones(n, dtype="float16"))(2)
    assert e.dtype == np.float16
    a = np.arange(10.0) / 7
    same_bits(kiln.jit(lambda a: a.astype(np.float16))(a), a.astype(np.float16))


def test_spacing_is_refused():
    with pytest.raises(kiln.TypingError, match="float16"):
        kiln.jit(lambda a: np.spacing(a))(np.ones(2, np.float16))
