"""Answers that used to be silently wrong, now right or refused.

Each expected value comes from NumPy or Python in the test itself.
"""

import numpy as np
import pytest


def test_array_identity_compares_data_shape_and_strides(kilnd):
    from kiln import jit

    @jit
    def same(a, b):
        return a is b, a is not b

    arr = np.zeros(10, dtype=np.int32).reshape((2, 5))
    assert same(arr, arr) == (True, False)
    assert same(arr, arr[:]) == (True, False)      # the same data, shape and strides (as Numba)
    assert same(arr, arr[:-1]) == (False, True)    # same data pointer, smaller shape
    assert same(arr, arr.copy()) == (False, True)
    assert same(arr, arr.T) == (False, True)


@pytest.mark.parametrize("order", ["C", "F"])
def test_ufunc_result_keeps_fortran_order(kilnd, order):
    from kiln import jit

    @jit
    def f(a):
        return np.sqrt(a), -a, a + a, a == a

    x = np.array(np.linspace(0, 1, 20).reshape(4, 5), order=order)
    for got, want in zip(f(x), (np.sqrt(x), -x, x + x, x == x)):
        np.testing.assert_array_equal(got, want)
        assert got.flags.c_contiguous == want.flags.c_contiguous
        assert got.flags.f_contiguous == want.flags.f_contiguous


def test_impossible_allocation_raises_memory_error_even_unused(kilnd):
    from kiln import jit

    @jit
    def unused(n):
        np.empty(n)

    @jit
    def square(n):
        return np.empty((n, n)).size

    with pytest.raises(MemoryError, match="Allocation failed"):
        unused(2**64 // 8 // 2 - 1)
    with pytest.raises(ValueError, match="array is too big"):  # NumPy's error
        square(2**33)                              # n * n * 8 overflows 64 bits
    assert square(3) == 9


def test_read_only_array_is_refused_not_written(kilnd):
    from kiln import jit, TypingError

    @jit
    def put(a, i, v):
        a[i] = v

    arr = np.arange(5)
    arr.flags.writeable = False
    with pytest.raises(TypingError, match=r"Cannot modify readonly array of type: readonly array\(int64, 1d, C\)"):
        put(arr, 1, 42)
    assert arr[1] == 1


def test_ptp_of_bool_is_refused(kilnd):
    from kiln import jit, TypingError

    @jit
    def ptp(a):
        return np.ptp(a)

    with pytest.raises(TypeError):
        np.ptp(np.array([True, False]))            # NumPy refuses it too
    with pytest.raises(TypingError, match="Boolean dtype is unsupported"):
        ptp(np.array([True, False]))
    assert ptp(np.array([3, 1, 7])) == np.ptp(np.array([3, 1, 7]))


def test_tuple_of_more_than_1000_items_is_refused(kilnd):
    from kiln import jit, UnsupportedError

    @jit
    def length(tup):
        return len(tup)

    assert length(tuple(range(1000))) == 1000
    with pytest.raises(UnsupportedError, match="Tuple 'tup' length must be smaller than 1000"):
        length(tuple(range(1001)))


def test_fortran_ordered_arguments(kilnd):
    # F-contiguous arrays now type as array(..., F) (Numba's typeof): every
    # access path must still read them as NumPy does.
    from kiln import jit

    @jit
    def stats(a):
        total = 0.0
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                total += a[i, j] * (i + 1)
        return total, a.sum(), a[1, 2], a[:, 1].sum(), a[1].sum(), (a * 2)[2, 3]

    x = np.asfortranarray(np.arange(20.0).reshape(4, 5))
    assert x.flags.f_contiguous and not x.flags.c_contiguous
    want = (sum(x[i, j] * (i + 1) for i in range(4) for j in range(5)), x.sum(), x[1, 2], x[:, 1].sum(),
            x[1].sum(), (x * 2)[2, 3])
    assert stats(x) == want


def test_returned_argument_and_views_share_it(kilnd):
    # Numba returns the argument itself, and views as views (strides kept);
    # these used to come back as contiguous copies.
    import sys
    from kiln import jit

    @jit
    def same(a):
        return a

    @jit
    def sliced(a, start, stop, step):
        return a[start:stop:step]

    @jit
    def pair(x):
        y = np.empty(x.size)
        for i in range(y.size):
            y[i] = x[i] + 1
        return x, y

    a = np.arange(10, dtype=np.int32)
    refs = sys.getrefcount(a)
    assert same(a) is a
    assert sys.getrefcount(a) == refs                # no leaked reference
    for idx in [(0, 10, 1), (0, 10, 2), (9, 0, -1), (-5, -2, 1)]:
        got, want = sliced(a, *idx), a[idx[0]:idx[1]:idx[2]]
        assert got.tolist() == want.tolist() and got.strides == want.strides
        assert got.base is a or got is a              # the whole of a comes back as a itself
    x, y = pair(a.astype(np.float64))
    assert y.tolist() == (x + 1).tolist()
    m = np.arange(24).reshape(4, 6)
    got = sliced(m, 1, 4, 2)
    assert np.shares_memory(got, m) and got.strides == m[1:4:2].strides  # (NumPy collapses bases)
    assert got.tolist() == m[1:4:2].tolist()
