"""fp16 (issue 11): warp match, NaN-ignoring atomics and cuda.fp16 under the
CPU emulation, compared with NumPy (docs/cuda.md). The PTX of the same
operations is checked by the goldens in tests/lit/cuda (assembled by ptxas)."""
import os

import numpy as np
import pytest

os.environ["KILN_CUDA_SIM"] = "1"

from kiln import cuda  # noqa: E402


@cuda.jit
def warp_match(keys, wide, any_out, all_out, all_pred):
    i = cuda.grid(1)
    if i < keys.shape[0]:
        any_out[i] = cuda.match_any_sync(0xffffffff, keys[i])
        m, p = cuda.match_all_sync(0xffffffff, wide[i])
        all_out[i] = m
        all_pred[i] = p


def test_match_any_and_all_over_warps(kilnd):
    n = 96 + 20  # three full warps and a partial one
    keys = (np.arange(n) % 5).astype(np.int32)
    wide = np.zeros(n, np.int64)
    wide[32:64] = 1 << 40  # warp 1: all equal (a 64-bit value)
    wide[64:96] = np.arange(32) == 3  # warp 2: one lane differs
    any_out = np.zeros(n, np.int32)
    all_out = np.zeros(n, np.int32)
    pred = np.zeros(n, np.bool_)
    warp_match[1, n](keys, wide, any_out, all_out, pred)
    for w in range(0, n, 32):
        lanes = min(32, n - w)
        for k in range(lanes):
            want = sum(1 << j for j in range(lanes) if keys[w + j] == keys[w + k])
            assert any_out[w + k] == np.int32(np.uint32(want).view(np.int32))
        same = len(set(wide[w:w + lanes].tolist())) == 1
        full = np.uint32((1 << lanes) - 1).view(np.int32)
        assert (all_out[w:w + lanes] == (full if same else 0)).all()
        assert (pred[w:w + lanes] == same).all()


@cuda.jit
def nan_extremes(vals, fmax, fmin, imax, ivals):
    i = cuda.grid(1)
    if i < vals.shape[0]:
        cuda.atomic.nanmax(fmax, 0, vals[i])
        cuda.atomic.nanmin(fmin, 0, vals[i])
        cuda.atomic.nanmax(imax, 0, ivals[i])


@pytest.mark.parametrize("threads", [1, 4])
def test_nanmax_nanmin_race_and_skip_nans(kilnd, threads):
    from kiln.cuda._api import _rt
    _rt().set_threads(threads)
    try:
        rng = np.random.default_rng(5)
        n = 64 * 128
        vals = rng.standard_normal(n)
        vals[rng.choice(n, n // 4, replace=False)] = np.nan
        ivals = rng.integers(-10**9, 10**9, n)
        fmax = np.array([np.nan])  # a NaN already there is replaced too
        fmin = np.array([np.nan])
        imax = np.array([-2**62], np.int64)
        nan_extremes[64, 128](vals, fmax, fmin, imax, ivals)
        assert fmax[0] == np.nanmax(vals) and fmin[0] == np.nanmin(vals)
        assert imax[0] == ivals.max()
    finally:
        _rt().set_threads(0)


def test_nanmax_returns_the_old_value(kilnd):
    @cuda.jit
    def k(a, old):
        old[0] = cuda.atomic.nanmax(a, 0, 2.0)
        old[1] = cuda.atomic.nanmin(a, 1, np.nan)

    a = np.array([1.0, 3.0])
    old = np.zeros(2)
    k[1, 1](a, old)
    assert a.tolist() == [2.0, 3.0] and old.tolist() == [1.0, 3.0]


from kiln.cuda import fp16  # noqa: E402

ALL = np.arange(65536, dtype=np.uint16).view(np.float16)


@cuda.jit
def half_ops(a, b, out, flags):
    i = cuda.grid(1)
    if i < a.shape[0]:
        x = a[i]
        y = b[i]
        out[0, i] = fp16.hadd(x, y)
        out[1, i] = fp16.hsub(x, y)
        out[2, i] = fp16.hmul(x, y)
        out[3, i] = fp16.hdiv(x, y)
        out[4, i] = fp16.hneg(x)
        out[5, i] = fp16.habs(x)
        out[6, i] = fp16.hmax(x, y)
        out[7, i] = fp16.hmin(x, y)
        out[8, i] = fp16.hceil(x)
        out[9, i] = fp16.hfloor(x)
        out[10, i] = fp16.hrcp(x)
        out[11, i] = fp16.hsqrt(x)
        flags[0, i] = fp16.heq(x, y)
        flags[1, i] = fp16.hne(x, y)
        flags[2, i] = fp16.hgt(x, y)
        flags[3, i] = fp16.hge(x, y)
        flags[4, i] = fp16.hlt(x, y)
        flags[5, i] = fp16.hle(x, y)


def same_bits(got, want):
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(np.uint16), want[~nan].view(np.uint16))


def test_fp16_arithmetic_is_numpys_half_bit_for_bit(kilnd):
    rng = np.random.default_rng(11)
    n = 64 * 256
    a = rng.choice(ALL, n)
    b = rng.choice(ALL, n)
    out = np.zeros((12, n), np.float16)
    flags = np.zeros((6, n), np.bool_)
    half_ops[64, 256](a, b, out, flags)
    with np.errstate(all="ignore"):
        for k, want in enumerate([a + b, a - b, a * b, a / b, -a, np.abs(a), np.fmax(a, b), np.fmin(a, b),
                                  np.ceil(a), np.floor(a), np.float16(1) / a, np.sqrt(a)]):
            same_bits(out[k], want)
        for k, want in enumerate([a == b, a != b, a > b, a >= b, a < b, a <= b]):
            assert np.array_equal(flags[k], want)


@cuda.jit
def half_math(a, b, c, out):
    i = cuda.grid(1)
    if i < a.shape[0]:
        out[0, i] = fp16.hfma(a[i], b[i], c[i])
        out[1, i] = fp16.hexp(a[i])
        out[2, i] = fp16.hlog(a[i])
        out[3, i] = fp16.hsin(a[i])
        out[4, i] = fp16.hcos(a[i])
        out[5, i] = fp16.hrsqrt(a[i])


def test_fp16_math_rounds_the_float64_result_once(kilnd):
    rng = np.random.default_rng(12)
    a = (rng.standard_normal(4096) * 3).astype(np.float16)
    b = (rng.standard_normal(4096) * 3).astype(np.float16)
    c = rng.standard_normal(4096).astype(np.float16)
    out = np.zeros((6, a.size), np.float16)
    half_math[16, 256](a, b, c, out)
    x = a.astype(np.float64)
    with np.errstate(all="ignore"):
        want = [x * b + c.astype(np.float64), np.exp(x), np.log(x), np.sin(x), np.cos(x), 1 / np.sqrt(x)]
        for k, w in enumerate(want):
            same_bits(out[k], w.astype(np.float16))


def test_shared_float16_arrays(kilnd):
    @cuda.jit
    def rotate_add(a, out):
        i = cuda.grid(1)
        s = cuda.shared.array(128, np.float16)
        s[cuda.threadIdx.x] = a[i]
        cuda.syncthreads()
        out[i] = fp16.hadd(s[cuda.threadIdx.x], s[(cuda.threadIdx.x + 1) % 128])

    a = (np.arange(1024) / 7).astype(np.float16)
    out = np.zeros_like(a)
    rotate_add[8, 128](a, out)
    x = a.reshape(8, 128)
    same_bits(out.reshape(8, 128), x + np.roll(x, -1, axis=1))


def test_float16_atomic_add(kilnd):
    @cuda.jit
    def total(acc, vals):
        i = cuda.grid(1)
        if i < vals.shape[0]:
            cuda.atomic.add(acc, 0, vals[i])

    vals = np.full(1000, 0.25, np.float16)  # every partial sum is exact in half
    acc = np.zeros(1, np.float16)
    total[4, 256](acc, vals)
    assert acc[0] == np.float16(250)


def test_fp16_through_the_cuda_module(kilnd):
    @cuda.jit
    def square(a, out):
        i = cuda.grid(1)
        if i < a.shape[0]:
            out[i] = cuda.fp16.hmul(a[i], a[i])

    a = (np.arange(100) / 3).astype(np.float16)
    out = np.zeros_like(a)
    square[1, 128](a, out)
    same_bits(out, a * a)
