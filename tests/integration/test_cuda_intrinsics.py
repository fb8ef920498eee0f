"""cudalang: numba.cuda's bit and arithmetic intrinsics (popc brev clz ffs
fma cbrt selp lanemask_lt nanosleep), float32 math computed in single
precision in kernels, and the GPU's kernel-error record decoded on the host,
in the CPU emulation against NumPy/Python references (docs/cuda.md)."""

import math
import os
import struct
from fractions import Fraction

import numpy as np
import pytest

os.environ["KILN_CUDA_SIM"] = "1"

from kiln import cuda  # noqa: E402
from kiln.cuda import _kernel_error  # noqa: E402


def _brev(x, bits):
    return int(format(int(x) & ((1 << bits) - 1), f"0{bits}b")[::-1], 2)


def _clz(x, bits):
    x = int(x) & ((1 << bits) - 1)
    return bits - x.bit_length()


def _ffs(x, bits):
    x = int(x) & ((1 << bits) - 1)
    return (x & -x).bit_length()


def _popc(x, bits):
    return bin(int(x) & ((1 << bits) - 1)).count("1")


@cuda.jit
def bits32(x, pop, rev, lead, first):
    i = cuda.grid(1)
    if i < x.shape[0]:
        pop[i] = cuda.popc(x[i])
        rev[i] = cuda.brev(x[i])
        lead[i] = cuda.clz(x[i])
        first[i] = cuda.ffs(x[i])


@cuda.jit
def bits64(x, pop, rev, lead, first):
    i = cuda.grid(1)
    if i < x.shape[0]:
        pop[i] = cuda.popc(x[i])
        rev[i] = cuda.brev(x[i])
        lead[i] = cuda.clz(x[i])
        first[i] = cuda.ffs(x[i])


@cuda.jit
def arith(a, b, c, fma_out, cbrt_out, sel_out):
    i = cuda.grid(1)
    if i < a.shape[0]:
        fma_out[i] = cuda.fma(a[i], b[i], c[i])
        cbrt_out[i] = cuda.cbrt(a[i])
        sel_out[i] = cuda.selp(a[i] > b[i], a[i], b[i])


@cuda.jit
def lanes(out):
    i = cuda.grid(1)
    cuda.nanosleep(100)
    out[i] = cuda.lanemask_lt()


@cuda.jit
def math32(x, y, out):
    i = cuda.grid(1)
    if i < x.shape[0]:
        out[i, 0] = math.sin(x[i])
        out[i, 1] = math.exp(x[i])
        out[i, 2] = math.tan(x[i])
        out[i, 3] = math.atan2(x[i], y[i])
        out[i, 4] = math.sqrt(y[i])
        out[i, 5] = math.log(y[i])


def test_bit_intrinsics_32(kilnd):
    rng = np.random.default_rng(1)
    x = rng.integers(-2**31, 2**31, 256, dtype=np.int64).astype(np.int32)
    x[:4] = [0, -1, 1, -2**31]
    pop, lead = np.zeros(256, np.int32), np.zeros(256, np.int32)
    rev, first = np.zeros(256, np.uint32), np.zeros(256, np.uint32)
    bits32[2, 128](x, pop, rev, lead, first)
    assert pop.tolist() == [_popc(v, 32) for v in x]
    assert rev.tolist() == [_brev(v, 32) for v in x]
    assert lead.tolist() == [_clz(v, 32) for v in x]
    assert first.tolist() == [_ffs(v, 32) for v in x]  # 1-based, 0 for 0
    assert first[0] == 0 and first[2] == 1 and lead[0] == 32


def test_bit_intrinsics_64(kilnd):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2**64, 256, dtype=np.uint64)
    x[:3] = [0, 2**64 - 1, 2**63]
    pop, lead = np.zeros(256, np.uint64), np.zeros(256, np.uint64)
    rev, first = np.zeros(256, np.uint64), np.zeros(256, np.uint32)
    bits64[2, 128](x, pop, rev, lead, first)
    assert pop.tolist() == [_popc(v, 64) for v in x]
    assert rev.tolist() == [_brev(v, 64) for v in x]
    assert lead.tolist() == [_clz(v, 64) for v in x]
    assert first.tolist() == [_ffs(v, 64) for v in x]
    assert first[2] == 64 and lead[2] == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fma_cbrt_selp(kilnd, dtype):
    rng = np.random.default_rng(3)
    a, b, c = (rng.standard_normal(300).astype(dtype) for _ in range(3))
    f, r, s = np.zeros_like(a), np.zeros_like(a), np.zeros_like(a)
    arith[3, 128](a, b, c, f, r, s)
    # fma rounds once: the exact a*b+c (fractions), rounded
    exact = [float(Fraction(float(p)) * Fraction(float(q)) + Fraction(float(r))) for p, q, r in zip(a, b, c)]
    np.testing.assert_array_equal(f, np.array(exact).astype(dtype))
    np.testing.assert_allclose(r, np.cbrt(a), rtol=4 * np.finfo(dtype).eps)
    np.testing.assert_array_equal(s, np.where(a > b, a, b))


def test_lanemask_lt(kilnd):
    out = np.zeros(96, np.uint32)
    lanes[1, 96](out)
    assert out.tolist() == [(1 << (i % 32)) - 1 for i in range(96)]


def test_float32_math_is_single_precision(kilnd):
    rng = np.random.default_rng(4)
    x = rng.uniform(-3, 3, 200).astype(np.float32)
    y = rng.uniform(0.1, 10, 200).astype(np.float32)
    out = np.zeros((200, 6), np.float32)
    math32[2, 128](x, y, out)
    want = np.stack([np.sin(x), np.exp(x), np.tan(x), np.arctan2(x, y), np.sqrt(y), np.log(y)], axis=1)
    assert want.dtype == np.float32
    # the C library's sinf/expf (as the GPU's __nv_sinf): within an ulp or two
    # of NumPy's float32 functions; sqrt is correctly rounded
    np.testing.assert_allclose(out, want, rtol=3e-7, atol=0)
    np.testing.assert_array_equal(out[:, 4], np.sqrt(y))


def test_float32_math_types_float32(kilnd):
    # float32 in, float32 out (Numba's typing): the products stay float32
    math32[1, 1](np.ones(1, np.float32), np.ones(1, np.float32), np.zeros((1, 6), np.float32))
    sig = math32.signatures
    assert sig and "float32" in str(sig[0])


def test_gpu_error_record_is_decoded_as_the_emulation_words_it():
    words = [2, 17, 5, 1, 0, 3, 0, 0]
    exc = _kernel_error.exception("out_of_bounds", words)
    assert isinstance(exc, IndexError)
    assert str(exc).startswith("kernel out_of_bounds: thread (5, 1, 0) of block (3, 0, 0): ")
    assert "line 17" in str(exc)
    assert _kernel_error.exception("k", [0] * 8) is None
    old = _kernel_error.exception("k", [1, 3])  # a record without coordinates
    assert isinstance(old, ZeroDivisionError) and "thread" not in str(old)
    buf = _kernel_error.record_buffer()
    assert len(bytes(buf)) == _kernel_error.RECORD_BYTES == struct.calcsize("8i")


@cuda.jit
def popc_of_float(x):
    x[0] = cuda.popc(x[1])


@cuda.jit
def oob_2d(a):
    x, y = cuda.grid(2)
    a[y, x] = 1.0


def test_bit_intrinsic_of_a_float_is_a_typing_error(kilnd):
    from kiln.errors import TypingError
    with pytest.raises(TypingError, match=r"no implementation of 'cuda.popc' for argument types \(float64\)"):
        popc_of_float[1, 1](np.zeros(2))


def test_emulation_and_gpu_report_the_same_coordinates(kilnd):
    # the emulation's IndexError and the decoded GPU record name the kernel,
    # the thread and the block the same way
    a = np.zeros((4, 4))
    with pytest.raises(IndexError) as sim:
        oob_2d[(2, 1), (4, 4)](a)
    msg = str(sim.value)
    assert msg.startswith("kernel oob_2d: thread (0, 0, 0) of block (1, 0, 0): "), msg
    gpu = _kernel_error.exception("oob_2d", [2, 11, 0, 0, 0, 1, 0, 0])
    assert str(gpu).split(": ")[:2] == msg.split(": ")[:2]


@cuda.jit
def cas_count(counter, seen):
    i = cuda.grid(1)
    while True:
        old = counter[0]
        if cuda.atomic.compare_and_swap(counter, old, old + 1) == old:
            seen[i] = old
            break


@cuda.jit
def cas_mismatch(a, out):
    out[0] = cuda.atomic.compare_and_swap(a, 7, 99)


def test_atomic_compare_and_swap(kilnd):
    counter = np.zeros(1, np.int64)
    seen = np.full(512, -1, np.int64)
    cas_count[4, 128](counter, seen)
    assert counter[0] == 512
    assert sorted(seen.tolist()) == list(range(512))  # each value taken once
    a = np.array([5, 1], np.uint32)
    out = np.zeros(1, np.uint32)
    cas_mismatch[1, 1](a, out)
    assert out[0] == 5 and a.tolist() == [5, 1]  # no match: unchanged, the old value
    a[0] = 7
    cas_mismatch[1, 1](a, out)
    assert out[0] == 7 and a.tolist() == [99, 1]
