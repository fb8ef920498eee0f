"""NumPy's own bits for powers and complex64 functions (issue 8, powop):
`array ** exponent` and np.power as NumPy's operator and loops compute them
(the operator's square, reciprocal and square root for exact Python
exponents 2, -1 and 0.5; the float loops' square root for one exponent of
0.5; nc_pow's unrolled and reciprocal steps for complex numbers, in the
array's own precision), complex64 functions through the float C functions
(csqrtf, cexpf, ...), and NumPy's complex absolute loop. Every result is
compared bit for bit with NumPy, signs of zero and NaNs included."""

import numpy as np
import pytest

from kiln import jit

pytestmark = pytest.mark.usefixtures("kilnd")

rng = np.random.default_rng(20261207)
SPECIAL = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, 1e300, -2.5, 3.0]


def reals(dtype):
    x = np.concatenate([rng.normal(size=300) * np.exp(rng.uniform(-20, 20, 300)), SPECIAL])
    with np.errstate(over="ignore"):
        return x.astype(dtype)


def complexes(dtype):
    parts = np.array(SPECIAL, dtype=np.float64)
    grid = np.empty((len(parts), len(parts)), dtype=np.complex128)
    grid.real, grid.imag = parts[:, None], parts[None, :]  # (an arithmetic 1j*inf would make a NaN real part)
    x = np.concatenate([rng.normal(size=300) + 1j * rng.normal(size=300), grid.ravel()])
    with np.errstate(over="ignore"):
        return x.astype(dtype)


def same_bits(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind == "c":
        for g, w in ((got.real, want.real), (got.imag, want.imag)):
            same_bits(np.ascontiguousarray(g), np.ascontiguousarray(w))
        return
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)  # NaNs as NaN: LLVM does not define their sign or payload
    assert np.array_equal(got[~nan].view(np.uint8), want[~nan].view(np.uint8)), \
        np.flatnonzero(got[~nan].view(want.dtype) != want[~nan])[:5]


EXPONENTS = [0.5, 2, 2.0, -1, -1.0, 0, 1, 1.0, 3, 3.0, -3, 0.25, True]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("e", EXPONENTS, ids=repr)
def test_the_power_operator_as_numpy(dtype, e):
    a = complexes(dtype) if np.dtype(dtype).kind == "c" else reals(dtype)
    with np.errstate(all="ignore"):
        want = a ** e
        constant = jit(eval(f"lambda a: a ** {e!r}"))(a)  # the exponent a constant of the source
        runtime = jit(lambda a, e: a ** e)(a, e)           # ... an argument
        fused = jit(lambda a, e: a ** e * 1.0)(a, e)      # ... inside a fused expression
        inplace = a.copy()
        _ipow(inplace, e)                                  # ... `**=`
        want_fused = a ** e * 1.0
    same_bits(constant, want)
    same_bits(runtime, want)
    same_bits(fused, want_fused)
    same_bits(inplace, want.astype(dtype))


@jit
def _ipow(a, e):
    a **= e


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("e", [0.5, 2.0, -1.0, 3.0, 0.25, np.array(0.5), np.array(2.0)], ids=repr)
def test_np_power_as_numpy(dtype, e):
    # np.power's loops (not the operator): one exponent of 0.5 is a square
    # root for floats; complex numbers take nc_pow's steps.
    a = complexes(dtype) if np.dtype(dtype).kind == "c" else reals(dtype)
    with np.errstate(all="ignore"):
        same_bits(jit(lambda a, e: np.power(a, e))(a, e), np.power(a, e))
        same_bits(jit(lambda a, e: np.power(a, e) + 0)(a, e), np.power(a, e) + 0)
        # an exponent array (not one value for every element): pow's bits
        full = np.full(a.shape, e, dtype=np.asarray(e).dtype)
        same_bits(jit(lambda a, e: a ** e)(a, full), a ** full)


def test_the_square_root_rule_is_visible_in_signs():
    a = np.array([-0.0, -np.inf, 4.0])
    with np.errstate(all="ignore"):
        got = jit(lambda a: a ** 0.5)(a)
    assert np.signbit(got[0]) and np.isnan(got[1]) and got[2] == 2.0  # np.sqrt's, not pow's (0.0, inf)


COMPLEX_FUNCTIONS = ["sqrt", "exp", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh",
                     "tanh", "arcsinh", "arccosh", "arctanh", "log10", "log2", "expm1", "log1p", "exp2",
                     "absolute", "square", "reciprocal"]


@pytest.mark.parametrize("name", COMPLEX_FUNCTIONS)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_functions_in_their_own_precision(name, dtype):
    a = complexes(dtype)
    f = jit(eval(f"lambda a: np.{name}(a)"))
    with np.errstate(all="ignore"):
        same_bits(f(a), getattr(np, name)(a))
        same_bits(f(a[::3]), getattr(np, name)(a[::3]))


def test_complex_absolute_is_numpys_loop_not_hypot():
    # NumPy's loop scales by the larger part; on 10^4 random complex128
    # values hypot differs from it in about a third of the results.
    a = rng.normal(size=10_000) * np.exp(rng.uniform(-30, 30, 10_000)) + 1j * rng.normal(size=10_000)
    got = jit(lambda a: np.abs(a))(a)
    same_bits(got, np.abs(a))
    same_bits(jit(lambda a: np.abs(a))(a[::-1]), np.abs(a[::-1]))
    assert np.sum(got != np.hypot(a.real, a.imag)) > 100
    z = 3.0 + 4.0j
    assert jit(lambda z: abs(z))(z) == abs(z)  # Python's abs of a complex stays CPython's hypot
