"""pairwise: float sums are NumPy's pairwise sums, bit for bit.

NumPy adds the items of a float reduction in a fixed tree (blocks of at most
128 items with eight accumulators, longer ranges split in two), so a loop
from the first item to the last gives other bits. These tests compare Kiln's
results with NumPy's exactly (value and sign of zero), over sizes around the
block and split boundaries, dtypes and layouts; a serial sum fails most of
them (checked: 89 of the 1-D cases differ with the serial loop)."""
import warnings

import numpy as np
import pytest

from kiln import jit

SIZES = [0, 1, 5, 7, 8, 9, 15, 16, 17, 127, 128, 129, 136, 255, 256, 257, 1000, 8191, 8193, 100_003]


def same(got, want):
    if isinstance(got, float) and np.ndim(want) == 0:
        # a scalar comes back as a Python float (as Numba's): exactly the
        # float32 or float16 value, then compared in its dtype
        cast = np.asarray(got).astype(np.asarray(want).dtype)
        assert float(cast) == got or np.isnan(got)
        got = cast
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=True), (got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))


def numpy_of(name, *args, **kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return getattr(np, name)(*args, **kw)


WHOLE = {name: jit(eval(f"lambda x: np.{name}(x)")) for name in
         ["sum", "mean", "var", "std", "nansum", "nanmean", "nanvar", "nanstd"]}
METHOD_SUM = jit(lambda x: x.sum())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", SIZES)
def test_whole_array_reductions_of_floats(dtype, n):
    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n) * 100).astype(dtype)
    if n > 3:
        with_nans = a.copy()
        with_nans[rng.integers(0, n, max(1, n // 9))] = np.nan
    else:
        with_nans = a
    for name, f in WHOLE.items():
        if n == 0 and name not in ("sum", "nansum"):
            continue
        x = with_nans if name.startswith("nan") else a
        same(f(x), numpy_of(name, x))
    same(METHOD_SUM(a), a.sum())


@pytest.mark.parametrize("n", [9, 129, 8193])
def test_float16_sums_and_integer_variances(n):
    rng = np.random.default_rng(7)
    h = rng.standard_normal(n).astype(np.float16)
    same(WHOLE["sum"](h), np.sum(h))
    same(WHOLE["mean"](h), np.mean(h))
    i = rng.integers(-10**6, 10**6, n)
    for name in ("var", "std", "mean"):
        same(WHOLE[name](i), numpy_of(name, i))


def test_signed_zeros_sum_as_numpy():
    for n in (1, 7, 10, 300):
        z = -np.zeros(n)
        same(WHOLE["sum"](z), np.sum(z))
        same(WHOLE["mean"](z), np.mean(z))


VIEWS = ["C", "F", "T", "reversed", "strided-1d", "reversed-1d", "rows-500", "columns", "3d-rows", "3d-reversed",
         "merges", "long-rows", "one-row"]


@pytest.mark.parametrize("seed", [11, 12])
@pytest.mark.parametrize("layout", VIEWS)
def test_layouts(layout, seed):
    # Views NumPy cannot take as one run of items it sums through its
    # buffer: chunks of whole rows, at most 8192 items, each pairwise.
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((123, 71))
    a = {"C": base, "F": np.asfortranarray(base), "T": base.T, "reversed": base[::-1],
         "strided-1d": rng.standard_normal(30_001)[::3], "reversed-1d": rng.standard_normal(30_001)[::-1],
         "rows-500": rng.standard_normal((500, 71))[::-1], "columns": rng.standard_normal((900, 71))[:, :50],
         "3d-rows": rng.standard_normal((20, 30, 40))[:, ::2, :], "3d-reversed": rng.standard_normal((20, 30, 40))[::-1],
         "merges": rng.standard_normal((20, 20_000))[:, ::2], "long-rows": rng.standard_normal((6, 20_000))[:, :15_000],
         "one-row": rng.standard_normal((1, 9000))[:, ::2]}[layout]
    for name in ("sum", "mean", "var", "std"):
        same(WHOLE[name](a), numpy_of(name, a))


AXIS_SUM = jit(lambda x, ax: x.sum(axis=ax))
AXIS_MEAN = jit(lambda x, ax: np.mean(x, axis=ax))


@pytest.mark.parametrize("case", ["C3", "F3", "C2", "F2", "T2", "sliced", "reversed", "wide", "f32", "f16"])
def test_sums_along_an_axis(case):
    rng = np.random.default_rng(5)
    base = rng.standard_normal((37, 300, 5))
    a = {"C3": base, "F3": np.asfortranarray(base), "C2": base[:, :, 0].copy(),
         "F2": np.asfortranarray(base[:, :, 0]), "T2": base[:, :, 0].copy().T, "sliced": base[:, ::3, 1],
         "reversed": base[::-1, ::-1, 2], "wide": rng.standard_normal((3, 20_000)),
         "f32": base[:, :, 0].astype(np.float32), "f16": base[:, :, 0].astype(np.float16)}[case]
    for ax in range(-a.ndim, a.ndim):
        same(AXIS_SUM(a, ax), a.sum(axis=ax))
        same(AXIS_MEAN(a, ax), np.mean(a, axis=ax))


FUSED = [jit(lambda a, b: (a * b).sum()), jit(lambda a, b: ((a - b) ** 2).sum()),
         jit(lambda a, b: np.sqrt(a * a + b * b).sum())]
PLAIN = [lambda a, b: (a * b).sum(), lambda a, b: ((a - b) ** 2).sum(), lambda a, b: np.sqrt(a * a + b * b).sum()]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [3, 129, 1000, 100_003])
def test_fused_sums_are_numpys_sum_of_the_temporary(dtype, n):
    rng = np.random.default_rng(n)
    a, b = (rng.standard_normal(n).astype(dtype) for _ in range(2))
    for jf, pf in zip(FUSED, PLAIN):
        same(jf(a, b), pf(a, b))
        same(jf(a[::2], b[::2]), pf(a[::2], b[::2]))
    a2, b2 = a[: n - n % 10].reshape(10, -1), b[: n - n % 10].reshape(10, -1)
    for jf, pf in zip(FUSED, PLAIN):
        same(jf(a2, b2), pf(a2, b2))


def test_integer_sums_stay_exact():
    a = np.arange(-5000, 100_000, dtype=np.int64)
    assert WHOLE["sum"](a) == a.sum()
    assert AXIS_SUM(a.reshape(-1, 15), 1).tolist() == a.reshape(-1, 15).sum(axis=1).tolist()
