"""Fused array expressions (compiler/transforms/fuse_array_exprs.h): a tree of
elementwise array operations runs as one loop that writes one new array and
no temporaries. The allocation counters of the runtime prove it; the results
are compared with NumPy's over dtypes, broadcast shapes, layouts (C, F,
strided views) and scalars mixed in, and the errors with the unfused ones."""

import gc

import numpy as np
import pytest

import kiln


def allocations(fn, *args):
    """How many blocks one call of fn allocates (after a warm-up call)."""
    fn(*args)
    gc.collect()
    before = kiln.runtime_stats()["total_allocations"]
    out = fn(*args)
    after = kiln.runtime_stats()["total_allocations"]
    del out
    return after - before


def test_a_times_b_plus_sin_c_allocates_one_array(kilnd):
    @kiln.jit
    def expr(a, b, c):
        return a * b + np.sin(c)

    a, b, c = (np.linspace(0, 1, 1000) + k for k in range(3))
    assert allocations(expr, a, b, c) == 1
    np.testing.assert_allclose(expr(a, b, c), a * b + np.sin(c), rtol=1e-15)


def test_a_longer_tree_allocates_one_array(kilnd):
    @kiln.jit
    def expr(a, b, c):
        return np.sqrt(a * a + b * b) - 2.0 * np.exp(-c) / (1.0 + c)

    a, b, c = (np.arange(1, 101, dtype=np.float64) * (k + 1) for k in range(3))
    assert allocations(expr, a, b, c) == 1
    np.testing.assert_allclose(expr(a, b, c), np.sqrt(a * a + b * b) - 2.0 * np.exp(-c) / (1.0 + c), rtol=1e-14)


def test_an_intermediate_used_twice_is_kept(kilnd):
    @kiln.jit
    def expr(a, b):
        t = a * b
        return t + t * 2.0

    a, b = np.arange(10.0), np.arange(10.0) + 1
    # t is an array of its own; t * 2.0 + t is one fused loop.
    assert allocations(expr, a, b) == 2
    np.testing.assert_array_equal(expr(a, b), (a * b) + (a * b) * 2.0)


def test_a_write_between_the_ops_is_respected(kilnd):
    @kiln.jit
    def expr(a, b):
        t = a * b
        a[0] = 100.0
        return t + a

    a, b = np.arange(5.0), np.arange(5.0) + 1
    want_a = a.copy()
    want = want_a * b
    want_a[0] = 100.0
    got = expr(a, b)
    np.testing.assert_array_equal(got, want + want_a)


DTYPES = ["bool", "int8", "uint8", "int32", "int64", "uint64", "float32", "float64", "complex64", "complex128"]


def sample(dtype, shape=(7,), seed=0):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith("uint"):
        return rng.integers(0, 9, shape).astype(dtype)
    if dtype.startswith("int"):
        return rng.integers(-9, 9, shape).astype(dtype)
    if dtype.startswith("float"):
        return (rng.standard_normal(shape) * 4).astype(dtype)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def check(fn, pyfn, *args, rtol=1e-6):
    with np.errstate(all="ignore"):
        want = pyfn(*args)
    got = fn(*args)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-6, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def _arith(a, b):
    return (a + b) * b - a


def _compare(a, b):
    return (a * 2 < b) == (b >= a)


@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("db", ["int64", "float32", "float64", "bool"])
def test_dtypes_as_numpy(kilnd, da, db):
    a, b = sample(da, seed=1), sample(db, seed=2)
    if da == "bool" and db == "bool":  # NumPy refuses - on bools; so does Kiln, at compile time
        with pytest.raises(TypeError):
            _arith(a, b)
        with pytest.raises(kiln.TypingError, match="operator '-' is not supported"):
            kiln.jit(_arith)(a, b)
    else:
        check(kiln.jit(_arith), _arith, a, b)
    if not da.startswith("complex"):  # ordering complex arrays is refused, fused or not
        check(kiln.jit(_compare), _compare, a, b)


def _mixed(a, b, x):
    return np.maximum(a * x, b) + np.abs(-a) * 0.5


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
def test_scalars_mixed_in(kilnd, dtype):
    a, b = sample(dtype, seed=3), sample(dtype, seed=4)
    fn = kiln.jit(_mixed)
    check(fn, _mixed, a, b, 3)
    check(fn, _mixed, a, b, 1.5)


def _bcast(a, b, c):
    return a * b + np.cos(c)


@pytest.mark.parametrize("sa,sb,sc", [
    ((4, 5), (5,), (4, 1)),
    ((1, 5), (4, 1), ()),
    ((3, 4, 5), (4, 5), (3, 1, 1)),
    ((6,), (1,), (6,)),
    ((0, 3), (3,), (1, 3)),
])
def test_broadcast_shapes(kilnd, sa, sb, sc):
    a, b, c = sample("float64", sa, 1), sample("float64", sb, 2), sample("float64", sc, 3)
    if sc == ():
        c = np.float64(c)
    fn = kiln.jit(_bcast)
    check(fn, _bcast, a, b, c)


def test_broadcast_error_as_unfused(kilnd):
    fn = kiln.jit(_bcast)
    a, b, c = np.ones((4, 5)), np.ones(5), np.ones(3)
    with pytest.raises(ValueError, match="could not be broadcast"):
        fn(a, b, c)


@pytest.mark.parametrize("layout", ["C", "F", "strided", "reversed", "transposed"])
def test_layouts(kilnd, layout):
    base = [sample("float64", (6, 8), k) for k in range(3)]
    if layout == "C":
        a, b, c = base
    elif layout == "F":
        a, b, c = (np.asfortranarray(x) for x in base)
    elif layout == "strided":
        a, b, c = (x[::2, 1::3] for x in base)
    elif layout == "reversed":
        a, b, c = (x[::-1, ::-1] for x in base)
    else:
        a, b, c = (x.T for x in base)
    fn = kiln.jit(_bcast)
    check(fn, _bcast, a, b, c)
    # mixed: one of each
    check(fn, _bcast, base[0], np.asfortranarray(base[1]), base[2][::-1])


def test_1d_strided_view_and_contiguous(kilnd):
    x = np.arange(40.0)
    fn = kiln.jit(_bcast)
    check(fn, _bcast, x[::2], x[1::2], x[:20])


def test_integer_power_raises_as_unfused(kilnd):
    @kiln.jit
    def p(a, b):
        return a ** b + a

    a = np.arange(1, 5)
    np.testing.assert_array_equal(p(a, np.arange(4)), a ** np.arange(4) + a)
    with pytest.raises(ValueError, match="negative integer powers"):
        p(a, np.array([1, -1, 2, 3]))


def test_ufunc_and_unary_and_invert(kilnd):
    @kiln.jit
    def f(a, b):
        return ~(a & b) ^ (-a)

    a, b = sample("int32", seed=5), sample("int32", seed=6)
    check(f, lambda a, b: ~(a & b) ^ (-a), a, b)


@pytest.mark.parametrize("order", ["C", "F"])
def test_result_layout_as_numpy(kilnd, order):
    fn = kiln.jit(_bcast)
    base = np.asarray(sample("float64", (5, 6), 1), order=order)
    r = fn(base, base, base)
    want = _bcast(base, base, base)
    assert (r.flags.c_contiguous, r.flags.f_contiguous) == (want.flags.c_contiguous, want.flags.f_contiguous)
    assert r.flags.writeable
    np.testing.assert_allclose(r, want)
    # the flat loop of F arrays writes F order: element (i, j) where NumPy has it
    r2 = fn(base, base[:, ::-1].copy(order=order), base)
    np.testing.assert_allclose(r2, _bcast(base, base[:, ::-1], base))


def test_in_place_allocates_nothing(kilnd):
    @kiln.jit
    def update(a, b, c):
        a += b * c + np.sqrt(b)
        return a

    a, b, c = np.zeros(1000), np.arange(1000.0), np.full(1000, 0.5)
    want = a + (b * c + np.sqrt(b))
    assert allocations(update, a.copy(), b, c) == 0
    got = update(a, b, c)
    np.testing.assert_allclose(got, want)
    np.testing.assert_allclose(a, want)  # written in place


def test_in_place_broadcast_and_cast(kilnd):
    @kiln.jit
    def update(a, b, c):
        a *= b * 2 + c
        return a

    a = np.ones((4, 5), dtype=np.float32)
    b, c = np.arange(5.0), np.arange(4.0).reshape(4, 1)
    want = a.copy()
    want *= b * 2 + c
    update(a, b, c)
    assert a.dtype == np.float32
    np.testing.assert_allclose(a, want, rtol=1e-6)
    # a strided (A layout) target
    base = np.ones((4, 10))
    view = base[:, ::2]
    want = base.copy()
    want[:, ::2] *= b * 2 + c
    update(view, b, c)
    np.testing.assert_allclose(base, want)


@pytest.mark.parametrize("case", ["reversed", "shifted", "transposed"])
def test_in_place_with_an_overlapping_leaf(kilnd, case):
    @kiln.jit
    def rev(a):
        a += a[::-1] * 2.0 + 1.0
        return a

    @kiln.jit
    def shifted(a):
        a[1:] += a[:-1] * 2.0 + 1.0
        return a

    @kiln.jit
    def transposed(a):
        a += a.T * 2.0 - 1.0
        return a

    fn = {"reversed": rev, "shifted": shifted, "transposed": transposed}[case]
    x = np.arange(16.0).reshape(4, 4) if case == "transposed" else np.arange(10.0)
    want = fn.py_func(x.copy()) if hasattr(fn, "py_func") else None
    if want is None:
        y = x.copy()
        if case == "reversed":
            y += y[::-1] * 2.0 + 1.0
        elif case == "shifted":
            y[1:] += y[:-1] * 2.0 + 1.0
        else:
            y += y.T * 2.0 - 1.0
        want = y
    got = x.copy()
    fn(got)
    np.testing.assert_array_equal(got, want)


def test_in_place_broadcast_error(kilnd):
    @kiln.jit
    def update(a, b, c):
        a += b * c
        return a

    with pytest.raises(ValueError):
        update(np.ones(5), np.ones(5), np.ones(3))


def test_sum_of_a_tree_allocates_nothing_and_matches_unfused(kilnd):
    @kiln.jit
    def count(a):
        return (a > 0.5).sum()

    @kiln.jit
    def fused(a, b):
        return (a * b + 1.0).sum()

    @kiln.jit
    def unfused(a, b):
        t = a * b + 1.0  # used twice: kept as an array, then summed by array.sum
        return t.sum(), t

    rng = np.random.default_rng(11)
    a, b = rng.standard_normal(10_001), rng.standard_normal(10_001)
    assert allocations(count, a) == 0
    assert allocations(fused, a, b) == 0
    assert count(a) == (a > 0.5).sum()
    assert fused(a, b) == unfused(a, b)[0]  # the same order of additions, bit for bit
    m, n = rng.standard_normal((31, 17)), rng.standard_normal((31, 17))
    for x, y in [(m, n), (m.T, n.T), (m[::2], n[::2]), (m, n[0]), (np.asfortranarray(m), n), (m[:, :1], n)]:
        assert fused(x, y) == unfused(x, y)[0]
        assert count(x) == (x > 0.5).sum()
    assert count(np.zeros(0)) == 0 and fused(np.zeros(0), np.zeros(0)) == 0.0
    with pytest.raises(ValueError, match="operands could not be broadcast together"):
        fused(np.zeros(3), np.zeros(4))


def test_sum_of_a_tree_keeps_dtypes(kilnd):
    @kiln.jit
    def isum(a):
        return (a * 3).sum()

    @kiln.jit
    def fsum32(a):
        return (a * np.float32(2.0)).sum()

    @kiln.jit
    def bsum(a, b):
        return (a & b).sum()

    i8 = np.arange(-100, 100, dtype=np.int8)
    assert isum(i8) == (i8 * 3).sum() and type(isum(i8)) is type((i8 * 3).sum().item())
    u = np.array([2**63, 5], dtype=np.uint64)
    assert isum(u) == (u * 3).sum()
    f = np.random.default_rng(1).random(1000).astype(np.float32)
    @kiln.jit
    def fsum32_unfused(a):
        t = a * np.float32(2.0)
        return t.sum(), t

    assert fsum32(f) == fsum32_unfused(f)[0]
    np.testing.assert_allclose(fsum32(f), (f * np.float32(2.0)).sum(), rtol=1e-5)
    x, y = np.random.default_rng(2).random((2, 50)) > 0.5
    assert bsum(x, y) == (x & y).sum()
