"""chararrays (issue 8 part 1): NumPy U arrays as arguments and results, typed
as Numba types them ("array([unichr x 3], 1d, C)"). An item read by
indexing is a str with NumPy's trailing NUL padding stripped, so it compares,
hashes, measures and has the str methods of any str; `a[i] = s` stores the
first N characters, NUL-padded, as NumPy does. Every result is compared with
NumPy/Python on the same arrays, and every write is checked from NumPy's side."""
import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError


@jit
def getitem(x, i):
    return x[i]


@jit
def getitem2(x, i, j):
    return x[i][j]


@jit
def setitem(x, i, v):
    x[i] = v
    return x


@jit
def copy_item(x, i, y, j):
    x[i] = y[j]
    return x


@jit
def item_facts(x, i, j):
    a = x[i]
    b = x[j]
    return len(a), a == b, a < b, a >= b, a in b, hash(a), a.upper(), a.find("b"), a.startswith("a"), bool(a)


WORDS = ["abc", "", "a", "ab", "b\u00e9", "\u01e9x", "z\U00108a0e", "abcd"]


@pytest.mark.parametrize("arr", [np.array(WORDS), np.array(WORDS).reshape(2, 4), np.array(WORDS)[::3]],
                         ids=["1d", "2d", "strided"])
def test_items_read_as_str(arr):
    flat = arr.reshape(-1) if arr.flags.c_contiguous else arr
    for idx in np.ndindex(arr.shape):
        i = idx if len(idx) > 1 else idx[0]
        got = getitem(arr, i)
        assert type(got) is str and got == str(arr[i])
    assert getitem(np.array("1234\U00108a0e"), ()) == "1234\U00108a0e"
    assert flat.dtype.kind == "U"


def test_item_characters():
    arr = np.array(["12", "3"])
    assert getitem2(arr, 0, 1) == "2"
    with pytest.raises(IndexError):
        getitem2(arr, 1, 1)


@pytest.mark.parametrize("i,j", [(0, 0), (0, 3), (3, 0), (1, 2), (4, 5), (7, 0), (6, 2)])
def test_items_behave_as_str(i, j):
    arr = np.array(WORDS)
    assert item_facts(arr, i, j) == item_facts.py_func([str(w) for w in arr], i, j)


@pytest.mark.parametrize("value", ["xy", "ABCD", "", "AB\u01e9", "AB\U00108a0e", "\u00e9"])
def test_setitem_truncates_and_pads_as_numpy(value):
    got = np.array(["123", "ABC"])
    want = got.copy()
    want[0] = value
    assert setitem(got, 0, value) is got
    assert got.tolist() == want.tolist()
    assert got.view(np.uint32).tolist() == want.view(np.uint32).tolist()  # the NUL padding too


def test_setitem_from_items_and_zero_d():
    a = np.array(["123", "ABC"])
    copy_item(a, 0, a, 1)
    assert a.tolist() == ["ABC", "ABC"]
    z = np.array("ABC")
    setitem(z, (), "1234")
    assert str(z) == "123"


def test_array_result_is_the_argument():
    a = np.array(["ab", "c"])
    out = setitem(a, 1, "zz")
    assert out is a and out.dtype == np.dtype("<U2")


def test_other_uses_of_items_are_refused():
    @jit
    def first(x):
        for s in x:
            return s
        return ""

    with pytest.raises(TypingError, match="character array"):
        first(np.array(["a", "b"]))

    @jit
    def store_int(x):
        x[0] = 1

    with pytest.raises(TypingError, match="assigning int64"):
        store_int(np.array(["a", "b"]))


# charseq (issue 8 part 4): an S field of a record reads as bytes (Numba's
# CharSeq), its trailing NULs cut as NumPy cuts them.
CHARSEQ = np.dtype([("m", np.int32), ("n", "S5")])


def charseq_sample():
    a = np.zeros(3, dtype=CHARSEQ)
    for i in range(3):
        a[i]["m"] = i
    a[0]["n"] = b"abcde"
    a[1]["n"] = b"xyz"
    a[2]["n"] = b"u\x00v\x00\x00"
    return a


@jit
def field_n(ary, i):
    return ary[i].n


@jit
def field_n_by_name(ary, i):
    return ary[i]["n"]


@jit
def field_pair(ary, i):
    return ary[i].n, ary[i].m


@jit
def identity(x):
    return x


@jit
def field_through_call(ary, i):
    return identity(ary[i].n)


@jit
def field_facts(ary, i):
    s = ary[i].n
    return len(s), s[0]


@pytest.mark.parametrize("i", [0, 1, 2])
def test_s_field_reads_as_bytes(i):
    a = charseq_sample()
    want = a[i]["n"]
    for f in (field_n, field_n_by_name, field_through_call):
        got = f(a, i)
        assert type(got) is bytes and got == want
    assert field_pair(a, i) == (want, a[i]["m"])
    assert field_facts(a, i) == (len(want), want[0])
    assert field_n(a.view(np.recarray), i) == want


def test_s_field_store_is_refused():
    @jit
    def store(ary, v):
        ary[0].n = v

    with pytest.raises(TypingError, match="string field"):
        store(charseq_sample(), b"ab")


# chararrays: NumPy S arrays ("array([char x N], 1d, C)"): an item reads as
# bytes without its NUL padding, compares as bytes do, and is stored
# truncated or NUL-padded as NumPy stores it.
@jit
def bytes_facts(x, i, j):
    a = x[i]
    b = x[j]
    return len(a), bool(a), not a, a == b, a != b, a < b, a <= b, a > b, a >= b


@pytest.mark.parametrize("i,j", [(0, 0), (0, 1), (1, 0), (2, 3), (3, 0), (0, 3)])
def test_s_items_behave_as_bytes(i, j):
    arr = np.array([b"12", b"3", b"", b"123"])
    assert getitem(arr, i) == arr[i] and type(getitem(arr, i)) is bytes
    assert bytes_facts(arr, i, j) == bytes_facts.py_func([bytes(w) for w in arr], i, j)


def test_s_item_index_is_checked():
    arr = np.array([b"12", b"3"])
    assert getitem2(arr, 0, 1) == b"12"[1]
    with pytest.raises(IndexError, match="index out of range"):
        getitem2(arr, 1, 1)
    with pytest.raises(IndexError, match="index out of range"):
        getitem(b"xyz", 3)


@pytest.mark.parametrize("value", [b"34", b"ABCD", b"", b"A"])
def test_s_setitem_truncates_and_pads_as_numpy(value):
    got = np.array([b"123", b"xyz"])
    want = got.copy()
    want[0] = value
    setitem(got, 0, value)
    assert got.tobytes() == want.tobytes()
    z = np.array(b"123")
    copy_item(z, (), (value,), 0)
    zw = np.array(b"123")
    zw[()] = value
    assert z.tobytes() == zw.tobytes()


# np0d: np.asarray / np.array of a constant str: a new 0-d U array of its
# length (at least <U1, as NumPy), each call its own.
def _asarray_hello():
    return np.asarray("hello world")


def _asarray_local():
    s = "大处 着眼，小处着手。大大大处"
    return np.asarray(s)


def _asarray_empty():
    s = ""
    return np.asarray(s)


def _array_astral():
    return np.array("ab\U0001F600c")


@pytest.mark.parametrize("pyfunc", [_asarray_hello, _asarray_local, _asarray_empty, _array_astral],
                         ids=lambda f: f.__name__)
def test_asarray_of_a_constant_str(pyfunc):
    want = pyfunc()
    cfunc = jit(pyfunc)
    got = cfunc()
    assert got.dtype == want.dtype and got.shape == () and got[()] == want[()]
    got[()] = "z"  # a new writeable array, not shared between calls
    assert cfunc()[()] == want[()]


def test_asarray_of_a_str_needs_a_constant():
    @jit
    def f(s):
        return np.asarray(s)

    with pytest.raises(TypingError, match=r"numpy.asarray.*\(unicode_type\): a str is made an array only when "
                                          r"it is a constant"):
        f("abc")

    @jit
    def g():
        return np.asarray("1.5", dtype=np.float64)  # NumPy would parse it: refused

    with pytest.raises(TypingError, match="without a dtype"):
        g()
