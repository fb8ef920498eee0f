"""Exceptions raised by compiled code reach Python as the class and args that
plain Python raises: assert statements, raise of builtin and user exception
classes with constant and computed arguments. Each case runs the function
under CPython and under kiln.jit and compares what comes out.

PYTEST_DONT_REWRITE: the compiled functions' asserts must stay plain asserts.
"""
import pytest

from kiln import jit


def outcome(fn, *args):
    """("ok", result) or ("raised", class, args) of fn(*args)."""
    try:
        return ("ok", fn(*args))
    except Exception as e:  # noqa: BLE001 - the comparison is the point
        return ("raised", type(e), e.args)


def same(fn, *args):
    got, want = outcome(jit(fn), *args), outcome(fn, *args)
    if got != want:
        pytest.fail(f"{fn.__name__}{args}: kiln gave {got}, Python {want}")


def asserts(x):
    assert x > 0, "x must be positive"
    assert x < 10
    return x + 1


@pytest.mark.parametrize("x", [3, -1, 0, 10, 20])
def test_assert(x):
    same(asserts, x)


def asserts_in_loop(n):
    total = 0
    for i in range(n):
        assert i * i < 50, "square too large"
        total += i
    return total


@pytest.mark.parametrize("n", [3, 7, 8, 100])
def test_assert_in_loop(n):
    same(asserts_in_loop, n)


class MyError(Exception):
    pass


class WithInit(Exception):
    """A user class whose __init__ keeps only some of its arguments."""

    def __init__(self, arg, value0):
        super().__init__(arg)
        self.value0 = value0


def raiser(i, x):
    if i == 1:
        raise MyError
    if i == 2:
        raise MyError("bad", i, x, True, None)
    if i == 3:
        raise ValueError(i * 2, x / 2)
    if i == 4:
        raise NotImplementedError("nope")
    if i == 5:
        raise WithInit("a", i)
    if i == 6:
        raise KeyError(i)
    if i == 7:
        raise ZeroDivisionError
    if i == 8:
        raise Exception("plain")
    if i == 9:
        raise LookupError("lookup", x > 1.0)
    return i


@pytest.mark.parametrize("i", range(11))
def test_raise_classes_and_args(i):
    same(raiser, i, 1.5)


def test_user_class_is_the_very_class():
    with pytest.raises(MyError) as info:
        jit(raiser)(2, 0.25)
    assert type(info.value) is MyError
    assert info.value.args == ("bad", 2, 0.25, True, None)


def raises_array(a):
    raise ValueError(a)


def test_raise_with_array_argument_is_refused():
    import numpy as np
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match="exception argument 1 of .*has type array"):
        jit(raises_array)(np.zeros(3))


@jit
def inner(i):
    if i < 0:
        raise MyError("negative", i)
    return i * 2


def outer(i):
    return inner(i) + 1


@pytest.mark.parametrize("i", [3, -4])
def test_raise_in_callee_reaches_python(i):
    same(outer, i)
