"""Generator functions used by compiled callers (issue 9 part 6): for loops,
list(), next(), enumerate/zip over them, generators calling generators,
early return, arguments and locals (arrays, lists) kept across yields.
Each result is compared with plain Python on the same arguments."""

import numpy as np
import pytest

from kiln import jit, register_jitable
from kiln.errors import TypingError, UnsupportedError


@register_jitable
def squares(n):
    for i in range(n):
        yield i * i


@register_jitable
def fibonacci(n):
    a, b = 0, 1
    for _ in range(n):
        yield a
        a, b = b, a + b


@register_jitable
def positives(a):
    for x in a:
        if x > 0:
            yield x


@register_jitable
def until_negative(a):
    i = 0
    while True:
        if i >= a.shape[0] or a[i] < 0:
            return
        yield a[i] * 2.0
        i += 1


@register_jitable
def several(n):
    yield n
    yield n + 1.5  # the yield type widens to float64
    for k in range(n):
        yield k
    yield -1


@register_jitable
def with_list(n):
    acc = []
    for i in range(n):
        acc.append(i * 3)
        yield len(acc), acc[-1]
    total = 0
    for v in acc:
        total += v
    yield total, -1


@register_jitable
def pairs(n):  # a generator calling a generator
    for s in squares(n):
        yield s, s + 1


def consume(n):
    total = 0
    count = 0
    for v in squares(n):
        total += v
        count += 1
    return total, count


def consume_fib(n):
    out = []
    for v in fibonacci(n):
        out.append(v)
    return out


def consume_array(a):
    s = 0.0
    for x in positives(a):
        s += x
    t = 0.0
    for y in until_negative(a):
        t += y
    return s, t


def consume_several(n):
    out = []
    for v in several(n):
        out.append(v)
    return out


def consume_list(n):
    out = []
    for v in with_list(n):
        out.append(v)
    return out


def consume_pairs(n):
    out = []
    for p in pairs(n):
        out.append(p)
    return out


def as_list(n):
    return list(squares(n))


def stepping(n):
    g = squares(n)
    a = next(g)
    b = next(g)
    rest = 0
    for x in g:  # the loop goes on from the third item
        rest += x
    return a, b, rest, next(g, -7)


def stop_iteration(n):
    g = squares(n)
    total = 0
    for _ in range(n + 1):
        total += next(g)
    return total


def catch_stop(n):
    g = fibonacci(n)
    count = 0
    try:
        while True:
            next(g)
            count += 1
    except StopIteration:
        pass
    return count


def enumerated(n):
    out = []
    for i, v in enumerate(squares(n)):
        out.append((i, v))
    return out


def zipped(n):
    out = []
    for a, b in zip(squares(n), fibonacci(n + 3)):
        out.append(a + b)
    return out


def dropped_early(a):
    # A generator left suspended (its locals alive) is destroyed with them.
    g = with_list(5)
    first = next(g)
    h = positives(a)
    return first, next(h)


@register_jitable
def raising(n):
    for i in range(n):
        if i == 2:
            raise ValueError("two")
        yield i


def consume_raising(n):
    total = 0
    for v in raising(n):
        total += v
    return total


@pytest.mark.parametrize("f, args", [
    (consume, (10,)), (consume, (0,)), (consume_fib, (12,)), (consume_several, (3,)), (consume_list, (4,)),
    (consume_pairs, (5,)), (as_list, (6,)), (stepping, (6,)), (catch_stop, (9,)), (enumerated, (4,)),
    (zipped, (5,)), (consume_raising, (2,)),
])
def test_matches_python(kilnd, f, args):
    assert jit(f)(*args) == f(*args)


def test_array_arguments(kilnd):
    a = np.array([1.0, -2.0, 3.0, 0.0, 4.5])
    assert jit(consume_array)(a) == consume_array(a)
    b = np.array([1.0, 2.0])
    assert jit(consume_array)(b) == consume_array(b)
    assert jit(dropped_early)(a) == dropped_early(a)


def test_stop_iteration_reaches_python(kilnd):
    with pytest.raises(StopIteration):
        jit(stop_iteration)(3)


def test_error_in_a_generator_propagates(kilnd):
    with pytest.raises(ValueError, match="two"):
        jit(consume_raising)(5)


def test_returned_to_python(kilnd):  # genpy: more in test_generators_python.py
    assert list(jit(squares)(4)) == [0, 1, 4, 9]


@register_jitable
def yields_array(n):
    yield np.zeros(n)


def consume_arrays(n):
    s = 0.0
    for a in yields_array(n):
        s += a.sum()
    return s


@register_jitable
def returns_value(n):
    yield n
    return n


def consume_returns_value(n):
    s = 0
    for v in returns_value(n):
        s += v
    return s


@register_jitable
def yields_list(n):
    yield [n]


def consume_lists(n):
    s = 0
    for a in yields_list(n):
        s += a[0]
    return s


def test_array_items(kilnd):  # genpy: items holding references (more in test_generators_python.py)
    assert jit(consume_arrays)(3) == consume_arrays(3)


def test_refusals(kilnd):
    with pytest.raises(UnsupportedError, match="yielding a value of type list\\(int64\\)"):
        jit(consume_lists)(3)
    with pytest.raises(UnsupportedError, match="'return' with a value in a generator"):
        jit(consume_returns_value)(3)


@register_jitable
def stops_inside(n):
    g = squares(n)
    while True:
        yield next(g)  # its StopIteration leaves the body: a RuntimeError (PEP 479)


def consume_stops_inside(n):
    total = 0
    try:
        for v in stops_inside(n):
            total += v
    except StopIteration:
        return -1
    return total


def test_stop_iteration_leaving_a_generator_is_runtime_error(kilnd):
    with pytest.raises(RuntimeError, match="generator raised StopIteration"):
        consume_stops_inside(3)
    with pytest.raises(RuntimeError, match="generator raised StopIteration"):
        jit(consume_stops_inside)(3)

# map and filter: library generator functions (kiln/library/builtin_functions.py)

add10 = jit(lambda x: x + 10)
positive = jit(lambda x: x > 0)


def map_external():
    return [y for y in map(add10, range(10))]


def map_lambda():
    return [y for y in map(lambda x: x * 0.5, range(5))]


def map_two(n):
    return [y for y in map(lambda a, b: (a + 10, b + 5), range(n), range(10, 20))]


def filter_external():
    return [y for y in filter(positive, range(-10, 10))]


def filter_none(a):
    return [y for y in filter(None, a)]


def filter_lambda(a):
    out = 0.0
    for y in filter(lambda x: x > 0, a):
        out += y
    return out


def lazy_map(a):
    # map is lazy: each item is computed when the loop asks for it.
    out = []
    for y in map(lambda i: a[i], range(a.shape[0])):
        a[0] += 1.0
        out.append(y)
    return out


@pytest.mark.parametrize("f, args", [
    (map_external, ()), (map_lambda, ()), (map_two, (4,)), (map_two, (15,)), (filter_external, ()),
    (filter_none, (np.array([0, 3, 0, -1]),)), (filter_lambda, (np.array([1.5, -2.0, 3.0]),)),
])
def test_map_filter(kilnd, f, args):
    assert jit(f)(*args) == f(*args)


def test_map_is_lazy(kilnd):
    a, b = np.arange(4.0), np.arange(4.0)
    assert jit(lazy_map)(a) == lazy_map(b)
    assert a.tolist() == b.tolist()
