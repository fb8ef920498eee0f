"""tdarrays (issue 9, part 2): a kiln.typed.Dict made from Python holding
arrays, shared with compiled code without copying. Every check compares with
a plain Python dict of arrays as the oracle (which aliases the arrays it
holds, as Numba's typed Dict does); the leak checks count the runtime's live
blocks and the stored arrays' reference counts (the table holds each array
stored from Python through a block that owns it)."""
import gc
import random
import sys
import weakref

import numpy as np
import pytest

import kiln
from kiln import jit, types
from kiln.typed import Dict

pytestmark = pytest.mark.usefixtures("kilnd")


def same(d, want):
    """d holds exactly want's items, in want's order, each the same array."""
    assert len(d) == len(want)
    assert list(d) == list(want) and list(d.keys()) == list(want.keys())
    for (k, v), (wk, wv) in zip(d.items(), want.items()):
        assert k == wk and v is wv
    for v, wv in zip(d.values(), want.values()):
        assert v is wv
    for k, v in want.items():
        assert k in d and d[k] is v and d.get(k) is v
    assert repr(d) == repr(want)


def test_array_values_from_python():
    before = kiln.live_allocations()
    d = Dict.empty(types.int64, types.float64[:])
    want = {}
    arrays = [np.arange(float(i)) for i in range(6)] + [np.linspace(0, 1, 7)[::3]]  # a strided view too
    for i, a in enumerate(arrays):
        d[i] = a
        want[i] = a
    same(d, want)
    assert (d.key_type, d.value_type) == ("int64", "array(float64, 1d, A)")
    assert kiln.typeof(d) == "DictType[int64, array(float64, 1d, A)]"
    d[2] = want[2] = np.ones(3)  # overwrite: the key keeps its place
    del d[4]
    del want[4]
    assert d.pop(1) is want.pop(1)
    assert d.pop(99, None) is None
    assert d.get(99) is None
    z = np.zeros(2)
    assert d.setdefault(50, z) is want.setdefault(50, z) is z
    assert d.setdefault(0, z) is want.setdefault(0, z) is arrays[0]
    extra = {60: np.full(2, 6.0), 61: np.full(1, 7.0)}
    d.update(extra)
    want.update(extra)
    same(d, want)
    k, v = d.popitem()
    assert (k, v) == (61, want[61]) and v is want.pop(61)
    c = d.copy()  # a shallow copy, as Python's: the same arrays
    assert isinstance(c, Dict) and c.value_type == d.value_type
    same(c, want)
    c[70] = np.ones(1)
    assert 70 not in d
    with pytest.raises(KeyError) as e:
        d[1]
    assert e.value.args == (1,)
    d.clear()
    assert len(d) == 0 and list(d.items()) == [] and 0 not in d
    del d, c, e, want, arrays, extra, k, v, z
    assert kiln.live_allocations() == before


@pytest.mark.parametrize("value_type,make", [
    (types.int64[:, :], lambda i: np.arange(6 * i, dtype=np.int64).reshape(2, 3 * i)),
    (types.float32[::1], lambda i: np.arange(i, dtype=np.float32)),
    (types.complex128[:], lambda i: np.arange(i) * (1 + 2j)),
    (types.uint8[:, :, :], lambda i: np.zeros((i, 2, 1), dtype=np.uint8)),
    (types.bool_[:], lambda i: np.arange(i) % 2 == 0),
])
def test_other_dtypes_and_dimensions(value_type, make):
    before = kiln.live_allocations()
    d = Dict.empty(types.int64, value_type)
    want = {i: make(i) for i in range(1, 5)}
    for k, v in want.items():
        d[k] = v
    same(d, want)

    @jit
    def total(d):
        t = 0.0
        for v in d.values():
            t += v.sum().real
        return t

    assert total(d) == pytest.approx(sum(float(np.real(v.sum())) for v in want.values()))
    del d
    assert kiln.live_allocations() == before


def test_str_keys_and_untyped_dict():
    before = kiln.live_allocations()
    d = Dict.empty(types.unicode_type, types.float64[:])
    want = {}
    for w in ["a", "日本", "🙂", ""]:
        d[w] = want[w] = np.arange(len(w) + 1.0)
    same(d, want)
    u = Dict()  # typed by its first store: kiln.typeof of an ndarray
    u[1] = np.ones(2)
    assert u.value_type == "array(float64, 1d, C)"
    with pytest.raises(TypeError, match=r"expected array\(float64, 1d, C\), got array\(float64, 1d, A\)"):
        u[2] = np.ones(4)[::2]

    @jit
    def lookup(d, s):
        return d[s + "本"].sum()

    assert lookup(d, "日") == want["日本"].sum() == 3.0
    del d, u, want
    assert kiln.live_allocations() == before


def test_wrong_arrays_are_type_errors():
    d = Dict.empty(types.int64, types.float64[:])
    d[0] = keep = np.ones(2)
    # Numba fails an int array into a float64[:] dict with an LLVM type
    # mismatch; no conversion is made (it would copy): a TypeError naming both.
    with pytest.raises(TypeError, match=r"expected array\(float64, 1d, A\), got array\(int64, 1d, C\)"):
        d[1] = np.arange(3)
    with pytest.raises(TypeError, match=r"expected array\(float64, 1d, A\), got array\(float64, 2d, C\)"):
        d[1] = np.ones((2, 2))
    with pytest.raises(TypeError, match=r"expected array\(float64, 1d, A\), got array\(float32, 1d, C\)"):
        d[0] = np.ones(2, dtype=np.float32)  # a failed overwrite keeps the old value
    with pytest.raises(TypeError, match=r"expected array\(float64, 1d, A\), got reflected list\(float64\)"):
        d[1] = [1.0, 2.0]
    with pytest.raises(TypeError, match=r"expected array\(float64, 1d, A\), got float"):
        d[1] = 1.0
    ro = np.ones(2)
    ro.flags.writeable = False  # compiled code may write through the dict
    with pytest.raises(TypeError, match=r"got readonly array\(float64, 1d, C\)"):
        d[1] = ro
    assert list(d) == [0] and d[0] is keep
    c = Dict.empty(types.int64, types.float64[::1])  # Numba: an AssertionError for a strided view
    with pytest.raises(TypeError, match=r"expected array\(float64, 1d, C\), got array\(float64, 1d, A\)"):
        c[0] = np.arange(6.0)[::2]
    c[0] = np.arange(3.0)
    assert c[0].flags.c_contiguous
    with pytest.raises(TypeError, match="numbers, strings and tuples of them"):
        Dict.empty(types.float64[:], types.int64)  # an array key: unhashable


def test_aliasing_and_lifetime():
    gc.collect()  # garbage an earlier test left is not this test's to count
    before = kiln.live_allocations()
    d = Dict.empty(types.int64, types.float64[:])
    a = np.arange(4.0)
    base = sys.getrefcount(a)
    d[1] = a
    assert sys.getrefcount(a) == base + 1  # the table's reference
    assert d[1] is a
    d[1][0] = 10.0  # a write through d[k] is the array's
    assert a[0] == 10.0

    @jit
    def bump(d, k):
        d[k][1] += 5.0
        return d[k][0]

    assert bump(d, 1) == 10.0 and a[1] == 6.0  # compiled code sees and writes the same memory
    assert sys.getrefcount(a) == base + 1
    ref = weakref.ref(a)
    del a
    gc.collect()
    assert ref() is not None and d[1].tolist() == [10.0, 6.0, 2.0, 3.0]  # the table keeps it alive
    d[1] = np.zeros(1)  # overwritten: released
    gc.collect()
    assert ref() is None
    for op in ["del", "pop", "popitem", "clear", "drop"]:
        b = np.ones(3)
        base = sys.getrefcount(b)
        d[2] = b
        assert sys.getrefcount(b) == base + 1
        if op == "del":
            del d[2]
        elif op == "pop":
            assert d.pop(2) is b
        elif op == "popitem":
            k, v = d.popitem()
            assert k == 2 and v is b
            del k, v
        elif op == "clear":
            d.clear()
        else:
            del d
            gc.collect()
            d = Dict.empty(types.int64, types.float64[:])
        assert sys.getrefcount(b) == base, op
    del d
    assert kiln.live_allocations() == before


def fill(d, n):
    for i in range(n):
        d[i] = np.full(i + 1, i * 1.5)


def scale_all(d, x):
    for k in d:
        v = d[k]
        for i in range(v.shape[0]):
            v[i] *= x


def total(d):
    t = 0.0
    for k, v in d.items():
        t += k * v.sum()
    return t


def store_args(d, k, a):
    d[k] = a  # an argument's array: the table keeps the argument alive
    d[k + 1] = a[1:]  # and a view of it


def delete_some(d, n):
    for i in range(0, n, 2):
        if i in d:
            del d[i]
    return len(d)


def pop_one(d, k):
    return d.pop(k)


def make(n):
    out = Dict.empty(types.int64, types.float64[:])
    for i in range(n):
        out[i] = np.arange(i * 1.0)
    return out


def test_passed_to_and_returned_from_compiled_code():
    before = kiln.live_allocations()
    d = Dict.empty(types.int64, types.float64[:])
    want = {}
    jit(fill)(d, 5)
    fill(want, 5)
    for k in want:  # arrays compiled code made, seen from Python
        np.testing.assert_array_equal(d[k], want[k])
    jit(scale_all)(d, 2.0)
    scale_all(want, 2.0)
    assert jit(total)(d) == total(want) == total(d)
    a = np.arange(3.0)
    jit(store_args)(d, 10, a)
    store_args(want, 10, a)
    assert d[10] is a and np.shares_memory(d[11], a)
    a[1] = 42.0  # the argument's memory, shared
    assert d[11][0] == want[11][0] == 42.0
    ref = weakref.ref(a)
    del a
    gc.collect()
    assert ref() is not None and d[11].tolist() == [42.0, 2.0]
    assert jit(delete_some)(d, 12) == delete_some(want, 12)
    assert list(d) == list(want)
    p = jit(pop_one)(d, 11)
    assert p.tolist() == pop_one(want, 11).tolist() == [42.0, 2.0]
    del p
    gc.collect()
    assert ref() is None  # popped in compiled code, dropped in Python: released
    m = jit(make)(4)  # a dict of arrays compiled code made: a typed Dict over its table
    assert isinstance(m, Dict) and m.value_type == "array(float64, 1d, A)"
    assert [v.tolist() for v in m.values()] == [v.tolist() for v in make(4).values()]
    m[9] = np.ones(2)  # Python and compiled code share it
    assert jit(total)(m) == 0 * 0 + 1 * 0 + 2 * 1 + 3 * 3 + 9 * 2
    del d, m, want
    assert kiln.live_allocations() == before


def test_returned_dict_holding_arguments():
    before = kiln.live_allocations()

    @jit
    def wrap(a):
        return {0: a, 1: a[::2]}

    a = np.arange(5.0)
    base = sys.getrefcount(a)
    r = wrap(a)
    assert isinstance(r, Dict) and r[0] is a and np.shares_memory(r[1], a)
    ref = weakref.ref(a)
    del a
    gc.collect()
    assert ref() is not None and r[1].tolist() == [0.0, 2.0, 4.0]
    del r
    gc.collect()
    assert ref() is None
    assert base > 0 and kiln.live_allocations() == before


def test_churn_from_both_sides_leaks_nothing():
    before = kiln.live_allocations()
    rng = random.Random(9)
    d = Dict.empty(types.int64, types.float64[:])
    want = {}
    put, drop, bump = jit(store_args), jit(delete_some), jit(scale_all)
    arrays = [np.full(rng.randint(1, 4), float(i)) for i in range(20)]
    bases = [sys.getrefcount(a) for a in arrays]
    a = None
    for step in range(400):
        k = rng.randrange(12)
        op = rng.randrange(6)
        if op == 0:
            a = arrays[rng.randrange(len(arrays))]
            d[k] = want[k] = a
        elif op == 1:
            a = arrays[rng.randrange(len(arrays))]
            put(d, k, a)
            store_args(want, k, a)
        elif op == 2 and k in want:
            del d[k]
            del want[k]
        elif op == 3:
            assert drop(d, 12) == delete_some(want, 12)
        elif op == 4 and want:
            assert d.popitem()[0] == want.popitem()[0]
        elif op == 5 and step % 50 == 0:
            d.clear()
            want.clear()
        assert list(d) == list(want)
    for k, v in want.items():  # the arrays themselves, views of them, or (no elements to share) empty copies
        got = d[k]
        assert got is v or (np.shares_memory(got, v) or v.size == 0) and got.tolist() == v.tolist()
    bump(d, 1.0)
    del d, want, got, a, v  # the loops' own references
    gc.collect()
    assert [sys.getrefcount(a) for a in arrays] == bases
    assert kiln.live_allocations() == before


def test_tuple_values_holding_arrays():
    before = kiln.live_allocations()
    d = Dict.empty(types.int64, types.Tuple((types.int64, types.float64[:])))
    a = np.arange(3.0)
    base = sys.getrefcount(a)
    d[1] = (7, a)
    assert sys.getrefcount(a) == base + 1
    assert d[1][0] == 7 and d[1][1] is a

    @jit
    def second_sum(d, k):
        return d[k][1].sum() + d[k][0]

    assert second_sum(d, 1) == 10.0
    with pytest.raises(TypeError):
        d[2] = (1, np.arange(3))
    del d[1]
    assert sys.getrefcount(a) == base
    del d
    assert kiln.live_allocations() == before


def test_a_typed_dict_inside_a_tuple_argument_adopts_too():
    before = kiln.live_allocations()

    @jit
    def put_in(pair, a):
        pair[0][pair[1]] = a

    d = Dict.empty(types.int64, types.float64[:])
    a = np.arange(3.0)
    put_in((d, 4), a)
    assert d[4] is a
    ref = weakref.ref(a)
    del a
    gc.collect()
    assert ref() is not None and d[4].tolist() == [0.0, 1.0, 2.0]
    del d
    gc.collect()
    assert ref() is None and kiln.live_allocations() == before


def test_compiled_code_without_the_gil_releases_python_arrays():
    before = kiln.live_allocations()

    @jit(nogil=True)
    def replace_and_delete(d, n):
        for i in range(n):
            d[i] = np.zeros(1)  # drops the ndarray stored from Python: its block takes the GIL
        del d[0]
        return len(d)

    d = Dict.empty(types.int64, types.float64[:])
    arrays = [np.ones(2) for _ in range(4)]
    bases = [sys.getrefcount(a) for a in arrays]
    for i, a in enumerate(arrays):
        d[i] = a
    del a
    assert replace_and_delete(d, 4) == 3
    assert [sys.getrefcount(a) for a in arrays] == bases
    assert [v.tolist() for v in d.values()] == [[0.0]] * 3
    del d
    assert kiln.live_allocations() == before


def test_arguments_stored_before_a_raise_and_from_a_list_are_adopted():
    before = kiln.live_allocations()

    @jit
    def store_then_raise(d, a):
        d[1] = a
        raise ValueError("after the store")

    @jit
    def store_from_list(d, arrays):
        for i in range(len(arrays)):
            d[10 + i] = arrays[i][1:]

    d = Dict.empty(types.int64, types.float64[:])
    a = np.arange(3.0)
    with pytest.raises(ValueError, match="after the store"):
        store_then_raise(d, a)
    items = [np.full(3, 1.0), np.full(3, 2.0)]
    store_from_list(d, items)
    refs = [weakref.ref(x) for x in [a] + items]
    assert d[1] is a and [d[10].tolist(), d[11].tolist()] == [[1.0, 1.0], [2.0, 2.0]]
    del a, items
    gc.collect()
    assert all(r() is not None for r in refs)  # the table keeps what compiled code stored
    assert d[1].tolist() == [0.0, 1.0, 2.0] and d[11].tolist() == [2.0, 2.0]
    del d
    gc.collect()
    assert all(r() is None for r in refs) and kiln.live_allocations() == before


def test_a_dict_inside_a_list_argument_adopts_what_compiled_code_stored():
    before = kiln.live_allocations()

    @jit
    def store_through_list(dicts, a):
        dicts[0][1] = a
        dicts[1][2] = a[::2]

    ds = [Dict.empty(types.int64, types.float64[:]), Dict.empty(types.int64, types.float64[:])]
    a = np.arange(6.0)
    ref = weakref.ref(a)
    store_through_list(ds, a)
    del a
    gc.collect()
    assert ref() is not None  # kept alive by the tables, not dangling
    assert ds[0][1].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and ds[1][2].tolist() == [0.0, 2.0, 4.0]
    del ds
    gc.collect()
    assert ref() is None and kiln.live_allocations() == before
