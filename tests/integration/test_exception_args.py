"""Exceptions raised with arguments computed at run time (strings, tuples):
they travel on the heap in the KilnError (runtime/cpu/kiln_error.h) and reach
Python as the same class with the same args, so str(e) and repr(e) read as
Python's. Raising, catching and re-raising them in compiled code frees every
block they hold: the runtime's live count is back where it started.

PYTEST_DONT_REWRITE: the compiled functions' asserts must stay plain asserts.
"""
import pytest

import kiln
from kiln import jit


class MyError(Exception):
    pass


class WithInit(Exception):
    """A user class whose __init__ keeps only some of its arguments."""

    def __init__(self, arg, value0):
        super().__init__(arg)
        self.value0 = value0


def outcome(fn, *args):
    """("ok", result) or ("raised", class, args, str, repr) of fn(*args)."""
    try:
        return ("ok", fn(*args))
    except Exception as e:  # noqa: BLE001 - the comparison is the point
        return ("raised", type(e), e.args, str(e), repr(e))


def same(fn, *args):
    got, want = outcome(jit(fn), *args), outcome(fn, *args)
    if got != want:
        pytest.fail(f"{fn.__name__}{args}: kiln gave {got}, Python {want}")
    return got


def computed(i, s, x):
    if i == 0:
        raise ValueError("i=" + str(i) + " s=" + s)
    if i == 1:
        raise MyError(s, i, x, i > 0, None)
    if i == 2:
        raise KeyError(s + "!")
    if i == 3:
        raise ValueError((i, s))
    if i == 4:
        raise MyError(((i, (s, x)), s * 2), "second")
    if i == 5:
        raise WithInit(s.upper(), i)
    if i == 6:
        raise IndexError(s[1:])
    if i == 7:
        raise NotImplementedError(str(x) + s)
    if i == 8:
        raise MyError(())
    return i


@pytest.mark.parametrize("s", ["abc", "", "héllo", "日本語", "a😀b"])
@pytest.mark.parametrize("i", range(10))
def test_computed_arguments(i, s):
    same(computed, i, s, 2.5)


def test_the_class_and_args_are_pythons():
    with pytest.raises(MyError) as info:
        jit(computed)(4, "zz", 0.5)
    assert type(info.value) is MyError
    assert info.value.args == (((4, ("zz", 0.5)), "zzzz"), "second")
    with pytest.raises(WithInit) as info:
        jit(computed)(5, "q", 0.5)
    assert info.value.args == ("Q",) and info.value.value0 == 5


def catch_in_loop(n, s):
    caught = 0
    for i in range(n):
        try:
            if i % 2 == 0:
                raise ValueError(s + str(i), (i, s))
            caught -= 1
        except ValueError:
            caught += 2
    return caught


def test_caught_in_compiled_code():
    same(catch_in_loop, 7, "x")


def reraise_after_nested(s):
    try:
        raise ValueError("outer " + s)
    except ValueError:
        try:
            raise KeyError("inner " + s)
        except KeyError:
            pass
        raise


def finally_passes_it_on(s):
    x = 0
    try:
        raise MyError(s + "?", len(s))
    finally:
        x = 1
    return x


def handled_then_other(s):
    try:
        raise MyError("first " + s)
    except MyError:
        pass
    raise ValueError("second " + s)


@pytest.mark.parametrize("fn", [reraise_after_nested, finally_passes_it_on, handled_then_other])
def test_raise_catch_reraise(fn):
    got = same(fn, "é")
    assert got[0] == "raised"


@jit
def inner(s):
    raise MyError("from inner: " + s)


def outer(s):
    try:
        inner(s)
    except MyError:
        return 1
    return 0


def outer_lets_it_pass(s):
    return inner(s + s)


def test_across_compiled_calls():
    assert jit(outer)("a") == 1
    with pytest.raises(MyError) as info:
        jit(outer_lets_it_pass)("ab")
    assert info.value.args == ("from inner: abab",)


def gen(n, s):
    for i in range(n):
        if i == 2:
            raise ValueError(s + str(i))
        yield i


def test_generator():
    with pytest.raises(ValueError) as info:
        list(jit(gen)(5, "g"))
    assert info.value.args == ("g2",)


def test_no_leaks(kilnd):
    cases = [(computed, (i, "abc", 1.5)) for i in range(10)] + [
        (catch_in_loop, (50, "x")), (reraise_after_nested, ("s",)), (finally_passes_it_on, ("s",)),
        (handled_then_other, ("s",)), (outer, ("s",)), (outer_lets_it_pass, ("s",))]
    compiled = [(jit(fn), args) for fn, args in cases]
    for fn, args in compiled:  # compile and warm up
        outcome(fn, *args)
    g = jit(gen)
    outcome(lambda: list(g(5, "g")))
    start = kiln.live_allocations()
    for _ in range(200):
        for fn, args in compiled:
            outcome(fn, *args)
        outcome(lambda: list(g(5, "g")))
        outcome(lambda: list(g(2, "g")))
    assert kiln.live_allocations() == start


def handled_then_missing_key(s, k):
    d = {1: 2}
    try:
        raise ValueError(s + "x", 1)
    except ValueError:
        pass
    return d[k]


def test_a_later_error_does_not_carry_a_handled_errors_args():
    with pytest.raises(KeyError) as info:
        jit(handled_then_missing_key)("a", 5)
    assert info.value.args == (5,)


def build_and_miss(k0, k):
    d = {k0: 1}
    return d[k]


@pytest.mark.parametrize("keys, key", [
    ([1, 2], 5), ([1, 2], -7), ([True], False), ([1.5], 2.25), (["a"], "zz"), (["a"], "\u00e9\U0001f600"),
    ([(1, 2)], (3, 4)), ([(1, 2.5)], (2, -0.5)),
])
def test_a_missing_key_is_pythons_key_error(keys, key):
    with pytest.raises(KeyError) as want:
        build_and_miss(keys[0], key)
    # the key as the error's argument: e.args and str(e) (repr(key)) as Python's
    with pytest.raises(KeyError) as got:
        jit(build_and_miss)(keys[0], key)
    assert type(got.value.args[0]) is type(want.value.args[0])
    assert got.value.args == want.value.args
    assert str(got.value) == str(want.value)


def test_a_missing_key_inside_try_is_caught():
    @jit
    def f(k):
        d = {1: 2}
        try:
            return d[k]
        except KeyError:
            return -1
    assert f(1) == 2
    assert f(5) == -1
