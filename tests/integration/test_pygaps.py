"""pygaps (issue 9): the documented gaps of the Python subset that Numba
supports, closed as Python answers: d.get(k) without a default (an optional
value), the key's repr in a KeyError for float and tuple keys computed at run
time, Color['red'], str.splitlines(), min/max of a set. The constructs Numba
refuses too stay refused, with their messages (m.name, int(m) of an IntEnum,
iterating or len() of an enum class, sum() of a set, p._fields, p._asdict(),
bytes.splitlines()). Plain Python (fn.py_func) is the oracle throughout."""
import collections
import enum
import math

import numpy as np
import pytest

import kiln
from kiln import jit, types
from kiln.errors import TypingError
from kiln.typed import Dict

pytestmark = pytest.mark.usefixtures("kilnd")


def outcome(fn, *args):
    """("ok", result) or ("raised", class, args) of fn(*args)."""
    try:
        return ("ok", fn(*args))
    except Exception as e:  # noqa: BLE001 - the oracle's exception is the answer
        return ("raised", type(e), e.args)


def same_as_python(fn, *args):
    got, want = outcome(fn, *args), outcome(fn.py_func, *args)
    assert got == want, (args, got, want)
    return got


# --- d.get(k) without a default: the value or None ---------------------------


@jit
def get_or_minus_one(k):
    d = {1: 2.5, 3: 4.5}
    v = d.get(k)
    if v is None:
        return -1.0
    return v


@jit
def get_returned(k):
    d = {1: 2.5, 3: 4.5}
    return d.get(k)


@jit
def get_str_key(k):
    d = {"a": 1, "bb": 2}
    return d.get(k)


@jit
def get_tuple_key(a, b):
    d = {(1, 2): 10, (3, 4): 20}
    return d.get((a, b))


@jit
def get_str_value(k):
    d = {1: "one", 2: "two"}
    v = d.get(k)
    if v is not None:
        return v + "!"
    return "none"


@jit
def get_tuple_value(k):
    d = {1: (1, 2.5)}
    return d.get(k)


@jit
def get_array_value(k):
    d = {1: np.arange(4)}
    v = d.get(k)
    if v is None:
        return -1
    return v.sum()


@jit
def get_used_as_int(k):
    d = {1: 2}
    return d.get(k) + 1


@jit
def get_before_first_store(k):
    d = {}
    v = d.get(k)
    d[1] = 2
    return v


@jit
def get_typed(d, k):
    return d.get(k)


@jit
def get_counting(words):
    counts = {"": 0}
    for w in words:
        c = counts.get(w)
        counts[w] = 1 if c is None else c + 1
    return counts["b"], counts.get("zz") is None


@pytest.mark.parametrize("fn,args", [
    (get_or_minus_one, (1,)), (get_or_minus_one, (3,)), (get_or_minus_one, (5,)),
    (get_returned, (1,)), (get_returned, (2,)),
    (get_str_key, ("bb",)), (get_str_key, ("b",)), (get_str_key, ("",)),
    (get_tuple_key, (1, 2)), (get_tuple_key, (3, 4)), (get_tuple_key, (2, 1)),
    (get_str_value, (2,)), (get_str_value, (3,)),
    (get_tuple_value, (1,)), (get_tuple_value, (0,)),
    (get_array_value, (1,)), (get_array_value, (2,)),
    (get_used_as_int, (1,)),
    (get_before_first_store, (1,)),
])
def test_get_without_default(fn, args):
    kind, *rest = same_as_python(fn, *args)
    assert kind == "ok"


def test_get_without_default_returns_none_or_the_value():
    assert get_returned(1) == 2.5 and type(get_returned(1)) is float
    assert get_returned(7) is None
    assert get_str_key("b") is None and get_str_key("a") == 1
    assert get_tuple_value(1) == (1, 2.5) and get_tuple_value(0) is None


def test_get_without_default_of_a_typed_dict():
    d = Dict.empty(types.unicode_type, types.float64)
    d["x"] = 1.5
    assert get_typed(d, "x") == 1.5
    assert get_typed(d, "y") is None


def test_get_without_default_in_a_loop():
    words = ["b", "a", "b", "c", "b"]
    assert get_counting(words) == get_counting.py_func(words) == (3, True)


@jit
def get_made_str(k):
    d = {1: "one", 2: "two" + str(k)}
    return d.get(k)


@jit
def get_array_returned(k):
    d = {1: np.arange(3)}
    return d.get(k)


@jit
def get_dict_value(k):
    d = {1: {2: 3.5}}
    v = d.get(k)
    if v is None:
        return -1.0
    return v[2]


@jit
def get_str_lengths(n):
    d = {}
    for i in range(n):
        d[i] = str(i)
    c = 0
    for i in range(2 * n):
        v = d.get(i)
        if v is not None:
            c += len(v)
    return c


@pytest.mark.parametrize("fn,args", [
    (get_made_str, (2,)), (get_made_str, (5,)), (get_array_returned, (0,)),
    (get_dict_value, (1,)), (get_dict_value, (0,)), (get_str_lengths, (50,)),
])
def test_get_without_default_holds_no_reference(fn, args):
    # The value stays the dict's: a returned one is the caller's own, a
    # missing one holds nothing; the runtime's live blocks are back where
    # they were.
    same_as_python(fn, *args)
    before = kiln.live_allocations()
    for _ in range(10):
        assert fn(*args) == fn.py_func(*args)
    assert kiln.live_allocations() == before


def test_get_without_default_returns_an_array():
    before = kiln.live_allocations()
    for _ in range(10):
        a = get_array_returned(1)
        assert a.tolist() == [0, 1, 2]
    del a
    assert kiln.live_allocations() == before


def test_none_from_get_used_as_a_value_is_a_type_error():
    # Python: unsupported operand type(s) for +: 'NoneType' and 'int';
    # Kiln's unwrap of an optional says Numba's words.
    with pytest.raises(TypeError) as want:
        get_used_as_int.py_func(2)
    with pytest.raises(TypeError, match="expected int64, got None"):
        get_used_as_int(2)
    assert want.type is TypeError


# --- KeyError(key) for float and tuple keys computed at run time -------------


@jit
def float_key(k):
    d = {1.5: 1, 2.0: 2}
    return d[k]


@jit
def sum_key(a, b):
    d = {1.5: 1}
    return d[a + b]


@jit
def tuple_key(a, b):
    d = {(1, 2): 1}
    return d[(a, b)]


@jit
def mixed_tuple_key(a, b):
    d = {(1.5, 2): 1}
    return d[(a, b)]


@jit
def pop_float(k):
    d = {1.5: 1}
    return d.pop(k)


@pytest.mark.parametrize("fn,args", [
    (float_key, (2.5,)), (float_key, (1.5,)), (float_key, (1e20,)), (float_key, (-0.0,)),
    (float_key, (math.inf,)), (float_key, (1e-7,)), (float_key, (123456789.125,)),
    (sum_key, (0.1, 0.2)),
    (tuple_key, (1, 3)), (tuple_key, (1, 2)), (tuple_key, (-5, 0)),
    (mixed_tuple_key, (0.1, 7)), (mixed_tuple_key, (1.5, 2)),
    (pop_float, (2.25,)),
])
def test_key_error_names_the_key(fn, args):
    got = same_as_python(fn, *args)
    if got[0] == "raised":
        assert got[1] is KeyError


def test_key_error_str_and_repr_are_pythons():
    for fn, args in [(sum_key, (0.1, 0.2)), (tuple_key, (1, 3)), (mixed_tuple_key, (0.5, 3))]:
        with pytest.raises(KeyError) as got:
            fn(*args)
        with pytest.raises(KeyError) as want:
            fn.py_func(*args)
        assert str(got.value) == str(want.value) and repr(got.value) == repr(want.value)
    with pytest.raises(KeyError) as got:
        sum_key(0.1, 0.2)
    assert str(got.value) == "0.30000000000000004"


# --- enums ---------------------------------------------------------------------


class Color(enum.Enum):
    red = 1
    green = 2


class Shape(enum.IntEnum):
    circle = 1
    square = 2


@jit
def color_by_name():
    return Color["green"].value


@jit
def color_member_by_name():
    return Color["red"]


@jit
def shape_plus_one():
    return Shape.square + 1


def test_enum_class_indexed_by_a_constant_name():
    assert color_by_name() == color_by_name.py_func() == 2
    assert color_member_by_name() is Color.red
    assert shape_plus_one() == shape_plus_one.py_func() == 3


@jit
def color_by_runtime_name(s):
    return Color[s].value


@jit
def member_name(m):
    return m.name


@jit
def int_of_intenum():
    return int(Shape.square)


@jit
def iterate_enum():
    s = 0
    for c in Color:
        s += c.value
    return s


@jit
def len_of_enum():
    return len(Color)


# Numba refuses each of these too (TypingError), so they stay refused.
@pytest.mark.parametrize("fn,args,message", [
    (color_by_runtime_name, ("red",), "an enum class is indexed by a constant member name only"),
    (member_name, (Color.red,), "unknown attribute 'name' of type EnumMember"),
    (int_of_intenum, (), r"no implementation of 'int' for argument types \(IntEnumMember"),
    (iterate_enum, (), "object is not iterable"),
    (len_of_enum, (), "no implementation of 'len' for argument types"),
])
def test_enum_refusals_numba_shares(fn, args, message):
    assert outcome(fn.py_func, *args)[0] == "ok"
    with pytest.raises(TypingError, match=message):
        fn(*args)


# --- str.splitlines() ----------------------------------------------------------


@jit
def splitlines(s):
    return s.splitlines()


@jit
def splitlines_keepends(s, k):
    return s.splitlines(k)


@jit
def splitlines_keepends_kw(s):
    return s.splitlines(keepends=True)


TEXTS = ["", "a", "a\n", "a\nb\r\nc", "\n\n", "x\ry\r", "a\x0bb\x0cc\x1cd\x1de\x1ef\x85g\u2028h\u2029i",
         "é\n日本\r\n🙂", "\r\n\r", "no break"]


@pytest.mark.parametrize("s", TEXTS)
def test_splitlines(s):
    assert splitlines(s) == s.splitlines()
    assert splitlines_keepends(s, True) == s.splitlines(True)
    assert splitlines_keepends(s, False) == s.splitlines(False)
    assert splitlines_keepends_kw(s) == s.splitlines(keepends=True)


@jit
def bytes_splitlines(b):
    return b.splitlines()


def test_bytes_splitlines_refused_as_numba():
    with pytest.raises(TypingError, match="unknown attribute 'splitlines' of type Bytes"):
        bytes_splitlines(b"a\nb")


# --- min / max of a set -----------------------------------------------------------


@jit
def minmax_ints():
    s = {3, -1, 7, 2}
    return min(s), max(s)


@jit
def minmax_floats(a):
    s = set(a)
    return min(s), max(s)


@jit
def minmax_strs():
    s = {"pear", "apple", "fig"}
    return min(s), max(s)


@jit
def minmax_tuples():
    s = {(1, 2), (0, 5), (1, -1)}
    return min(s), max(s)


@jit
def minmax_bools(a, b):
    s = {a, b}
    return min(s), max(s)


@jit
def minmax_reflected(s):
    return min(s), max(s)


@jit
def min_of_empty(n):
    s = set()
    for i in range(n):
        s.add(i)
    return min(s)


@jit
def max_of_empty(n):
    s = set()
    for i in range(n):
        s.add(i * 0.5)
    return max(s)


@pytest.mark.parametrize("fn,args", [
    (minmax_ints, ()), (minmax_floats, (np.array([2.5, -1.0, 7.0, -1.0]),)), (minmax_strs, ()),
    (minmax_tuples, ()), (minmax_bools, (True, False)), (minmax_bools, (True, True)),
    (minmax_reflected, ({3, 9, -4},)),
    (min_of_empty, (0,)), (min_of_empty, (5,)), (max_of_empty, (0,)), (max_of_empty, (3,)),
])
def test_min_max_of_a_set(fn, args):
    same_as_python(fn, *args)


def test_min_of_an_empty_set_is_pythons_value_error():
    with pytest.raises(ValueError, match=r"^min\(\) arg is an empty sequence$"):
        min_of_empty(0)
    with pytest.raises(ValueError, match=r"^max\(\) arg is an empty sequence$"):
        max_of_empty(0)


@jit
def sum_of_set():
    s = {1, 2, 3}
    return sum(s)


@jit
def min_of_complex_set():
    s = {1j, 2j}
    return min(s)


def test_set_refusals():
    # Numba refuses sum() of a set too.
    assert sum_of_set.py_func() == 6
    with pytest.raises(TypingError, match="'sum' is not supported"):
        sum_of_set()
    # Python: '<' not supported between instances of 'complex' and 'complex'.
    with pytest.raises(TypeError):
        min_of_complex_set.py_func()
    with pytest.raises(TypingError, match="not ordered"):
        min_of_complex_set()


# --- namedtuple _fields / _asdict(): Numba refuses them too ----------------------

P = collections.namedtuple("P", ["x", "y"])


@jit
def fields_of(p):
    return p._fields


@jit
def asdict_of(p):
    return p._asdict()


@pytest.mark.parametrize("fn,name", [(fields_of, "_fields"), (asdict_of, "_asdict")])
def test_namedtuple_refusals_numba_shares(fn, name):
    assert outcome(fn.py_func, P(1, 2))[0] == "ok"
    with pytest.raises(TypingError, match=f"Unknown attribute '{name}' of type P"):
        fn(P(1, 2))
