"""typedempty (issue 9): typed containers made empty inside compiled code,
`Dict.empty(key_type, value_type)` and `List.empty_list(T)`, with every
kind of type object Numba code passes them: scalars, unicode_type, tuple
types, array types, typed List and Dict types, read off the types module or
as module globals (compile-time constants, in the cache key). Each result is
checked against the plain Python function (a dict or a list), on the way
back to Python, after mutation from Python and passed back in."""
import numpy as np
import pytest

from kiln import jit, typed, types
from kiln.errors import TypingError
from kiln.typed import Dict, List

pytestmark = pytest.mark.usefixtures("kilnd")

# Type objects bound at module level, as Numba code writes them.
float_array = types.float64[:]
int_matrix = types.int64[:, :]
c_array = types.float64[::1]
pair_t = types.UniTuple(types.int64, 2)
mixed_t = types.Tuple((types.int64, types.float64))
int_list_t = types.ListType(types.int64)
inner_dict_t = types.DictType(types.int64, types.float64)
array_list_t = types.ListType(float_array)


def plain(d):
    """A typed Dict or a dict, as a dict (typed Lists as lists)."""
    return {k: list(v) if isinstance(v, list) else v for k, v in d.items()}


class _PyDict:
    """Dict.empty in plain Python: a dict (kiln.typed.Dict from Python holds
    numbers only)."""
    @staticmethod
    def empty(*args, **kwargs):
        return {}


class _PyList:
    @staticmethod
    def empty_list(*args, **kwargs):
        return []


def python(f):
    """f run as plain Python with dict and list for the typed containers."""
    import types as pytypes
    return pytypes.FunctionType(f.__code__, {**f.__globals__, "Dict": _PyDict, "List": _PyList})


# -- Dict.empty --


def squares_kw(n):
    d = Dict.empty(key_type=types.int64, value_type=types.float64)
    for i in range(n):
        d[i] = i * i * 0.5
    return d


def squares_pos(n):
    d = Dict.empty(types.int64, types.float64)
    for i in range(n):
        d[i] = i * i * 0.5
    return d


def test_dict_empty_keyword_and_positional():
    for f in (squares_kw, squares_pos):
        got = jit(f)(5)
        assert isinstance(got, Dict)
        assert got.key_type == "int64" and got.value_type == "float64"
        assert dict(got.items()) == f(5) == {0: 0.0, 1: 0.5, 2: 2.0, 3: 4.5, 4: 8.0}
        assert all(type(v) is float for v in got.values())


def through_module(n):
    d = typed.Dict.empty(key_type=types.int32, value_type=types.int64)
    for i in range(n):
        d[np.int32(i)] = -i  # an int64 key is refused, not wrapped (docs/python-subset.md)
    return d


def test_dict_empty_through_the_typed_module():
    got = jit(through_module)(3)
    assert isinstance(got, Dict) and got.key_type == "int32"
    assert dict(got.items()) == {0: 0, 1: -1, 2: -2}


def empty_only():
    return Dict.empty(types.int64, types.int64)


def test_an_empty_dict_returns_typed():
    got = jit(empty_only)()
    assert isinstance(got, Dict) and len(got) == 0 and got.value_type == "int64"
    got[3] = 4  # mutation from Python after the return
    assert dict(got.items()) == {3: 4}


def add_one(d):
    for k in d:
        d[k] += 1
    return len(d)


def test_returned_dict_mutated_then_passed_back():
    got = jit(squares_kw)(3)
    got[10] = 1.5
    del got[0]
    assert jit(add_one)(got) == 3
    assert dict(got.items()) == {1: 1.5, 2: 3.0, 10: 2.5}


@pytest.mark.parametrize("name,value", [
    ("int8", -7), ("int16", -300), ("int32", 1 << 20), ("int64", -(1 << 40)),
    ("uint8", 200), ("uint16", 60000), ("uint32", 1 << 31), ("uint64", 1 << 63),
    ("float32", 1.5), ("float64", -2.25), ("complex64", 1 + 2j), ("complex128", -3.5j), ("boolean", True),
])
def test_every_scalar_type_as_key_and_value(name, value):
    t = getattr(types, name)
    ns = {"Dict": Dict, "t": t}
    exec("def f(v):\n    d = Dict.empty(t, t)\n    d[v] = v\n    return d[v], len(d), v in d", ns)
    v = getattr(np, "bool_" if name == "boolean" else name)(value)  # a value of the type itself
    assert jit(ns["f"])(v) == ns["f"](v) == (v, 1, True)


def str_keys(words):
    d = Dict.empty(types.unicode_type, types.int64)
    for w in words:
        d[w] = d.get(w, 0) + 1
    return d


def str_values(n):
    d = Dict.empty(key_type=types.int64, value_type=types.unicode_type)
    for i in range(n):
        d[i] = "x" * i
    return d


def test_unicode_type_keys_and_values():
    words = ("a", "bb", "a", "ccc", "bb", "a")
    assert plain(jit(str_keys)(words)) == python(str_keys)(words) == {"a": 3, "bb": 2, "ccc": 1}
    assert plain(jit(str_values)(3)) == python(str_values)(3) == {0: "", 1: "x", 2: "xx"}


def tuple_keys(n):
    d = Dict.empty(pair_t, mixed_t)
    for i in range(n):
        d[(i, i + 1)] = (i * 2, i / 2)
    return d


def test_tuple_types_as_globals():
    got = jit(tuple_keys)(3)
    assert isinstance(got, Dict) and got.key_type == "UniTuple(int64, 2)"
    assert dict(got.items()) == tuple_keys(3)
    got[(9, 9)] = (1, 2.5)
    assert dict(got.items())[(9, 9)] == (1, 2.5)


def array_values(n):
    d = Dict.empty(types.int64, float_array)
    for i in range(n):
        d[i] = np.arange(i, dtype=np.float64)  # a C array stored into a slot of A arrays
    d[n] = np.arange(2.0 * n)[::2]  # a strided view
    return d


def matrix_values(n):
    d = Dict.empty(key_type=types.unicode_type, value_type=int_matrix)
    d["z"] = np.zeros((n, 2), dtype=np.int64)
    d["o"] = np.ones((2, n), dtype=np.int64)
    return d["z"].sum() + d["o"].sum(), len(d)


def c_values(n):
    d = Dict.empty(types.int64, c_array)
    d[0] = np.ones(n)
    return d[0].sum()


def test_array_types_as_globals():
    got = jit(array_values)(3)
    exp = python(array_values)(3)
    assert sorted(plain(got)) == sorted(exp)
    for k in exp:
        np.testing.assert_array_equal(plain(got)[k], exp[k])
    assert jit(matrix_values)(3) == python(matrix_values)(3) == (6, 2)
    assert jit(c_values)(4) == 4.0


def list_values(n):
    d = Dict.empty(types.int64, int_list_t)
    for i in range(n):
        if i % 2 not in d:
            d[i % 2] = List.empty_list(types.int64)
        d[i % 2].append(i)
    return d


def dict_values(n):
    d = Dict.empty(types.unicode_type, inner_dict_t)
    for name in ("a", "b"):
        inner = Dict.empty(types.int64, types.float64)
        for i in range(n):
            inner[i] = i * 1.5
        d[name] = inner
    d["a"][100] = -1.0
    return len(d["a"]), len(d["b"]), d["a"][100]


def test_typed_list_and_dict_types_as_values():
    got = jit(list_values)(5)
    assert plain(got) == python(list_values)(5) == {0: [0, 2, 4], 1: [1, 3]}
    assert all(isinstance(v, List) for v in got.values())
    assert jit(dict_values)(3) == python(dict_values)(3) == (4, 3, -1.0)


def inline_array_types(n):
    d = Dict.empty(types.int64, types.float64[:])  # written in the function, as Numba 0.57+ takes it
    d[0] = np.arange(float(n))
    c = List.empty_list(types.int64[:, ::1])
    c.append(np.ones((n, 2), dtype=np.int64))
    f = List.empty_list(types.int64[::1, :])
    f.append(np.asfortranarray(np.ones((2, n), dtype=np.int64)))
    return d[0].sum(), c[0].sum(), f[0].shape


def test_array_types_written_in_the_function():
    assert jit(inline_array_types)(3) == python(inline_array_types)(3) == (3.0, 6, (2, 3))


# -- List.empty_list --


def list_of_arrays(n):
    lst = List.empty_list(float_array)
    for i in range(n):
        lst.append(np.full(i + 1, float(i)))
    total = 0.0
    for a in lst:
        total += a.sum()
    return total, len(lst)


def list_of_tuples(n):
    lst = List.empty_list(pair_t)
    for i in range(n):
        lst.append((i, -i))
    return lst


def list_of_lists(n):
    outer = List.empty_list(int_list_t)
    for i in range(n):
        inner = List.empty_list(types.int64)
        for j in range(i):
            inner.append(j)
        outer.append(inner)
    return outer


def list_of_strings(n):
    lst = List.empty_list(types.unicode_type)
    for i in range(n):
        lst.append(str(i))
    return lst


def list_of_dicts(n):
    lst = List.empty_list(inner_dict_t)
    for i in range(n):
        d = Dict.empty(types.int64, types.float64)
        d[i] = 0.5 * i
        lst.append(d)
    return len(lst), lst[n - 1][n - 1]


def list_of_array_lists(n):
    lst = List.empty_list(array_list_t)
    inner = List.empty_list(float_array)
    inner.append(np.ones(n))
    lst.append(inner)
    return lst[0][0].sum()


def test_empty_list_of_every_kind():
    assert jit(list_of_arrays)(3) == python(list_of_arrays)(3) == (8.0, 3)
    got = jit(list_of_tuples)(3)
    assert isinstance(got, List) and list(got) == python(list_of_tuples)(3) == [(0, 0), (1, -1), (2, -2)]
    got = jit(list_of_lists)(3)
    assert isinstance(got, List) and [list(x) for x in got] == [[], [0], [0, 1]]
    got.append(List([7]))  # mutation from Python after the return
    assert [list(x) for x in got][-1] == [7]
    assert list(jit(list_of_strings)(3)) == ["0", "1", "2"]
    assert jit(list_of_dicts)(3) == python(list_of_dicts)(3) == (3, 1.0)
    assert jit(list_of_array_lists)(4) == 4.0


def sum_list(lst):
    s = 0
    for x in lst:
        s += x
    return s


def int_list_global(n):
    lst = List.empty_list(types.int64)
    for i in range(n):
        lst.append(i)
    return lst


@jit
def empty_of(t):
    return List.empty_list(t)


def list_from_a_helper(n):
    lst = empty_of(float_array)  # a type object passed on to another jitted function
    lst.append(np.ones(n))
    return lst[0].sum()


def test_a_type_object_passed_to_a_jitted_function():
    assert jit(list_from_a_helper)(3) == 3.0


def test_a_returned_list_mutated_and_passed_back():
    got = jit(int_list_global)(4)
    got.append(10)
    assert jit(sum_list)(got) == sum_list([0, 1, 2, 3, 10]) == 16


# -- the cache key holds the type --


def test_a_rebound_type_global_recompiles():
    ns = {"Dict": Dict, "types": types, "vt": types.UniTuple(types.int64, 2)}
    exec("def f():\n    d = Dict.empty(types.int64, vt)\n    d[1] = (2, 3)\n    return d", ns)
    got = jit(ns["f"])()
    assert got.value_type == "UniTuple(int64, 2)" and dict(got.items()) == {1: (2, 3)}
    ns["vt"] = types.Tuple((types.float64, types.int64))  # the same code, another type: another key
    got = jit(ns["f"])()
    assert got.value_type == "Tuple(float64, int64)" and dict(got.items()) == {1: (2.0, 3)}
    assert type(dict(got.items())[1][0]) is float


# -- refusals --

not_a_type = 3
a_string = "int64"


def bad_key_int():
    return Dict.empty(not_a_type, types.float64)


def bad_value_str():
    return Dict.empty(key_type=types.int64, value_type=a_string)


def bad_list_item():
    return List.empty_list(not_a_type)


def bad_key_array():
    return Dict.empty(float_array, types.int64)


def bad_n_keys():
    return Dict.empty(types.int64, types.int64, 1.5)


def bad_missing_value_type():
    return Dict.empty(types.int64)


def bad_call_of_a_type():
    return float_array(3)


def bad_array_spelling():
    return List.empty_list(types.int64[1:])


def bad_array_layout():
    return List.empty_list(types.int64[:, ::1, :])


@pytest.mark.parametrize("f,words", [
    (bad_key_int, r"Dict.empty\(\): key_type must be a type .*not a value of type int64"),
    (bad_value_str, r"Dict.empty\(\): value_type must be a type .*not a value of type unicode_type"),
    (bad_list_item, r"List.empty_list\(\): item_type must be a type .*not a value of type int64"),
    (bad_key_array, r"Dict.empty\(\): key_type array\(float64, 1d, A\): .*unhashable type"),
    (bad_n_keys, r"Dict.empty\(\): n_keys must be an integer"),
    (bad_missing_value_type, r"Dict.empty\(\) missing argument 'value_type'"),
    (bad_call_of_a_type, r"'typeref\[array\(float64, 1d, A\)\]' object is not callable"),
    (bad_array_spelling, r"class\(int64\)\[...\]: an array type is spelled with ':' for each dimension"),
    (bad_array_layout, r"'::1' goes on the last dimension \(C\) or the first \(F\)"),
])
def test_a_wrong_type_argument_is_a_located_typing_error(f, words):
    with pytest.raises(TypingError, match=words) as e:
        jit(f)()
    assert "test_typed_empty.py" in str(e.value)
    assert f.__name__ in str(e.value) or str(f.__code__.co_firstlineno + 1) in str(e.value)


# -- Numba's type objects, in code written for Numba --

NUMBA_CODE = '''
def f(n):
    d = NDict.empty(key_type=nt.unicode_type, value_type=fa)
    for i in range(n):
        d[str(i)] = np.arange(float(i))
    lists = Dict.empty(nt.int64, lt)
    lists[0] = NList.empty_list(nt.int64)
    lists[0].append(n)
    inner = Dict.empty(nt.int64, dt)
    inner[1] = Dict.empty(nt.int64, nt.float64)
    inner[1][2] = 2.5
    return len(d), d[str(n - 1)].sum(), lists[0][0], inner[1][2]


def g(n):
    d = numba.typed.Dict.empty(key_type=numba.types.int64, value_type=numba.types.unicode_type)
    for i in range(n):
        d[i] = str(i)
    lst = numba.typed.List.empty_list(numba.types.float64)
    lst.append(n / 2)
    return d, lst
'''


def test_numba_type_objects():
    numba = pytest.importorskip("numba")
    nt = numba.types
    ns = {"NDict": numba.typed.Dict, "NList": numba.typed.List, "Dict": Dict, "np": np, "nt": nt, "numba": numba,
          "fa": nt.float64[:], "lt": nt.ListType(nt.int64), "dt": nt.DictType(nt.int64, nt.float64)}
    exec(NUMBA_CODE, ns)
    assert jit(ns["f"])(4) == (4, 3.0, 4, 2.5)
    d, lst = jit(ns["g"])(3)  # numba.typed and numba.types through the numba module
    assert plain(d) == {0: "0", 1: "1", 2: "2"}
    assert isinstance(lst, List) and list(lst) == [1.5]
