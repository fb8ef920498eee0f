"""Tuples and calls (issue 9 parts 4 and 10): f(*t) calls, *args parameters,
star-unpacking in tuple literals and in assignments, tuple methods and
builtins, isinstance, literal_unroll; each result is compared with plain
Python on the same inputs."""
import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError, UnsupportedError


def add3(a, b, c):
    return a + 2 * b + 3 * c


add3_jit = jit(add3)


def star_call(t):
    return add3_jit(*t)


def star_call_prefix(a, t):
    return add3_jit(a, *t)


def star_call_jitted(t):
    return add3_jit(*t) + add3_jit(1, *t[1:])


def star_call_kw(t):
    return add3_jit(*t, c=10)


def star_builtin(t):
    return max(*t), min(*t), abs(*t[:1])


def star_numpy(shape):
    a = np.zeros((*shape,))
    b = np.ones(shape)
    return a.shape, b.sum(), np.arange(*shape).sum()


def varargs_sum(*args):
    s = 0
    for x in args:
        s += x
    return s, len(args)


def forwards(*args):
    return add3_jit(*args)


forwards_jit = jit(forwards)


def call_varargs(a, b):
    return forwards_jit(a, b, 3)


def star_literal(a, b):
    return (*a, *b), (1, *a), (*b, 2.5, *a), (*a,), ()


def star_literal_mixed(a, x):
    return (x, *a, x + 1)


def star_list_literal(t):
    return [*t, 10], [0, *t]


def star_assign(t):
    a, *rest = t
    return a, rest


def star_assign_middle(t):
    a, *mid, b = t
    *init, last = t
    return a, mid, b, init, last


CASES = [
    (star_call, ((1, 2, 3),)),
    (star_call, ((1.5, 2, 3),)),
    (star_call_prefix, (5, (1, 2))),
    (star_call_jitted, ((1, 2, 3),)),
    (star_call_kw, ((1, 2),)),
    (star_builtin, ((-3, 7, 2),)),
    (star_numpy, ((2, 3),)),
    (varargs_sum, (1, 2, 3)),
    (varargs_sum, (1.5, 2.5)),
    (call_varargs, (4, 5)),
    (star_literal, ((1, 2), (3.5, True))),
    (star_literal_mixed, ((1, 2, 3), 7)),
    (star_list_literal, ((1, 2, 3),)),
    (star_assign, ((1, 2, 3, 4),)),
    (star_assign_middle, ((1, 2, 3, 4, 5),)),
    (star_assign_middle, ((1.0, 2.0, 3.0),)),
]


@pytest.mark.parametrize("fn,args", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_matches_python(fn, args):
    got = jit(fn)(*args)
    want = fn(*args)
    assert got == want
    assert type(got) is type(want)


def star_of_list(lst):
    return add3_jit(*lst)


def star_assign_list(lst):
    a, *rest = lst
    return a


def star_assign_short(t):
    a, *rest, b, c = t
    return a


def test_star_call_of_a_list_is_refused():
    with pytest.raises(TypingError, match=r"star-arguments in a call \(f\(\*args\)\) need a tuple"):
        jit(star_of_list)([1, 2, 3])


def test_starred_assignment_of_a_list_is_refused():
    with pytest.raises(TypingError, match="unpacks tuples only"):
        jit(star_assign_list)([1, 2, 3])


def test_starred_assignment_of_a_short_tuple_is_refused():
    with pytest.raises(TypingError, match="not enough values to unpack"):
        jit(star_assign_short)((1, 2))


def none_items(a):
    return (None, a, None, 2.5), (a, None)


def methods(t, x):
    return t.index(x), t.count(x), t.index(x, 1), t.count(99)


def index_missing(t):
    return t.index(42)


def constructors(t):
    return tuple(t), tuple(), bool(t), bool(()), bool(tuple())


def checks(x):
    return (isinstance(x, int), isinstance(x, float), isinstance(x, (str, tuple)), isinstance(x, complex),
            isinstance(x, bool))


MORE = [
    (none_items, (3,)),
    (methods, ((1, 2, 3, 2, 2), 2)),
    (constructors, ((4, 5.5),)),
    (constructors, ((),)),
    (checks, (1,)),
    (checks, (1.5,)),
    (checks, (True,)),
    (checks, ("s",)),
    (checks, ((1, "a"),)),
    (checks, (1j,)),
]


@pytest.mark.parametrize("fn,args", MORE, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(MORE)])
def test_more_matches_python(fn, args):
    got = jit(fn)(*args)
    want = fn(*args)
    assert got == want
    assert type(got) is type(want)


def test_index_of_a_missing_item_raises():
    with pytest.raises(ValueError, match="not in tuple"):
        jit(index_missing)((1, 2, 3))


def tuple_of_list(lst):
    return tuple(lst)


def test_tuple_of_a_list_is_refused():
    with pytest.raises(TypingError, match=r"tuple\(reflected list\(int64\)\)"):
        jit(tuple_of_list)([1, 2])


from kiln import literal_unroll  # noqa: E402


def unroll_mixed(t):
    s = ""
    n = 0
    for v in literal_unroll(t):
        if isinstance(v, str):
            s += v
        else:
            n += v
    return s, n


def unroll_break(z):
    x = (12, 12.7, 4, z, 2 * z, True)
    acc = 0
    for a in literal_unroll(x):
        acc += a
        if acc < 26:
            acc -= 1
        else:
            break
    return acc


def unroll_continue(t):
    out = 0.0
    for v in literal_unroll(t):
        if isinstance(v, float):
            continue
        out += v * 2
    return out


def unroll_len(t):
    return len(literal_unroll(t))


def unroll_homogeneous(t):
    acc = 0
    for v in literal_unroll(t):
        acc += v
    return acc


UNROLL = [
    (unroll_mixed, ((1, "a", 2.5, "b"),)),
    (unroll_break, (9,)),
    (unroll_break, (1,)),
    (unroll_continue, ((1, 2.5, 3, 4.5, True),)),
    (unroll_len, ((1, "a"),)),
    (unroll_homogeneous, ((1, 2, 3),)),
]


@pytest.mark.parametrize("fn,args", UNROLL, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(UNROLL)])
def test_literal_unroll_matches_python(fn, args):
    got = jit(fn)(*args)
    want = fn(*args)
    assert got == want


def min_max(t):
    return min(t), max(t)


@pytest.mark.parametrize("t", [(3, 1, 2), (1.5, -2.0, 7.25), (2, 9.5, -1)])
def test_min_max_of_a_tuple(t):
    assert jit(min_max)(t) == min_max(t)


def unroll_a_string():
    n = 0
    for c in literal_unroll("ABCDE"):
        n += len(c)
    return n


def test_literal_unroll_of_a_string_is_refused_as_numba_does():
    with pytest.raises(UnsupportedError, match="argument should be a tuple or a list of constant values"):
        jit(unroll_a_string)()
