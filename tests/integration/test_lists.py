"""Lists (issue 9 part 1): literals, methods, indexing, slicing, iteration,
builtins, reflected list arguments, list results, heapq; each result is
compared with plain Python on the same inputs."""
import heapq

import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError


def build_and_mutate(n):
    lst = []
    for i in range(n):
        lst.append(i * 3 % 7)
    lst.insert(0, 42)
    lst.insert(-1, 5)
    lst.insert(100, 9)
    lst.extend((1, 2))
    lst.extend([7, 8])
    lst.extend(range(3))
    a = lst.pop()
    b = lst.pop(0)
    lst.remove(5)
    lst.reverse()
    c = lst.index(7)
    d = lst.count(2)
    del lst[1]
    del lst[::3]
    lst[0] = 11
    lst[-1] = 12
    return lst, a, b, c, d, len(lst), 2 in lst, 99 not in lst


def slicing(n):
    lst = list(range(n))
    out = [lst[1:4], lst[::-1], lst[-3:], lst[::2], lst[5:1:-2], lst[100:]]
    lst[1:3] = [10, 20, 30, 40]
    lst[::4] = lst[::4]
    out.append(lst)
    return out


def numbers(n):
    a = [3, 1.5, 2]          # int and float unify to float
    a.sort()
    b = a + [9.0] * 2
    b.sort(reverse=True)
    s = sorted([5, 3, 4, 1], reverse=True)
    c = a.copy()
    c.clear()
    return a, b, s, c, sum(a), min(b), max(b), sum([True, False, True]), bool(c), [1, 2] * n


def tuples_and_arrays(n):
    pairs = [(i, i * 0.5) for i in range(n)] if False else []
    for i in range(n):
        pairs.append((n - i, i * 0.5))
    pairs.sort()
    arrs = []
    for i in range(n):
        arrs.append(np.arange(i))
    total = 0
    for k, a in enumerate(arrs):
        total += k * a.sum()
    return pairs, total, arrs[-1], [x + y for x, y in zip([1, 2, 3], [10, 20, 30])] if False else 0


def compare(n):
    a = list(range(n))
    b = list(range(n))
    return a == b, a != b, a < b + [0], [1, 2] < [1, 3], [2] > [1, 9], a is b


def reflect(lst, x):
    lst.append(x)
    lst[0] = lst[0] * 2
    return len(lst)


def reflect_return(lst):
    lst.pop()
    return lst


def pushpop(h, xs):
    for x in xs:
        heapq.heappush(h, x)
    out = []
    while len(h) > 0:
        out.append(heapq.heappop(h))
    return out


@pytest.mark.parametrize("f,args", [
    (build_and_mutate, (10,)), (build_and_mutate, (3,)), (slicing, (9,)), (numbers, (3,)),
    (tuples_and_arrays, (4,)), (compare, (4,)),
])
def test_matches_python(kilnd, f, args):
    got = jit(f)(*args)
    want = f(*args)
    assert same(got, want), (got, want)


def same(a, b):
    # Values equal item by item; containers of the same kind (an int in a
    # list that unified to float compares equal to the float, as Numba).
    if isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def test_reflected_list_is_written_back(kilnd):
    a = [1, 2, 3]
    b = [1, 2, 3]
    assert jit(reflect)(a, 7) == reflect(b, 7)
    assert a == b
    c = [1.5, 2.5]
    r = jit(reflect_return)(c)
    assert r is c and c == [1.5]


def test_heapq_matches_python(kilnd):
    xs = [5, 1, 9, 3, 3, 7, 0]
    assert jit(pushpop)([99], xs) == pushpop([99], xs)
    a = [5.0, 2.0, 8.0, 1.0]
    b = list(a)
    f = jit(heapify_it)
    f(a)
    heapq.heapify(b)
    assert a == b
    assert jit(smallest)(2, [4, 1, 3]) == heapq.nsmallest(2, [4, 1, 3])


def heapify_it(x):
    heapq.heapify(x)


def smallest(n, xs):
    return heapq.nsmallest(n, xs)


def index_error(n):
    lst = [1, 2, 3]
    return lst[n]


def test_index_error(kilnd):
    with pytest.raises(IndexError):
        jit(index_error)(3)
    assert jit(index_error)(-3) == 1


def heterogeneous(x):
    return [x, (x, x)]


def test_heterogeneous_list_is_refused(kilnd):
    # litcont: items without a common type make a LiteralList, which stays in compiled code (as Numba)
    with pytest.raises(TypingError, match=r"cannot convert native LiteralList\(int64, UniTuple"):
        jit(heterogeneous)(1)


def test_heterogeneous_argument_is_refused(kilnd):
    with pytest.raises(TypeError, match="can't unbox heterogeneous list"):
        jit(reflect)([1, 2.5], 1)


def churn(n):
    # Lists of arrays and of lists made, grown, popped, sliced and dropped.
    total = 0.0
    for k in range(n):
        arrs = [np.ones(3)]
        for i in range(5):
            arrs.append(np.arange(i) * 1.0)
        x = arrs.pop(2)
        arrs.insert(0, x)
        del arrs[1:3]
        nested = [[1, 2], [3]]
        nested.append([k])
        nested[0] = [4, 5, 6]
        total += len(arrs) + len(nested[0]) + arrs[-1].sum() + x.sum()
    return total


def test_no_leaks(kilnd):
    import kiln
    f = jit(churn)
    assert f(3) == churn(3)
    before = kiln.live_allocations()
    for _ in range(20):
        f(50)
    lst = [1, 2, 3]
    for _ in range(100):
        jit(reflect)(lst, 1)
    assert kiln.live_allocations() == before


def arrays_append(con):
    con.append(np.arange(10))


def arrays_setitem(con):
    con[1] = np.arange(10)


def arrays_pop(con):
    return con.pop()


def arrays_insert(con):
    con.insert(1, np.arange(4))


def arrays_sum(con):
    s = 0
    for a in con:
        s += a.sum()
    return s


@pytest.mark.parametrize("f", [arrays_append, arrays_setitem, arrays_pop, arrays_insert, arrays_sum])
def test_list_of_arrays_argument_is_written_back(kilnd, f):
    import kiln
    before = kiln.live_allocations()
    con = [np.arange(3), np.arange(5)]
    want = [a.copy() for a in con]
    want_result = f(want)
    got = list(con)
    result = jit(f)(got)
    assert len(got) == len(want) and all(np.array_equal(a, b) for a, b in zip(got, want))
    assert got[0] is con[0]  # an item the function left alone is the same array
    if want_result is not None:
        assert np.array_equal(result, want_result)
    del got, result
    assert kiln.live_allocations() == before


def test_popped_array_outlives_its_list(kilnd):
    # The result borrows the memory of an item the write-back removed.
    x = jit(arrays_pop)([np.ones(3), np.arange(100000) * 1.0])
    assert x.sum() == sum(range(100000))


def test_list_of_mixed_arrays_is_refused(kilnd):
    with pytest.raises(TypeError, match="can't unbox heterogeneous list"):
        jit(arrays_sum)([np.arange(3), np.arange(3.0)])


def tuple_append(x):
    a, b = x
    b.append(a)
    return len(b)


def tuple_both(x, y):
    x[1].append(7)
    y[1].append(8)
    return x[1]


def test_list_inside_a_tuple_argument_is_written_back(kilnd):
    import kiln
    before = kiln.live_allocations()
    lst = [1, 2]
    assert jit(tuple_append)((5, lst)) == 3 and lst == [1, 2, 5]
    lst = [(1,), (2,)]
    assert jit(tuple_append)(((3,), lst)) == 3 and lst == [(1,), (2,), (3,)]
    lst = [1]
    t = (0, lst)
    got = jit(tuple_both)(t, t)  # one Python list, one block: both appends seen, the list returned
    assert got is lst and lst == [1, 7, 8]
    with pytest.raises(TypeError, match="can't unbox heterogeneous list"):
        jit(tuple_append)((1, [1, 2.5]))
    del got, lst, t
    assert kiln.live_allocations() == before
