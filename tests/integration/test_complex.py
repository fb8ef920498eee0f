"""Complex numbers: complex scalars (construction, arithmetic, parts,
powers), the cmath module (client/python/kiln/library/cmath_functions.py)
over CPython's special values, and complex arrays (reductions, power,
parts). Expected values come from CPython and NumPy at test time; the
cmath functions follow CPython's algorithms, so most compare bit for bit."""

import cmath
import itertools
import math

import numpy as np
import pytest

INF = float("inf")
NAN = float("nan")
REALS = [-0.0, 0.0, 1.0, -1.0, 1.5, -3.5, -math.pi, math.pi, 1e-310, 1e300, -INF, INF, NAN]
SPECIAL = [complex(x, y) for x, y in itertools.product(REALS, REALS)]


def same_float(got, want, ulps):
    if math.isnan(want):
        return math.isnan(got)
    if math.isinf(want) or want == 0.0:
        return got == want and math.copysign(1.0, got) == math.copysign(1.0, want)
    return abs(got - want) <= ulps * math.ulp(want)


def outcome(f, *args):
    """f's result, or the class and message of what it raised."""
    try:
        return f(*args)
    except (ValueError, ZeroDivisionError, OverflowError) as e:
        return (type(e), str(e))


def check_same(got, want, ulps=0):
    if isinstance(want, tuple) and want and isinstance(want[0], type):
        assert got == want
    elif isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            check_same(g, w, ulps)
    elif isinstance(want, complex):
        assert isinstance(got, complex), (got, want)
        assert same_float(got.real, want.real, ulps) and same_float(got.imag, want.imag, ulps), (got, want)
    elif isinstance(want, bool):
        assert got is want
    else:
        assert same_float(got, want, ulps), (got, want)


CMATH_UNARY = ["sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
               "tanh", "asinh", "acosh", "atanh", "phase", "polar", "isnan", "isinf", "isfinite"]


@pytest.mark.parametrize("name", CMATH_UNARY)
def test_cmath_special_values(kilnd, name):
    from kiln import jit

    fn = getattr(cmath, name)
    kernel = jit(lambda z: fn(z))
    for z in SPECIAL:
        want = outcome(fn, z)
        if name in ("phase", "polar") and isinstance(want, tuple) and want[0] is OverflowError:
            continue  # CPython reports atan2's underflow (errno ERANGE) as an overflow: not followed
        got = outcome(kernel, z)
        try:
            # CPython's algorithms on the same libm: equal but for an ulp
            # where LLVM folds differently.
            check_same(got, want, ulps=2)
        except AssertionError:
            raise AssertionError(f"cmath.{name}({z!r}): kiln {got!r}, CPython {want!r}")


def test_cmath_log_base_and_rect(kilnd):
    from kiln import jit

    log_base = jit(lambda z, b: cmath.log(z, b))
    rect = jit(lambda r, phi: cmath.rect(r, phi))
    for z, b in itertools.product(SPECIAL[::7], [2.0 + 0j, 1j, 0j, 1 + 0j, -INF + 0j, complex(NAN, 1)]):
        check_same(outcome(log_base, z, b), outcome(cmath.log, z, b), ulps=3)
    for r, phi in itertools.product(REALS, REALS):
        check_same(outcome(rect, r, phi), outcome(cmath.rect, r, phi), ulps=1)


def test_cmath_takes_reals(kilnd):
    from kiln import jit

    f = jit(lambda x, n: (cmath.sqrt(x), cmath.exp(n), cmath.phase(x), cmath.isclose(x, x + 1e-12)))
    check_same(f(-4.0, 2), (cmath.sqrt(-4.0), cmath.exp(2), cmath.phase(-4.0), True), ulps=1)


def test_complex_constructor(kilnd):
    from kiln import jit

    f = jit(lambda a, b: (complex(), complex(a), complex(a, b), complex(b, -0.0)))
    g = jit(lambda z, w: (complex(z), complex(z, w), complex(1.5, w), complex(z, 2)))
    for a, b in [(3.0, 4.0), (-1.5, 0.0), (2, -0.0)]:
        check_same(f(a, b), (complex(), complex(a), complex(a, b), complex(b, -0.0)))
    for z, w in [(1 + 2j, 3 - 4j), (-0.0 - 0j, 0j)]:
        check_same(g(z, w), (complex(z), complex(z, w), complex(1.5, w), complex(z, 2)))


def test_parts_and_abs(kilnd):
    from kiln import jit

    f = jit(lambda z: (z.real, z.imag, z.conjugate(), abs(z), -z, z == z.conjugate(), z != 1j))
    for z in SPECIAL[::5]:
        want = (z.real, z.imag, z.conjugate(), abs(z), -z, z == z.conjugate(), z != 1j)
        check_same(f(z), want)
    ints = jit(lambda n, x: (n.real, n.imag, n.conjugate(), x.real, x.imag, x.conjugate()))
    assert ints(-3, 2.5) == (-3, 0, -3, 2.5, 0.0, 2.5)
    single = jit(lambda z: (z.real, abs(z)))
    r, m = single(np.complex64(3 + 4j))
    assert (r, m) == (3.0, 5.0)


def test_arithmetic_mixes_numbers(kilnd):
    from kiln import jit

    f = jit(lambda z, w, n, x: (z + w, z - w, z * w, z / w, z + n, x * z, n / z, 1j * x, z ** 2))
    for z, w in [(1 + 2j, 3 - 1j), (-0.5j, 2.0 + 0j), (1e200 + 1e200j, 1e-200 + 0j)]:
        want = (z + w, z - w, z * w, z / w, z + 3, 2.5 * z, 3 / z, 1j * 2.5, z ** 2)
        check_same(f(z, w, 3, 2.5), want)
    div = jit(lambda z, w: z / w)
    with pytest.raises(ZeroDivisionError, match="complex division by zero"):
        div(1 + 1j, 0j)


POWERS = [(1 + 2j, 2), (1 + 2j, -3), (1 + 2j, 0.5 - 1j), (-2 + 0.5j, 2j), (0j, 0), (0j, 3), (2.0 + 0j, 101),
          (1.5 - 0.5j, 100), (-1 + 0j, 0.5), (complex(INF, 1), 1), (1e-200 + 0j, 2), (3 + 4j, 0.0)]


def test_power_as_cpython(kilnd):
    from kiln import jit

    p = jit(lambda z, w: z ** w)
    q = jit(lambda z, w: pow(z, w))
    r = jit(lambda x, z: x ** z)
    for z, w in POWERS:
        check_same(outcome(p, z, w), outcome(lambda a, b: a ** b, z, w), ulps=1)
        check_same(outcome(q, z, w), outcome(pow, z, w), ulps=1)
    check_same(r(2.0, 1 + 2j), 2.0 ** (1 + 2j), ulps=1)
    with pytest.raises(ZeroDivisionError, match="0.0 to a negative or complex power"):
        p(0j, -1)
    with pytest.raises(ZeroDivisionError, match="0.0 to a negative or complex power"):
        p(0j, 1j)


Z = np.array([1 + 2j, 3 - 1j, -2 + 0.5j, 3 - 2j, 0.5j, 3 - 1j])
Z_NAN = np.array([1 + 2j, complex(NAN, 1), 4 + 0j, complex(1, NAN)])


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "all",
                                  "any", "cumsum", "cumprod", "ptp", "nansum", "nanmean", "nanvar", "nanstd",
                                  "nanmin", "nanmax"])
def test_array_reductions(kilnd, name):
    from kiln import jit

    src = {
        "sum": lambda a: a.sum(), "prod": lambda a: a.prod(), "mean": lambda a: a.mean(),
        "var": lambda a: a.var(), "std": lambda a: a.std(), "min": lambda a: a.min(), "max": lambda a: a.max(),
        "argmin": lambda a: a.argmin(), "argmax": lambda a: a.argmax(), "all": lambda a: a.all(),
        "any": lambda a: a.any(), "cumsum": lambda a: a.cumsum(), "cumprod": lambda a: a.cumprod(),
        "ptp": lambda a: np.ptp(a), "nansum": lambda a: np.nansum(a), "nanmean": lambda a: np.nanmean(a),
        "nanvar": lambda a: np.nanvar(a), "nanstd": lambda a: np.nanstd(a), "nanmin": lambda a: np.nanmin(a),
        "nanmax": lambda a: np.nanmax(a),
    }[name]
    method = jit(src)
    for a in [Z, Z.astype(np.complex64), Z.reshape(2, 3), Z_NAN, np.array([0j, 1 + 0j])]:
        got, want = method(a), src(a)
        if isinstance(want, np.ndarray):
            assert got.dtype == want.dtype
            np.testing.assert_allclose(got, want, rtol=1e-6 if a.dtype == np.complex64 else 1e-13)
        else:
            assert np.asarray(got).dtype.kind == np.asarray(want).dtype.kind, (got, want)
            np.testing.assert_allclose(got, want, rtol=1e-6 if a.dtype == np.complex64 else 1e-13)


def test_array_reductions_axis_and_numpy_functions(kilnd):
    from kiln import jit

    f = jit(lambda a: (np.sum(a, axis=0), a.prod(axis=1), np.mean(a), np.max(a), np.argmin(a)))
    a = Z.reshape(2, 3)
    got = f(a)
    want = (np.sum(a, axis=0), a.prod(axis=1), np.mean(a), np.max(a), np.argmin(a))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-13)


def test_array_power_and_parts(kilnd):
    from kiln import jit

    f = jit(lambda a, b: (a ** 2, a ** b, np.power(a, b), np.power(a, 3), a ** -1, a ** 0.5))
    a = np.array([1 + 2j, -2 + 0.5j, 0j, 3 + 0j, complex(0, -1)])
    b = np.array([0.5 - 1j, 2j, 2 + 0j, -1 + 0j, 3 + 0j])
    with np.errstate(all="ignore"):
        want = (a ** 2, a ** b, np.power(a, b), np.power(a, 3), a ** -1, a ** 0.5)
    for g, w in zip(f(a, b), want):
        assert g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-13)
    parts = jit(lambda a: (a.real, a.imag, np.conj(a), np.abs(a), np.angle(a), np.real(a), np.imag(a),
                           np.angle(a, True)))
    got = parts(a)
    want = (a.real, a.imag, np.conj(a), np.abs(a), np.angle(a), np.real(a), np.imag(a), np.angle(a, True))
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-15)


def test_real_imag_are_views(kilnd):
    from kiln import jit

    @jit
    def f(a):
        a.real[0] = 10.0
        a.imag[1] = -7.0
        return a.real

    a = Z.copy()
    r = f(a)
    assert a[0] == 10 + 2j and a[1] == 3 - 7j
    r[2] = 99.0
    assert a[2] == 99 + 0.5j


def test_nan_reductions_of_all_nan(kilnd):
    from kiln import jit

    f = jit(lambda a: (np.nanmin(a), np.nanmax(a), np.nansum(a)))
    a = np.array([complex(NAN, 0), complex(1, NAN)])
    lo, hi, total = f(a)
    assert cmath.isnan(lo) and cmath.isnan(hi) and total == 0j


def test_arange_complex(kilnd):
    from kiln import jit

    f3 = jit(lambda a, b, c: np.arange(a, b, c))
    f1 = jit(lambda a: np.arange(a))
    fd = jit(lambda a, b: np.arange(a, b, dtype=np.complex128))
    for args in [(0, 2 + 1j, 0.5 + 0.25j), (1j, 5 + 3j, 1 + 0.5j), (0j, 10.0, 1.5), (3 + 0j, 0j, -1 + 0j),
                 (0, 2 + 1j, 0.5 + 0.5j)]:
        got, want = f3(*args), np.arange(*args)
        assert got.dtype == want.dtype and got.shape == want.shape, (args, got, want)
        np.testing.assert_array_equal(got, want)
    for stop in [4 + 0j, 3 + 2j, 2.5 + 9j]:
        np.testing.assert_array_equal(f1(stop), np.arange(stop))
    np.testing.assert_array_equal(fd(1, 6), np.arange(1, 6, dtype=np.complex128))
    with pytest.raises(ZeroDivisionError):
        f3(0j, 1j, 0j)
