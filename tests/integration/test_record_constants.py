"""records (issue 8): record arrays, np.recarray and np.record read from
globals (frozen constants, their bytes in the cache key), 0-d global arrays,
bytes literals, S fields of arrays of records (a.s, a char array view),
dtype titles, and empty_like/zeros_like of a record. Each result is
compared with plain Python/NumPy on the same inputs."""
import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError

X_DT = np.dtype([("a", np.int32), ("b", np.float32)])
REC = np.recarray(6, dtype=X_DT)
for _i in range(6):
    REC[_i].a = 3 * _i - 7
    REC[_i].b = _i + 0.5
PLAIN = np.zeros(4, dtype=[("x", np.int8), ("y", "S3"), ("z", np.float64)])
PLAIN["x"] = [1, -2, 3, -4]
PLAIN["y"] = [b"ab", b"xyz", b"", b"q"]
PLAIN["z"] = [0.5, 1.5, -2.5, 3.25]
STRIDED = PLAIN[::-2]
ONE = np.recarray(1, dtype=X_DT)[0]
ONE.a = 11
ONE.b = -1.5
ZERO_D = np.array(42)
ZERO_D_F = np.array(2.5)


def copy_rec(out):
    for i in range(len(out)):
        out[i] = REC[i]


def test_recarray_global_copied():
    out = np.zeros(6, dtype=X_DT)
    jit(copy_rec)(out)
    np.testing.assert_equal(out, np.asarray(REC))


def fields_of(i):
    return REC[i].a, REC[i].b, PLAIN[i]["x"], PLAIN[i]["z"], STRIDED[1]["z"]


@pytest.mark.parametrize("i", [0, 1, 3, -1])
def test_record_array_fields(i):
    assert jit(fields_of)(i) == fields_of(i)


def field_views():
    return REC.a.sum(), PLAIN["z"].sum(), STRIDED["x"][1]


def test_record_array_field_views():
    assert jit(field_views)() == field_views()


def global_record(x):
    return x.a == ONE.a, ONE.b * 2


def test_global_np_record():
    r = np.recarray(1, dtype=X_DT)[0]
    r.a = 11
    assert jit(global_record)(r) == (True, -3.0)
    r.a = 12
    assert jit(global_record)(r) == (False, -3.0)


def write_global_record():
    ONE.a = 5


def test_global_record_is_read_only():
    with pytest.raises(TypingError):
        jit(write_global_record)()


def write_global_record_array():
    REC[0].a = 5


def test_global_record_array_is_read_only():
    with pytest.raises(TypingError):
        jit(write_global_record_array)()
    assert REC[0].a == -7


def zero_d():
    return ZERO_D[()] + 1, ZERO_D_F[()], ZERO_D.ndim, ZERO_D.sum()


def test_zero_d_global_array():
    assert jit(zero_d)() == (43, 2.5, 0, 42)


def bytes_literal():
    a = np.frombuffer(b"foo\x00\xff", dtype=np.uint8)
    return a, isinstance(b"x", bytes), len(b"hello"), b"abc"[1]


def test_bytes_literal():
    got = jit(bytes_literal)()
    want = bytes_literal()
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1:] == want[1:]


def char_field_items(a, i):
    return a["y"][i], a[i]["y"], len(a["y"][i])


@pytest.mark.parametrize("arr", [PLAIN, STRIDED, np.ascontiguousarray(np.asarray(PLAIN), dtype=np.dtype(
    [("x", np.int8), ("y", "S3"), ("z", np.float64)], align=True))], ids=["packed", "strided", "aligned"])
def test_char_field_view(arr):
    f = jit(char_field_items)
    for i in range(len(arr)):
        assert f(arr, i) == char_field_items(arr, i)


def print_char_field(a):
    for k in range(len(a)):
        print(a["y"][k], a[k]["z"])


def test_print_char_field(capsys):
    print_char_field(PLAIN)
    want = capsys.readouterr().out
    jit(print_char_field)(PLAIN)
    assert capsys.readouterr().out == want


TITLED = np.dtype([(("x", "s0"), "i4"), (("y", "s1"), "f8")])


def titled(a):
    for i in range(len(a)):
        a[i]["s0"] = i + 1
        a[i]["x"] += 10
        a[i]["y"] = a[i]["s1"] + 0.5
    return a


def test_titles_name_fields():
    a = np.zeros(3, dtype=TITLED)
    got = jit(titled)(a.copy())
    np.testing.assert_equal(got, titled(a.copy()))
    assert got.dtype == TITLED


def like_record(r):
    return np.zeros_like(r), np.empty_like(r)


def test_like_of_a_record():
    a = np.zeros(2, dtype=X_DT)
    a[1]["a"] = 3
    z, e = jit(like_record)(a[1])
    assert z.shape == () and e.shape == () and z.dtype == X_DT and e.dtype == X_DT
    np.testing.assert_equal(z, np.zeros_like(a[1]))


NESTED = np.zeros(3, dtype=np.dtype([("a", np.int8), ("b", np.float64), ("c", [("p", np.int16), ("q", np.float32)])],
                                    align=True))
NESTED["a"] = [1, 2, 3]
NESTED["b"] = [0.5, 1.5, 2.5]
NESTED["c"]["q"] = [7, 8, 9]
RNESTED = np.rec.array(NESTED)
REC0 = np.zeros((), dtype=[("a", np.int32)])
REC0["a"] = 5
BIG_ENDIAN = np.zeros(2, dtype=[("a", ">i4")])


def nested_global(i):
    return NESTED[i]["a"], NESTED[i]["b"], NESTED[i]["c"]["q"], RNESTED[i].c.q, RNESTED.b.sum(), REC0[()]["a"]


@pytest.mark.parametrize("i", [0, 2])
def test_nested_aligned_and_0d_record_globals(i):
    assert jit(nested_global)(i) == nested_global(i)


def big_endian():
    return BIG_ENDIAN[0]["a"]


def test_big_endian_record_global_refused():
    with pytest.raises(TypingError, match="BIG_ENDIAN"):
        jit(big_endian)()


def test_record_global_bytes_in_cache_key():
    scope = {"np": np}
    exec("def read(i):\n    return G[i]['a'] + G[i]['b']\n", scope)
    read = scope["read"]
    scope["G"] = np.array([(1, 0.5), (2, 1.5)], dtype=X_DT)
    assert jit(read)(1) == 3.5
    scope["G"] = np.array([(10, 0.25), (20, 0.75)], dtype=X_DT)  # same type, other bytes: a new key
    assert jit(read)(1) == 20.75
