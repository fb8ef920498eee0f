"""Array indexing against NumPy (issue 8 part 4): ints, 0-d integer arrays,
slices with negative steps (views), None, `...`, boolean masks, integer
arrays (1-d gathers, n-d row gathers and scatters), assignment through each
with broadcasting, and boundscheck=True raising IndexError as NumPy does."""

import numpy as np
import pytest


def _getitem():
    from kiln import jit

    @jit
    def get(a, i):
        return a[i]

    return get


def _setitem():
    from kiln import jit

    @jit
    def put(a, i, v):
        a[i] = v

    return put


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int64, np.float32, np.complex128, np.bool_])
def test_int_and_negative_step_views(kilnd, dtype):
    from kiln import jit

    @jit
    def views(a):
        return a[::-1], a[5:1:-2], a[-1:-8:-3], a[1:-1]

    a = (np.arange(10) % 3).astype(dtype)
    got = views(a)
    want = (a[::-1], a[5:1:-2], a[-1:-8:-3], a[1:-1])
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape and g.strides == w.strides
        np.testing.assert_array_equal(g, w)
        assert np.shares_memory(g, a)           # views, not copies
    get = _getitem()
    for i in (0, 9, -1, -10):
        assert get(a, i) == a[i]


def test_negative_step_view_writes_through(kilnd):
    from kiln import jit

    @jit
    def bump(a):
        v = a[::-2]
        v[0] = 100
        v[1:] = -1
        return v

    a = np.arange(7.0)
    want = np.arange(7.0)
    wv = want[::-2]
    wv[0] = 100
    wv[1:] = -1
    got = bump(a)
    np.testing.assert_array_equal(a, want)
    np.testing.assert_array_equal(got, wv)


def test_2d_slices_with_negative_steps(kilnd):
    from kiln import jit

    @jit
    def pick(a):
        return a[::-1, 1], a[2, ::-2], a[::-2, ::-1], a[-1:0:-1, :2]

    a = np.arange(20, dtype=np.int32).reshape(4, 5)
    for g, w in zip(pick(a), (a[::-1, 1], a[2, ::-2], a[::-2, ::-1], a[-1:0:-1, :2])):
        assert g.shape == w.shape
        np.testing.assert_array_equal(g, w)
    at = np.asfortranarray(a)
    for g, w in zip(pick(at), (at[::-1, 1], at[2, ::-2], at[::-2, ::-1], at[-1:0:-1, :2])):
        np.testing.assert_array_equal(g, w)


def test_zero_d_integer_array_indexes_as_its_integer(kilnd):
    from kiln import jit

    @jit
    def two(a, i, j):
        return a[i, j], a[i][j]

    get, put = _getitem(), _setitem()
    a = np.arange(10, dtype=np.int32)
    for i in (np.array(3, dtype=np.int16), np.array(-1, dtype=np.int64), np.array(9, dtype=np.uint16)):
        assert get(a, i) == a[i]
    b = np.arange(12.0).reshape(3, 4)
    assert two(b, np.array(2), np.array(-1, dtype=np.int8)) == (b[2, -1], b[2, -1])
    np.testing.assert_array_equal(get(b, np.array(1, dtype=np.uint8)), b[1])
    put(a, np.array(3, dtype=np.uint16), 8)
    assert a[3] == 8


def test_none_and_ellipsis(kilnd):
    from kiln import jit

    @jit
    def shapes(a):
        return a[None, :, 1], a[..., 0], a[:, None], a[0, ...], a[..., None]

    a = np.arange(24.0).reshape(2, 3, 4)
    for g, w in zip(shapes(a), (a[None, :, 1], a[..., 0], a[:, None], a[0, ...], a[..., None])):
        assert g.shape == w.shape
        np.testing.assert_array_equal(g, w)

    @jit
    def swap_ends(arr):
        arr[..., 0] = arr[..., 1]

    x = np.arange(6).reshape(2, 3)
    want = x.copy()
    want[..., 0] = want[..., 1]
    swap_ends(x)
    np.testing.assert_array_equal(x, want)


@pytest.mark.parametrize("dtype", [np.int32, np.float64, np.complex64])
def test_boolean_masks(kilnd, dtype):
    get, put = _getitem(), _setitem()
    a = np.arange(8).astype(dtype)
    mask = (np.arange(8) % 3) == 1
    got = get(a, mask)
    assert got.dtype == a.dtype
    np.testing.assert_array_equal(got, a[mask])
    b, w = a.copy(), a.copy()
    put(b, mask, 7)
    w[mask] = 7
    np.testing.assert_array_equal(b, w)
    b, w = a.copy(), a.copy()
    put(b, mask, np.arange(mask.sum()).astype(dtype))
    w[mask] = np.arange(mask.sum()).astype(dtype)
    np.testing.assert_array_equal(b, w)
    m2 = np.array([True, False, True])
    c = np.arange(12).reshape(3, 4).astype(dtype)
    np.testing.assert_array_equal(get(c, m2), c[m2])
    with pytest.raises(IndexError):
        get(a, np.array([True, False]))


def test_integer_array_gathers(kilnd):
    get = _getitem()
    a = np.arange(10.0)
    for idx in (np.array([0, 9, -2, 3]), np.int16([0, -1]), np.uint16([1, 1, 0]), np.array([], dtype=np.int64)):
        got = get(a, idx)
        np.testing.assert_array_equal(got, a[idx])
        assert got.shape == a[idx].shape
    c = np.arange(24, dtype=np.int32).reshape(4, 3, 2)
    for idx in (np.int16([0, 3, -2]), np.uint16([0, 1, 3]), np.bool_([0, 1, 1, 0])):
        got = get(c, idx)
        assert got.shape == c[idx].shape and got.dtype == c.dtype
        np.testing.assert_array_equal(got, c[idx])
        got.fill(42)
        assert c[0, 0, 0] == 0                 # a copy


def test_integer_array_and_mask_scatters(kilnd):
    put = _setitem()
    base = np.arange(24, dtype=np.int32).reshape(4, 3, 2) + 10
    for idx in (np.int16([0, 3, -2]), np.uint16([0, 1, 3]), np.bool_([0, 1, 1, 0])):
        for value in (base[idx], 5, base[idx][:1], np.arange(2, dtype=np.int32), np.arange(6.0).reshape(3, 2)):
            got, want = np.zeros_like(base), np.zeros_like(base)
            want[idx] = value
            put(got, idx, value)
            np.testing.assert_array_equal(got, want)
    a = np.arange(6.0)
    w = a.copy()
    w[np.array([0, 2])] = a[np.array([2, 0])]
    put(a, np.array([0, 2]), a[np.array([2, 0])])
    np.testing.assert_array_equal(a, w)
    c = np.arange(12.0).reshape(4, 3)
    w = c.copy()
    w[np.array([1, 0])] = w[:2]               # a source over the target's own rows
    put(c, np.array([1, 0]), c[:2])
    np.testing.assert_array_equal(c, w)
    with pytest.raises(ValueError):
        put(np.zeros((4, 3)), np.array([0, 1]), np.ones((3, 3)))


def test_assignment_broadcasting(kilnd):
    from kiln import jit

    @jit
    def fill(a, v):
        a[:] = v

    cases = [((5,), 42), ((2, 3), np.arange(1, 4)), ((2, 3), np.arange(1, 4).reshape(1, 3)),
             ((2, 1, 2, 3), np.arange(1, 4).reshape(1, 3)), ((5,), np.arange(1, 6).reshape(1, 5)),
             ((2, 3), np.arange(1, 7).reshape(1, 1, 2, 3)), ((4,), np.arange(1.5, 2.5)), ((3,), np.array(2.5))]
    for shape, v in cases:
        got, want = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
        want[:] = v
        fill(got, v)
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="cannot broadcast source array for assignment"):
        fill(np.zeros(5, dtype=np.int64), np.arange(10).reshape(2, 5))
    with pytest.raises(ValueError, match="cannot assign slice from input of different size"):
        fill(np.zeros((1, 5), dtype=np.int64), np.arange(10).reshape(1, 2, 5))
    with pytest.raises(ValueError, match="cannot assign slice from input of different size"):
        fill(np.zeros((2, 5), dtype=np.int64), np.arange(4))


def test_sequences_into_slices(kilnd):
    from kiln import jit

    @jit
    def setslice(a, b, start, stop, step):
        a[start:stop:step] = b
        return a

    for seq in ((8, -42), [8, -42], (1.5, 2), [3]):
        for start, stop, step in ((1, 3, 1), (0, None, 5), (-1, -5, -2), (None, None, None)):
            a = np.arange(10, dtype=np.int32)
            want = a.copy()
            try:
                want[start:stop:step] = seq
            except ValueError:
                with pytest.raises(ValueError):
                    setslice(a, seq, start, stop, step)
                continue
            np.testing.assert_array_equal(setslice(a, seq, start, stop, step), want)


def test_zero_d_values(kilnd):
    put = _setitem()
    for x, v in [(np.zeros(3), np.array(3.14)), (np.zeros(3, dtype=np.int64), np.array(3)),
                 (np.zeros(3), np.array(1, dtype=np.int64)), (np.zeros(3, dtype=complex), np.array(2 + 3j)),
                 (np.zeros(5, dtype="<U3"), np.array("abc")), (np.zeros(3, dtype="<U3"), np.array("a")),
                 (np.array(["abc", "def", "ghi"]), np.array("WXYZ"))]:
        got, want = x.copy(), x.copy()
        want[0] = v
        put(got, 0, v)
        np.testing.assert_array_equal(got, want)
    m, w = np.arange(5.0), np.arange(5.0)
    w[w > 2] = np.array(-1.0)
    put(m, m > 2, np.array(-1.0))
    np.testing.assert_array_equal(m, w)


def test_boundscheck_raises_index_error(kilnd):
    from kiln import jit

    @jit(boundscheck=True)
    def get(a, i):
        return a[i]

    @jit(boundscheck=True)
    def get2(a, i, j):
        return a[i, j]

    @jit(boundscheck=True)
    def put(a, i, v):
        a[i] = v

    a = np.arange(5)
    assert get(a, -5) == 0 and get(a, 4) == 4
    for i in (5, -6, 100):
        with pytest.raises(IndexError):
            get(a, i)
        with pytest.raises(IndexError):
            put(a, i, 1)
    b = np.zeros((2, 3))
    with pytest.raises(IndexError):
        get2(b, 1, 3)
    with pytest.raises(IndexError):
        get2(b, -3, 0)
    with pytest.raises(IndexError):
        get(a, np.array([0, 5]))
    with pytest.raises(IndexError):
        put(a, np.array([-6]), 1)
    assert get(a[::-1], 0) == 4


def test_np_take(kilnd):
    from kiln import jit, TypingError

    @jit
    def take(a, i):
        return np.take(a, i)

    for dt in (np.int64, np.complex128, np.float32):
        a = np.arange(12, dtype=dt).reshape(4, 3)
        for ind in (1, -12, np.array([1, 5, 1, 11, 3]), np.array([[[1], [5]], [[1], [-1]]]), [1, 5, 1, 11, 3],
                    (1, 5, 1), ((1, 5, 1), (11, 3, 2))):
            got, want = take(a, ind), np.take(a, ind)
            assert np.shape(got) == np.shape(want)
            if np.ndim(want):                     # a scalar comes back as Python's number, as from Numba
                assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(take(a[:, ::-1], [0, 1, 2]), np.take(a[:, ::-1], [0, 1, 2]))
    for bad in (12, -13, np.array([12]), [-13]):
        with pytest.raises(IndexError):
            take(a, bad)
    with pytest.raises(TypingError):
        take(a, [1.7])
