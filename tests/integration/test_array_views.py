"""Arrays in and out (issue 8 parts 1-4): arguments and views of them come
back as the same memory, read-only arrays, frozen global arrays, dtype
objects, None/Ellipsis indexing. Each result is compared with NumPy."""

import numpy as np
import pytest

WEIGHTS = np.array([1.0, 2.0, 4.0])
TABLE = np.arange(12, dtype=np.int32).reshape(3, 4)
SCALE = np.float32(0.5)


def test_argument_and_views_come_back_as_views(kilnd):
    from kiln import jit

    x = np.arange(10.0)
    assert jit(lambda a: a)(x) is x
    ev = jit(lambda a: a[::2])(x)
    assert ev.base is x and ev.strides == (16,)
    ev[1] = -1.0                                   # writes go through to x
    assert x[2] == -1.0
    rev = jit(lambda a: a[::-1])(x)
    assert rev.strides == (-8,) and np.shares_memory(rev, x)
    assert rev.tolist() == x[::-1].tolist()
    m = np.arange(12.0).reshape(3, 4)
    col = jit(lambda a: a[:, 1])(m)
    assert np.shares_memory(col, m) and col.tolist() == m[:, 1].tolist()


def test_readonly_arguments(kilnd):
    from kiln import jit, TypingError

    @jit
    def total(a):
        return a.sum()

    ro = np.arange(6.0)
    ro.flags.writeable = False
    assert total(ro) == 15.0
    assert total.signatures == [("readonly array(float64, 1d, C)",)]

    @jit
    def head(a):
        return a[:2]

    v = head(ro)
    assert np.shares_memory(v, ro) and not v.flags.writeable

    @jit
    def bump(a):
        a += 1

    with pytest.raises(TypingError, match=r"Cannot modify readonly array of type: readonly array\(float64, 1d, C\)"):
        bump(ro)

    @jit
    def fill(a):
        a.fill(0)

    with pytest.raises(TypingError, match="Cannot modify readonly array"):
        fill(ro)
    assert ro.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_global_arrays_are_frozen_constants(kilnd):
    from kiln import jit, TypingError

    @jit
    def weighted(a):
        return (a * WEIGHTS).sum() * SCALE

    a = np.array([1.0, 1.0, 1.0])
    assert weighted(a) == (a * WEIGHTS).sum() * SCALE

    @jit
    def corner():
        return TABLE[2, 3] + TABLE.sum()

    assert corner() == TABLE[2, 3] + TABLE.sum()

    @jit
    def scribble():
        TABLE[0, 0] = 5

    with pytest.raises(TypingError, match="Cannot modify readonly array of type: readonly array"):
        scribble()


def test_changed_global_array_recompiles(kilnd):
    from kiln import jit
    import sys

    mod = sys.modules[__name__]
    saved = mod.WEIGHTS

    def dot(a):
        return (a * WEIGHTS).sum()

    a = np.ones(3)
    try:
        assert jit(dot)(a) == 7.0
        mod.WEIGHTS = np.array([1.0, 1.0, 1.0])
        assert jit(dot)(a) == 3.0                  # new bytes: a new bundle and cache key
    finally:
        mod.WEIGHTS = saved


def test_array_defaults(kilnd):
    from kiln import jit

    @jit
    def f(a, w=np.array([2.0, 3.0]), t=(1, 2)):
        return a[0] * w[0] + a[1] * w[1] + t[1]

    a = np.array([1.0, 1.0])
    assert f(a) == 7.0


def test_attributes(kilnd):
    from kiln import jit

    @jit
    def attrs(a):
        return a.strides, a.itemsize, a.nbytes, a.ndim, a.size

    for x in (np.zeros((3, 4)), np.zeros((3, 4), dtype=np.int16)[:, ::2], np.zeros(5, dtype=np.float32)):
        assert attrs(x) == (x.strides, x.itemsize, x.nbytes, x.ndim, x.size)

    @jit
    def like(a, b):
        out = np.zeros(a.shape, b.dtype)
        return out, a.astype(b.dtype)

    z, c = like(np.arange(3.0), np.zeros(1, dtype=np.int32))
    assert z.dtype == np.int32 and c.dtype == np.int32 and c.tolist() == [0, 1, 2]

    @jit
    def as_value():
        d = np.float32
        return np.ones(2, d)

    assert as_value().dtype == np.float32


def test_none_and_ellipsis_indexing(kilnd):
    from kiln import jit

    m = np.arange(12.0).reshape(3, 4)
    v = np.arange(4.0)
    cases = [
        (lambda a: a[None], m),
        (lambda a: a[:, None], m),
        (lambda a: a[None, :, None], v),
        (lambda a: a[...], m),
        (lambda a: a[..., 1], m),
        (lambda a: a[1, ...], m),
        (lambda a: a[..., None], m),
        (lambda a: a[None, 1], m),
        (lambda a: a[::-1, None, ::2], m),
    ]
    for f, x in cases:
        got = jit(f)(x)
        want = f(x)
        assert got.shape == want.shape and got.tolist() == want.tolist()
        assert np.shares_memory(got, x)

    @jit
    def outer(a, b):
        return a[:, None] * b[None, :]

    assert outer(v, v).tolist() == np.outer(v, v).tolist()

    @jit
    def set_all(a):
        a[...] = 7.0
        a[0, ...] = 1.0

    z = np.zeros((2, 3))
    set_all(z)
    assert z.tolist() == [[1.0] * 3, [7.0] * 3]


def test_concatenate_and_stacking(kilnd):
    from kiln import jit, TypingError

    a = np.arange(4.0)
    b = np.arange(4.0, 8.0)
    m = np.arange(6, dtype=np.int32).reshape(2, 3)
    n = np.arange(6, 12, dtype=np.int64).reshape(2, 3)
    cases = [
        (lambda x, y: np.concatenate((x, y)), (a, b)),
        (lambda x, y: np.concatenate((x, y, x)), (a, b[::2])),
        (lambda x, y: np.concatenate((x, y), axis=0), (m, n)),
        (lambda x, y: np.concatenate((x, y), axis=1), (m, n)),
        (lambda x, y: np.concatenate((x, y), axis=-1), (m, n.T.copy().T)),
        (lambda x, y: np.stack((x, y)), (a, b)),
        (lambda x, y: np.stack((x, y), axis=1), (a, b)),
        (lambda x, y: np.stack((x, y), 2), (m, n)),
        (lambda x, y: np.stack((x, y), -2), (m, n)),
        (lambda x, y: np.vstack((x, y)), (a, b)),
        (lambda x, y: np.vstack((x, y)), (m, n)),
        (lambda x, y: np.hstack((x, y)), (a, b)),
        (lambda x, y: np.hstack((x, y)), (m, n)),
        (lambda x, y: np.column_stack((x, y)), (a, b)),
        (lambda x, y: np.column_stack((x, y)), (m, n)),
    ]
    for f, args in cases:
        got = jit(f)(*args)
        want = f(*args)
        assert got.dtype == want.dtype and got.shape == want.shape and got.tolist() == want.tolist()

    with pytest.raises(ValueError, match="must match exactly"):
        jit(lambda x, y: np.concatenate((x, y), axis=1))(m, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="same shape"):
        jit(lambda x, y: np.stack((x, y)))(a, np.zeros(3))
    with pytest.raises(ValueError, match="out of bounds"):
        jit(lambda x, y: np.concatenate((x, y), axis=2))(m, n)
    with pytest.raises(TypingError, match="numpy.concatenate"):
        jit(lambda x, y: np.concatenate((x, y)))(a, m)    # ndims differ


def test_array_and_asarray(kilnd):
    from kiln import jit

    a = np.arange(6.0).reshape(2, 3)
    assert jit(lambda x: np.asarray(x))(a) is a
    assert jit(lambda x: np.ascontiguousarray(x))(a) is a
    c = jit(lambda x: np.ascontiguousarray(x))(a.T)
    assert c.flags.c_contiguous and c.tolist() == a.T.tolist()
    cp = jit(lambda x: np.array(x))(a)
    assert cp is not a and not np.shares_memory(cp, a) and cp.tolist() == a.tolist()
    cases = [
        (lambda x: np.array((1, 2, 3)), 0),
        (lambda x: np.array((1, 2.5, x)), 3),
        (lambda x: np.array(((1, 2), (3, x))), 4),
        (lambda x: np.array((True, False)), 0),
        (lambda x: np.array((1, 2), np.float32), 0),
        (lambda x: np.asarray((x, x), dtype=np.int32), 7),
    ]
    for f, arg in cases:
        got, want = jit(f)(arg), f(arg)
        assert got.dtype == want.dtype and got.shape == want.shape and got.tolist() == want.tolist()
    v = np.arange(3.0)
    got = jit(lambda x, y: np.array((x, y)))(v, v * 2)
    assert got.tolist() == np.array((v, v * 2)).tolist()
    i32 = jit(lambda x: np.array(x, np.int32))(np.array([1.7, -2.2]))
    assert i32.dtype == np.int32 and i32.tolist() == [1, -2]


def test_function_forms_and_repeat_tile(kilnd):
    from kiln import jit

    m = np.arange(6.0).reshape(2, 3)
    v = np.arange(4, dtype=np.int32)
    cases = [
        (lambda x: np.ravel(x), m), (lambda x: np.ravel(x.T), m),
        (lambda x: np.transpose(x), m), (lambda x: np.reshape(x, (3, 2)), m), (lambda x: np.reshape(x, -1), m),
        (lambda x: np.repeat(x, 3), v), (lambda x: np.repeat(x, 2), m), (lambda x: np.repeat(x, 0), v),
        (lambda x: np.tile(x, 3), v), (lambda x: np.tile(x, 0), v),
    ]
    for f, x in cases:
        got, want = jit(f)(x), f(x)
        assert got.dtype == want.dtype and got.shape == want.shape and got.tolist() == want.tolist()
    assert jit(lambda x: (np.shape(x), np.size(x), np.ndim(x)))(m) == ((2, 3), 6, 2)
    with pytest.raises(ValueError):
        jit(lambda x: np.repeat(x, -1))(v)


def test_zero_d_arrays(kilnd):
    from kiln import jit

    z = np.array(2.5)
    assert jit(lambda a: a[()])(z) == 2.5
    c = jit(lambda a: np.ascontiguousarray(a))(z)
    assert c.shape == (1,) and c.tolist() == [2.5] and np.shares_memory(c, z)
    assert jit(lambda a: (a.ndim, a.size, a.shape))(z) == (0, 1, ())

    @jit
    def put(a, v):
        a[()] = v

    put(z, 4.0)
    assert z[()] == 4.0


def test_flat_argwhere_flatnonzero(kilnd):
    from kiln import jit, TypingError

    m = np.array([[0, 3, 0], [5, 0, 7]], dtype=np.int16)

    @jit
    def total(a):
        s = 0
        for v in a.flat:
            s += v
        return s, a.flat[4], len(a.flat)

    assert total(m) == (15, 0, 6)

    @jit
    def put(a):
        a.flat[1] = 9

    c = m.copy()
    put(c)
    assert c[0, 1] == 9
    assert total(m.T) == (15, m.T.flat[4], 6)  # flatimag: a flat iterator, in C order
    with pytest.raises(TypingError, match="attribute 'flat'"):
        total(np.zeros((2, 2), dtype=[("x", np.int8)]).T)
    for x in (m, m.astype(bool), np.arange(5.0) - 2, m.T):
        got, want = jit(lambda a: np.argwhere(a))(x), np.argwhere(x)
        assert got.dtype == want.dtype and got.tolist() == want.tolist() and got.strides == want.strides
        got, want = jit(lambda a: np.flatnonzero(a))(x), np.flatnonzero(x)
        assert got.tolist() == want.tolist()


def test_row_gathers(kilnd):
    from kiln import jit

    m = np.arange(24, dtype=np.int32).reshape(4, 3, 2)
    idx = np.array([3, 0, -1, 0], dtype=np.int16)
    mask = np.array([True, False, True, True])
    f = jit(lambda a, i: a[i])
    for a, i in ((m, idx), (m, mask), (m[:, ::-1], idx), (m.T.copy().T, mask), (m[:, 0], idx)):
        got, want = f(a, i), a[i]
        assert got.dtype == want.dtype and got.shape == want.shape and got.tolist() == want.tolist()
    assert f(m, np.zeros(0, dtype=np.int64)).shape == (0, 3, 2)
    with pytest.raises(IndexError):
        f(m, np.array([True, False]))                # a mask of the wrong length

    @jit
    def scatter(a, i):
        a[i] = 0

    for i in (idx, mask):                           # row scatters, as NumPy
        got, want = m.copy(), m.copy()
        scatter(got, i)
        want[i] = 0
        assert got.tolist() == want.tolist()


def test_swapaxes_and_expand_dims(kilnd):
    from kiln import jit

    m = np.arange(24.0).reshape(2, 3, 4)
    for f in (lambda a: a.swapaxes(0, 2), lambda a: np.swapaxes(a, -1, 1), lambda a: a.swapaxes(1, 1),
              lambda a: np.expand_dims(a, 0), lambda a: np.expand_dims(a, 3), lambda a: np.expand_dims(a, -2),
              lambda a: np.expand_dims(a[:, ::2], 1)):
        got, want = jit(f)(m), f(m)
        assert got.shape == want.shape and got.tolist() == want.tolist() and np.shares_memory(got, m)
    with pytest.raises(ValueError, match="out of bounds"):
        jit(lambda a: np.expand_dims(a, 5))(m)
    with pytest.raises(ValueError, match="out of bounds"):
        jit(lambda a: a.swapaxes(0, 3))(m)
