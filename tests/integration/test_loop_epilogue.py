"""The remainder of a vectorised float64 loop runs in vectors too
(compiler/targets/cpu/cpu_target.cpp, tuneLlvmOptions; docs/performance.md
"Loop remainders"). The setting is an LLVM option of the server process, and
lld's driver, which the server runs in-process for every link, resets LLVM's
options to their defaults: so this checks code compiled *after* a link, and
the results of every remainder length against NumPy."""

import numpy as np
import pytest

import kiln

TIER = "x86-64-v3"  # AVX2: 4 float64 lanes, the case LLVM 19 left scalar


def axpy(out, y, s):
    for j in range(out.shape[0]):
        out[j] += s * y[j]


def dot_rows(x, y):
    n, k = x.shape
    m = y.shape[1]
    out = np.zeros((n, m))
    for i in range(n):
        for p in range(k):
            xv = x[i, p]
            for j in range(m):
                out[i, j] += xv * y[p, j]
    return out


def test_epilogue_is_vectorised_after_a_link():
    first = kiln.jit(dot_rows, target_tier=TIER)
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(first(x, x.T.copy()), x @ x.T)  # compiled, linked and loaded
    later = kiln.jit(axpy, target_tier=TIER)
    out, y = np.zeros(5), np.ones(5)
    later(out, y, 2.0)  # a second compile in the same server, after the link above
    ir = later.inspect_llvm(later.signatures[0])
    assert "vec.epilog.vector.body" in ir
    assert "<2 x double>" in ir and "<4 x double>" in ir


@pytest.mark.parametrize("n", list(range(0, 40)) + [61, 64, 65, 127, 200])
def test_every_remainder_length(n):
    f = kiln.jit(axpy, target_tier=TIER)
    rng = np.random.default_rng(n)
    out, y = rng.standard_normal(n), rng.standard_normal(n)
    want = out + 0.75 * y
    f(out, y, 0.75)
    assert out.tolist() == want.tolist()  # bit for bit: one multiply and one add per item, as NumPy


@pytest.mark.parametrize("m", [1, 3, 15, 16, 17, 30, 33, 120, 200])
def test_matmul_loops_every_width(m):
    f = kiln.jit(dot_rows, target_tier=TIER)
    rng = np.random.default_rng(m)
    x, y = rng.standard_normal((7, 5)), rng.standard_normal((5, m))
    want = np.zeros((7, m))
    for i in range(7):
        for p in range(5):
            want[i] += x[i, p] * y[p]
    assert f(x, y).tolist() == want.tolist()
