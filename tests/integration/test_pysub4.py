"""pysub4 (issue 9): the Python subset's remaining refusals, each checked
against plain Python/NumPy."""
import numpy as np
import pytest

from kiln import jit, UnsupportedError


def _outcome(fn, *args):
    try:
        return ("value", fn(*args))
    except Exception as e:  # noqa: BLE001 - the outcome is what is compared
        return (type(e), str(e))


def _same(fn, *args):
    expected = _outcome(fn, *args)
    got = _outcome(jit(fn), *args)
    if expected[0] == "value" and isinstance(expected[1], np.ndarray):
        assert got[0] == "value"
        np.testing.assert_array_equal(got[1], expected[1])
    else:
        assert got == expected


def maybe_bound(c):
    if c:
        x = 1
    return x  # noqa: F821


def never_bound(c):
    if c:
        return c
    t = w + 1  # noqa: F821
    w = 2
    return t


def loop_variable(n):
    for i in range(n):
        pass
    return i  # noqa: F821


def array_on_one_path(c, d):
    if c:
        a = np.arange(3)
    if d:
        return a.sum()  # noqa: F821
    return -1


def deleted(c):
    x = 1
    del x
    if c:
        x = 2
    return x


def read_before_the_store_in_a_loop(n):
    s = 0
    for k in range(n):
        if k > 0:
            s += last  # noqa: F821
        last = k
    return s


@pytest.mark.parametrize("fn,args", [
    (maybe_bound, (1,)), (maybe_bound, (0,)),
    (never_bound, (1,)), (never_bound, (0,)),
    (loop_variable, (3,)), (loop_variable, (0,)),
    (array_on_one_path, (1, 1)), (array_on_one_path, (0, 1)), (array_on_one_path, (0, 0)),
    (deleted, (1,)), (deleted, (0,)),
    (read_before_the_store_in_a_loop, (4,)),
])
def test_an_unbound_local_raises_where_python_does(kilnd, fn, args):
    _same(fn, *args)


def test_the_unbound_local_error_is_caught_by_its_bases(kilnd):
    @jit
    def inner(c):
        if c:
            x = 1
        return x  # noqa: F821

    @jit
    def outer(c):
        try:
            return inner(c)
        except NameError:
            return -1

    assert outer(1) == 1
    assert outer(0) == -1
    with pytest.raises(UnboundLocalError, match="local variable 'x'"):
        inner(0)


def read_in_try(c):
    if c:
        x = 1
    try:
        return x  # noqa: F821
    except NameError:
        return -1


def read_in_try_catching_its_class(c):
    if c:
        x = 1
    try:
        y = x + 1  # noqa: F821
    except UnboundLocalError:
        y = -2
    return y


def loop_variable_in_try(n):
    s = 0
    for i in range(n):
        s += i
    try:
        s += i  # noqa: F821
    except Exception:
        s = -3
    return s


@pytest.mark.parametrize("fn,args", [
    (read_in_try, (1,)), (read_in_try, (0,)),
    (read_in_try_catching_its_class, (1,)), (read_in_try_catching_its_class, (0,)),
    (loop_variable_in_try, (3,)), (loop_variable_in_try, (0,)),
])
def test_an_unbound_local_inside_try_reaches_its_handler(kilnd, fn, args):
    _same(fn, *args)


def test_a_capture_of_a_local_that_may_be_unbound_is_refused(kilnd):
    @jit
    def f(c):
        if c:
            x = 1
        g = lambda: x  # noqa: E731, F821
        return g()

    with pytest.raises(UnsupportedError, match="'x' may be captured by an inner function before it is assigned"):
        f(1)


def cell_read(c):
    if c:
        x = 1
        g = lambda: x  # noqa: E731
        return g() + x
    return x  # noqa: F821


@pytest.mark.parametrize("c", [0, 1])
def test_a_read_of_a_captured_local_raises_where_python_does(kilnd, c):
    _same(cell_read, c)


def ctypes_data(a):
    return a.ctypes.data


def ctypes_data_of_a_view(a):
    c = a[1:].ctypes
    return c.data


@pytest.mark.parametrize("fn,a", [
    (ctypes_data, np.arange(3)), (ctypes_data, np.zeros((2, 3))[:, 1]), (ctypes_data_of_a_view, np.arange(5.0)),
])
def test_ctypes_data_is_the_data_pointer(kilnd, fn, a):
    assert jit(fn)(a) == fn(a)


def test_the_rest_of_ctypes_is_refused(kilnd):
    from kiln import TypingError

    @jit
    def shape(a):
        return a.ctypes.shape

    @jit
    def whole(a):
        return a.ctypes

    with pytest.raises(TypingError, match="only .data"):
        shape(np.arange(3))
    with pytest.raises(TypingError):
        whole(np.arange(3))


def test_a_literal_container_returned_to_python_is_a_type_error(kilnd):
    from kiln.errors import BoxingError, TypingError

    @jit
    def mixed():
        return {'a': 2j, 'c': 'd'}

    with pytest.raises(TypeError, match="cannot convert native LiteralStrKey") as raised:
        mixed()
    assert isinstance(raised.value, BoxingError) and isinstance(raised.value, TypingError)

    @jit
    def listed(x):
        return [x, (x, x)]

    with pytest.raises(TypeError, match=r"cannot convert native LiteralList"):
        listed(1)
