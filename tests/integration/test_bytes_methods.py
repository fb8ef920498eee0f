"""bytesm (issue 9): methods and operations on bytes values (an item of an
S array, a bytes literal, a bytes argument): find/rfind/index/rindex/count,
startswith/endswith, the is* tests, upper/lower/swapcase/capitalize/title,
strip/lstrip/rstrip, removeprefix/removesuffix, `in`, hash() and bytes(x).
Every result is compared with plain Python on the same values: S items of
several widths (truncated, with inner and trailing NULs, empty), literals
and bytes arguments."""
import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError

SAMPLES = [b"", b"a", b"abc", b"ABC", b"aBc D", b"a\x00b", b"ab\x00\x00", b"  x y \t", b"\t\n\x0b\x0c\r ",
           b"\x1c", b"123", b"Hello World", b"hello wORLD", b"\xff\x80a", b"abab", b"aaa", b"They'Re 2x",
           b"A1", b"x\x00"]
WIDTHS = ["S1", "S3", "S5", "S16"]
SUBS = [b"", b"a", b"b", b"ab", b"abc", b"\x00", b"x", b" ", b"aa", b"World", b"\xff"]


def arrays():
    for w in WIDTHS:
        yield np.array(SAMPLES, dtype=w)


def outcome(f, *args):
    try:
        r = f(*args)
    except Exception as e:  # noqa: BLE001 - compared with Python's
        return ("raises", type(e), str(e))
    return ("returns", type(r), r)


def same(pyfunc, *args):
    cfunc = jit(pyfunc)
    want = outcome(pyfunc, *args)
    got = outcome(cfunc, *args)
    assert got == want, (pyfunc.__name__, args)


def method(expr):
    ns = {}
    exec(f"def f(x, i):\n    return {expr}\n", ns)
    return ns["f"]


UNARY = ["upper", "lower", "swapcase", "capitalize", "title", "isupper", "islower", "istitle", "isalpha",
         "isalnum", "isdigit", "isspace", "isascii", "strip", "lstrip", "rstrip"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_methods_of_s_items(name):
    f = method(f"x[i].{name}()")
    cf = jit(f)
    for a in arrays():
        for i in range(len(a)):
            want = outcome(f, a, i)
            assert outcome(cf, a, i) == want, (name, a.dtype, a[i])


@pytest.mark.parametrize("name", UNARY)
def test_unary_methods_of_bytes_arguments(name):
    ns = {}
    exec(f"def f(b):\n    return b.{name}()\n", ns)
    f = ns["f"]
    for b in SAMPLES + [bytes(range(256))]:
        same(f, b)


def test_unary_methods_of_literals():
    def f():
        return (b"aBc d".upper(), b"aBc d".lower(), b" x ".strip(), b"Ab".isupper(), b"".isascii(),
                b"hello world".title(), b"ABC".isalpha())
    same(f)


SUBBED = ["find", "rfind", "index", "rindex", "count", "startswith", "endswith", "removeprefix", "removesuffix",
          "strip", "lstrip", "rstrip"]


@pytest.mark.parametrize("name", SUBBED)
def test_methods_with_a_bytes_argument(name):
    ns = {}
    exec(f"def f(x, i, y, j):\n    return x[i].{name}(y[j])\n", ns)
    f = ns["f"]
    cf = jit(f)
    subs = np.array(SUBS, dtype="S5")
    for a in arrays():
        for i in range(len(a)):
            for j in range(len(subs)):
                want = outcome(f, a, i, subs, j)
                assert outcome(cf, a, i, subs, j) == want, (name, a[i], subs[j])
    # a bytes argument and a tuple of literals
    exec(f"def g(b, t, j):\n    return b.{name}(t[j])\n", ns)
    for b in SAMPLES:
        for j in range(len(SUBS)):
            same(ns["g"], b, tuple(SUBS), j)


@pytest.mark.parametrize("name", ["find", "rfind", "index", "rindex", "count", "startswith", "endswith"])
def test_start_and_end(name):
    ns = {}
    exec(f"def f(b, sub, s, e):\n    return b.{name}(sub, s, e)\n"
         f"def g(b, sub, s):\n    return b.{name}(sub, s)\n"
         f"def h(b, sub, e):\n    return b.{name}(sub, None, e)\n", ns)
    bounds = [-100, -4, -1, 0, 1, 2, 3, 5, 100]
    for b in [b"", b"abcab", b"aaaa", b"a\x00b"]:
        for sub in [b"", b"a", b"ab", b"\x00"]:
            for s in bounds:
                same(ns["g"], b, sub, s)
                same(ns["h"], b, sub, s)
                for e in bounds:
                    same(ns["f"], b, sub, s, e)


@pytest.mark.parametrize("name", ["find", "rfind", "index", "rindex", "count"])
def test_an_int_sub(name):
    ns = {}
    exec(f"def f(b, c):\n    return b.{name}(c)\n", ns)
    for b in [b"", b"abca", b"\x00\xff"]:
        for c in [0, 97, 98, 255, 256, -1]:
            same(ns["f"], b, c)


def test_startswith_a_tuple():
    def f(b):
        return b.startswith((b"x", b"ab")), b.endswith((b"q", b"ca")), b.endswith((b"",))
    for b in [b"", b"abca", b"xyz", b"ca"]:
        same(f, b)

    def empty(b):
        return b.startswith(())
    with pytest.raises(TypingError, match="tuple of bytes"):  # not yet: an empty tuple
        jit(empty)(b"abc")

    def mixed(b):
        return b.startswith((b"a", 1))
    with pytest.raises(TypingError, match="tuple of bytes"):
        jit(mixed)(b"abc")


def contains(x, i, y, j):
    return x[i] in y[j], x[i] not in y[j]


def test_in():
    for a in arrays():
        for i in range(len(a)):
            for j in range(len(a)):
                same(contains, a, i, a, j)

    def lit(b):
        return b"ab" in b, b"" in b, b in b"xxabcxx"
    for b in SAMPLES:
        same(lit, b)

    def byte(b, c):
        return c in b
    for b in [b"", b"abc", b"\x00\xff"]:
        for c in [0, 97, 255, 256, -1]:
            same(byte, b, c)


def test_suite_contains():
    # test_unicode_array.test_contains_getitem2, the bytes half.
    x = np.array(b"123")
    y = np.array(b"12345")
    same(contains, x, (), y, ())
    same(contains, y, (), x, ())
    same(contains, (b"123",), 0, y, ())
    same(contains, y, (), (b"123",), 0)


def hashes(x, i):
    return hash(x[i])


def test_hash_equals_python():
    for a in arrays():
        for i in range(len(a)):
            same(hashes, a, i)
    for b in SAMPLES + [bytes(range(256)), b"1234"]:
        assert jit(lambda v: hash(v))(b) == hash(b)
    assert jit(lambda: hash(b"abc"))() == hash(b"abc") == hash("abc")


def test_bytes_constructor():
    def copy(x, i):
        return bytes(x[i])
    for a in arrays():
        for i in range(len(a)):
            same(copy, a, i)
    same(lambda: bytes())
    same(lambda n: bytes(n), 3)
    same(lambda n: bytes(n), 0)
    same(lambda n: bytes(n), -1)
    same(lambda: bytes([1, 2, 255]))
    same(lambda: bytes((104, 105)))
    same(lambda: bytes([1, 256]))
    same(lambda: bytes([-1]))
    same(lambda: isinstance(bytes(2), bytes))


def test_results_are_new_bytes():
    # An S item is a view of its array: what a method returns must not change
    # when the array is written afterwards.
    def f(x):
        u = x[0].upper()
        s = x[0].strip()
        c = bytes(x[0])
        x[0] = b"zz"
        return u, s, c, x[0]
    a = np.array([b" ab "], dtype="S6")
    b = a.copy()
    assert jit(f)(a) == f(b)
    assert (a == b).all()


def test_methods_chain_and_compare():
    def f(x, i):
        u = x[i].strip().lower()
        return u == b"abc", u.startswith(b"a"), len(u), u.upper().find(b"B")
    a = np.array([b"  AbC ", b"abc", b" x"], dtype="S8")
    for i in range(3):
        same(f, a, i)


def test_refused_arguments():
    def find_str(b):
        return b.find("a")
    with pytest.raises(TypingError, match="bytes-like"):
        jit(find_str)(b"abc")

    def strip_int(b):
        return b.strip(1)
    with pytest.raises(TypingError, match="bytes-like"):
        jit(strip_int)(b"abc")

    def from_str():
        return bytes("abc")
    with pytest.raises(TypingError, match="encoding"):
        jit(from_str)()

    def from_floats():
        return bytes([1.5])
    with pytest.raises(TypingError, match="integers"):
        jit(from_floats)()

    def float_start(b):
        return b.find(b"a", 1.5)
    with pytest.raises(TypingError, match="slice indices"):
        jit(float_start)(b"abc")


def test_unimplemented_methods_are_refused():
    def decode(b):
        return b.decode()
    with pytest.raises(TypingError, match="decode"):
        jit(decode)(b"abc")

    def is_(b, c):
        return b is c
    with pytest.raises(TypingError):
        jit(is_)(b"abc", b"abc")

    def add(b):
        return b + b
    with pytest.raises(TypingError):
        jit(add)(b"abc")


def test_an_s_item_is_a_new_bytes():
    # Python's a[i] is a new bytes object: writing the array after does not change it.
    def f(x):
        b = x[0]
        x[0] = b"zz"
        return b, x[0], len(b)
    a = np.array([b"abc", b"q"], dtype="S4")
    b = a.copy()
    assert jit(f)(a) == f(b)
    assert (a == b).all()


def test_array_operations_on_bytes_are_refused():
    # NumPy reads bytes as one string scalar, and bytes have no array methods:
    # no elementwise answer.
    a = np.array([b"abc"], dtype="S4")
    for f in (lambda x: x[0].sum(), lambda x: x[0].copy(), lambda x: np.add(x[0], 1), lambda x: np.sum(x[0])):
        with pytest.raises(TypingError):
            jit(f)(a)
    assert jit(lambda x: x[0].shape)(a) == (3,)  # the buffer attributes stay, as Numba's
    assert jit(lambda: np.frombuffer(b"ab", np.uint8))().tolist() == [97, 98]


def test_an_s_field_is_a_new_bytes():
    dt = np.dtype([("n", "S5"), ("v", "i4")])

    def f(a):
        b = a[0]["n"]
        c = a[0]["n"].upper()
        col = a["n"]
        col[0] = b"zz"
        return b, c, a[0]["n"]
    a = np.array([(b"abc", 1), (b"x\x00y", 2)], dtype=dt)
    b = a.copy()
    assert jit(f)(a) == f(b)
    assert (a == b).all()

    def methods(a, i):
        r = a[i]
        return r["n"].strip().upper(), r["n"].find(b"y"), hash(r["n"]), b"A" in r["n"].upper()
    for i in range(2):
        same(methods, b, i)
