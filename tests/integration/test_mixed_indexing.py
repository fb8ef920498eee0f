"""One advanced index (a 1-d int array or bool mask) in a tuple with ints,
slices, None and `...` (issue 8 part 4, mixidx), against NumPy: reads are
gathers into new C arrays with NumPy's exact result shape (ints are
advanced indices too; the selection's dimension goes first when a slice,
None or `...` stands between advanced parts), writes scatter a broadcast
scalar or array; negative indices wrap, out-of-range ones raise IndexError
(boundscheck off too), a mask of the wrong length raises IndexError, and two
index arrays are refused, located, as Numba does."""

import itertools

import numpy as np
import pytest

_compiled = {}


def _jit(expr, store):
    """A jitted get(a, idx) -> a[expr] or put(a, idx, v): a[expr] = v."""
    key = (expr, store)
    if key not in _compiled:
        from kiln import jit

        src = (f"def put(a, idx, v):\n    a[{expr}] = v\n" if store else f"def get(a, idx):\n    return a[{expr}]\n")
        ns = {"np": np}
        exec(compile(src, f"<mixidx {expr}>", "exec"), ns)
        _compiled[key] = jit(ns["put" if store else "get"])
    return _compiled[key]


def _numpy(expr, a, idx):
    return eval(f"a[{expr}]", {"a": a, "idx": idx, "np": np})


def _check_get(expr, a, idx):
    want = _numpy(expr, a, idx)
    got = _jit(expr, False)(a, idx)
    assert got.shape == want.shape, (expr, a.shape, idx, got.shape, want.shape)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want, err_msg=f"a[{expr}] of shape {a.shape}, idx={idx!r}")
    assert got.flags.c_contiguous
    if got.size:  # a copy: writing it leaves a alone
        before = a.copy()
        got.fill(7)
        np.testing.assert_array_equal(a, before)


def _check_put(expr, a, idx, v):
    want, got = a.copy(), a.copy()
    exec(f"want[{expr}] = v", {"want": want, "idx": idx, "v": v, "np": np})
    _jit(expr, True)(got, idx, v)
    np.testing.assert_array_equal(got, want, err_msg=f"a[{expr}] = {v!r}, a of shape {a.shape}, idx={idx!r}")


# Parts that are not the index array, and where the array goes among them.
_OTHERS = [":", "1:3", "::-1", "1", "-1", "None", "..."]
_FEWER = [":", "::-1", "-1", "None", "..."]


def _exprs(ndim):
    """Index expressions with `idx` and up to 2 other parts (at most one
    `...`, no more consumed dimensions than ndim), at every position."""
    out = []
    for n in range(2 if ndim == 1 else 3):
        for others in itertools.product(_OTHERS if ndim < 3 else _FEWER, repeat=n):
            if others.count("...") > 1:
                continue
            consumed = 1 + sum(p not in ("None", "...") for p in others)
            if consumed > ndim:
                continue
            for pos in range(n + 1):
                parts = list(others[:pos]) + ["idx"] + list(others[pos:])
                out.append(", ".join(parts))
    return out


def _arrays(shape):
    """A C array, an F array and a non-contiguous view, all of `shape`."""
    n = int(np.prod(shape))
    c = np.arange(n, dtype=np.int64).reshape(shape) * 3 - 5
    f = np.asfortranarray(c)
    big = np.zeros(tuple(2 * d for d in shape), dtype=np.int64)
    view = big[tuple(slice(None, None, 2) for _ in shape)]
    view[...] = c
    return c, f, view


_SHAPE = {1: (5,), 2: (4, 5), 3: (4, 3, 5)}


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_generated_reads(kilnd, ndim):
    shape = _SHAPE[ndim]
    exprs = _exprs(ndim)
    assert len(exprs) > 3
    for k, expr in enumerate(exprs):
        arrays = _arrays(shape)
        a = arrays[k % 3]
        # every axis here is at least 3 long; other index dtypes are other compiles: on some
        for idx in (np.array([0, -1, 2, 2]), np.array([], dtype=np.int64)) + (
                (np.uint8([2, 0]), np.int16([-3, 1])) if k % 5 == 0 else ()):
            _check_get(expr, a, idx)


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_generated_mask_reads(kilnd, ndim):
    shape = _SHAPE[ndim]
    for k, expr in enumerate(_exprs(ndim)):
        a = _arrays(shape)[k % 3]
        # the mask must match the axis it stands for: find it from NumPy
        axis = _axis_of(expr, ndim)
        n = shape[axis]
        for mask in (np.arange(n) % 2 == 0, np.zeros(n, dtype=np.bool_), np.ones(n, dtype=np.bool_)):
            _check_get(expr, a, mask)


def _axis_of(expr, ndim):
    """The axis of an ndim array that `idx` indexes in expr."""
    parts = [p.strip() for p in expr.split(",")]
    consumed = sum(p not in ("None", "...") for p in parts)
    axis = 0
    for p in parts:
        if p == "idx":
            return axis
        if p == "...":
            axis += ndim - consumed
        elif p != "None":
            axis += 1
    raise AssertionError(expr)


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_generated_writes(kilnd, ndim):
    shape = _SHAPE[ndim]
    for k, expr in enumerate(_exprs(ndim)):
        if k % 4:  # a quarter of them: each value is a compile
            continue
        a = _arrays(shape)[k // 4 % 3]
        axis = _axis_of(expr, ndim)
        n = shape[axis]
        for idx in (np.array([0, -1, 1]), np.array([], dtype=np.int64), np.arange(n) % 2 == 1):
            want_shape = _numpy(expr, a, idx).shape
            values = [42, np.array(-3), np.arange(int(np.prod(want_shape)), dtype=np.int64).reshape(want_shape) + 100]
            if len(want_shape) >= 1 and want_shape[-1] > 0:  # broadcast along the leading dimensions
                values.append(np.arange(want_shape[-1]) - 50)
            values.append(np.ones((1,) * len(want_shape), dtype=np.float64) * 9)
            for v in values if idx.dtype != np.bool_ else values[::2]:  # each value type is a compile
                _check_put(expr, a, idx, v)


def test_named_forms(kilnd):
    """The forms of the issue, one by one, and NumPy's transposition rule."""
    a = np.arange(20.0).reshape(4, 5)
    idx = np.array([3, 0, -1])
    m = np.array([True, False, True, True])
    mc = np.array([False, True, True, False, True])
    for expr, i in (("idx, :", idx), (":, idx", idx), ("idx, :", m), (":, idx", mc), ("idx, 1", idx),
                    ("1, idx", idx), ("idx, 1:3", idx), ("idx, 1", m)):
        _check_get(expr, a, i)
    a3 = np.arange(60).reshape(3, 4, 5)
    _check_get(":, idx, 0", a3, idx)
    a4 = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    got = _jit(":, idx, :, 1", False)(a4, np.array([0, 2]))
    assert got.shape == (2, 2, 4)                            # (len(idx), n0, n2): the selection first
    np.testing.assert_array_equal(got, a4[:, np.array([0, 2]), :, 1])
    got = _jit("1, :, idx", False)(a3, np.array([0, 4, 1]))
    assert got.shape == (3, 4)                               # NumPy's famous case
    np.testing.assert_array_equal(got, a3[1, :, np.array([0, 4, 1])])
    got = _jit(":, idx, ..., 1", False)(np.zeros((5, 3, 4)), np.array([0, 1]))
    assert got.shape == (2, 5)                               # an empty `...` separates too


def test_named_writes(kilnd):
    a = np.arange(20.0).reshape(4, 5)
    idx = np.array([3, 0, -1])
    m = np.array([True, False, True, True])
    _check_put("idx, :", a, idx, 0.5)
    _check_put("idx, :", a, idx, np.arange(5.0))
    _check_put("idx, :", a, idx, np.arange(15.0).reshape(3, 5))
    _check_put(":, idx", a, idx, np.arange(4.0).reshape(4, 1))
    _check_put("idx, 1", a, m, 0.0)
    _check_put("idx, 1", a, m, np.array([1.0, 2.0, 3.0]))
    _check_put("1, idx", a, idx, np.array([7, 8, 9]))          # ints convert to the dtype
    a4 = np.zeros((2, 3, 4, 5))
    _check_put(":, idx, :, 1", a4, np.array([0, 2]), np.arange(16.0).reshape(2, 2, 4))
    _check_put(":, idx, :, 1", a4, np.array([0, 2]), np.arange(4.0))
    # duplicates: the last store wins, as NumPy
    _check_put("idx, 0", a, np.array([1, 1, 1]), np.array([5.0, 6.0, 7.0]))


def test_value_overlapping_the_target(kilnd):
    put = _jit("idx, :", True)
    a = np.arange(20.0).reshape(4, 5)
    w = a.copy()
    w[np.array([1, 0]), :] = w[:2]
    put(a, np.array([1, 0]), a[:2])
    np.testing.assert_array_equal(a, w)
    b = np.arange(8.0)
    w = b.copy()
    w[np.array([0, 1, 2, 3])] = w[::-1][:4]
    _jit("idx", True)(b, np.array([0, 1, 2, 3]), b[::-1][:4])
    np.testing.assert_array_equal(b, w)


def test_index_over_the_target(kilnd):
    """An index array or mask over the target's own memory is read before
    any store (NumPy copies it): a store never changes a later index."""
    put = _jit("idx", True)
    a = np.array([1, 0])
    w = a.copy()
    w[w] = 100
    put(a, a, 100)                               # a stale index would be 100: out of bounds
    np.testing.assert_array_equal(a, w)
    a = np.array([1, 0, 1])
    w = a.copy()
    w[w] = np.array([5, 6, 7])
    put(a, a, np.array([5, 6, 7]))
    np.testing.assert_array_equal(a, w)
    b = np.array([True, False, True])
    w = b.copy()
    w[w] = False
    put(b, b, False)
    np.testing.assert_array_equal(b, w)
    c = np.array([[1, 0], [0, 5]])
    w = c.copy()
    w[w[:, 0], 0] = 7
    _jit("idx, 0", True)(c, c[:, 0], 7)
    np.testing.assert_array_equal(c, w)


def test_errors_as_numpy(kilnd):
    a = np.arange(20.0).reshape(4, 5)
    get = _jit("idx, 1", False)
    for bad in (np.array([0, 4]), np.array([-5]), np.uint64([2**63 + 1])):
        with pytest.raises(IndexError, match="index out of bounds for axis 0"):
            get(a, bad)
    with pytest.raises(IndexError, match="index out of bounds for axis 1"):
        _jit("idx, 5", False)(a, np.array([], dtype=np.int64))   # NumPy checks the int too
    with pytest.raises(IndexError, match="index out of bounds for axis 0"):
        _jit("np.uint64(2**64 - 1), idx", False)(a, np.array([0]))  # unsigned: never wrapped
    with pytest.raises(IndexError, match="boolean index did not match indexed array along axis 1"):
        _jit(":, idx", False)(a, np.array([True, False]))
    put = _jit("idx, :", True)
    b = a.copy()
    with pytest.raises(IndexError):
        put(b, np.array([0, 9]), 1.0)
    np.testing.assert_array_equal(b, a)                          # checked before any store
    with pytest.raises(ValueError, match="shape mismatch"):
        put(b, np.array([0, 1]), np.ones((3, 5)))
    with pytest.raises(ValueError, match="shape mismatch"):
        put(b, np.array([], dtype=np.int64), np.ones(4))         # NumPy checks an empty selection too


def test_two_index_arrays_refused(kilnd):
    from kiln import TypingError, jit

    @jit
    def two_put(a, i, j):
        a[i, :, j] = 0.0

    # realcode4: two int arrays select pointwise (tests/integration/test_realcode4.py);
    # a mask with another index array stays refused.
    with pytest.raises(TypingError, match="only one advanced index supported"):
        two_put(np.zeros((3, 3, 3)), np.array([0]), np.array([True, False, True]))
    with pytest.raises(TypingError, match="is not supported"):      # a 2-d index array in a tuple
        _jit("idx, 0", False)(np.zeros((3, 3)), np.zeros((2, 2), dtype=np.int64))


def test_numba_code_row_gather(kilnd):
    """Real uses: a row gather and a column pick inside a loop."""
    from kiln import jit

    @jit
    def centroids(X, labels, k):
        out = np.zeros((k, X.shape[1]))
        for c in range(k):
            rows = X[labels == c, :]
            for j in range(X.shape[1]):
                out[c, j] = rows[:, j].mean() if rows.shape[0] else 0.0
        return out

    @jit
    def pick(X, cols):
        return X[:, cols].sum()

    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    labels = rng.integers(0, 4, 50)
    want = np.array([X[labels == c].mean(axis=0) for c in range(4)])
    np.testing.assert_allclose(centroids(X, labels, 4), want)
    assert pick(X, np.array([2, 0])) == pytest.approx(X[:, [2, 0]].sum())
