"""Complex array multiplication and division are NumPy's, bit for bit.

NumPy divides complex arrays (and its own complex scalars) by Smith's
method times the reciprocal of the scaled denominator, where CPython's
complex division divides by it; on an x86-64-v3 processor (AVX2 and FMA3,
as this machine) its element-wise multiply loop fuses one product of each
part: re = fma(ar, br, -(ai*bi)), im = fma(ar, bi, ai*br). Its reductions
(prod of a row, cumprod) and its power keep both products rounded. Kiln's
array paths follow NumPy and Python's complex scalars keep CPython's
results (docs/numpy.md "Complex multiplication and division").

Every comparison is of each part's bits (value and sign of zero; a NaN
compares as a NaN, whatever its sign and payload, which neither LLVM nor
NumPy's own loops keep). The values span many binades, so a division
instead of a multiply by the reciprocal, or a rounded product instead of a
fused one, shows in the last bits of about 4 items in 10 (checked: the
server before this change fails 41 of these 50 cases).
"""
import itertools
import warnings

import numpy as np
import pytest

from kiln import jit

PART = {np.complex128: np.float64, np.complex64: np.float32}
DTYPES = [np.complex128, np.complex64]


def same(got, want):
    """got (Kiln's) has want's dtype and shape and each part's bits."""
    want = np.asarray(want)
    got = np.asarray(got)
    if got.ndim == 0 and want.ndim == 0 and got.dtype != want.dtype:
        # a scalar comes back as a Python complex (as Numba's): exactly a
        # value of want's dtype
        cast = got.astype(want.dtype)
        assert cast.astype(got.dtype) == got or np.isnan(got), (got, want)
        got = cast
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype, got.shape, want.shape)
    part = PART.get(want.dtype.type, want.dtype.type)  # a var is real
    g = got.reshape(-1).view(part)
    w = want.reshape(-1).view(part)
    nan = np.isnan(w)
    assert np.array_equal(np.isnan(g), nan)
    bad = np.nonzero(~nan & ((g != w) | (np.signbit(g) != np.signbit(w))))[0]
    assert bad.size == 0, f"{bad.size} of {w.size} parts differ, first {bad[:5]}: got {g[bad[:5]]} want {w[bad[:5]]}"


def numpy_of(f, *args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return f(*args)


def spread(rng, n, dtype):
    """Complex values over many binades (parts of either sign, some zero)."""
    span = 60 if dtype == np.complex128 else 18
    part = lambda: rng.uniform(-1, 1, n) * 2.0 ** rng.integers(-span, span + 1, n)
    z = (part() + 1j * part()).astype(dtype)
    z[:: 97].real = 0
    z[1:: 89].imag = -0.0
    return z


def special(dtype):
    """Every pair of complex numbers whose parts are among the special values."""
    big = np.finfo(PART[dtype]).max
    tiny = np.finfo(PART[dtype]).smallest_subnormal
    vals = np.array([0.0, -0.0, 1.0, -1.5, np.inf, -np.inf, np.nan, tiny, big, -3 * tiny], PART[dtype])
    grid = np.array(list(itertools.product(range(len(vals)), repeat=4)))
    a = np.empty(len(grid), dtype)
    b = np.empty(len(grid), dtype)
    a.real, a.imag, b.real, b.imag = (vals[grid[:, k]] for k in range(4))
    return a, b


MUL = jit(lambda a, b: a * b)
DIV = jit(lambda a, b: a / b)
UFUNC = {
    "multiply": jit(lambda a, b: np.multiply(a, b)),
    "divide": jit(lambda a, b: np.divide(a, b)),
    "true_divide": jit(lambda a, b: np.true_divide(a, b)),
}
OPERATOR = {"mul": (MUL, np.multiply), "div": (DIV, np.true_divide)}


@jit
def imul(a, b):
    a *= b
    return a


@jit
def idiv(a, b):
    a /= b
    return a


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["mul", "div"])
@pytest.mark.parametrize("n", [1, 3, 8, 1001, 100000])
def test_contiguous_random(dtype, op, n):
    rng = np.random.default_rng(n)
    a, b = spread(rng, n, dtype), spread(rng, n, dtype)
    f, np_f = OPERATOR[op]
    same(f(a, b), numpy_of(np_f, a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["mul", "div"])
def test_special_values(dtype, op):
    a, b = special(dtype)
    f, np_f = OPERATOR[op]
    same(f(a, b), numpy_of(np_f, a, b))
    same(f(b, a), numpy_of(np_f, b, a))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(UFUNC))
def test_ufunc_calls(dtype, name):
    rng = np.random.default_rng(7)
    a, b = spread(rng, 5000, dtype), spread(rng, 5000, dtype)
    same(UFUNC[name](a, b), numpy_of(getattr(np, name), a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["mul", "div"])
def test_strided_operands(dtype, op):
    # positive strides: NumPy's SIMD multiply takes them (a complex64
    # operand with a negative stride is the one layout it does not fuse)
    rng = np.random.default_rng(11)
    a, b = spread(rng, 9000, dtype), spread(rng, 3000, dtype)
    f, np_f = OPERATOR[op]
    same(f(a[::3], b), numpy_of(np_f, a[::3], b))
    same(f(a[1::3], a[2::3]), numpy_of(np_f, a[1::3], a[2::3]))
    m = a.reshape(90, 100)
    same(f(m[:, ::2], m[:, 1::2]), numpy_of(np_f, m[:, ::2], m[:, 1::2]))
    same(f(m.T, m.T), numpy_of(np_f, m.T, m.T))


@pytest.mark.parametrize("op", ["mul", "div"])
def test_reversed_complex128(op):
    rng = np.random.default_rng(12)
    a, b = spread(rng, 4000, np.complex128), spread(rng, 4000, np.complex128)
    f, np_f = OPERATOR[op]
    same(f(a[::-1], b), numpy_of(np_f, a[::-1], b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["mul", "div"])
def test_broadcast_scalar_operand(dtype, op):
    rng = np.random.default_rng(13)
    a = spread(rng, 5000, dtype)
    f, np_f = OPERATOR[op]
    for s in [complex(a[3]), complex(a[17]), 0j, complex(0.0, -2.5), complex(np.inf, 1.0)]:
        same(f(a, s), numpy_of(np_f, a, s))
        same(f(s, a), numpy_of(np_f, s, a))
    # a row against a column, and an array against a 0-d array
    col, row = a[:50, None], a[100:180][None, :]
    same(f(col, row), numpy_of(np_f, col, row))
    same(f(a, a[9:10].reshape(())), numpy_of(np_f, a, a[9:10].reshape(())))


@pytest.mark.parametrize("dtype", DTYPES)
def test_in_place(dtype):
    rng = np.random.default_rng(17)
    a, b = spread(rng, 20000, dtype), spread(rng, 20000, dtype)
    want = a.copy()
    numpy_of(lambda x, y: x.__imul__(y), want, b)
    same(imul(a.copy(), b), want)
    want = a.copy()
    numpy_of(lambda x, y: x.__itruediv__(y), want, b)
    same(idiv(a.copy(), b), want)


FUSED_MADD = jit(lambda a, b, c: a * b + c)
FUSED_QSUM = jit(lambda a, b: (a / b).sum())
FUSED_CHAIN = jit(lambda a, b, c: (a * b) / (c - a))


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_expressions(dtype):
    rng = np.random.default_rng(19)
    a, b, c = (spread(rng, 30000, dtype) for _ in range(3))
    same(FUSED_MADD(a, b, c), numpy_of(lambda: a * b + c))
    same(FUSED_QSUM(a, b), numpy_of(lambda: (a / b).sum()))
    same(FUSED_CHAIN(a, b, c), numpy_of(lambda: (a * b) / (c - a)))


SQUARE = jit(lambda a: np.square(a))
OUTER = jit(lambda a, b: np.outer(a, b))
PROD0 = jit(lambda m: m.prod(axis=0))
PROD1 = jit(lambda m: m.prod(axis=1))
PROD = jit(lambda a: np.prod(a))
CUMPROD = jit(lambda a: np.cumprod(a))


@pytest.mark.parametrize("dtype", DTYPES)
def test_other_array_multiplies(dtype):
    # square, outer and a product across rows are NumPy's element-wise
    # multiply; a product along a row and cumprod are its reduction loop
    rng = np.random.default_rng(23)
    a = spread(rng, 6000, dtype)
    u = (a / np.abs(a)).astype(dtype)  # products of many stay finite
    same(SQUARE(a), numpy_of(np.square, a))
    same(OUTER(a[:70], a[200:290]), numpy_of(np.outer, a[:70], a[200:290]))
    m = u[:6000].reshape(60, 100)
    same(PROD0(m), numpy_of(lambda: m.prod(axis=0)))
    same(PROD1(m), numpy_of(lambda: m.prod(axis=1)))
    same(PROD(u[:3000]), numpy_of(np.prod, u[:3000]))
    same(CUMPROD(u[:3000]), numpy_of(np.cumprod, u[:3000]))


NANVAR = jit(lambda a: np.nanvar(a))
NANSTD = jit(lambda a: np.nanstd(a))
PRODSUM = jit(lambda a, b: (a * b).sum())


@pytest.mark.parametrize("dtype", DTYPES)
def test_nanvar_and_fused_product_sum(dtype):
    # nanvar squares each deviation as (x - m) * conj(x - m) in NumPy's
    # element-wise multiply, fused where that fuses. Two items (and a NaN
    # to skip) at a time: in a longer sum the other terms hide a square's
    # last bit. About 1 array in 7 tells the fused square from the rounded.
    rng = np.random.default_rng(31)
    for _ in range(300):
        a = (rng.standard_normal(3) + 1j * rng.standard_normal(3)).astype(dtype)
        a[rng.integers(3)] = complex(np.nan, 1.0)
        same(NANVAR(a), numpy_of(np.nanvar, a))
        same(NANSTD(a), numpy_of(np.nanstd, a))
        b = (rng.standard_normal(2) + 1j * rng.standard_normal(2)).astype(dtype)
        same(PRODSUM(a[:2], b), numpy_of(lambda: (a[:2] * b).sum()))


def test_ufunc_calls_on_python_scalars():
    # np.multiply/np.divide of two scalars run NumPy's loop on one item:
    # NumPy's bits, unlike the operators on the same scalars
    rng = np.random.default_rng(37)
    a, b = spread(rng, 3000, np.complex128), spread(rng, 3000, np.complex128)
    for name in ("multiply", "divide"):
        got = np.array([UFUNC[name](x, y) for x, y in zip(a.tolist(), b.tolist())])
        same(got, numpy_of(lambda: np.array([getattr(np, name)(x, y) for x, y in zip(a.tolist(), b.tolist())])))


SCALAR_MUL = jit(lambda x, y: x * y)
SCALAR_DIV = jit(lambda x, y: x / y)


def test_python_complex_scalars_keep_cpython():
    # a Python complex times or over a Python complex is CPython's (both
    # products rounded; a division by the scaled denominator), not NumPy's
    rng = np.random.default_rng(29)
    a, b = spread(rng, 4000, np.complex128), spread(rng, 4000, np.complex128)
    differs_from_numpy = 0
    for x, y in zip(a.tolist(), b.tolist()):
        for f, want in ((SCALAR_MUL, x * y), (SCALAR_DIV, x / y if y else None)):
            if want is None:
                continue
            got = f(x, y)
            assert (got.real, got.imag) == (want.real, want.imag), (x, y, got, want)
            assert np.signbit([got.real, got.imag]).tolist() == np.signbit([want.real, want.imag]).tolist()
        q = np.asarray([x]) / np.asarray([y])
        differs_from_numpy += complex(q[0]) != x / y
    assert differs_from_numpy > 400  # the two formulas do differ on these values
    with pytest.raises(ZeroDivisionError):
        SCALAR_DIV(1 + 2j, 0j)
