"""Sets in compiled code (set(int64), reflected set(int64)): every result is
compared with plain Python running the same function; a set argument is
written back as Numba's reflected sets; no block outlives a call."""
import numpy as np
import pytest

import kiln
from kiln import jit, KilnError

A = np.array([5, 1, 2, 3, 3, 4, 5, 7, 100, -3, 2**40], dtype=np.int64)
B = np.array([3, 4, 9, 10, -3, 2**40 + 1], dtype=np.int64)
F = A.astype(np.float64) * 0.5
T = [(1, 2), (3, 4), (1, 2), (-5, 0)]
S1 = ["a", "bb", "A1", "é", "a", "\u4e2d", "x" * 40]
S2 = ["bb", "zz", "\u4e2d", "q"]


def same(got, expected):
    """Sets and the lists made from them compare without their order."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            same(g, e)
    elif isinstance(expected, list):
        assert isinstance(got, list)
        assert sorted(got) == sorted(expected)
    else:
        assert type(got) is type(expected)
        assert got == expected


def check(f, *args):
    same(jit(f)(*args), f(*args))


def empty_then_add():
    s = set()
    s.add(1)
    s.add(2)
    s.add(1)
    return len(s)


def of(a):
    return len(set(a))


def items(a):
    s = set(a)
    out = []
    for x in s:
        out.append(x)
    return out


def of_range(a, b, c):
    return sorted(set(range(a, b, c)))


def literal():
    return sorted({3, 1, 2, 3, 1})


def literal_mixed():
    return sorted({1, 2.5, 2})


def literal_of_values(a, b):
    return sorted({a, b, a})


def comprehension(a):
    return sorted({x % 4 for x in a})


def contains(a, b):
    s = set(a)
    return [x in s for x in b], [x not in s for x in b]


def in_constant(x):
    return x in {1, 5, 9}


def methods(a, b):
    s = set(a)
    s.discard(b[0])
    s.discard(12345)
    s.add(77)
    t = s.copy()
    t.add(-1)
    return len(s), len(t), sorted(s), sorted(t)


def pop_all(a):
    s = set(a)
    out = []
    while len(s) > 0:
        out.append(s.pop())
    return out


def clear(a):
    s = set(a)
    s.clear()
    return len(s), bool(s), list(s)


def remove(a, x):
    s = set(a)
    s.remove(x)
    return sorted(s)


def pop_empty():
    s = {1}
    s.pop()
    return s.pop()


def binary(a, b):
    sa, sb = set(a), set(b)
    return (sorted(sa | sb), sorted(sa & sb), sorted(sa - sb), sorted(sa ^ sb),
            sorted(sa.union(sb)), sorted(sa.intersection(sb)), sorted(sa.difference(sb)),
            sorted(sa.symmetric_difference(sb)))


def with_iterables(a, b):
    s = set(a)
    return (sorted(s.union(b)), sorted(s.intersection(b)), sorted(s.difference(b)),
            sorted(s.symmetric_difference(b)), s.issubset(b), s.issuperset(b), s.isdisjoint(b))


def updates(a, b):
    s1, s2, s3, s4 = set(a), set(a), set(a), set(a)
    s1.update(b)
    s2.intersection_update(b)
    s3.difference_update(b)
    s4.symmetric_difference_update(b)
    return sorted(s1), sorted(s2), sorted(s3), sorted(s4)


def inplace(a, b):
    s1, s2, s3, s4 = set(a), set(a), set(a), set(a)
    alias = s1
    s1 |= set(b)
    s2 &= set(b)
    s3 -= set(b)
    s4 ^= set(b)
    return sorted(alias), sorted(s2), sorted(s3), sorted(s4)


def compare(a, b):
    sa, sb = set(a), set(b)
    return sa == sb, sa != sb, sa <= sb, sa < sb, sa >= sb, sa > sb, sa.issubset(sb), sa.issuperset(sb), \
        sa.isdisjoint(sb)


def identity(a):
    s = set(a)
    t = s
    return s is t, s is not t, s is set(a), s is None, s is not None


def self_ops(a):
    s = set(a)
    s ^= s
    t = set(a)
    t.update(t)
    u = set(a)
    u -= u
    return len(s), sorted(t), len(u)


def unique(src):
    seen = set()
    res = []
    for v in src:
        if v not in seen:
            seen.add(v)
            res.append(v)
    return res


def returned(a):
    return set(a)


def float_sets(a, b):
    sa = set(a)
    sa.add(0.25)
    return sorted(sa | set(b)), 0.5 in sa, sorted(sa - set(b))


def tuple_sets(t):
    s = set(t)
    s.add((9, 9))
    return sorted(s), (1, 2) in s, len(s)


def string_items():
    s = {"a", "b", "a"}
    s.add("c" + "d")
    s.discard("a")
    return len(s), "cd" in s, "a" in s, list(s)


def str_sets(a, b):
    sa, sb = set(a), set(b)
    c = sa.copy()
    c.update(sb)
    p = set(a)
    first = p.pop()
    return (list(sa | sb), list(sa & sb), list(sa - sb), list(sa ^ sb), sa <= sb, sa == set(a),
            len(c), first in sa, len(p))


def str_reflect(s):
    s.add("new")
    s.discard("a")
    return len(s)


def sum_items(s):
    total = 0
    for x in s:
        total += x
    return total


def reflect_add(s, t):
    s.add(42)
    s.update(t)
    return len(s)


def reflect_return(s):
    s.discard(1)
    return s


def reflect_raise(s):
    s.add(42)
    raise ZeroDivisionError


@pytest.mark.parametrize("f, args", [
    (empty_then_add, ()), (of, (A,)), (items, (A,)), (items, (list(A),)), (items, ((1, 2, 2),)),
    (of_range, (3, 40, 7)), (literal, ()), (literal_mixed, ()), (literal_of_values, (4, 9)),
    (comprehension, (A,)), (contains, (A, B)), (in_constant, (5,)), (in_constant, (4,)),
    (methods, (A, B)), (pop_all, (A,)), (clear, (A,)), (remove, (A, 7)), (binary, (A, B)),
    (binary, (A[:1], B[:0])), (with_iterables, (A, list(B))), (with_iterables, (A[:3], list(A))),
    (updates, (A, B)), (updates, (A, list(B))), (inplace, (A, B)), (compare, (A, B)), (compare, (A, A[::-1])),
    (compare, (A[:3], A)), (compare, (A, A[:3])), (self_ops, (A,)), (identity, (A,)), (unique, (A,)), (float_sets, (F, F[::2])),
    (tuple_sets, (T,)), (string_items, ()), (str_sets, (S1, S2)), (str_sets, (S2, S1[:1])),
], ids=lambda x: getattr(x, "__name__", None))
def test_against_python(f, args):
    check(f, *args)


def test_set_of_set_argument_sums():
    s = {1, 2, 3, 10**12}
    assert jit(sum_items)(s) == sum_items(s)
    assert jit(sum_items)({0.5, 1.25}) == 1.75


def test_returned_is_a_python_set():
    got = jit(returned)(A)
    assert type(got) is set and got == set(A.tolist())


def test_remove_missing_raises_key_error():
    with pytest.raises(KeyError):
        jit(remove)(A, 999)
    with pytest.raises(KeyError):
        jit(pop_empty)()


def test_reflected_set_is_written_back():
    s, t = {1, 2, 3}, {7, 8}
    e = set(s)
    assert jit(reflect_add)(s, t) == reflect_add(e, t)
    assert s == e == {1, 2, 3, 7, 8, 42}


def test_reflected_set_returned_is_the_argument():
    s = {1, 2, 3}
    got = jit(reflect_return)(s)
    assert got is s and s == {2, 3}


def test_reflected_set_written_back_on_error():
    s = {1, 2}
    with pytest.raises(ZeroDivisionError):
        jit(reflect_raise)(s)
    assert s == {1, 2, 42}


def test_unchanged_set_keeps_its_objects():
    s = {12.5j, 1.5j}
    ids = sorted(id(x) for x in s)
    jit(sum_items)(s)
    assert sorted(id(x) for x in s) == ids


def test_string_set_argument_is_written_back():
    s = {"a", "b" * 3, "\u4e2d"}
    e = set(s)
    assert jit(str_reflect)(s) == str_reflect(e)
    assert s == e
    before = kiln.live_allocations()
    for _ in range(3):
        jit(str_sets)(S1, S2)
        jit(string_items)()
    assert kiln.live_allocations() == before


def test_heterogeneous_set_argument_is_refused():
    with pytest.raises(TypeError, match="heterogeneous set"):
        jit(sum_items)({1, 2.5})


def test_no_block_outlives_the_calls():
    before = kiln.live_allocations()
    for f, args in [(binary, (A, B)), (updates, (A, B)), (compare, (A, B)), (methods, (A, B)),
                    (with_iterables, (A, list(B)))]:
        jit(f)(*args)
    jit(returned)(A)
    jit(reflect_add)({1, 2}, {3})
    with pytest.raises(KeyError):
        jit(remove)(A, 999)
    assert kiln.live_allocations() == before


def unhashable_items(a):
    return len({a})


def list_items():
    s = set()
    s.add([1])
    return len(s)


def mixed_items():
    s = {1}
    s.add((1, 2))
    return len(s)


def subscript(a):
    s = set(a)
    return s[0]




@pytest.mark.parametrize("f, args, words", [
    (unhashable_items, (A,), "unhashable type"),
    (list_items, (), "unhashable type"),
    (mixed_items, (), "a set's items must have one type"),
    (subscript, (A,), "not subscriptable"),
], ids=lambda x: getattr(x, "__name__", None))
def test_refusals_are_located(f, args, words):
    with pytest.raises(KilnError) as e:
        jit(f)(*args)
    assert words in str(e.value)
    assert "test_sets.py" in str(e.value)


def tuple_sum(x):
    a, b = x
    res = a
    for v in b:
        res += v
    return res


def tuple_add(x):
    a, b = x
    b.add(a)
    return len(b)


def test_set_inside_a_tuple_argument_is_read_and_written_back():
    from collections import namedtuple
    before = kiln.live_allocations()
    assert jit(tuple_sum)((1, {2, 3, 4})) == 10
    s = {1, 2}
    assert jit(tuple_add)((5, s)) == 3 and s == {1, 2, 5}
    Point = namedtuple("Point", "a b")
    s = {1}
    assert jit(tuple_add)(Point(7, s)) == 2 and s == {1, 7}
    del s
    assert kiln.live_allocations() == before


def tuple_len(x):
    return len(x[1])


def test_mixed_sets_are_refused_as_numba_refuses_them():
    with pytest.raises(TypeError, match="can't unbox heterogeneous set"):
        jit(tuple_sum)((1, {1, 2j}))
    with pytest.raises(ValueError, match="size mismatch for tuple"):
        jit(tuple_len)((1, {(1,), (2, 3)}))


def add_to_int_set(i):
    r = set()
    r.update({1, 2, 3})
    r.add(i)
    return r


def add_to_uint8_set(i):
    s = {np.uint8(1)}
    s.add(i)
    return s


def test_add_of_another_integer_type_converts_only_what_fits():
    f, g = jit(add_to_int_set), jit(add_to_uint8_set)
    assert f(np.uint64(1)) == {1, 2, 3} and f(np.uint64(7)) == {1, 2, 3, 7} and f(np.int8(-3)) == {1, 2, 3, -3}
    assert g(200) == {1, 200}
    for bad in (lambda: f(np.uint64(2**63)), lambda: g(-1), lambda: g(256)):
        with pytest.raises(OverflowError, match="does not fit the set's"):
            bad()
