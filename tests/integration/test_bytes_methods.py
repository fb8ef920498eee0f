"""bytesm, bytes2 (issue 9): methods and operations on bytes values (an item of an
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
    with pytest.raises(TypeError, match="string argument without an encoding"):  # codec: CPython's error
        jit(from_str)()

    def from_floats():
        return bytes([1.5])
    with pytest.raises(TypingError, match="integers"):
        jit(from_floats)()

    def float_start(b):
        return b.find(b"a", 1.5)
    with pytest.raises(TypingError, match="slice indices"):
        jit(float_start)(b"abc")


def test_identity_of_two_bytes_values_is_refused():
    # CPython's answer hangs on its caches (b'' and one-byte bytes are shared,
    # b[:] is b): only a value and itself, or a value of another type, decide.
    def is_(b, c):
        return b is c
    with pytest.raises(TypingError, match="cannot be decided"):
        jit(is_)(b"abc", b"abc")

    def is_slice(b):
        return b[:] is not b
    with pytest.raises(TypingError, match="cannot be decided"):
        jit(is_slice)(b"abc")


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


# bytes2: operators, slices, and the rest of the methods, against Python.
OPERANDS = [b"", b"a", b"ab\x00", b"\xff\x80", b"hello world"]


def test_concatenation_and_repetition():
    def add(b, c):
        return b + c, c + b"!", b"<" + b
    def mul(b, n):
        return b * n, n * b
    def aug(b, c):
        x = b
        x += c
        x *= 2
        return x, b
    for b in OPERANDS:
        for c in OPERANDS:
            same(add, b, c)
            same(aug, b, c)
        for n in [-3, -1, 0, 1, 2, 5]:
            same(mul, b, n)
        same(mul, b, True)
        same(mul, b, False)


def test_operators_on_s_items():
    def f(x, i, j):
        return x[i] + x[j], x[i] * 2, (x[i] + x[j]).upper(), len(x[i] * 3)
    for a in arrays():
        for i in range(len(a)):
            same(f, a, i, (i * 7) % len(a))


def test_repetition_overflow():
    def mul(b, n):
        return b * n
    same(mul, b"ab", 2**62)
    same(mul, b"ab", np.uint64(2**63))
    same(mul, b"ab", np.uint64(3))
    same(mul, b"ab", np.int8(-2))


def test_operators_refused():
    for f in (lambda b: b + 1, lambda b: b + "a", lambda b: b * b, lambda b: b - b, lambda b: b * 1.5):
        with pytest.raises(TypingError, match="not supported between"):
            jit(f)(b"ab")


def test_identity_decided():
    def f(b):
        c = b
        one = 1
        text = "ab"
        return b is None, b is not None, b is b, c is not b, b is one, b is text, one is not b
    same(f, b"ab")

    def default(b, sep=None):
        if sep is None:
            return b.strip()
        return b.strip(sep)
    same(default, b" ab ")
    same(default, b" ab ", b"a ")


def test_comparisons():
    def f(b, c):
        return b < c, b <= c, b > c, b >= c, b == c, b != c
    for b in OPERANDS + [b"a\x00"]:
        for c in OPERANDS + [b"a\x00"]:
            same(f, b, c)


SLICES = [(None, None, None), (1, None, None), (None, -1, None), (-2, None, None), (5, 1, None), (None, None, 2),
          (None, None, -1), (-1, 0, -2), (1, 100, 3), (-100, 100, None), (3, 3, None)]


def test_slices_are_bytes():
    def f(b, i, j, k):
        return b[i:j:k]
    def g(b, i, j, k):
        t = b[i:j:k]
        return t == b[i:j:k], len(t), t.upper(), t + b"!", isinstance(t, bytes), t[1:] if len(t) > 1 else t
    for b in OPERANDS + [bytes(range(256))]:
        for sl in SLICES:
            same(f, b, *sl)
            same(g, b, *sl)

    def simple(b):
        return b[1:], b[:-1], b[::2], b[::-1], b[1:] == b"bc", b[1:] < b"c"
    same(simple, b"abc")

    def zero_step(b):
        return b[::0]
    same(zero_step, b"abc")


def test_slices_of_s_items():
    def f(x, i):
        return x[i][1:], x[i][::-1], x[i][:2].upper(), x[i][1:] == x[i][1:]
    for a in arrays():
        for i in range(len(a)):
            same(f, a, i)

    def new(x):  # a slice is a new bytes: writing the array after does not change it
        s = x[0][1:]
        x[0] = b"zzzz"
        return s
    a = np.array([b"abcd"], dtype="S4")
    assert jit(new)(a) == b"bcd"


SEPS = [None, b" ", b"a", b"ab", b"\x00", b"xyz"]
SPLIT_SAMPLES = SAMPLES + [b"  a  b  ", b"a b c d", b"ab", b"aXbXc", b"\xffa\xff", b" \t\n"]


@pytest.mark.parametrize("name", ["split", "rsplit"])
def test_split(name):
    ns = {}
    exec(f"def f(b, sep, n):\n    return b.{name}(sep, n)\n"
         f"def g(b):\n    return b.{name}()\n"
         f"def h(b, sep):\n    return b.{name}(sep)\n"
         f"def k(b, n):\n    return b.{name}(maxsplit=n)\n", ns)
    for b in SPLIT_SAMPLES:
        same(ns["g"], b)
        for sep in SEPS:
            if sep is not None:
                same(ns["h"], b, sep)
            for n in [-1, 0, 1, 2, 5]:
                same(ns["f"], b, sep, n)
                same(ns["k"], b, n)
        same(ns["h"], b, b"")  # ValueError: empty separator


def test_split_of_s_items():
    def f(x, i):
        return x[i].split(), x[i].split(b"a"), x[i].rsplit(None, 1)
    for a in arrays():
        for i in range(len(a)):
            same(f, a, i)


def test_join():
    def lst(sep, parts):
        return sep.join(list(parts))
    def built(sep, a, b):
        return sep.join([a, b, a]), sep.join([b]), sep.join(bytes(a).split(b"a"))
    for sep in [b"", b",", b", ", b"\xff"]:
        for parts in [(b"a",), (b"a", b"", b"bc"), (b"", b""), (b"x\x00", b"\x80")]:
            same(lst, sep, parts)
            same(built, sep, parts[0], parts[-1])

    def tup(sep):
        return sep.join((b"a", b"bb", b"")), sep.join([b"q"])
    for sep in [b"", b"-", b"--"]:
        same(tup, sep)

    def items(x):
        return b"|".join([x[0], x[1], x[0]])
    same(items, np.array([b"ab", b"c"], dtype="S3"))

    def ints(sep):
        return sep.join([1, 2])
    with pytest.raises(TypingError, match="bytes"):
        jit(ints)(b",")


@pytest.mark.parametrize("name", ["partition", "rpartition"])
def test_partition(name):
    ns = {}
    exec(f"def f(b, sep):\n    return b.{name}(sep)\n", ns)
    for b in SPLIT_SAMPLES:
        for sep in [b"a", b"ab", b" ", b"\x00", b"zz", b"", b"\xff"]:
            same(ns["f"], b, sep)


def test_replace():
    def f(b, old, new, n):
        return b.replace(old, new, n)
    def g(b, old, new):
        return b.replace(old, new)
    for b in [b"", b"a", b"abcab", b"aaaa", b"a\x00a", b"\xff\xff"]:
        for old in [b"", b"a", b"ab", b"aa", b"\x00", b"\xff", b"zz"]:
            for new in [b"", b"-", b"XYZ"]:
                same(g, b, old, new)
                for n in [-1, 0, 1, 2, 100]:
                    same(f, b, old, new, n)


def test_hex():
    def f(b):
        return b.hex()
    def g(b, sep, n):
        return b.hex(sep, n)
    def h(b, sep):
        return b.hex(sep)
    for b in [b"", b"a", b"abcde", bytes(range(256)), b"\x00\xff\x10"]:
        same(f, b)
        for sep in [":", b"-", " ", "\xe9", b"\xe9", "ab", b""]:
            same(h, b, sep)
            for n in [-3, -2, -1, 0, 1, 2, 3, 100]:
                same(g, b, sep, n)
    assert jit(f)(b"\x01\xab") == "01ab" == b"\x01\xab".hex()


@pytest.mark.parametrize("name", ["ljust", "rjust", "center"])
def test_padding(name):
    ns = {}
    exec(f"def f(b, w):\n    return b.{name}(w)\n"
         f"def g(b, w, c):\n    return b.{name}(w, c)\n", ns)
    for b in [b"", b"a", b"ab", b"abc", b"\xff\x00"]:
        for w in [-1, 0, 1, 2, 3, 4, 5, 8, 9]:
            same(ns["f"], b, w)
            for c in [b"*", b"\xff", b"", b"ab"]:
                same(ns["g"], b, w, c)


def test_zfill_and_expandtabs():
    def z(b, w):
        return b.zfill(w)
    for b in [b"", b"1", b"-1", b"+12", b"-", b"+", b"a-1", b"\xff"]:
        for w in [-1, 0, 1, 2, 3, 5]:
            same(z, b, w)

    def e(b, n):
        return b.expandtabs(n)
    def e8(b):
        return b.expandtabs()
    for b in [b"", b"a\tb", b"\t\t", b"ab\ncd\te", b"\r\tx", b"abcdefgh\ti", b"\xff\t"]:
        same(e8, b)
        for n in [-1, 0, 1, 3, 4, 8]:
            same(e, b, n)
