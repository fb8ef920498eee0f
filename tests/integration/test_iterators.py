"""iter()/next() over the iterators a for loop makes, and functools.reduce
(issue 9 part 6, iterator builtins). Each result is compared with plain
Python on the same arguments."""

import functools
from functools import reduce

import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError


def first_two(xs):
    it = iter(xs)
    a = next(it)
    b = next(it)
    return a, b


def rest_after_first(xs):
    it = iter(xs)
    first = next(it)
    total = 0
    for x in it:  # the same iterator, from its second item
        total += x
    return first, total


def next_with_default(xs):
    it = iter(xs)
    out = []
    for _ in range(5):
        out.append(next(it, -1))
    return out


def next_past_the_end(n):
    it = iter(range(n))
    s = 0
    for _ in range(n + 1):
        s += next(it)  # the last call raises StopIteration
    return s


def catch_stop(n):
    it = iter(range(n))
    count = 0
    try:
        while True:
            next(it)
            count += 1
    except StopIteration:
        pass
    return count


def string_chars(s):
    it = iter(s)
    return next(it) + next(it, "?") + next(it, "?")


def enumerate_next(a):
    it = enumerate(a)
    i, x = next(it)
    j, y = next(it)
    return i + j, x + y


@pytest.mark.parametrize("args", [([4, 5, 6],), ((7, 8, 9),), (np.array([1.5, 2.5, 3.5]),), ("abc",)])
def test_first_two(kilnd, args):
    assert jit(first_two)(*args) == first_two(*args)


@pytest.mark.parametrize("args", [([4, 5, 6],), ((7, 8, 9),), (np.arange(6),)])
def test_rest_after_first(kilnd, args):
    assert jit(rest_after_first)(*args) == rest_after_first(*args)


def over_ranges(n):
    it = iter(range(3, n))
    a = next(it)
    b = next(it)
    rest = 0
    for x in it:
        rest += x
    short = iter(range(2))
    return a, b, rest, next(short, -1), next(short, -1), next(short, -1)


def test_ranges(kilnd):
    assert jit(over_ranges)(9) == over_ranges(9)


@pytest.mark.parametrize("args", [([4, 5, 6],), ([1],), (np.arange(7),)])
def test_next_with_default(kilnd, args):
    assert jit(next_with_default)(*args) == next_with_default(*args)


def test_next_past_the_end_raises_stop_iteration(kilnd):
    f = jit(next_past_the_end)
    with pytest.raises(StopIteration):
        f(3)
    with pytest.raises(StopIteration):
        next_past_the_end(3)


def test_stop_iteration_caught(kilnd):
    assert jit(catch_stop)(7) == catch_stop(7) == 7
    assert jit(catch_stop)(0) == 0


def test_string_and_enumerate(kilnd):
    assert jit(string_chars)("xyz") == string_chars("xyz")
    assert jit(string_chars)("x") == string_chars("x")
    a = np.array([3.0, 4.0, 5.0])
    assert jit(enumerate_next)(a) == enumerate_next(a)


def test_next_of_a_non_iterator_is_refused(kilnd):
    @jit
    def f(xs):
        return next(xs)

    with pytest.raises(TypingError, match="not an iterator"):
        f([1, 2])


# functools.reduce (kiln/library/functools_functions.py)

def reduce_plain(n):
    return reduce(lambda x, y: x + y, range(n))


def reduce_initial(xs):
    def mul(a, b):
        return a * b
    return reduce(mul, xs, 3)


def reduce_module(a):
    return functools.reduce(lambda x, y: max(x, y), a)


def reduce_empty(n):
    return reduce(lambda x, y: x + y, range(n))


def test_reduce(kilnd):
    assert jit(reduce_plain)(10) == reduce_plain(10)
    assert jit(reduce_plain)(1) == reduce_plain(1)
    assert jit(reduce_initial)([1, 2, 3, 4]) == reduce_initial([1, 2, 3, 4])
    assert jit(reduce_initial)(np.arange(0)) == reduce_initial(np.arange(0)) == 3
    a = np.array([3.0, 9.0, -1.0, 4.0])
    assert jit(reduce_module)(a) == reduce_module(a)


def test_reduce_of_nothing_raises(kilnd):
    with pytest.raises(TypeError, match="reduce\\(\\) of empty iterable with no initial value"):
        jit(reduce_empty)(0)


def test_reduce_with_jitted_function(kilnd):
    add = jit(lambda x, y: x + y)

    def impl():
        return reduce(add, range(-10, 10))

    assert jit(impl)() == impl()


def zip_first_exhausted():
    it = iter(range(7))
    front = list(zip(range(3), it))  # zip stops at range(3)'s end without advancing `it`
    back = list(it)
    return front, back


def zip_shared_list(xs):
    it = iter(xs)
    pairs = []
    for a, b in zip(it, it):
        pairs.append(a * 10 + b)
    return pairs, next(it, -1)


def test_zip_advances_only_until_one_is_exhausted(kilnd):
    assert jit(zip_first_exhausted)() == zip_first_exhausted()
    assert jit(zip_shared_list)([1, 2, 3, 4, 5]) == zip_shared_list([1, 2, 3, 4, 5])
