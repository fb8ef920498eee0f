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
