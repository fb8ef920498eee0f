"""codec (issue 9): bytes.decode, str.encode, bytes(s, encoding) and
str(b, encoding) with the UTF-8, ASCII and Latin-1 codecs, and bytes as dict
keys and set items. Every result (the value, or the exception's class,
args and message) is compared with plain Python on generated inputs: empty,
ASCII, multi-byte UTF-8, every kind of invalid sequence, surrogates, Latin-1
above 0x7f. The codec is a constant chosen when compiling: a run-time
encoding, another codec or another error handler is refused, located."""
import codecs
import itertools

import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError

VALID = [b"", b"a", b"abc", b"caf\xc3\xa9", b"\xc2\x80\xc3\xbf", b"\xc4\x80", b"\xe2\x82\xac uro",
         b"\xf0\x9f\x98\x80!", b"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", b"\xef\xbf\xbf\xf4\x8f\xbf\xbf",
         b"\x00\x7f", b"\xed\x9f\xbf\xee\x80\x80"]
INVALID = [b"\xff", b"\x80", b"abc\x80def", b"\xc3", b"a\xc3", b"\xe2\x82", b"\xe2\x28\xa1", b"\xf0\x90\x28",
           b"\xf0\x90\x80\x28", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xc0\x80",
           b"\xc1\xbf", b"a\xf0\x9f\x98", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xf0\x80\x80\x80",
           b"\xf0\x8f\xbf\xbf", b"\xf5\x80\x80\x80", b"\xf8", b"\xfe\xff", b"caf\xe9", b"\xe2\x82\xe2\x82\xac",
           b"\xf1\x80\x80", b"\xf1\x80", b"\xf1", b"\xed\xa0", b"\xe0\xa0"]
BYTES = VALID + INVALID
STRS = ["", "a", "abc", "caf\xe9", "\x80\xff", "\u0100", "\u20acuro", "\U0001f600!", "a\xe9\u20ac\U0001f600z",
        "\ud800", "a\ud800b", "\udc80\udc81x", "x\ud83d\ude00", "\uffff\U0010ffff", "\x00\x7f", "\xe9\xe9\u20ac\xe9"]

UTF8_NAMES = ["utf-8", "utf8", "utf_8", "UTF-8", "UTF8", "utf", "u8", "U8"]
ASCII_NAMES = ["ascii", "ASCII", "us-ascii", "US-ASCII", "us_ascii", "646"]
LATIN1_NAMES = ["latin-1", "latin1", "latin_1", "Latin-1", "LATIN-1", "iso-8859-1", "iso8859-1", "ISO-8859-1",
                "iso_8859_1", "8859", "cp819", "latin", "l1", "L1"]


def outcome(f, *args):
    try:
        r = f(*args)
    except Exception as e:  # noqa: BLE001 - compared with Python's
        return ("raises", type(e), e.args, str(e))
    return ("returns", type(r), r)


def check(pyfunc, inputs):
    cfunc = jit(pyfunc)
    for x in inputs:
        want = outcome(pyfunc, x)
        assert outcome(cfunc, x) == want, (pyfunc.__name__, x)


def fn(body):
    ns = {}
    exec(f"def f(x):\n    return {body}\n", ns)
    return ns["f"]


@pytest.mark.parametrize("names,canonical", [(UTF8_NAMES, "utf-8"), (ASCII_NAMES, "ascii"),
                                             (LATIN1_NAMES, "iso8859-1")])
def test_the_names_accepted_are_the_codecs_pythons(names, canonical):
    for name in names:
        assert codecs.lookup(name).name == canonical, name


@pytest.mark.parametrize("encoding", ["utf-8", "ascii", "latin-1"])
def test_decode_matches_python(encoding):
    check(fn(f"x.decode({encoding!r})"), BYTES)


@pytest.mark.parametrize("encoding", ["utf-8", "ascii", "latin-1"])
def test_encode_matches_python(encoding):
    check(fn(f"x.encode({encoding!r})"), STRS)


def test_decode_and_encode_defaults_and_keywords():
    check(fn("x.decode()"), BYTES)
    check(fn("x.decode(errors='strict')"), BYTES)
    check(fn("x.decode(encoding='latin1', errors='strict')"), BYTES)
    check(fn("x.encode()"), STRS)
    check(fn("x.encode(encoding='ascii')"), STRS)
    check(fn("x.encode('iso-8859-1', 'strict')"), STRS)


@pytest.mark.parametrize("name", UTF8_NAMES[1:] + ASCII_NAMES[1:3] + LATIN1_NAMES[1:4])
def test_aliases_decode_and_encode_as_their_codec(name):
    check(fn(f"x.decode({name!r})"), BYTES[:3] + INVALID[:3])
    check(fn(f"x.encode({name!r})"), STRS[:4] + STRS[9:11])


def test_bytes_and_str_constructors():
    check(fn("bytes(x, 'utf-8')"), STRS)
    check(fn("bytes(x, encoding='latin-1')"), STRS)
    check(fn("bytes(x, 'ascii', 'strict')"), STRS)
    check(fn("str(x, 'utf-8')"), BYTES)
    check(fn("str(x, encoding='ascii')"), BYTES)
    check(fn("str(x, 'latin-1', errors='strict')"), BYTES)
    check(fn("str(x, errors='strict')"), BYTES)


def test_bytes_constructor_errors_as_python():
    check(fn("bytes(len(x), 'utf-8')"), [b"ab"])
    check(fn("bytes(len(x), errors='strict')"), [b"ab"])
    check(fn("bytes(x)"), ["abc", ""])  # TypeError: string argument without an encoding


def test_round_trips_and_use_in_code():
    def f(s):
        b = s.encode("utf-8")
        t = b.decode("utf-8")
        return t == s, len(b), t + "!", b[::-1].decode("latin-1")

    check(f, [s for s in STRS if not any(0xD800 <= ord(c) <= 0xDFFF for c in s)])


def test_s_array_items_decode():
    a = np.array([b"abc", b"caf\xc3\xa9", b"\xff"], dtype="S5")

    def f(a, i):
        return a[i].decode("utf-8")

    cf = jit(f)
    for i in range(len(a)):
        assert outcome(cf, a, i) == outcome(f, a, i)


def test_the_exception_can_be_caught_in_compiled_code():
    def f(b):
        try:
            return b.decode("ascii")
        except UnicodeDecodeError:
            return "bad"
        except ValueError:
            return "value"

    check(f, [b"ok", b"\xff", b""])

    def g(s):
        try:
            return s.encode("latin-1")
        except ValueError:  # UnicodeEncodeError is a ValueError
            return b"?"

    check(g, ["ok", "\u20ac", ""])


def test_a_run_time_encoding_is_refused_located():
    def f(b, enc):
        return b.decode(enc)

    with pytest.raises(TypingError, match="encoding must be a constant str"):
        jit(f)(b"abc", "utf-8")

    def g(s, enc):
        return bytes(s, enc)

    with pytest.raises(TypingError, match="encoding must be a constant str"):
        jit(g)("abc", "utf-8")


@pytest.mark.parametrize("body,match", [
    ("x.decode('utf-16')", "unsupported encoding"),
    ("x.decode('cp1252')", "unsupported encoding"),
    ("x.decode('utf-8', 'replace')", "only the 'strict' error handler"),
    ("x.decode('ascii', errors='ignore')", "only the 'strict' error handler"),
    ("str(x, 'utf-8', 'surrogateescape')", "only the 'strict' error handler"),
])
def test_other_codecs_and_handlers_are_refused(body, match):
    with pytest.raises(TypingError, match=match):
        jit(fn(body))(b"abc")


@pytest.mark.parametrize("body,match", [
    ("x.encode('utf-32')", "unsupported encoding"),
    ("x.encode('utf-8', 'xmlcharrefreplace')", "only the 'strict' error handler"),
    ("bytes(x, 'ascii', 'backslashreplace')", "only the 'strict' error handler"),
])
def test_encode_refusals(body, match):
    with pytest.raises(TypingError, match=match):
        jit(fn(body))("abc")


# Bytes as dict keys and set items.

KEYS = [b"", b"a", b"abc", b"\x00", b"\xff\x80", b"abd", b"ab", b"a\x00", b"\x00a"]


def test_hash_of_bytes_is_pythons():
    check(fn("hash(x)"), KEYS + VALID + INVALID)


def test_bytes_dict_keys():
    def f(keys, probe):
        d = {}
        for i, k in enumerate(keys):
            d[k] = i
        d[keys[0]] = 100  # an old key is kept, its value replaced
        out = [len(d), d[keys[0]], d.get(probe, -1), probe in d]
        del d[keys[1]]
        out.append(len(d))
        out.append(keys[1] in d)
        return out

    cf = jit(f)
    for probe in KEYS + [b"zz"]:
        keys = [k for k in KEYS] + [b"abc"]
        assert cf(keys, probe) == f(keys, probe), probe


def test_bytes_dict_literal_and_key_error():
    def f(k):
        d = {b"a": 1, b"bc": 2, b"": 3}
        return d[k]

    cf = jit(f)
    for k in [b"a", b"bc", b"", b"b", b"\xff"]:
        assert outcome(cf, k) == outcome(f, k), k


def test_bytes_set_items():
    def f(items, probe):
        s = set(items)
        t = {b"a", b"b"}
        s.add(b"new")
        return len(s), probe in s, probe in t, probe not in s

    cf = jit(f)
    items = KEYS + [b"a", b"abc"]
    for probe in KEYS + [b"new", b"q"]:
        assert cf(items, probe) == f(items, probe), probe


def test_bytes_keys_from_s_items_and_slices():
    a = np.array([b"x", b"yy", b"x", b"zzz", b"yy"], dtype="S3")

    def f(a, b):
        counts = {}
        for i in range(len(a)):
            k = a[i]
            counts[k] = counts.get(k, 0) + 1
        counts[b[1:3]] = counts.get(b[1:3], 0) + 10
        return counts[b"x"], counts[b"yy"], counts[b"zzz"], len(counts)

    assert jit(f)(a, b"ayyb") == f(a, b"ayyb")


def test_tuples_holding_bytes_keys_are_refused():
    def f(b):
        return {(b, 1): 2}

    with pytest.raises(TypingError, match="a tuple holding bytes as a key is not supported"):
        jit(f)(b"a")


def test_many_generated_keys():
    def f(keys):
        d = {}
        for k in keys:
            d[k] = d.get(k, 0) + 1
        s = set(keys)
        total = 0
        for k in keys:
            total += d[k]
        return len(d), len(s), total

    keys = [bytes(p) for p in itertools.product(range(0, 256, 37), repeat=2)] * 2 + [b""]
    assert jit(f)(keys) == f(keys)
