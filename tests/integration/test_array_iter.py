"""np.ndindex and np.ndenumerate in compiled code (issue 8 part 4): in for
loops, list(...) and comprehensions, over C, F and non-contiguous (A)
arrays of several ranks and dtypes. Each result is compared with NumPy
itself on the same arguments."""

import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError


def _as_py(items):
    # NumPy yields tuples of Python ints; compiled code tuples of int64.
    return [tuple(int(x) for x in t) for t in items]


@jit
def ndindex_sum2(m, n):
    s = 0
    for i, j in np.ndindex(m, n):
        s += i * 100 + j
    return s


@jit
def ndindex_list(shape):
    return list(np.ndindex(shape))


@jit
def ndindex_comp3(a, b, c):
    return [t for t in np.ndindex(a, b, c)]


@jit
def ndindex_count(shape):
    n = 0
    for _ in np.ndindex(shape):
        n += 1
    return n


@jit
def ndenumerate_list(a):
    return list(np.ndenumerate(a))


@jit
def ndenumerate_loop(a):
    idxs = []
    vals = []
    for idx, v in np.ndenumerate(a):
        idxs.append(idx)
        vals.append(v)
    return idxs, vals


@jit
def ndenumerate_write(a, out):
    # Writes out[idx] = a[idx] * 2 through the yielded indices.
    for idx, v in np.ndenumerate(a):
        out[idx] = v * 2
    return out


def test_ndindex_args_and_tuple():
    assert ndindex_sum2(3, 4) == sum(i * 100 + j for i, j in np.ndindex(3, 4))
    assert ndindex_sum2(0, 4) == 0
    for shape in [(2, 3), (1, 5), (4, 1), (0, 3)]:
        assert _as_py(ndindex_list(shape)) == list(np.ndindex(shape))
    assert _as_py(ndindex_list((5,))) == list(np.ndindex((5,)))
    assert _as_py(ndindex_comp3(2, 3, 2)) == list(np.ndindex(2, 3, 2))
    assert ndindex_count((2, 3, 4, 5)) == len(list(np.ndindex(2, 3, 4, 5)))


def test_ndindex_negative_dimension():
    with pytest.raises(ValueError):
        ndindex_list((2, -1))
    with pytest.raises(ValueError):
        list(np.ndindex((2, -1)))


def test_ndindex_refuses_non_integer_shape():
    with pytest.raises(TypingError):
        ndindex_list((2.0, 3.0))


def _layouts():
    base = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    yield np.arange(7, dtype=np.int32)
    yield np.arange(12.0).reshape(3, 4)
    yield np.asfortranarray(np.arange(12.0).reshape(3, 4))  # F
    yield np.arange(12).reshape(3, 4).T  # F view
    yield base[:, ::2, 1:]  # A
    yield base[::-1, 1, :]  # A, negative stride
    yield np.asfortranarray(base)
    yield (np.arange(6) % 2 == 0).reshape(2, 3)  # bool
    yield np.arange(0.0).reshape(0, 3)  # empty


@pytest.mark.parametrize("a", list(_layouts()), ids=lambda a: f"{a.ndim}d-{a.dtype}-{a.strides}")
def test_ndenumerate_any_layout(a):
    expected = list(np.ndenumerate(a))
    got = ndenumerate_list(a)
    assert _as_py(i for i, _ in got) == [i for i, _ in expected]
    assert [v for _, v in got] == [v for _, v in expected]
    idxs, vals = ndenumerate_loop(a)
    assert _as_py(idxs) == [i for i, _ in expected]
    assert vals == [v for _, v in expected]


def test_ndenumerate_indices_write():
    a = np.arange(24.0).reshape(2, 3, 4)[:, ::-1, ::2]
    out = np.zeros(a.shape)
    ndenumerate_write(a, out)
    np.testing.assert_array_equal(out, a * 2)
    f = np.asfortranarray(np.arange(6).reshape(2, 3))
    out = np.zeros((2, 3), np.int64)
    ndenumerate_write(f, out)
    np.testing.assert_array_equal(out, f * 2)


def test_ndenumerate_zero_d():
    a = np.array(3.5)
    assert ndenumerate_list(a) == [((), 3.5)] == list(np.ndenumerate(a))


def test_ndindex_empty_shape():
    @jit
    def empty():
        s = 0
        for ind in np.ndindex(()):
            s += s + len(ind) + 1
        return s, list(np.ndindex(()))

    assert empty() == (1, [()]) == (1, list(np.ndindex(())))


def test_ndindex_without_arguments_is_refused():
    # np.ndindex() yields one () in NumPy: refused, not wrong.
    @jit
    def noargs():
        return list(np.ndindex())

    with pytest.raises(TypingError):
        noargs()
