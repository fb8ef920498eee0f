"""Exceptions raised by compiled code reach Python as the class and args that
plain Python raises: assert statements, raise of builtin and user exception
classes with constant and computed arguments. Each case runs the function
under CPython and under kiln.jit and compares what comes out.

PYTEST_DONT_REWRITE: the compiled functions' asserts must stay plain asserts.
"""
import numpy as np
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


# try/except/else/finally: errors raised in the function itself, in jitted
# callees and by operations (division, allocation) go to the handler.

class SubValueError(ValueError):
    pass


@jit
def check_positive(x):
    if x < 0:
        raise ValueError("x must be non-negative")
    return x * 2


def recover(a):
    total = 0.0
    failures = 0
    for i in range(a.shape[0]):
        try:
            total += check_positive(a[i])
        except Exception:
            failures += 1
    return total, failures


def test_recover_from_callee_errors():
    import numpy as np

    same(recover, np.array([1.0, -2.0, 3.0, -4.0]))


def clauses(x):
    y = 0
    try:
        if x == 1:
            raise SubValueError("m")
        if x == 2:
            raise KeyError(3)
        if x == 3:
            y = 10 // (x - 3)
        if x == 4:
            raise NotImplementedError
        y = 5
    except (KeyError, ZeroDivisionError):
        y = -1
    except ValueError:
        y = -2
    except RuntimeError:
        y = -3
    else:
        y += 2
    finally:
        y += 100
    return y


@pytest.mark.parametrize("x", range(6))
def test_except_clauses_else_finally(x):
    same(clauses, x)


def reraise(x):
    try:
        if x > 0:
            raise SubValueError("again", x)
        if x < 0:
            raise IndexError(x)
    except ValueError:
        raise
    except LookupError:
        return -1
    return x


@pytest.mark.parametrize("x", [0, 2, -3])
def test_bare_raise_in_handler(x):
    same(reraise, x)


def nested(x):
    r = 0
    try:
        try:
            if x > 1:
                raise KeyError(x)
            if x == 1:
                raise IndexError
            r = 1
        except IndexError:
            r = 2
    except KeyError:
        r = 3
    return r


@pytest.mark.parametrize("x", [0, 1, 2])
def test_nested_try(x):
    same(nested, x)


def uncaught(x):
    try:
        if x:
            raise KeyError("k")
    except ValueError:
        return 1
    finally:
        x = 5
    return 0


@pytest.mark.parametrize("x", [0, 1])
def test_uncaught_error_leaves_through_finally(x):
    same(uncaught, x)


def division(x, y):
    try:
        return x / y
    except ZeroDivisionError:
        return -1.0


@pytest.mark.parametrize("y", [2.0, 0.0])
def test_operation_errors_are_caught(y):
    same(division, 1.0, y)


def arrays_in_try(n):
    s = 0.0
    for i in range(n):
        try:
            a = np.ones(i + 1)
            b = a * 2.0
            if i % 2 == 0:
                raise ValueError
            s += b.sum()
        except ValueError:
            s -= 1.0
    return s


def test_arrays_held_at_a_raise_are_released():
    import kiln

    f = jit(arrays_in_try)
    assert f(7) == arrays_in_try(7)
    before = kiln.live_allocations()
    for _ in range(50):
        f(7)
    assert kiln.live_allocations() == before


def uses_exception_object(x):
    try:
        raise ValueError(x)
    except ValueError as e:
        return e


def test_binding_the_exception_object_is_refused():
    from kiln.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match=r"Exception object cannot be stored into variable \(e\)"):
        jit(uses_exception_object)(1)


def asserts_on_one(a):
    assert a != 1


def test_traceback_ends_at_the_line_that_raised():
    import traceback

    frames = []
    for f in (asserts_on_one, jit(asserts_on_one)):
        try:
            f(1)
        except AssertionError:
            frames.append([line for line in traceback.format_exc().splitlines() if "File" in line][-1])
    assert frames[0] == frames[1]


def always_raises(x):
    raise ValueError("always", x)


def test_function_that_never_returns():
    same(always_raises, 3)


@jit
def raises_unless_1d(x):
    if x.ndim != 1:
        raise ValueError("a 1-d array is needed")


def returns_what_it_calls(x):
    return raises_unless_1d(x)


def test_callee_that_never_returns_once_its_ndim_branch_is_decided():
    # The ndim test is decided when compiling: for a 2-d array the callee
    # always raises, so it returns None, as one without a return does; its
    # caller's `return raises_unless_1d(x)` has a type (it had none).
    caller = jit(returns_what_it_calls)
    with pytest.raises(ValueError, match="a 1-d array is needed"):
        caller(np.zeros((2, 2)))
    assert caller(np.zeros(3)) is None
    assert raises_unless_1d(np.zeros(3)) is None


def bare_raise():
    raise


def test_bare_raise_outside_handler_reraises_the_callers_exception():
    f = jit(bare_raise)
    with pytest.raises(RuntimeError, match="No active exception to reraise"):
        f()
    with pytest.raises(KeyError) as info:
        try:
            raise KeyError("outer")
        except KeyError:
            f()
    assert info.value.args == ("outer",)


# A nested handler ends: the enclosing handler's error is the one being
# handled again (CPython's exc_info stack), so a bare raise or the end of a
# finally re-raises it, not the nested handler's.
def reraise_after_nested_handler(x):
    try:
        if x > 0:
            raise ValueError("outer", x)
        return 0
    except ValueError:
        try:
            raise KeyError("inner")
        except KeyError:
            pass
        raise


def finally_after_nested_handler(x):
    try:
        raise ValueError("outer", x)
    finally:
        try:
            raise KeyError("inner")
        except KeyError:
            pass


def escape_from_nested_handler(x):
    try:
        raise ValueError("outer")
    except ValueError:
        try:
            raise KeyError("inner")
        except KeyError:
            raise IndexError("escaped", x)


def nested_handlers_in_a_loop(n):
    s = 0
    for i in range(n):
        try:
            if i % 2:
                raise ValueError("odd")
            s += i
        except ValueError:
            try:
                if i % 3 == 0:
                    raise KeyError("three")
            except KeyError:
                s += 100
            s += 1
    return s


def caught_after_reraise(x):
    try:
        try:
            raise ValueError("outer")
        except ValueError:
            try:
                raise KeyError("inner")
            except KeyError:
                pass
            raise
    except ValueError:
        return 7
    except KeyError:
        return 8
    return 0


@pytest.mark.parametrize("fn,arg", [(reraise_after_nested_handler, 1), (reraise_after_nested_handler, 0),
                                    (finally_after_nested_handler, 2), (escape_from_nested_handler, 3),
                                    (nested_handlers_in_a_loop, 13), (caught_after_reraise, 1)])
def test_nested_handler_restores_the_error_being_handled(fn, arg):
    same(fn, arg)
