"""pairwise: complex sums are NumPy's pairwise sums, bit for bit.

NumPy sums a complex array's real and imaginary parts pairwise, in its own
blocking (leaves of at most 64 items with four accumulators per part,
longer ranges split at half rounded down to a multiple of 4 items; a
complex64 in float32), divides a mean by the count in complex128 (times
1/count), and sums var's squared deviations pairwise as floats. These tests
compare Kiln's results with NumPy's bits (each part's value and sign of
zero) over sizes around the block and split boundaries, both complex dtypes,
layouts, axis sums and fused sums. The values span many binades, so any
other order of adds shows in the last bits (checked: the server before,
which added in order and divided the mean part by part, fails 113 of these
128 cases)."""
import warnings

import numpy as np
import pytest

from kiln import jit

SIZES = list(range(1, 21)) + [64, 65, 127, 128, 129, 255, 256, 257, 1000, 8191, 8192, 8193, 20000]
PART = {np.complex128: np.float64, np.complex64: np.float32}


def same(got, want):
    """got (Kiln's) has want's dtype and shape and each part's bits."""
    want = np.asarray(want)
    if np.ndim(got) == 0 and not isinstance(got, np.ndarray):
        # a scalar comes back as a Python complex or float (as Numba's):
        # exactly a value of want's dtype, then compared in it
        cast = np.asarray(got).astype(want.dtype)
        assert cast.item() == got or np.isnan(got), (got, want)
        got = cast
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    parts = (lambda x: x.view(PART[x.dtype.type]) if x.dtype.kind == "c" else x)
    g, w = parts(got.reshape(-1)), parts(want.reshape(-1))
    assert np.array_equal(g, w, equal_nan=True), (got, want)
    assert np.array_equal(np.signbit(g), np.signbit(w)), (got, want)


def numpy_of(name, *args, **kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return getattr(np, name)(*args, **kw)


def spread(rng, shape, dtype):
    """Complex values over many binades: their sum's last bits show the order of the adds."""
    span = 12 if dtype == np.complex128 else 4
    part = lambda: rng.standard_normal(shape) * 10.0 ** rng.integers(-span, span + 1, shape)
    return (part() + 1j * part()).astype(dtype)


WHOLE = {name: jit(eval(f"lambda x: np.{name}(x)")) for name in ["sum", "mean", "var", "std", "nansum", "nanmean"]}
METHOD_SUM = jit(lambda x: x.sum())


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("n", SIZES)
def test_whole_array_reductions(dtype, n):
    rng = np.random.default_rng(n)
    a = spread(rng, n, dtype)
    with_nans = a.copy()
    if n > 3:
        hit = rng.integers(0, n, max(1, n // 9))
        with_nans[hit[::2]] = complex(np.nan, 1.0)
        with_nans[hit[1::2]] = complex(2.0, np.nan)
    for name, f in WHOLE.items():
        x = with_nans if name.startswith("nan") else a
        same(f(x), numpy_of(name, x))
    same(METHOD_SUM(a), a.sum())
    same(METHOD_SUM(a[::-1]), a[::-1].sum())
    same(METHOD_SUM(a[::3]), a[::3].sum())


def test_empty_and_special_values():
    for dtype in (np.complex128, np.complex64):
        same(WHOLE["sum"](np.zeros(0, dtype)), np.sum(np.zeros(0, dtype)))
        same(WHOLE["nansum"](np.full(3, complex(np.nan, 0), dtype)), np.nansum(np.full(3, complex(np.nan, 0), dtype)))
        z = np.full(9, complex(-0.0, -0.0), dtype)  # the identity 0.0 is added: +0
        same(WHOLE["sum"](z), np.sum(z))
        same(WHOLE["mean"](z), np.mean(z))
        # NumPy's mean multiplies by 1/n and adds the other part times 0: an
        # infinite imaginary part makes the real part NaN
        inf = np.array([1 + 2j, complex(3.0, np.inf)], dtype)
        same(WHOLE["mean"](inf), numpy_of("mean", inf))
        same(WHOLE["sum"](inf), np.sum(inf))


def exact_squares(rng, n, dtype):
    """Values whose every partial sum is exact and that sum to 0, with NaN
    items: nanvar's mean is exactly 0 and each square exact, so its bits
    depend only on the order of the squares' sum (NumPy's nanvar squares by
    a complex multiply, which may use an FMA: docs/performance.md)."""
    k_max, e = (2**10, 12) if dtype == np.complex128 else (16, 2)
    half = n // 2 - n // 8
    def part():
        v = rng.integers(1, k_max, half) * 2.0 ** rng.integers(-e, e + 1, half)
        return rng.permutation(np.concatenate([v, -v]))
    kept = (part() + 1j * part()).astype(dtype)
    out = np.full(n, complex(np.nan, 0.0), dtype)
    out[np.sort(rng.permutation(n)[: kept.size])] = kept
    return out


NANVAR = {name: jit(eval(f"lambda x: np.{name}(x)")) for name in ["nanvar", "nanstd"]}


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("n", [9, 20, 129, 257, 1000, 8193, 20000])
def test_nanvar_and_nanstd(dtype, n):
    x = exact_squares(np.random.default_rng(n), n, dtype)
    assert numpy_of("nanmean", x) == 0
    for name, f in NANVAR.items():
        same(f(x), numpy_of(name, x))


VIEWS = ["C", "F", "T", "reversed", "strided-1d", "reversed-1d", "rows-500", "columns", "3d-rows", "3d-reversed",
         "merges", "long-rows", "one-row"]


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("layout", VIEWS)
def test_layouts(layout, dtype):
    # Views NumPy cannot take as one run of items it sums through its
    # buffer: chunks of whole rows, at most 8192 items, each pairwise.
    rng = np.random.default_rng(11)
    s = lambda *shape: spread(rng, shape, dtype)
    base = s(123, 71)
    a = {"C": base, "F": np.asfortranarray(base), "T": base.T, "reversed": base[::-1],
         "strided-1d": s(30_001)[::3], "reversed-1d": s(30_001)[::-1],
         "rows-500": s(500, 71)[::-1], "columns": s(900, 71)[:, :50],
         "3d-rows": s(20, 30, 40)[:, ::2, :], "3d-reversed": s(20, 30, 40)[::-1],
         "merges": s(20, 20_000)[:, ::2], "long-rows": s(6, 20_000)[:, :15_000],
         "one-row": s(1, 9000)[:, ::2]}[layout]
    for name in ("sum", "mean", "var", "std", "nansum", "nanmean"):
        same(WHOLE[name](a), numpy_of(name, a))
    same(METHOD_SUM(a), a.sum())


AXIS_SUM = jit(lambda x, ax: x.sum(axis=ax))


@pytest.mark.parametrize("case", ["C3", "F3", "C2", "F2", "T2", "sliced", "reversed", "wide", "c64"])
def test_sums_along_an_axis(case):
    rng = np.random.default_rng(5)
    base = spread(rng, (37, 300, 5), np.complex128)
    a = {"C3": base, "F3": np.asfortranarray(base), "C2": base[:, :, 0].copy(),
         "F2": np.asfortranarray(base[:, :, 0]), "T2": base[:, :, 0].copy().T, "sliced": base[:, ::3, 1],
         "reversed": base[::-1, ::-1, 2], "wide": spread(rng, (3, 20_000), np.complex128),
         "c64": spread(rng, (37, 300), np.complex64)}[case]
    for ax in range(-a.ndim, a.ndim):
        same(AXIS_SUM(a, ax), a.sum(axis=ax))


def exact_products(rng, n, dtype):
    """Parts with few significant bits over many binades: every product of
    two parts is exact, so a*b has the same bits with or without an FMA in
    NumPy's complex multiply, and only the order of the sum shows."""
    bits, e = (20, 24) if dtype == np.complex128 else (10, 6)
    part = lambda: rng.integers(-2**bits, 2**bits, n) * 2.0 ** rng.integers(-e, e + 1, n)
    return (part() + 1j * part()).astype(dtype)


FUSED = [jit(lambda a, b: (a * b).sum()), jit(lambda a, b: (a + b).sum()), jit(lambda a, b: np.sum(a - 2 * b))]
PLAIN = [lambda a, b: (a * b).sum(), lambda a, b: (a + b).sum(), lambda a, b: np.sum(a - 2 * b)]


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("n", [3, 65, 129, 1000, 8193, 100_003])
def test_fused_sums_are_numpys_sum_of_the_temporary(dtype, n):
    rng = np.random.default_rng(n)
    a, b = exact_products(rng, n, dtype), exact_products(rng, n, dtype)
    for jf, pf in zip(FUSED, PLAIN):
        same(jf(a, b), pf(a, b))
        same(jf(a[::2], b[::2]), pf(a[::2], b[::2]))
    a2, b2 = a[: n - n % 10].reshape(10, -1), b[: n - n % 10].reshape(10, -1)
    for jf, pf in zip(FUSED, PLAIN):
        same(jf(a2, b2), pf(a2, b2))
