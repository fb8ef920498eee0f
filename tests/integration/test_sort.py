"""np.sort / ndarray.sort / np.median through the per-dtype introsort
(compiler/lowering/lower_sort.cpp), checked against NumPy itself over every
dtype it covers, sizes around the insertion-sort cut-off (16), sorted,
reversed, few-valued and constant inputs, NaNs and -0.0, strided views, and
an organ-pipe input that drives quicksort deep."""

import numpy as np
import pytest

import kiln


@kiln.jit
def _sorted(a):
    return np.sort(a)


@kiln.jit
def _in_place(a):
    a.sort()


@kiln.jit
def _median(a):
    return np.median(a)


DTYPES = [np.float64, np.float32, np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint8, np.bool_]
SIZES = [0, 1, 2, 3, 15, 16, 17, 18, 33, 100, 1000, 10007]
SHAPES = ["random", "sorted", "reversed", "few", "constant"]


def _input(dtype, n, shape, rng):
    if shape == "few":
        a = rng.integers(0, 3, n).astype(dtype)
    elif shape == "constant":
        a = np.ones(n, dtype)
    else:
        a = (rng.standard_normal(n) * 50).astype(dtype)
        if shape == "sorted":
            a = np.sort(a)
        elif shape == "reversed":
            a = np.sort(a)[::-1].copy()
    if np.dtype(dtype).kind == "f" and n > 3:
        a[rng.integers(0, n, n // 4 + 1)] = np.nan
        a[rng.integers(0, n, 2)] = -0.0
    return a


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_sort_matches_numpy(dtype):
    rng = np.random.default_rng(7)
    for n in SIZES:
        for shape in SHAPES:
            a = _input(dtype, n, shape, rng)
            expected = np.sort(a)
            got = _sorted(a)
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected, err_msg=f"np.sort {n} {shape}")
            b = a.copy()
            _in_place(b)
            np.testing.assert_array_equal(b, expected, err_msg=f".sort() {n} {shape}")
            wide = np.repeat(a, 2)
            view = wide[::2]
            _in_place(view)
            np.testing.assert_array_equal(view, expected, err_msg=f"strided .sort() {n} {shape}")
            np.testing.assert_array_equal(wide[1::2], a)  # the other items untouched


def test_nans_sort_last_and_median_sees_them():
    a = np.array([3.0, np.nan, -1.0, np.inf, -np.inf, np.nan, 0.0, -0.0] * 5)
    np.testing.assert_array_equal(_sorted(a), np.sort(a))
    assert np.isnan(_median(a))
    b = np.arange(101, dtype=np.float64)[::-1].copy()
    assert _median(b) == np.median(b)


@pytest.mark.parametrize("n", [1000, 4096, 100003])
def test_deep_inputs(n):
    # Organ pipe and sawtooth inputs: poor pivots for median-of-three.
    organ = np.concatenate([np.arange(n // 2), np.arange(n - n // 2)[::-1]]).astype(np.int64)
    saw = (np.arange(n) % 17).astype(np.float64)
    for a in (organ, saw):
        np.testing.assert_array_equal(_sorted(a), np.sort(a))
