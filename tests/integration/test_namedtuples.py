"""namedtuples (issue 9 part 4): collections.namedtuple and typing.NamedTuple
instances passed in, built in compiled code (positional and keyword
arguments), read by field, index, unpacking and iteration, compared as
tuples, and returned to Python as instances of the same class; each result
is compared with plain Python on the same inputs."""
import collections
import typing

import numpy as np
import pytest

import kiln
from kiln import jit
from kiln.errors import TypingError

Point = collections.namedtuple("Point", ["x", "y"])
Point3 = collections.namedtuple("Point3", "x y z")
Other = collections.namedtuple("Other", ["x", "y"])


class Pair(typing.NamedTuple):
    first: int
    second: float


def getattr_sum(p):
    return p.x + p.y


def index_items(p):
    return p[0] * 10 + p[-1]


def unpack(p):
    a, b, c = p
    return a - b + c


def iterate(p):
    s = 0
    for v in p:
        s += v
    return s


def length(p):
    return len(p)


def identity(p):
    return p


def make(a, b):
    return Point(a, b)


def make_kws(a, b):
    return Point(y=b, x=a)


def make_mixed(a, b, c):
    return Point3(a, z=c, y=b)


def make_pair(a, b):
    return Pair(a, b)


def swap(p):
    return Point(p.y, p.x)


def compare(p, q):
    return (p == q, p != q, p < q, p <= q, p > q, p >= q)


def nested_array(n):
    return Point(np.arange(n), n)


def branch(flag, a):
    if flag:
        r = Point(a, 1)
    else:
        r = Point(2, a)
    return r


def replace_one(p, v):
    return p._replace(y=v)


def replace_all(p):
    return p._replace(z=p.x, x=p.z)


def type_call(p, a, b):
    return type(p)(a, b)


def check(pyfunc, *args):
    expected = pyfunc(*args)
    got = jit(pyfunc)(*args)
    assert type(got) is type(expected)
    assert got == expected
    return got


@pytest.mark.parametrize("p", [Point(1, 2), Point(1.5, 2), Point(3, -4.25)])
def test_getattr(p):
    check(getattr_sum, p)


def test_index_unpack_iter_len():
    check(index_items, Point(3, 4))
    check(unpack, Point3(1, 2.5, 3))
    check(iterate, Point3(1, 2, 3))
    check(length, Point3(1, 2, 3))
    check(length, Point(1, 2.0))


def test_returned_as_the_class():
    got = check(identity, Point(1, 2))
    assert got.x == 1 and got.y == 2
    got = check(identity, Pair(1, 2.5))
    assert got.first == 1 and got.second == 2.5
    # A plain tuple of the same shape is its own overload, returned as a tuple.
    assert type(jit(identity)((1, 2))) is tuple


def test_class_is_part_of_the_type():
    f = jit(identity)
    assert type(f(Point(1, 2))) is Point
    assert type(f(Other(1, 2))) is Other
    assert type(f((1, 2))) is tuple
    assert kiln.typeof(Point(1, 2)) != kiln.typeof(Other(1, 2))


def test_construct():
    check(make, 1, 2)
    check(make, 1.5, 2)
    check(make_kws, 1, 2.5)
    check(make_mixed, 1, 2, 3.5)
    check(make_pair, 3, 4.5)
    check(swap, Point(1, 2.5))
    check(branch, True, 5)
    check(branch, False, 5)


def test_replace():
    check(replace_one, Point(1, 2), 5)
    check(replace_one, Point(1, 2), 5.5)
    check(replace_all, Point3(1, 2, 3.5))


def test_type():
    check(type_call, Point(1, 2), 3.5, 4)
    check(type_call, Other(1, 2), 3, 4)


def test_compare():
    for a, b in [((4, 5), (4, 5)), ((4, 5), (4, 6)), ((4, 6), (4, 5)), ((4, 5), (5, 4))]:
        check(compare, Point(*a), Point(*b))


def array_field(p):
    return p.x


def array_field_sum(p):
    a, n = p
    return p.x.sum() + a[0] + n


def test_holds_an_array():
    before = kiln.live_allocations()
    got = jit(nested_array)(4)
    assert type(got) is Point
    np.testing.assert_array_equal(got.x, np.arange(4))
    assert got.y == 4
    a = np.arange(3.0)
    p = Point(a, 2)
    assert jit(array_field)(p) is not None
    np.testing.assert_array_equal(jit(array_field)(p), a)
    assert jit(array_field_sum)(p) == array_field_sum(p)
    del got
    assert kiln.live_allocations() == before


def unknown_field(p):
    return p.w


def missing_argument(a):
    return Point(a)


def unknown_keyword(a):
    return Point(a, w=a)


def test_refusals():
    with pytest.raises(TypingError, match=r"Unknown attribute 'w' of type Point\(int64 x 2\)"):
        jit(unknown_field)(Point(1, 2))
    with pytest.raises(TypingError, match="missing required argument 'y'"):
        jit(missing_argument)(1)
    with pytest.raises(TypingError, match="unexpected keyword argument 'w'"):
        jit(unknown_keyword)(1)
