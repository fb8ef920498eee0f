"""structref: numba.experimental.structref's define_proxy'd classes in
kiln.jit (docs/extending.md, "StructRef"), compared with numba.njit on the
same snippets: construction in compiled code, field reads and writes, the
proxy returned to Python and passed back (the same struct), nested calls,
a struct of arrays and scalars as pynndescent's SearchIndex, no leaked
blocks, and the refusals."""
import gc

import numpy as np
import pytest

numba = pytest.importorskip("numba")  # the classes are Numba's own API
from numba import types  # noqa: E402
from numba.experimental import structref  # noqa: E402

import kiln  # noqa: E402
from kiln import _kiln  # noqa: E402
from kiln.errors import TypingError  # noqa: E402
from numba.typed import List  # noqa: E402  (Kiln's typed List in compiled code)


@structref.register
class PairType(types.StructRef):
    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class Pair(structref.StructRefProxy):
    pass


structref.define_proxy(Pair, PairType, ["a", "b"])


@structref.register
class IndexType(types.StructRef):
    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class Index(structref.StructRefProxy):
    pass


structref.define_proxy(Index, IndexType, ["data", "indptr", "n_neighbors", "min_distance", "normalize"])


def make_pair(a, b):
    return Pair(a, b)


def pair_sum(p):
    return p.a + p.b


def pair_set(p, v):
    p.a = v
    p.b = p.b * 2
    return p.a + p.b


def make_and_use(a, b):
    p = Pair(a, b)
    p.a += 1
    return pair_sum_inner(p), p


def pair_sum_inner(p):
    return p.a + p.b


def make_index(data, indptr, k, d, normalize):
    return Index(data, indptr, k, d, normalize)


def query(index, x):
    data = index.data
    best = np.inf
    for i in range(index.indptr.shape[0] - 1):
        row = data[index.indptr[i]:index.indptr[i + 1]]
        s = np.abs(row - x).sum()
        if index.normalize:
            s = s / (row.shape[0] + 1)
        if s < best and s >= index.min_distance:
            best = s
    return best * index.n_neighbors


def both(fn):
    return kiln.jit(fn), numba.njit(fn)


def test_construct_read_write_and_identity():
    k_make, n_make = both(make_pair)
    k_sum, n_sum = both(pair_sum)
    k_set, n_set = both(pair_set)
    kp, np_ = k_make(3, 1.5), n_make(3, 1.5)
    assert type(kp) is Pair and type(np_) is Pair
    assert k_sum(kp) == n_sum(np_) == 4.5
    # writes made by one call are seen by the next: the proxy is the same struct
    assert k_set(kp, 10) == n_set(np_, 10) == 13.0
    assert k_set(kp, 1) == n_set(np_, 1) == 7.0
    assert k_sum(kp) == n_sum(np_) == 7.0


def test_nested_calls_and_returned_struct():
    global pair_sum_inner
    inner = pair_sum_inner
    try:
        pair_sum_inner = kiln.jit(inner)
        k = kiln.jit(make_and_use)
        s, p = k(1, 2.0)
        assert s == 4.0 and type(p) is Pair
        assert kiln.jit(pair_sum)(p) == 4.0
        pair_sum_inner = numba.njit(inner)
        ns, _ = numba.njit(make_and_use)(1, 2.0)
        assert ns == s
    finally:
        pair_sum_inner = inner


def test_arrays_and_scalars_like_pynndescent():
    rng = np.random.default_rng(0)
    data = rng.random(40).astype(np.float32)
    indptr = np.array([0, 10, 25, 40], dtype=np.int32)
    k_make, n_make = both(make_index)
    k_query, n_query = both(query)
    ki = k_make(data, indptr, 5, 0.0, True)
    ni = n_make(data, indptr, 5, 0.0, True)
    del data, indptr  # the struct keeps the arrays alive (they were borrowed arguments)
    gc.collect()
    for x in (0.1, 0.5, 0.9):
        assert k_query(ki, np.float32(x)) == pytest.approx(n_query(ni, np.float32(x)), rel=1e-6)


def test_warm_call_takes_the_native_path():
    # a StructRef argument is matched by its handle's spelling in the native
    # dispatcher: a warm call never reaches the Python-side compile path
    k_sum = kiln.jit(pair_sum)
    p = kiln.jit(make_pair)(1, 2.0)
    assert k_sum(p) == 3.0

    def miss(*args, **kwargs):
        raise AssertionError("a warm call with a StructRef argument missed the native dispatcher")

    other = kiln.jit(make_pair)(1.5, 2)  # other field types: a new signature
    k_sum._compile_for = miss
    assert k_sum(p) == 3.0
    with pytest.raises(AssertionError, match="missed the native dispatcher"):  # the check itself can fail
        k_sum(other)


def test_no_leak():
    k_make = kiln.jit(make_pair)
    k_set = kiln.jit(pair_set)
    k_index = kiln.jit(make_index)
    p = k_make(1, 1.0)
    k_set(p, 2)
    k_index(np.ones(4), np.arange(3), 1, 0.0, False)
    del p
    gc.collect()
    before = _kiln.runtime_stats()["live_allocations"]
    for _ in range(50):
        p = k_make(1, 1.0)
        k_set(p, 2)
        q = k_index(np.ones(4), np.arange(3), 1, 0.0, False)
        del p, q
    gc.collect()
    assert _kiln.runtime_stats()["live_allocations"] == before


def same(p, q):
    return p is q, p is not q


def put_array(p, a):
    p.a = a


def array_sum(p):
    return p.a.sum()


def nest(p):
    return Pair(p, (p.a, 1))


def outer_sum(n):
    return n.a.a + n.a.b + n.b[1]


def use_norm(p):
    return p.norm()


def test_identity_arrays_nesting_and_python_attributes():
    k_make, n_make = both(make_pair)
    kp, kq = k_make(1, 2.0), k_make(1, 2.0)
    assert kiln.jit(same)(kp, kp) == (True, False)
    assert kiln.jit(same)(kp, kq) == (False, True)
    # an argument's array stored into a field outlives the argument
    arr = kiln.jit(make_pair)(np.zeros(2), 0.0)
    a = np.arange(4.0)
    kiln.jit(put_array)(arr, a)
    del a
    gc.collect()
    assert kiln.jit(array_sum)(arr) == 6.0
    # a StructRef in a StructRef and in a tuple, returned and passed back
    n = kiln.jit(nest)(kp)
    assert type(n) is Pair and kiln.jit(outer_sum)(n) == numba.njit(outer_sum)(numba.njit(nest)(n_make(1, 2.0)))
    # define_proxy defines no Python properties: AttributeError, as under Numba
    with pytest.raises(AttributeError):
        kp.a
    with pytest.raises(AttributeError):
        n_make(1, 2.0).a


def in_containers(n):
    d = {}
    lst = List()
    for i in range(n):
        d[i] = Pair(i, 1.0)
        lst.append(d[i])
    d[0].a = 10  # the dict and the list hold the same blocks
    return d[n - 1].a + lst[0].a, d, lst


def test_structrefs_in_dicts_and_lists():
    before = _kiln.runtime_stats()["live_allocations"]
    s, d, lst = kiln.jit(in_containers)(3)
    ns, _, _ = numba.njit(in_containers)(3)
    assert s == ns == 12
    assert [type(v) for v in d.values()] == [Pair] * 3 and [type(v) for v in lst] == [Pair] * 3
    assert kiln.jit(pair_sum)(lst[0]) == 11.0
    del d, lst
    gc.collect()
    assert _kiln.runtime_stats()["live_allocations"] == before


def test_overload_method_on_the_structref_class():
    from numba.extending import overload_method

    @overload_method(PairType, "norm")
    def _norm(self):
        return lambda self: self.a * self.a + self.b * self.b

    assert kiln.jit(use_norm)(kiln.jit(make_pair)(3, 4.0)) == numba.njit(use_norm)(numba.njit(make_pair)(3, 4.0)) == 25.0


def wrong_count(a):
    return Pair(a)


def no_field(p):
    return p.c


def bad_store(p):
    p.a = "text"
    return p.a


def list_field(a):
    return Pair([a, a], 1)


def keyword_fields(a):
    return Pair(a, b=a)


def test_refusals():
    with pytest.raises(TypingError, match=r"field 'a' of StructRef test_structref.PairType cannot hold a value of "
                                          r"type list\(int64\)") as e:
        kiln.jit(list_field)(1)
    assert "line" in str(e.value) and "list_field" in str(e.value)  # located at the call
    with pytest.raises(TypingError, match="takes its fields as positional arguments only"):
        kiln.jit(keyword_fields)(1)
    with pytest.raises(TypingError, match=r"takes 2 positional arguments \(a, b\) but 1 were given"):
        kiln.jit(wrong_count)(1)
    p = kiln.jit(make_pair)(1, 2.0)
    with pytest.raises(TypingError, match="unknown attribute 'c' of StructRef"):
        kiln.jit(no_field)(p)
    with pytest.raises(TypingError, match="cannot store a value of type unicode_type into field 'a'"):
        kiln.jit(bad_store)(p)
    # a proxy Numba made holds Numba's memory, not Kiln's: no Kiln type
    with pytest.raises(TypingError, match="argument 'p' .*a StructRef made by Numba's compiled code"):
        kiln.jit(pair_sum)(numba.njit(make_pair)(1, 2.0))
