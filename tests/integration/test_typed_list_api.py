"""kiln.typed.List from compiled code and Numba's typed List API (issue 9,
part 1): a typed List made by compiled code arrives as a kiln.typed.List of
its item type (a plain list stays a list), and the List API matches plain
Python's list where Numba's does, and Numba's where it differs
(docs/python-subset.md, "Typed List")."""
import numpy as np
import pytest

from kiln import jit, types
from kiln.errors import TypingError
from kiln.typed import Dict, List


def is_typed(x, item_type):
    return type(x) is List and x.item_type == item_type


# --- made in compiled code, returned -----------------------------------------


def made_empty_then_appended(n):
    x = List()
    for i in range(n):
        x.append(i * 3)
    return x


def made_from_iterable(n):
    return List(range(n))


def made_from_list_literal():
    return List([1.5, 2.5])


def plain_lists(n):
    a = [i for i in range(n)]
    b = list(range(n))
    return a, b


def made_empty_list_float():
    x = List.empty_list(types.float64)
    x.append(1)
    return x


def test_typed_list_made_in_compiled_code_arrives_typed(kilnd):
    got = jit(made_empty_then_appended)(4)
    assert is_typed(got, "int64") and got == [0, 3, 6, 9]
    assert repr(got) == "ListType[int64]([0, 3, 6, 9])"
    got = jit(made_from_iterable)(3)
    assert is_typed(got, "int64") and got == [0, 1, 2]
    got = jit(made_from_list_literal)()
    assert is_typed(got, "float64") and got == [1.5, 2.5]
    empty = jit(made_from_iterable)(0)
    assert is_typed(empty, "int64") and empty == []  # the item type survives an empty list
    a, b = jit(plain_lists)(3)
    assert type(a) is list and type(b) is list and a == b == [0, 1, 2]


def test_empty_list_in_compiled_code(kilnd):
    got = jit(made_empty_list_float)()
    assert is_typed(got, "float64") and got == [1.0] and isinstance(got[0], float)


def nested(n):
    outer = List()
    for i in range(n):
        inner = List()
        for j in range(i):
            inner.append(j)
        outer.append(inner)
    return outer


def in_tuple(n):
    return List(range(n)), [n], n


def copied_and_sliced(n):
    x = List(range(n))
    return x.copy(), x[1:], list(x), sorted(x)


def test_nested_typed_lists(kilnd):
    got = jit(nested)(3)
    assert is_typed(got, "ListType[int64]") and got == [[], [0], [0, 1]]
    assert all(is_typed(x, "int64") for x in got)
    a, b, c = jit(in_tuple)(2)
    assert is_typed(a, "int64") and type(b) is list and b == [2] and c == 2
    cp, sl, pl, so = jit(copied_and_sliced)(4)
    assert is_typed(cp, "int64") and cp == [0, 1, 2, 3]
    assert is_typed(sl, "int64") and sl == [1, 2, 3]
    assert type(pl) is list and type(so) is list and pl == so == [0, 1, 2, 3]


def typed_dict_of_lists(n):
    d = Dict()
    for i in range(n):
        d[i] = List(range(i))
    return d


def test_dict_of_typed_lists(kilnd):
    # pyrest: a dict's values may be typed Lists (as Numba); each value is
    # the List compiled code made (tests/integration/test_pyrest_containers.py).
    r = jit(typed_dict_of_lists)(4)
    assert {k: list(v) for k, v in r.items()} == {0: [], 1: [0], 2: [0, 1], 3: [0, 1, 2]}
    assert all(repr(v).startswith("ListType[int64]") for v in r.values())


def passed_in_copy(lst):
    return lst.copy()


def passed_in(lst):
    lst.append(10)
    return lst


def test_typed_list_argument_is_listtype(kilnd):
    import kiln
    lst = List([1, 2])
    assert kiln.typeof(lst) == "ListType[int64]" and kiln.typeof([1, 2]) == "reflected list(int64)"
    got = jit(passed_in_copy)(lst)
    assert is_typed(got, "int64") and got == [1, 2] and got is not lst
    assert jit(passed_in)(lst) is lst and lst == [1, 2, 10]
    assert type(jit(passed_in_copy)([1, 2])) is list  # a plain list's copy is a list


def mixes_typed_and_plain(c):
    x = List() if c else [1]
    x.append(2)
    return x


def wrong_item_in_compiled_code():
    x = List()
    x.append(1)
    x.append(1.5)
    return x


def narrowing_store(n):
    x = List.empty_list(types.int32)
    for i in range(n):
        x.append(i)  # int64 into an int32 List: converted, as Numba does
    y = List.empty_list(types.float64)
    y.append(1)  # int into a float List: 1.0
    return x, y


def test_stores_convert_to_the_item_type(kilnd):
    x, y = jit(narrowing_store)(3)
    assert is_typed(x, "int32") and x == [0, 1, 2]
    assert is_typed(y, "float64") and y == [1.0] and type(y[0]) is float


def list_kwargs():
    return List(x=1)


def test_refusals_in_compiled_code(kilnd):
    # Numba's ListType and reflected list do not unify: refused, never a guess
    # at which one Python gets back.
    with pytest.raises(TypingError):
        jit(mixes_typed_and_plain)(True)
    with pytest.raises(TypingError, match="cannot safely cast float64 to int64"):
        jit(wrong_item_in_compiled_code)()
    with pytest.raises(TypingError, match="takes no keyword arguments"):
        jit(list_kwargs)()


# --- methods, in compiled code, against plain Python -------------------------


def methods(n):
    x = List(range(n))
    x.insert(0, 100)
    x.extend((7, 8))
    p = x.pop()
    p0 = x.pop(0)
    x.remove(7)
    i = x.index(2)
    c = x.count(1)
    x.reverse()
    has = 3 in x
    x[0] = 42
    del x[1]
    n2 = len(x)
    s = 0
    for v in x:
        s += v
    x.sort()
    y = x.copy()
    y.sort(reverse=True)
    eq = x == y
    lt = x < y
    y.clear()
    return x, y, p, p0, i, c, has, n2, s, eq, lt


def test_methods_in_compiled_code_match_python(kilnd):
    for n in (4, 6):
        got = jit(methods)(n)
        want = methods(n)
        assert got == want
        assert is_typed(got[0], "int64") and is_typed(got[1], "int64")


# --- the Python side ----------------------------------------------------------


def test_python_side_api():
    lst = List.empty_list(types.float64, 10)
    assert lst.item_type == "float64" and repr(lst) == "ListType[float64]([])"
    lst.append(1)
    lst.extend([2, 3.5])
    lst.insert(0, True)
    lst[1] = 7
    assert lst == [1.0, 7.0, 2.0, 3.5] and all(type(v) is float for v in lst)
    assert is_typed(lst[1:3], "float64") and lst[1:3] == [7.0, 2.0]
    assert is_typed(lst.copy(), "float64")
    assert lst.index(2.0) == 2 and lst.count(7.0) == 1 and 3.5 in lst
    lst.sort(reverse=True)
    assert lst == [7.0, 3.5, 2.0, 1.0]
    assert lst.pop() == 1.0 and len(lst) == 3
    del lst[0]
    assert lst == [3.5, 2.0]
    lst.clear()
    assert lst == [] and lst.item_type == "float64"


def test_python_side_refusals():
    ints = List([1, 2])
    assert ints.item_type == "int64"
    with pytest.raises(TypingError, match=r"cannot store float into ListType\[int64\]"):
        ints.append(1.5)
    with pytest.raises(TypingError):
        ints[0] = "a"
    with pytest.raises(TypingError):
        List([1, "a"])
    assert ints == [1, 2]
    narrow = List.empty_list(types.int8)
    with pytest.raises(OverflowError):  # Numba wraps it (with a warning); Kiln refuses
        narrow.append(300)
    with pytest.raises(TypeError, match="List\\(\\) argument must be iterable"):
        List(1)
    with pytest.raises(TypeError, match="takes no keyword arguments"):
        List([1], x=1)
    assert repr(List()) == "ListType[Undefined]([])"


def test_numba_type_when_numba_is_imported():
    import numba
    lst = List([1, 2])
    # numba.typeof of a list subclass is Numba's reflected list (its typeof
    # dispatches on list first); _numba_type_ is Numba's ListType.
    assert lst._numba_type_ == numba.types.ListType(numba.types.int64)
    assert str(List.empty_list(types.int8)._numba_type_) == "ListType[int8]"
