"""Issue 8 (flatimag): a.flat of every layout, np.arange's keywords and
None parts, a constant axis out of range, and dtypes returned to Python;
each compared with NumPy itself (a.imag of a real array: test_arrmeth.py)."""

import numpy as np
import pytest

from kiln import jit
from kiln.errors import NumbaValueError, TypingError


def shapes():
    base = np.arange(24).reshape(4, 2, 3)
    yield base
    yield base.T  # F
    yield base.T[::2]  # any strides
    yield np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    yield np.bool_([1, 0, 0, 1] * 2).reshape(2, 2, 2).T
    yield np.arange(10.0)[::3]
    yield np.zeros((0, 2), dtype=np.int32).T  # empty
    yield np.zeros((2, 0), dtype=np.float32)[:, ::2]


@jit
def _walk(a, out):
    for i, v in enumerate(a.flat):
        out[i] = v


@jit
def _get(a, k):
    return a.flat[k]


@jit
def _set(a, k, v):
    a.flat[k] = v


@jit
def _len(a):
    return len(a.flat)


@pytest.mark.parametrize("a", list(shapes()), ids=lambda a: f"{a.dtype}{a.shape}{a.strides}")
def test_flat_of_every_layout_is_c_order(a):
    out = np.zeros(a.size, a.dtype)
    _walk(a, out)
    np.testing.assert_array_equal(out, np.array(list(a.flat), dtype=a.dtype))
    assert _len(a) == len(a.flat)
    for k in list(range(a.size)) + [-1, -a.size]:
        if a.size:
            assert _get(a, k) == a.flat[k]
            want, got = a.copy(order="K"), a.copy(order="K")
            want.flat[k] = 1
            _set(got, k, 1)
            np.testing.assert_array_equal(got, want)


def test_flat_index_out_of_range_is_index_error():
    a = np.arange(6).reshape(2, 3).T
    for k in (6, -7):
        with pytest.raises(IndexError):
            _get(a, k)
        with pytest.raises(IndexError):
            _set(a.copy(order="K"), k, 0)


def test_flat_in_a_generator_and_refusals():
    @jit
    def gen(a):
        for v in a.flat:
            yield v

    a = np.arange(6, dtype=np.int32).reshape(2, 3).T
    assert list(gen(a)) == list(a.flat)
    with pytest.raises(TypingError, match="an integer index is"):
        jit(lambda a: a.flat[1:3])(a)
    with pytest.raises(TypingError, match="Cannot modify readonly array"):
        _set(np.broadcast_to(np.arange(3), (2, 3)).T, 0, 1)
    with pytest.raises(TypingError, match="cannot store"):
        _set(a.astype(np.float64), 0, 1j)


ARANGE = [
    (lambda x: np.arange(7, step=x), [(2,), (2.5,), (-1,)]),
    (lambda x, y: np.arange(x, y, None), [(3, 6), (0.5, 4)]),
    (lambda x: np.arange(x, None, None), [(3,), (2.5,)]),
    (lambda x: np.arange(x, None, 2), [(5,)]),
    (lambda x, y, z: np.arange(x, y, z, None), [(0.5, 4, 2), (3, 6, 1)]),
    (lambda x, y: np.arange(start=x, stop=y, step=None, dtype=None), [(3, 6)]),
    (lambda x, y: np.arange(x, y, dtype=np.float32), [(1, 5)]),
    (lambda x, y: np.arange(x, y, dtype=None), [(1, 7), (np.int8(0), np.int32(5))]),
    (lambda x, y, z: np.arange(x, y, z, np.complex128), [(0, 1, 0.1), (0, 4 + 4j, 1 + 1j)]),
    (lambda x: np.arange(x, step=1, dtype="float32"), [(4,)]),
]


@pytest.mark.parametrize("f,cases", ARANGE)
def test_arange_keywords_and_none(f, cases):
    for args in cases:
        want, got = f(*args), jit(f)(*args)
        assert got.dtype == want.dtype, (args, got.dtype, want.dtype)
        np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("f", [lambda x: np.arange(stop=x), lambda x: np.arange(step=x),
                               lambda x: np.arange(dtype=x), lambda x: np.arange(None, x)])
def test_arange_without_start_refused(f):
    with pytest.raises(TypingError):
        jit(f)(3)


def test_sum_constant_axis_out_of_range():
    @jit
    def f(a):
        return a.sum(axis=-3)

    for shape in ((1, 2, 3, 4), (1, 2, 3)):
        a = np.ones(shape)
        np.testing.assert_array_equal(f(a), a.sum(axis=-3))
    with pytest.raises(NumbaValueError, match=r"'axis' entry \(-1\) is out of bounds"):
        f(np.ones((1, 2)))
    with pytest.raises(NumbaValueError, match=r"'axis' entry \(2\) is out of bounds"):
        jit(lambda a: a.sum(axis=2))(np.ones((1, 2)))
    with pytest.raises(ValueError, match="axis is out of bounds"):  # known only when run
        jit(lambda a, k: a.sum(axis=k))(np.ones((1, 2)), 2)


def test_array_dtype_returned():
    for a in (np.arange(20, dtype=np.int32).reshape(4, 5), np.zeros(4, dtype=[("x", np.int8), ("y", np.int8)])):
        got = jit(lambda a: a.dtype)(a)
        assert isinstance(got, np.dtype) and got == a.dtype
    got = jit(lambda: np.float32)()
    assert isinstance(got, np.dtype) and got == np.dtype(np.float32)


# np0d: .real/.imag keep NumPy's layout: a complex array's parts are views
# with its strides (writes reach it); a real array's .imag is new read-only
# zeros, F-ordered when the array is F-contiguous and not C-contiguous.
_BASE = (np.arange(12) + 1j * np.arange(12)[::-1]).reshape(3, 4)
_COMPLEX = {"C": lambda: _BASE.copy(), "F": lambda: np.asfortranarray(_BASE), "strided": lambda: _BASE.copy()[:, ::2],
            "T": lambda: _BASE.copy().T, "1d-reversed": lambda: _BASE.ravel()[::-3].copy()[::-1],
            "c64-F": lambda: np.asfortranarray(_BASE.astype(np.complex64))}
_REAL = {"C": lambda: np.ones((3, 4)), "F": lambda: np.ones((3, 4), order="F"), "strided": lambda: np.ones((3, 4))[:, ::2],
         "T": lambda: np.ones((3, 4)).T, "int32-F": lambda: np.ones((3, 4), np.int32, order="F"),
         "bool-F": lambda: np.ones((3, 4), bool, order="F"), "F-3x1": lambda: np.ones((3, 1), order="F"),
         "F-1x3": lambda: np.ones((1, 3), order="F"), "3d-F": lambda: np.ones((2, 3, 4), order="F"),
         "3d-A": lambda: np.ones((2, 3, 4), order="F")[:, ::2], "A-as-F": lambda: np.ones((4, 3))[::2].T,
         "1d": lambda: np.ones(5)[::-1]}


@jit
def _parts(a):
    return a.real, a.imag


@pytest.mark.parametrize("kind", list(_COMPLEX))
def test_parts_of_a_complex_array_are_views_with_its_strides(kind):
    a = _COMPLEX[kind]()
    re, im = _parts(a)
    for got, want in ((re, a.real), (im, a.imag)):
        assert got.strides == want.strides and got.dtype == want.dtype and got.flags.writeable
        np.testing.assert_array_equal(got, want)
        assert np.shares_memory(got, a)


@pytest.mark.parametrize("kind", list(_COMPLEX))
def test_writes_through_parts_reach_the_array(kind):
    @jit
    def write(a):
        a.imag[...] = 7
        a.real[0] = -1
        return a

    a, want = _COMPLEX[kind](), _COMPLEX[kind]()
    want.imag[...] = 7
    want.real[0] = -1
    assert write(a) is a
    np.testing.assert_array_equal(a, want)


@pytest.mark.parametrize("kind", list(_REAL))
def test_imag_of_a_real_array_has_numpys_order(kind):
    a = _REAL[kind]()
    re, im = _parts(a)
    want = a.imag
    assert re is a
    assert im.strides == want.strides and im.dtype == want.dtype and not im.flags.writeable
    assert im.flags.f_contiguous == want.flags.f_contiguous and im.flags.c_contiguous == want.flags.c_contiguous
    np.testing.assert_array_equal(im, want)
