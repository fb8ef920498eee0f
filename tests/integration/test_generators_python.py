"""genpy: generators returned to Python (issue 9 part 6). A jitted generator
function called from Python returns an iterator (kiln._kiln.Generator) that
owns the coroutine frame; each item is boxed as a result is, StopIteration
comes at the end, errors raised inside arrive as the same class and message,
and a generator dropped half-way releases what it holds. Each result is
compared with plain Python on the same arguments."""

import gc

import numpy as np
import pytest

import kiln
from kiln import jit
from kiln.errors import UnsupportedError


def squares(n):
    for i in range(n):
        yield i * i


def fibonacci(n):
    a, b = 0, 1
    for _ in range(n):
        yield a
        a, b = b, a + b


def positives(a):
    for x in a:
        if x > 0:
            yield x


def until_negative(a):
    i = 0
    while True:
        if i >= a.shape[0] or a[i] < 0:
            return
        yield a[i] * 2.0
        i += 1


def several(n):
    yield n
    yield n + 1.5  # the yield type widens to float64
    for k in range(n):
        yield k
    yield -1


def with_list(n):
    acc = []
    for i in range(n):
        acc.append(i * 3)
        yield len(acc), acc[-1]
    total = 0
    for v in acc:
        total += v
    yield total, -1


jsquares = jit(squares)


def pairs(n):  # a generator calling a generator
    for s in jsquares(n):
        yield s, s + 1


def mixed(n):
    for i in range(n):
        yield i, i * 0.5, i % 2 == 0


def raising(n):
    for i in range(n):
        if i == 2:
            raise ValueError("two", i)
        yield i


def indexing(a, n):
    for i in range(n):
        yield a[i]  # IndexError once i passes the end (boundscheck)


def nothing(n):
    if n > 100:
        yield n


def returns_squares(n):  # not a generator itself: returns one
    return jsquares(n)


@pytest.mark.parametrize("f, args", [
    (squares, (5,)), (squares, (0,)), (fibonacci, (12,)), (several, (3,)), (with_list, (4,)),
    (pairs, (5,)), (mixed, (4,)), (nothing, (3,)), (returns_squares, (6,)),
])
def test_matches_python(kilnd, f, args):
    g = jit(f)(*args)
    assert type(g).__name__ == "Generator"
    assert iter(g) is g
    assert list(g) == list(f(*args))
    with pytest.raises(StopIteration):  # and stays exhausted
        next(g)


def test_array_arguments(kilnd):
    a = np.array([1.0, -2.0, 3.0, 0.0, 4.5])
    assert list(jit(positives)(a)) == list(positives(a))
    for b in (np.array([1.0, 2.0, -1.0, 4.0]), np.array([1.0, 2.0])):
        assert list(jit(until_negative)(b)) == list(until_negative(b))


def test_the_argument_stays_alive(kilnd):
    # The generator reads the argument's buffer after the call returned: it
    # holds the argument (as a Python generator does).
    g = jit(positives)(np.array([1.0, -2.0, 3.0]))
    gc.collect()
    assert list(g) == [1.0, 3.0]


def test_items_as_python_types(kilnd):
    items = list(jit(mixed)(2))
    assert items == [(0, 0.0, True), (1, 0.5, False)]
    assert [tuple(type(x) for x in t) for t in items] == [(int, float, bool)] * 2


def test_independent_generators(kilnd):
    f = jit(fibonacci)
    g, h = f(5), f(5)
    assert next(g) == 0 and next(g) == 1 and next(g) == 1
    assert next(h) == 0
    assert list(g) == [2, 3] and list(h) == [1, 1, 2, 3]


def test_error_raised_inside(kilnd):
    g = jit(raising)(5)
    assert next(g) == 0 and next(g) == 1
    with pytest.raises(ValueError) as e:
        next(g)
    assert e.value.args == ("two", 2)
    with pytest.raises(StopIteration):  # a generator that raised has ended, as in Python
        next(g)


def test_index_error_inside(kilnd):
    a = np.arange(3.0)
    g = jit(indexing, boundscheck=True)(a, 5)
    assert next(g) == 0.0
    with pytest.raises(IndexError):
        list(g)


def test_no_leak_when_dropped_half_way(kilnd):
    f = jit(with_list)
    assert list(f(3)) == list(with_list(3))
    before = kiln.live_allocations()
    for _ in range(50):
        g = f(10)
        next(g), next(g)  # its list is alive in the frame
        del g
    for _ in range(50):
        list(f(4))
    gc.collect()
    assert kiln.live_allocations() == before


def test_list_argument_refused(kilnd):
    def over(lst):
        for x in lst:
            yield x
    with pytest.raises(UnsupportedError, match="returning a generator to Python from a function with a reflected "
                                               "list\\(int64\\) argument is not supported"):
        jit(over)([1, 2, 3])


# Items holding references: the generator's promise holds each item until it
# goes on; the Python iterator and compiled for loops and next() keep their own.

def fresh_arrays(n):
    for i in range(n):
        vec = np.empty(3)
        vec[:] = i
        yield vec


def same_array(a):
    for i in range(a.size):
        yield a  # the argument itself: the items are views of it


def words(n):
    s = "ab"
    for i in range(n):
        yield s
        s = s + str(i)


def arrays_and_names(n):
    for i in range(n):
        yield np.arange(i), "x" * i, i


jfresh = jit(fresh_arrays)
jwords = jit(words)


def consume_fresh(n):
    total = 0.0
    for v in jfresh(n):
        total += v.sum()
    kept = []
    for v in jfresh(n):
        kept.append(v)  # kept past the generator's next step
    for v in kept:
        total += v[0] * 10
    g = jfresh(3)
    a = next(g)
    b = next(g)  # a is still alive: next() keeps its own reference
    c = next(g, np.zeros(3))
    d = next(g, np.ones(3))
    return total, a.sum(), b.sum(), c.sum(), d.sum()


def consume_words(n):
    out = []
    for w in jwords(n):
        out.append(w)
    return out


def test_array_items(kilnd):
    got = list(jit(fresh_arrays)(4))
    want = list(fresh_arrays(4))
    assert len(got) == len(want)
    for x, y in zip(got, want):
        np.testing.assert_array_equal(x, y)
    a = np.arange(4.0)
    items = list(jit(same_array)(a))
    assert len(items) == 4
    a[0] = 99.0  # the items view the argument, as Python's are the argument
    assert all(v[0] == 99.0 for v in items)


def test_string_and_tuple_items(kilnd):
    assert list(jit(words)(4)) == list(words(4))
    got = list(jit(arrays_and_names)(3))
    want = list(arrays_and_names(3))
    for (a, s, i), (b, t, j) in zip(got, want):
        np.testing.assert_array_equal(a, b)
        assert (s, i) == (t, j)


def test_compiled_consumers_of_reference_items(kilnd):
    assert jit(consume_fresh)(5) == (sum(3.0 * i for i in range(5)) + sum(10.0 * i for i in range(5)),
                                     0.0, 3.0, 6.0, 3.0)
    assert jit(consume_words)(4) == list(words(4))


def test_no_leak_with_reference_items(kilnd):
    f = jit(fresh_arrays)
    list(f(2))
    jit(consume_fresh)(3)
    jit(consume_words)(3)
    before = kiln.live_allocations()
    for _ in range(30):
        g = f(10)
        next(g), next(g)
        del g
        list(f(3))
        jit(consume_fresh)(4)
        jit(consume_words)(4)
        h = jit(words)(5)
        next(h)
        del h
    gc.collect()
    assert kiln.live_allocations() == before


# yield from (CPython 3.11's SEND loop): a generator, a range, a list, an
# array; the value of the expression is None (a generator's `return value`
# is refused).

def from_list(n):
    yield from [i * 2 for i in range(n)]


def from_array(a):
    yield from a


jsq = jit(squares)
jfib = jit(fibonacci)


def delegating_jit(n):
    yield -1
    yield from jsq(n)
    yield from range(3)
    r = yield from jfib(4)
    yield 100 if r is None else 200


jdelegating = jit(delegating_jit)


def consume_delegating(n):
    total = 0
    for v in jdelegating(n):
        total = total * 3 + v
    return total


@pytest.mark.parametrize("n", [0, 4])
def test_yield_from(kilnd, n):
    assert list(jit(delegating_jit)(n)) == list(delegating_jit(n))
    assert list(jit(from_list)(n)) == list(from_list(n))
    a = np.arange(float(n))
    assert list(jit(from_array)(a)) == list(from_array(a))
    assert jit(consume_delegating)(n) == consume_delegating(n)
