"""Refusals worded so that a Numba user finds Numba's phrase in them, and
answers that used to be wrong (issues 8 and 9, `wording`).

Each refusal is a located TypingError; each expected value comes from NumPy
or Python in the test itself.
"""

import sys

import numpy as np
import pytest


def test_astype_to_record_is_refused(kilnd):
    # It used to return an empty array; NumPy fills the fields, Numba refuses.
    from kiln import jit
    from kiln.errors import TypingError

    rec = np.dtype([("x", np.int8)])

    @jit
    def f(a):
        return a.astype(rec)

    with pytest.raises(TypingError, match=r"cannot convert from int32 to Record\(x\[type=int8;offset=0\]"):
        f(np.arange(4, dtype=np.int32))

    @jit
    def g(a):
        return a.astype(np.float32)

    a = np.arange(4, dtype=np.int32)
    np.testing.assert_array_equal(g(a), a.astype(np.float32))
    assert g(a).dtype == np.float32


def test_dict_literal_with_optional_key_or_value_is_refused(kilnd):
    # It used to compile and raise TypeError at run time for the None side.
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def value(choice):
        optional = 2.5 if choice else None
        return {1: optional}

    @jit
    def key(choice):
        return {2.5 if choice else None: 1}

    @jit
    def stored_key(choice):
        optional = 2.5 if choice else None
        return {optional: 1}

    with pytest.raises(TypingError, match=r"Dict.value_type cannot be of type OptionalType\(float64\)"):
        value(True)
    with pytest.raises(TypingError, match=r"Dict.key_type cannot be of type OptionalType\(float64\)"):
        stored_key(True)
    # Version-aware: CPython 3.12 copies the small tail (`1`, BUILD_MAP, return) into each arm of the conditional
    # expression, so there the key is never an optional: the None arm alone is refused.
    key_phrase = "none" if sys.version_info >= (3, 12) else r"OptionalType\(float64\)"
    with pytest.raises(TypingError, match=r"Dict.key_type cannot be of type " + key_phrase):
        key(True)

    @jit
    def none_key():
        return {None: 1}

    @jit
    def none_value():
        return {1: None}

    with pytest.raises(TypingError, match="Dict.key_type cannot be of type none"):
        none_key()
    with pytest.raises(TypingError, match="Dict.value_type cannot be of type none"):
        none_value()

    # Storing a checked optional into a dict made of plain values still works.
    @jit
    def fine(choice):
        x = 2.5 if choice else None
        d = {1: 0.0}
        if x is not None:
            d[1] = x
        return d

    assert fine(True) == {1: 2.5}
    assert fine(False) == {1: 0.0}


def test_readonly_array_write_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    a = np.arange(3)
    a.flags.writeable = False

    @jit
    def f(x):
        x[0] = 1

    with pytest.raises(TypingError, match=r"Cannot modify readonly array of type: readonly array\(int64, 1d, C\)"):
        f(a)


def test_non_constant_dtype_string_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def f(x, dt):
        return np.empty_like(x, dt)

    with pytest.raises(TypingError) as e:
        f(np.ones(4), "int32")
    assert "If np.empty_like dtype is a string it must be a string constant." in str(e.value)
    assert "empty_like(array(float64, 1d, C), unicode_type)" in str(e.value)

    @jit
    def g(x, dt):
        return x.astype(dt)

    with pytest.raises(TypingError, match="array.astype if dtype is a string it must be constant"):
        g(np.ones(4), "int32")


def test_list_store_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def setitem(x):
        x[0][0] = 10
        return x

    with pytest.raises(TypingError) as e:
        setitem([[np.arange(3)]])
    assert "invalid setitem with value of int64 to element of array(int64, 1d, C)" in str(e.value)
    assert "a list's items must have one type" in str(e.value)

    @jit
    def argument(x):
        x[-2] = 7j
        return x

    with pytest.raises(TypingError, match="invalid setitem with value of complex128.*keeps its item type"):
        argument([1, 2, 3])

    @jit
    def append_self(x):
        x.append(x)
        return x

    with pytest.raises(TypingError, match=r"Invalid use of BoundFunction\(list.append for "):
        append_self([[np.zeros(1)]])

    @jit
    def widen():
        x = [1, 2]
        x[0] = 2.5
        x.append(3)
        return x

    assert widen() == [2.5, 2, 3]


def test_reduction_axis_and_empty_ptp_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def argmax(a, axis):
        return np.argmax(a, axis)

    with pytest.raises(TypingError, match="axis must be an integer, not unicode_type"):
        argmax(np.arange(6), "foo")
    a = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(argmax(a, 1), np.argmax(a, 1))

    @jit
    def ptp(a):
        return np.ptp(a)

    with pytest.raises(ValueError, match="zero-size array reduction not possible"):
        ptp(np.array([], dtype=np.float64))
    x = np.array([3.0, -1.0, 7.5])
    assert ptp(x) == np.ptp(x)


def test_datetime_ufunc_between_units_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def add(a, b):
        return np.add(a, b)

    with pytest.raises(TypingError, match=r"ufunc 'add' is not supported between datetime64\[ns\] and timedelta64\[M\]"):
        add(np.array([np.datetime64("2011-01-01")], dtype="datetime64[ns]"), np.timedelta64(1000, "M"))


def test_too_many_indices_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def f(a):
        return a[:, ::-1]

    with pytest.raises(TypingError, match=r"cannot index array\(int64, 1d, C\) with 2 indices"):
        f(np.arange(3))
    m = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(f(m), m[:, ::-1])


def test_isinstance_ndarray(kilnd):
    from kiln import jit

    @jit
    def f(x):
        return isinstance(x, np.ndarray), isinstance(x, (int, np.ndarray))

    assert f(np.arange(3)) == (True, True)
    assert f(3) == (False, True)
    assert f(2.5) == (False, False)


@pytest.mark.parametrize("call, args, phrase", [
    (lambda a, b, c: np.clip(a, b, c), (None, 0, 10), 'The argument "a" must be array-like'),
    (lambda a, b, c: np.clip(a, b, c), (1, "a", 10), 'The argument "a_min" must be a number'),
    (lambda a, b: np.array_equal(a, b), (np.arange(3), None), 'Both arguments to "array_equals" must be array-like'),
    (lambda a, b, c: np.swapaxes(a, b, c), ("abc", 0, 0), 'The first argument "arr" must be an array'),
    (lambda a, b: np.logspace(a, b), ("abc", 5), 'The first argument "start" must be a number'),
    (lambda n, m, k: np.tri(n, m, k), (5, 6, 1.5), "k must be an integer"),
    (lambda a, s: np.roll(a, s), (np.arange(10), (1, 2)), "shift must be an integer"),
    (lambda a, k: np.partition(a, k), ("Sausages", 0), "The first argument must be an array-like"),
    (lambda a, k: np.partition(a, k), (np.array(1), 0), r"The first argument must be at least 1-D \(found 0-D\)"),
    (lambda a: np.shape(a), ("a",), "The argument to np.shape must be array-like"),
])
def test_library_argument_checks(kilnd, call, args, phrase):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=phrase):
        jit(call)(*args)


def test_library_argument_checks_accept_good_arguments(kilnd):
    from kiln import jit

    a = np.arange(10)
    np.testing.assert_array_equal(jit(lambda a: np.clip(a, 2, 5))(a), np.clip(a, 2, 5))
    np.testing.assert_array_equal(jit(lambda a: np.roll(a, 3))(a), np.roll(a, 3))
    np.testing.assert_array_equal(jit(lambda: np.tri(4, 5, 1))(), np.tri(4, 5, 1))
    np.testing.assert_allclose(jit(lambda: np.logspace(0, 3, 4))(), np.logspace(0, 3, 4))
    np.testing.assert_array_equal(jit(lambda a: np.partition(a, 2))(a[::-1].copy())[:3], [0, 1, 2])
    assert jit(lambda a: np.shape(a))(np.zeros((2, 3))) == (2, 3)


def test_growing_recursive_return_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def make_list(n):
        if n <= 0:
            return None
        return (n, make_list(n - 1))

    with pytest.raises(TypingError, match="Return type of recursive function does not converge"):
        make_list(100)


def test_star_unpack_list_into_tuple_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"No implementation of function tuple\(reflected list\(int64\)\)"):
        jit(lambda a: (*a,))([4, 5])
    assert jit(lambda a: (*a,))((4, 5)) == (4, 5)


def test_trace_checks(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    f = jit(lambda a: np.trace(a))
    g = jit(lambda a, k: np.trace(a, k))
    with pytest.raises(TypingError, match=r"np.trace\(\) only supported on 2-D arrays"):
        f(np.ones(10))
    with pytest.raises(TypingError, match="offset must be an integer"):
        g(np.ones((2, 2)), 1.2)
    m = np.arange(12.0).reshape(3, 4)
    assert f(m) == np.trace(m)
    assert g(m, 1) == np.trace(m, 1)
    assert g(m, -1) == np.trace(m, -1)


@pytest.mark.parametrize("value, frm, to", [
    (1, np.uint8, np.int8), (-1, np.int8, np.uint8),
    (1, np.uint32, np.float32), (-1, np.int32, np.uint32), (1.0, np.float32, np.int32),
    (1, np.uint64, np.float64), (-1, np.int64, np.uint64), (1.0, np.float64, np.int64),
])
def test_scalar_view(kilnd, value, frm, to):
    from kiln import jit

    def view(x):
        return frm(x).view(to)

    got = jit(view)(value)
    expected = view(value)
    assert type(got) is type(expected.item()) or got == expected
    assert got == expected


def test_scalar_view_itemsize_must_match(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match="Changing the dtype of a 0d array is only supported if the itemsize is unchanged"):
        jit(lambda x: np.int32(x).view(np.int64))(1)


def test_concatenate_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    f = jit(lambda a, b: np.concatenate((a, b)))
    with pytest.raises(TypingError, match="all the input arrays must have same number of dimensions"):
        f(np.arange(3), np.arange(6).reshape(2, 3))
    with pytest.raises(TypingError, match="zero-dimensional arrays cannot be concatenated"):
        f(np.array(1), np.array(2))
    np.testing.assert_array_equal(f(np.arange(3), np.arange(2)), np.concatenate((np.arange(3), np.arange(2))))


def test_heterogeneous_tuple_dynamic_index_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"No implementation of function getitem\(Tuple\(complex128, int64\), int64\)"):
        jit(lambda t, i: t[i])((1j, 1), 0)


def test_trace_of_optional_array(kilnd):
    from kiln import jit

    @jit
    def f(flag, m):
        a = m if flag else None
        return np.trace(a)

    m = np.arange(9.0).reshape(3, 3)
    assert f(True, m) == np.trace(m)
    with pytest.raises(TypeError):
        f(False, m)


def test_swapaxes_axis_bounds(kilnd):
    from kiln import jit

    f = jit(lambda a, i, j: np.swapaxes(a, i, j))
    with pytest.raises(ValueError, match='The second argument "axis1" is out of bounds'):
        f(np.arange(4), 1, 0)
    with pytest.raises(ValueError, match='The third argument "axis2" is out of bounds'):
        f(np.arange(8).reshape(2, 4), 0, -3)
    m = np.arange(8).reshape(2, 4)
    np.testing.assert_array_equal(f(m, 0, -1), np.swapaxes(m, 0, -1))
