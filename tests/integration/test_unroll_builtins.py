"""literal_unroll and builtins (issue 9, unroll2): constant lists given to
literal_unroll are tuples, range(len(literal_unroll(t))) loops, nesting,
the loop item after the loop; min/max of iterables, type(x), isinstance
and sum's refusals. Each result is compared with plain Python."""
import math

import pytest

from kiln import jit, literal_unroll
from kiln.errors import TypingError, UnsupportedError


def same(a, b):
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b


# --- literal_unroll -------------------------------------------------------


def const_list_items_keep_their_types():
    x = [1, 2.5, "a", True]
    r = ""
    for a in literal_unroll(x):
        r += str(a) + ","
    return r


def range_len_unroll(z):
    a = (12, 12.7, 3j, 4, z, 2 * z)
    acc = 0
    for i in range(len(literal_unroll(a))):
        acc += a[i]
        if acc.real < 26:
            acc -= 1
        else:
            break
    return acc


def const_list_indexed_after(z):
    a = [12, 12.7, 3j, 4]
    acc = 0
    for i in literal_unroll(a):
        acc += i
        if acc.real < 26:
            acc -= 1
        else:
            for x in literal_unroll(a):
                acc += x
            break
    if a[0] < 23:
        acc += z
    return acc


def inner_loop_per_item():
    x = {}
    x["a"] = 1
    y = {}
    y[3] = "c"
    r = ""
    for it in literal_unroll((x, y)):
        for k, v in it.items():
            r += str(k) + str(v)
    return r


@pytest.mark.parametrize("fn,args", [
    (const_list_items_keep_their_types, ()),
    (range_len_unroll, (9,)),
    (range_len_unroll, (0,)),
    (const_list_indexed_after, (2,)),
    (inner_loop_per_item, ()),
])
def test_unroll_matches_python(kilnd, fn, args):
    assert same(jit(fn)(*args), fn(*args))


def test_const_list_is_a_tuple(kilnd):
    def f():
        x = [1000, 2000]
        acc = 0
        for a in literal_unroll(x):
            acc += a
        x.append(10)
        return acc
    with pytest.raises(TypingError, match="Unknown attribute 'append' of type Tuple"):
        jit(f)()


def test_mixed_item_after_loop_is_refused(kilnd):
    def f():
        acc = 0
        for a in literal_unroll([1, 2, "a"]):
            acc += bool(a)
        return a
    with pytest.raises(TypingError, match="Cannot unify"):
        jit(f)()


def test_homogeneous_item_after_loop(kilnd):
    def f():
        acc = 0
        for a in literal_unroll((1, 2, 3)):
            acc += a
        return a, acc
    assert jit(f)() == f()


def test_nesting_inside_the_loop_is_refused(kilnd):
    def f(z):
        a = (12, 12.7, 3j, z)
        acc = 0
        for i in literal_unroll(a):
            acc += i
            for x in literal_unroll(a):
                acc += x
        return acc
    with pytest.raises(UnsupportedError, match="Nesting of literal_unroll is unsupported"):
        jit(f)(1)


def test_multiple_definitions_refused(kilnd):
    def f(c):
        if c:
            t = (1, 2)
        else:
            t = (1, "a", 2.5)
        acc = 0
        for x in literal_unroll(t):
            acc += 1
        return acc
    with pytest.raises(UnsupportedError, match="found multiple definitions of variable"):
        jit(f)(True)


def test_str_never_equals_tuple(kilnd):
    def f(t, s):
        return t == s, s == t, t != s, s != t
    assert jit(f)(("a",), "a") == f(("a",), "a")
    assert jit(f)((1, 2), "a") == f((1, 2), "a")


def test_map_of_heterogeneous_tuple_names_zip(kilnd):
    def f():
        return [x for x in map(lambda v: v, (1, 2j))]
    with pytest.raises(TypingError, match="zip"):
        jit(f)()


# --- builtins -------------------------------------------------------------


@jit
def frange(start, stop, step):
    i = start
    while i < stop:
        yield i
        i += step


def min_max_cases(op):
    yield lambda: op(range(10))
    yield lambda: op(range(4, 12))
    yield lambda: op(range(-4, -15, -1))
    yield lambda: op(range(3, 10, 4))
    yield lambda: op(iter([3, 1, 2]))
    yield lambda: op(frange(1.1, 3.3, 0.1))
    yield lambda: op([(3, 4), (1, 2)])
    yield lambda: op([math.nan, -math.inf, math.inf, math.nan])
    yield lambda: op(x * 2 for x in range(5, 0, -1))


@pytest.mark.parametrize("op", [min, max])
def test_min_max_of_iterables(kilnd, op):
    for fn in min_max_cases(op):
        assert same(jit(fn)(), fn())


@pytest.mark.parametrize("op", [min, max])
def test_min_max_of_empty_iterables(kilnd, op):
    with pytest.raises(ValueError, match="arg is an empty sequence"):
        jit(lambda: op(range(0)))()
    with pytest.raises(ValueError, match="arg is an empty sequence"):
        jit(lambda: op(iter(range(3, 3))))()


@pytest.mark.parametrize("args", [(1.5, 2), (1, 2.5), (1.5j, 2), (True, 2), (2.5j, False), ("x", 5), (-3, -7.9)])
def test_type_of_value_is_its_class(kilnd, args):
    def f(a, b):
        return type(a)(b)
    assert same(jit(f)(*args), f(*args))


@pytest.mark.parametrize("x", [3, 5.0, "s", 1j, (1, 2), {1, 2}, b"ab", None])
def test_isinstance_set_and_bytes(kilnd, x):
    def f(a):
        if isinstance(a, set):
            return "set"
        if isinstance(a, bytes):
            return "bytes"
        if isinstance(a, (int, float)):
            return "number"
        return "other"
    assert jit(f)(x) == f(x)


def test_isinstance_tries_classes_in_order(kilnd):
    def f(x):
        return isinstance(x, (float, "not a type"))
    assert jit(f)(3.4) is True
    with pytest.raises(TypingError, match="Cannot infer numba type of python type"):
        jit(f)(100)


@pytest.mark.parametrize("start,what", [("a", "strings"), (b"12", "bytes"), (bytearray(b"12"), "bytearray")])
def test_sum_refuses_str_start(kilnd, start, what):
    def f(x, s):
        return sum(x, s)
    with pytest.raises(TypingError, match=f"sum\\(\\) can't sum {what}"):
        jit(f)((1, 2, 3), start)


def test_isinstance_of_optional_is_refused(kilnd):
    # The answer depends on the branch taken: refused in Numba's words (it was a
    # constant False, a wrong answer when z is 10).
    def f(x):
        if x > 4:
            z = 10
        else:
            z = None
        return isinstance(z, int)
    with pytest.raises(TypingError, match='cannot determine the type of variable "z" due to a branch'):
        jit(f)(100)


def test_isinstance_of_optional_with_a_class_it_cannot_be(kilnd):
    # Neither None nor an int is a str: False whichever branch ran.
    def f(x):
        z = 10 if x > 4 else None
        return isinstance(z, str)
    assert jit(f)(100) is False
    assert jit(f)(1) is False


def test_isinstance_after_a_branch_is_refused(kilnd):
    def f(x):
        if x > 4:
            z = 10
        else:
            z = "a"
        return isinstance(z, int)
    with pytest.raises(TypingError, match='cannot determine the type of variable "z" due to a branch'):
        jit(f)(100)


@pytest.mark.parametrize("x", [1, 1.5, True, "a", 2j])
def test_type_is_class(kilnd, x):
    def f(a):
        r = 0
        if type(a) is int:
            r += 1
        if type(a) == float:
            r += 2
        if type(a) is not bool:
            r += 4
        if type(a) != str:
            r += 8
        return r
    assert jit(f)(x) == f(x)


def test_isinstance_of_a_namedtuple_class_names_the_type_as_numba_does(kilnd):
    # Numba's words and its spelling of the named tuple's type: its class's
    # own name, not Kiln's module-qualified one.
    from collections import namedtuple
    Pair = namedtuple("Pair", ["a", "b"])
    Mixed = namedtuple("Mixed", ["a", "b"])
    inst, mixed = Pair(1, 2), Mixed(1, 2.5)

    def f(x):
        return isinstance(inst, Pair)

    def g(x):
        return isinstance(mixed, Mixed)
    with pytest.raises(TypingError, match=r'isinstance\(\) does not support variables of type "Pair\(int64 x 2\)"'):
        jit(f)(1)
    with pytest.raises(TypingError, match=r'does not support variables of type "Mixed\(int64, float64\)"'):
        jit(g)(1)
