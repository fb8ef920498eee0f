"""NumPy arrays end to end: compiled by a real kilnd, dispatched, unboxed and
boxed by the client (tests/unit/client/test_native_arrays.py covers the
dispatcher alone, with hand-written entry points)."""

import gc

import pytest

import numpy as np  # a hard requirement (scripts/setup.sh installs it)


def test_array_arguments_by_layout(kilnd):
    from kiln import jit

    @jit
    def total(a):
        s = 0.0
        for i in range(a.shape[0]):
            s += a[i]
        return s

    a = np.arange(10.0)
    assert total(a) == 45.0
    assert total(a[::2]) == 20.0                  # strided: a second, A-layout overload
    assert total.signatures == [("array(float64, 1d, C)",), ("array(float64, 1d, A)",)]
    assert total(a[1::3]) == 1 + 4 + 7            # reuses the A overload
    assert len(total.signatures) == 2


def test_writes_into_the_argument(kilnd):
    from kiln import jit

    @jit
    def fill(a, v):
        for i in range(len(a)):
            a[i] = v + i

    a = np.zeros(4, dtype=np.int32)
    assert fill(a, np.int32(5)) is None
    assert a.tolist() == [5, 6, 7, 8]
    assert fill.signatures == [("array(int32, 1d, C)", "int32")]


def test_returned_arrays_own_their_memory(kilnd):
    from kiln import jit

    @jit
    def zeros(n):
        return np.zeros(n)

    @jit
    def with_length(n):
        return np.arange(n), n

    z = zeros(3)
    assert z.tolist() == [0.0, 0.0, 0.0] and z.dtype == np.float64
    assert type(z.base).__name__ == "PyCapsule" and z.flags.writeable
    r, n = with_length(4)
    assert r.tolist() == [0, 1, 2, 3] and n == 4
    for _ in range(20):
        del z
        z = zeros(1 << 16)
    gc.collect()


def test_object_array_is_a_typing_error(kilnd):
    import kiln
    from kiln import jit

    @jit
    def first(a):
        return a[0]

    with pytest.raises(kiln.TypingError, match=r"argument 'a' \(NumPy array of dtype object\)"):
        first(np.array([1, None], dtype=object))


def test_overlapping_slice_assignment_copies_first(kilnd):
    # a[1:] = a[:-1] and a[::-1] = a read the source before writing, as
    # NumPy does (the element-by-element copy would read its own writes).
    import numpy as np
    from kiln import jit

    def shift(src, dest, k):
        dest[k:] = src[:-k]

    def flip(src, dest):
        dest[:] = src[::-1]

    def flip_cols(src, dest):
        dest[:] = src[:, ::-1]

    cases = [(shift, (7,), (2,)), (flip, (6,), ()), (flip_cols, (3, 4), ()), (shift, (4, 3), (1,))]
    for f, shape, extra in cases:
        want = np.arange(np.prod(shape)).reshape(shape)
        got = want.copy()
        f(want, want, *extra)
        jit(f)(got, got, *extra)
        np.testing.assert_array_equal(got, want)
        src = np.arange(np.prod(shape)).reshape(shape)
        want, got = np.zeros_like(src), np.zeros_like(src)
        f(src, want, *extra)
        jit(f)(src, got, *extra)
        np.testing.assert_array_equal(got, want)
