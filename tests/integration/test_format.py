"""Format specs in compiled code (docs/strings.md, "Format specs"): f-string
fields with specs and conversions, format(), repr(), ascii() and
str.format(), compared with CPython itself over many values and specs (each
compiled function formats one value with every spec of a list, separated by
NULs); bad specs are refused with CPython's ValueError wording, located."""

import math
import random

import numpy as np
import pytest

import kiln
from kiln import jit

SEP = "\U0001f9f1"


def _spec_function(specs, conversion=""):
    """A jitted f(x) returning f"{x<conversion>:<spec>}" for every spec, joined by SEP."""
    fields = SEP.join("{x" + conversion + (":" + s if s else "") + "}" for s in specs)
    src = "def f(x):\n    return f" + repr(fields) + "\n"
    scope = {}
    exec(src, scope)
    return jit(scope["f"])


def _check(specs, values, conversion=""):
    f = _spec_function(specs, conversion)
    for v in values:
        got = f(v).split(SEP)
        want = [format(v if not conversion else {"!r": repr, "!s": str, "!a": ascii}[conversion](v), s)
                for s in specs]
        for s, g, w in zip(specs, got, want):
            assert g == w, (v, s, g, w)


FLOAT_SPECS = [
    "", ".3f", ".0f", "#.0f", "10.4f", "<12.2f", "^12.2f", "*>12.2f", "=+12.2f", "+.2f", " .2f", "012.3f",
    ",.2f", "_.3f", "012,.2f", "015_.1f", ",", "_", "e", ".3e", "E", "#.0e", "+.10e", "g", ".3g", "G", "#g",
    ".12g", ".0g", "#.3g", ".1", ".3", ".17", "#", "#.0", "10", "<10", "%", ".1%", "10.2%", "z.2f", "z.1e",
    "z", "F", ".2F", "n", ".4n", "020", "020,", "0=+15,.3f", "x^20.5e", "-.2f", ",g", "12,.4",
]

INT_SPECS = [
    "", "d", "5d", "<5d", "^7d", "*^7d", "=+7d", "+d", " d", "05d", "010,", ",", "_", "_d", "09,d", "x", "X",
    "#x", "#X", "#010x", "_x", "#_b", "b", "o", "#o", "#b", "08b", "c", "10c", "<3c", "e", ".2e", "f", ".3f",
    "g", ".3g", "%", ".1%", "n", "+,", "0=12_", "€>9", "-^9,", "010_x",
]

STR_SPECS = ["", "s", "10", "<10", ">10", "^10", "^11", "*^9", "€>8", ".2", "10.3", ">5.1s", "05", "<0", "0>7"]


def _floats():
    rng = random.Random(1234)
    vals = [0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.1, 0.3, 1e16, 1e-5, 1e-4, 1e15, 123456789.0,
            1234.5678, -1234.5678, 9.999999, 99.995, 0.0005, 1e300, -1e-300, 5e-324, 1.7976931348623157e308,
            math.inf, -math.inf, math.nan, 100.0, 1e22, 0.00012345]
    for _ in range(60):
        vals.append(rng.uniform(-1, 1) * 10 ** rng.randint(-12, 20))
    for _ in range(20):
        vals.append(float(rng.randint(-10**6, 10**6)))
    return vals


def _ints():
    rng = random.Random(99)
    vals = [0, 1, -1, 7, 65, 97, 255, 1000, -1000, 1234567, 2**31, -(2**31), 2**63 - 1, -(2**63), 0x10FFFF]
    for _ in range(40):
        vals.append(rng.randint(-10**rng.randint(1, 18), 10**rng.randint(1, 18)))
    return vals


def test_float_specs():
    _check(FLOAT_SPECS, _floats())


def test_int_specs():
    specs = [s for s in INT_SPECS if "c" not in s]
    _check(specs, _ints())


def test_int_char_spec():
    _check(["c", "10c", "<3c", "*^5c"], [65, 97, 0x20AC, 0x1D11E, 0x10FFFF])
    f = _spec_function(["c"])
    with pytest.raises(OverflowError):
        f(0x110000)
    with pytest.raises(OverflowError):
        f(-1)


def test_str_specs():
    _check(STR_SPECS, ["", "a", "hello", "straße", "日本語", "a𝄞b", "exactly10!", "much longer than ten"])


def test_bool_specs():
    _check(["", "d", ">5", "<6", "^7", "x", ".2f", "+", "s" if False else "05"], [True, False])


def test_conversions():
    texts = ["", "plain", "it's", 'say "hi"', "both ' and \"", "tab\there\nnew\\line", "\x00\x1f\x7f\x80\xa0\xad",
             "é ü ß", "日本", "a𝄞b", "\u2028\u200b", "\U000e0001"]
    for conv in ("!r", "!s", "!a"):
        _check(["", "30", "^40", ".3"], texts, conv)
        _check(["", ">12"], [0, -5, 2**63 - 1, 1.5, -0.0, 1e16, math.inf], conv)
        _check(["", "^8"], [True, False], conv)


@jit
def builtins_of(x):
    return repr(x), ascii(x), format(x), str(x)


def test_repr_ascii_format_builtins():
    for v in ["ab'c", "ü\n", "日本", 3, -7, 2.5, 1e-7, True]:
        assert builtins_of(v) == (repr(v), ascii(v), format(v), str(v))


@jit
def format_builtin(x, y):
    return format(x, ".2f"), format(y, ">6"), format(x, ""), format(y, "#x")


def test_format_builtin():
    assert format_builtin(3.14159, 42) == (format(3.14159, ".2f"), format(42, ">6"), format(3.14159, ""),
                                           format(42, "#x"))


@jit
def unsigned(a):
    return f"{a[0]}|{a[0]:x}|{a[0]:,}|{a[1]:>6}", str(a[0])


def test_uint64():
    a = np.array([2**64 - 1, 7], dtype=np.uint64)
    v = int(a[0])
    assert unsigned(a) == (f"{v}|{v:x}|{v:,}|{7:>6}", str(v))


@jit
def small_ints(a, b, c):
    return f"{a:+05d} {b:#x} {c:08.3f}"


def test_narrow_types():
    a, b, c = np.int8(-5), np.uint16(65535), np.float32(1.5)
    assert small_ints(a, b, c) == f"{int(a):+05d} {int(b):#x} {float(c):08.3f}"


@jit
def str_format(x, n, s):
    a = "{} and {}".format(x, n)
    b = "{0:.3f}|{1:>5}|{0!r}|{name:^9}|{{literal}}".format(x, n, name=s)
    c = "{:>{}}".format if False else "{2}{1}{0}".format(s, n, x)
    d = "no fields".format()
    e = "{s!r:>12}-{n:_b}".format(n=n, s=s)
    return a, b, c, d, e


def test_str_format():
    for x, n, s in [(1.5, 3, "ab"), (-0.125, -17, "it's"), (1e20, 2**40, "日本")]:
        want = ("{} and {}".format(x, n),
                "{0:.3f}|{1:>5}|{0!r}|{name:^9}|{{literal}}".format(x, n, name=s),
                "{2}{1}{0}".format(s, n, x),
                "no fields".format(),
                "{s!r:>12}-{n:_b}".format(n=n, s=s))
        assert str_format(x, n, s) == want


@jit
def fstring_mix(x, n, s):
    return f"{s}: {x:.2f} ({n:+d}) [{s!r}] {x=}"


def test_fstring_mix():
    assert fstring_mix(2.0 / 3.0, 5, "v") == f"{'v'}: {2.0 / 3.0:.2f} ({5:+d}) [{'v'!r}] x={2.0 / 3.0!r}"


def test_fstring_in_loop_refcounts():
    @jit
    def many(n):
        out = ""
        for i in range(n):
            out = f"{i:03d}|{i * 0.5:>8.2f}|{out[-4:]!r}"
        return out

    def py(n):
        out = ""
        for i in range(n):
            out = f"{i:03d}|{i * 0.5:>8.2f}|{out[-4:]!r}"
        return out

    assert many(50) == py(50)


# Refusals: CPython's ValueError wording, as a located TypingError.
BAD = [
    (1, ".2", "Precision not allowed in integer format specifier"),
    (1, ",x", "Cannot specify ',' with 'x'."),
    (1, "+c", "Sign not allowed with integer format specifier 'c'"),
    ("a", "+", "Sign not allowed in string format specifier"),
    ("a", "=5", "'=' alignment not allowed in string format specifier"),
    ("a", "d", "Unknown format code 'd' for object of type 'str'"),
    (1.0, "d", "Unknown format code 'd' for object of type 'float'"),
    (1, "z", "Negative zero coercion (z) not allowed in integer format specifier"),
    (1, "_,", "Cannot specify both ',' and '_'."),
    (1, "abc", "Invalid format specifier 'abc' for object of type 'int'"),
    (1, ".", "Format specifier missing precision"),
    ("a", ",", "Cannot specify ',' with 's'."),
]


@pytest.mark.parametrize("value,spec,message", BAD)
def test_bad_spec_refused(value, spec, message):
    with pytest.raises(ValueError, match=".*"):
        format(value, spec)  # CPython agrees it is an error
    f = _spec_function([spec])
    with pytest.raises(kiln.TypingError) as e:
        f(value)
    assert message in str(e.value)
    assert "test_format" in str(e.value) or "line" in str(e.value)


def test_non_constant_spec_refused():
    @jit
    def dynamic(x, w):
        return f"{x:{w}}"

    with pytest.raises(kiln.UnsupportedError, match="must be a constant string"):
        dynamic(1.5, ">5")


def test_str_format_refusals():
    @jit
    def attr(x):
        return "{0.real}".format(x)

    with pytest.raises(kiln.UnsupportedError, match="attribute or an item"):
        attr(1.5)

    @jit
    def out_of_range(x):
        return "{} {}".format(x)

    with pytest.raises(kiln.TypingError, match="Replacement index 1 out of range"):
        out_of_range(1)

    @jit
    def not_constant(t, x):
        return t.format(x)

    with pytest.raises(kiln.TypingError, match="not a constant"):
        not_constant("{}", 1)


# The rest of this part (issue 9): str/builtin gaps next to formatting.


@jit
def affixes(s):
    return s.startswith(("ab", "x")), s.endswith(("yz", "c", "q")), s.endswith(("q",), 0, 2)


def test_startswith_endswith_tuple():
    for s in ["abc", "xyz", "", "q", "aq"]:
        assert affixes(s) == (s.startswith(("ab", "x")), s.endswith(("yz", "c", "q")), s.endswith(("q",), 0, 2))


@jit
def zip_nothing():
    n = 0
    for _ in zip():
        n += 1
    return n


def test_zip_of_nothing():
    assert zip_nothing() == 0


@jit
def unpack_range(n):
    a, b, c = range(n, n + 3)
    d, e = range(10, 0, -7)
    return a, b, c, d, e


@jit
def unpack_range_len(n):
    a, b, c = range(n)
    return a + b + c


def test_unpack_range():
    assert unpack_range(4) == (4, 5, 6, 10, 3)
    assert unpack_range_len(3) == 3
    with pytest.raises(ValueError, match="not enough values to unpack"):
        unpack_range_len(2)
    with pytest.raises(ValueError, match="too many values to unpack"):
        unpack_range_len(4)


def test_numba_wording_of_refusals():
    @jit
    def ord_of(x):
        return ord(x)

    with pytest.raises(kiln.TypingError, match="No implementation of function"):
        ord_of(1.5)

    @jit
    def find_from(s, start):
        return s.find("a", start)

    with pytest.raises(kiln.TypingError, match='"start" must be'):
        find_from("abc", 1.5)

    @jit
    def zfill_by(s, w):
        return s.zfill(w)

    with pytest.raises(kiln.TypingError, match="<width> must be an Integer"):
        zfill_by("1", 2.5)
    assert zfill_by("-7", 4) == "-7".zfill(4)


def test_raise_exception_from_a_module():
    @jit
    def raiser(i):
        if i == 3:
            raise np.linalg.LinAlgError
        return i

    assert raiser(1) == 1
    with pytest.raises(np.linalg.LinAlgError):
        raiser(3)


@jit
def optional_eq(p1, p2):
    a = "concrete" if p1 > 0 else None
    b = "concrete" if p2 < 0 else None
    c = "other" if p2 > 5 else None
    return a == b, a != b, a == "concrete", None == b, a == c, c != None  # noqa: E711


def test_optional_str_equality():
    def py(p1, p2):
        a = "concrete" if p1 > 0 else None
        b = "concrete" if p2 < 0 else None
        c = "other" if p2 > 5 else None
        return a == b, a != b, a == "concrete", None == b, a == c, c != None  # noqa: E711

    for p1 in (-1, 1):
        for p2 in (-1, 1, 7):
            assert optional_eq(p1, p2) == py(p1, p2)
