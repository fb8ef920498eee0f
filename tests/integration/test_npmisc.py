"""NumPy functions' remaining refusals of issue 8 (npmisc): classes as
parameter defaults, np.asfarray, np.select, np.newaxis,
np.lib.stride_tricks.as_strided, np.broadcast_arrays of numbers, np.stack
of 0-d arrays and IntEnum members in a shape. Each result is compared with
NumPy itself (values, dtype, shape); refusals name what the user wrote."""

import enum

import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError


def same(got, want):
    assert isinstance(got, np.ndarray), type(got)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


# -- classes as parameter defaults ---------------------------------------------


def _eye_with_default(dt):
    def eye(n, dtype=dt):
        return np.eye(n, dtype=dtype)
    return eye


def _calling(inner):
    def outer(n):
        return inner(n)
    return outer


@pytest.mark.parametrize("dt", [np.complex128, np.float32, np.int16, np.bool_, np.dtype("int32"),
                                np.complex64(1), None])
def test_class_default(dt):
    # An entry function's defaults are filled in by the dispatcher (so they
    # are arguments: NumPy classes only); a callee's travel in the bundle.
    f = _eye_with_default(dt)
    same(jit(f)(3), f(3))
    same(jit(_calling(jit(f)))(3), f(3))


@pytest.mark.parametrize("dt", [float, complex, bool, int])
def test_builtin_class_default_in_a_callee(dt):
    f = _eye_with_default(dt)
    same(jit(_calling(jit(f)))(2), f(2))


def test_class_defaults_are_in_the_key():
    # One code object, two defaults: each compiles to its own dtype.
    f32, c128 = _eye_with_default(np.float32), _eye_with_default(np.complex128)
    assert jit(_calling(jit(f32)))(2).dtype == np.float32
    assert jit(_calling(jit(c128)))(2).dtype == np.complex128
    assert jit(_calling(jit(f32)))(2).dtype == np.float32


def test_class_default_overridden():
    f = _eye_with_default(np.float32)
    same(jit(f)(2, np.int8), f(2, np.int8))
    same(jit(f)(2, dtype=np.complex64), f(2, dtype=np.complex64))


def test_unsupported_default_is_refused():
    def f(x, d=object()):
        return x
    from kiln.errors import UnsupportedError
    with pytest.raises(UnsupportedError, match="default argument: constant of type object"):
        jit(_calling(jit(f)))(1)


# -- np.asfarray ---------------------------------------------------------------------


def asfarray(a, dtype=np.float64):
    return np.asfarray(a, dtype=dtype)


def asfarray1(a):
    return np.asfarray(a)


def asfarray_want(a, dtype=np.float64):
    # NumPy 1.x's np.asfarray (NumPy 2 removed it).
    return np.asarray(a, dtype=dtype if np.issubdtype(dtype, np.inexact) else np.float64)


HAS_ASFARRAY = hasattr(np, "asfarray")


@pytest.mark.parametrize("a, dt", [
    (np.array([1, 2, 3]), np.float64),
    (np.array([2, 3], dtype=np.float32), np.float32),
    (np.array([2, 3], dtype=np.int8), np.int8),      # not inexact: float64
    (np.array([2, 3], dtype=np.int8), np.complex64),
    (np.array([[2, 3]], dtype=np.int8), np.complex128),
    (np.array([1.5, 2.5]), np.float16),
])
def test_asfarray(a, dt):
    if not HAS_ASFARRAY:  # the installed NumPy has none: neither has compiled code
        from kiln.errors import UnsupportedError
        with pytest.raises(UnsupportedError, match="numpy.asfarray"):
            jit(asfarray)(a, dtype=dt)
        return
    same(jit(asfarray)(a, dtype=dt), asfarray_want(a, dtype=dt))


def test_asfarray_default():
    if not HAS_ASFARRAY:
        return  # test_asfarray checks the refusal
    for a in (np.array([1, 2, 3]), np.arange(4, dtype=np.complex64), np.arange(3, dtype=np.float32)):
        same(jit(asfarray1)(a), asfarray_want(a))


# -- np.newaxis, np.lib.stride_tricks.as_strided ------------------------------------


def add_axis(a):
    return a[np.newaxis, :]


def add_axis_last(a):
    return a[..., np.newaxis]


def test_newaxis():
    a = np.arange(6.0).reshape(2, 3)
    same(jit(add_axis)(a), add_axis(a))
    same(jit(add_axis_last)(a), add_axis_last(a))


def as_strided1(a):
    strides = (a.strides[0] // 2,) + a.strides[1:]
    return np.lib.stride_tricks.as_strided(a, strides=strides)


def as_strided2(a):
    window = 3
    shape = a.shape[:-1] + (a.shape[-1] - window + 1, window)
    strides = a.strides + (a.strides[-1],)
    return np.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


def as_strided_same(a):
    return np.lib.stride_tricks.as_strided(a)


def as_strided_no_strides(a):
    return np.lib.stride_tricks.as_strided(a, shape=(2,))


@pytest.mark.parametrize("f", [as_strided1, as_strided2, as_strided_same])
@pytest.mark.parametrize("a", [np.arange(24), np.arange(24).reshape(6, 4), np.arange(24.0).reshape(4, 1, 6)])
def test_as_strided(f, a):
    same(jit(f)(a), f(a))


def test_as_strided_shares_memory():
    a = np.arange(10)
    v = jit(as_strided2)(a)
    a[3] = 100
    assert v[1, 2] == 100 and v[3, 0] == 100


def test_as_strided_needs_strides_with_a_shape():
    with pytest.raises(TypingError, match="strides argument is mandatory"):
        jit(as_strided_no_strides)(np.arange(4))


# -- np.broadcast_arrays of numbers, np.stack of 0-d arrays -----------------------


def broadcast_arrays(*args):
    return np.broadcast_arrays(*args)


@pytest.mark.parametrize("args, shape", [
    ((True, False), (1,)),          # Numba's: a number counts as 1-d
    ((1, 2), (1,)),
    (((1, 2), 2), (2,)),
    ((np.int64(2), np.zeros((1, 3), dtype=np.int64)), (1, 3)),
])
def test_broadcast_arrays_of_numbers(args, shape):
    got = jit(broadcast_arrays)(*args)
    assert [g.shape for g in got] == [shape] * len(args)
    for g, a in zip(got, args):
        np.testing.assert_array_equal(g, np.broadcast_to(a, shape))


def test_broadcast_arrays_of_0d_arrays_is_refused():
    with pytest.raises(TypingError, match="0-d values only"):
        jit(broadcast_arrays)(np.array(1), np.array(2))


def stack3(a, b, c):
    return np.stack((a, b, c))


def concatenate2(a, b):
    return np.concatenate((a, b))


def test_stack_0d_promotes():
    args = (np.array(42), np.array(-5j), np.array(True))
    same(jit(stack3)(*args), stack3(*args))
    args = (np.array(1, dtype=np.int8), np.array(2.5, dtype=np.float32), np.array(3, dtype=np.uint16))
    same(jit(stack3)(*args), stack3(*args))


def test_join_real_with_complex():
    a, b = np.arange(3), np.array([1j, 2 + 1j], dtype=np.complex64)
    same(jit(concatenate2)(a, b), concatenate2(a, b))
    same(jit(stack3)(np.ones(2, np.float32), np.ones(2, np.complex64), np.zeros(2, bool)),
         stack3(np.ones(2, np.float32), np.ones(2, np.complex64), np.zeros(2, bool)))


def test_concatenate_0d_still_refused():
    with pytest.raises(TypingError, match="zero-dimensional arrays cannot be concatenated"):
        jit(concatenate2)(np.array(1), np.array(2))


# -- np.select -------------------------------------------------------------------------


def select(condlist, choicelist, default=0):
    return np.select(condlist, choicelist, default=default)


def select2(condlist, choicelist):
    return np.select(condlist, choicelist)


def _select_cases():
    cases = [
        ([np.array([False, False, False]), np.array([False, True, False]), np.array([False, False, True])],
         [np.array([1, 2, 3]), np.array([4, 5, 6]), np.array([7, 8, 9])], 15.3),
        ([np.array([True]), np.array([False])], [np.array([1]), np.array([2])], 0),
        ([np.isnan(np.array([1, 2, 3, np.nan, 5, 7]))] * 2, [np.array([1, 2, 3, np.nan, 5, 7])] * 2, 0),
    ]
    for x in (np.arange(10), np.arange(10).reshape((5, 2))):
        cases.append(([x < 3, x > 5], [x, x ** 2], 0))
        cases.append(((x < 3, x > 5), (x, x ** 2), 0))
        cases.append(([x < 3, x > 5], (x, x ** 2), 1.5))
        cases.append(((x < 3, x > 5), [x * 1.5, x ** 2.0], True))
    return cases


@pytest.mark.parametrize("case", _select_cases())
def test_select(case):
    condlist, choicelist, default = case
    same(jit(select)(condlist, choicelist, default), select(condlist, choicelist, default))


def test_select_complex_is_refused():
    # np.where of complex arrays is not compiled yet: refused, never wrong.
    x = np.arange(3) * 1j
    with pytest.raises(TypingError, match="numpy.where"):
        jit(select)([x.real > 0], [x], 0)


def test_select_default():
    x = np.arange(10)
    same(jit(select2)([x < 3, x > 5], [x, x ** 2]), select2([x < 3, x > 5], [x, x ** 2]))


@pytest.mark.parametrize("condlist, choicelist, default, error, text", [
    (np.isnan(np.array([1.0, np.nan])), np.array([1.0, 2.0]), 0, TypingError, "condlist must be a List or a Tuple"),
    ([True], [0], [0], TypingError, "default must be a scalar"),
    ([np.arange(3)], [np.arange(3)], 0, TypingError, "condlist arrays must contain booleans"),
    ([np.array([True])], [np.array([[1]])], 0, TypingError,
     "condlist and choicelist elements must have the same number of dimensions"),
    ([np.array(True), np.array(False)], [np.array(1), np.array(2)], 0, TypingError,
     "condlist arrays must be of at least dimension 1"),
    ([(False,)] * 3, [np.array([1])] * 3, 0, TypingError, "items of condlist must be arrays"),
    ([np.array([False])] * 3, [(1,)] * 3, 0, TypingError, "items of choicelist must be arrays"),
    ([np.arange(3) > 0] * 2, [np.arange(3)] * 3, 0, ValueError,
     "list of cases must be same length as list of conditions"),
])
def test_select_errors(condlist, choicelist, default, error, text):
    with pytest.raises(error, match=text):
        jit(select)(condlist, choicelist, default)


# -- IntEnum members in a shape ------------------------------------------------------


class Size(enum.IntEnum):
    two = 2
    three = 3


def zeros_enum(x):
    return np.zeros((x, x), dtype="int64")


def full_enum(x):
    return np.full((x, Size.two), 7)


def empty_enum(x):
    return np.empty(x).shape


def test_intenum_shape():
    for m in Size:
        same(jit(zeros_enum)(m), zeros_enum(m))
        same(jit(full_enum)(m), full_enum(m))
        assert jit(empty_enum)(m) == empty_enum(m)
