"""pyrest (issue 9): a set of bytes passed in from Python (Numba's reflected
set, its items bytes), dicts whose values are typed Lists (shared
references, as Python and Numba), and the precise refusals around them:
a dict of Python lists, an empty typed List nothing types."""
import pytest

from kiln import jit, types
from kiln.errors import TypingError
from kiln.typed import List

# -- a set of bytes passed in --


def test_a_set_of_bytes_passed_in():
    def size(s):
        return len(s)

    def has(s, b):
        return b in s

    s = {b"a", b"bc", b"", b"\xff\x00"}
    assert jit(size)(s) == 4
    for b in (b"a", b"bc", b"", b"\xff\x00", b"b", b"\xff"):
        assert jit(has)(s, b) == (b in s)


def test_a_set_of_bytes_is_written_back():
    def add(s):
        s.add(b"new")
        s.discard(b"a")
        return len(s)

    s = {b"a", b"bc"}
    expected = set(s)
    n = add(expected)
    assert jit(add)(s) == n
    assert s == expected == {b"bc", b"new"}
    assert all(type(x) is bytes for x in s)


def test_a_set_of_bytes_iterated():
    def total(s):
        n = 0
        for b in s:
            n += len(b)
        return n

    assert jit(total)({b"ab", b"cde", b""}) == 5


def test_a_mixed_set_is_refused_at_the_call():
    def size(s):
        return len(s)

    with pytest.raises(TypeError):
        jit(size)({b"a", "b"})


# -- dicts holding typed Lists --

def grouped(n):
    d = {}
    for i in range(n):
        k = i % 3
        if k not in d:
            d[k] = List.empty_list(types.float64)
        d[k].append(float(i))  # through d[k]: the list d holds
    return d


def test_dict_of_typed_lists_shares_the_lists():
    r = jit(grouped)(8)
    expected = grouped(8)
    assert set(r) == set(expected)
    for k in expected:
        assert list(r[k]) == list(expected[k])
        assert repr(r[k]).startswith("ListType[float64]")


def test_a_list_taken_from_a_dict_is_the_dicts():
    def f(n):
        d = {}
        d[1] = List.empty_list(types.int64)
        x = d[1]
        for i in range(n):
            x.append(i)
        y = d[1]
        y.append(100)
        return len(d[1]), x[len(x) - 1], d

    n, last, d = jit(f)(3)
    assert (n, last) == (4, 100)
    assert list(d[1]) == [0, 1, 2, 100]


def test_replacing_a_list_value_drops_the_old_one():
    def f(n):
        d = {}
        total = 0
        for i in range(n):
            lst = List.empty_list(types.int64)
            lst.append(i)
            d[0] = lst
            total += d[0][0]
        return total, len(d[0])

    assert jit(f)(1000) == f(1000)


def test_a_dict_of_python_lists_is_refused_precisely():
    def f(n):
        d = {}
        d[0] = [float(n)]
        return d

    with pytest.raises(TypingError, match="a dict holds typed Lists, not Python lists"):
        jit(f)(3)

    def g(n):
        d = {}
        d.setdefault(0, []).append(n)
        return d

    with pytest.raises(TypingError, match="a dict holds typed Lists"):
        jit(g)(3)


def test_an_empty_typed_list_says_how_to_type_it():
    def f():
        return List()

    with pytest.raises(TypingError, match=r"ListType\[undefined\].*List.empty_list\(int64\)"):
        jit(f)()


def test_dict_of_lists_frees_what_it_held():
    import gc

    import kiln

    def f(n):
        d = {}
        for i in range(n):
            k = i % 4
            if k not in d:
                d[k] = List.empty_list(types.int64)
            d[k].append(i)
            if i % 7 == 0:
                d[k] = List.empty_list(types.int64)  # the old list goes
        t = 0
        for k in d:
            t += len(d[k])
        return t

    g = jit(f)
    g(10)
    gc.collect()
    before = kiln.live_allocations()
    made = kiln.runtime_stats()["total_allocations"]
    for _ in range(20):
        assert g(100) == f(100)
    gc.collect()
    assert kiln.runtime_stats()["total_allocations"] > made + 20 * 4  # the lists are counted blocks
    assert kiln.live_allocations() == before

    r = jit(grouped)(10)
    del r
    gc.collect()
    assert kiln.live_allocations() == before
