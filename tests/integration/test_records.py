"""records (issue 8 part 1): structured dtypes. Arrays of records passed in
(packed and aligned dtypes, nested records, any layout), typed as Numba
types them ("array(Record(a[type=int16;offset=0],...;size;aligned), 1d, C)");
fields read and written through a[i].x, a[i]['x'], r[0], a constant string
variable, a['x'] and a.x (strided views of the same memory); np.void
records passed in (written through) and returned (a copy, as np.void).
Each result is compared with NumPy on the same inputs, and every write is
checked from NumPy's side."""
import gc

import numpy as np
import pytest

import kiln
from kiln import jit
from kiln.errors import TypingError, UnsupportedError

PACKED = np.dtype([("a", np.int16), ("b", np.float64), ("c", np.uint8), ("d", np.complex64), ("e", np.bool_)])
ALIGNED = np.dtype([("a", np.int16), ("b", np.float64), ("c", np.uint8), ("d", np.complex64), ("e", np.bool_)],
                   align=True)
NESTED = np.dtype([("x", np.int32), ("inner", ALIGNED), ("y", np.float32)])


def sample(dtype, n=5):
    a = np.zeros(n, dtype=dtype)
    for i in range(n):
        a[i]["a"] = 3 * i - 4
        a[i]["b"] = 0.5 * i + 0.25
        a[i]["c"] = 250 + i if i < 5 else i
        a[i]["d"] = complex(i, -i)
        a[i]["e"] = i % 2 == 0
    return a


def read_fields(a, i):
    r = a[i]
    return r.a, r.b, r.c, r.d, r.e


@pytest.mark.parametrize("dtype", [PACKED, ALIGNED], ids=["packed", "aligned"])
def test_field_reads_by_attribute(dtype):
    a = sample(dtype)
    f = jit(read_fields)
    for i in range(len(a)):
        got = f(a, i)
        want = read_fields(a.view(np.recarray), i)
        assert got == pytest.approx(want)
        assert type(got[4]) is bool


def sum_b(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]["b"] * a[i].a
    return s


@pytest.mark.parametrize("dtype", [PACKED, ALIGNED], ids=["packed", "aligned"])
def test_field_reads_by_name_in_a_loop(dtype):
    a = sample(dtype, 9)
    r = a.view(np.recarray)
    assert jit(sum_b)(a) == pytest.approx(sum_b(r))
    # a strided (non-contiguous) array of records
    assert jit(sum_b)(a[::2]) == pytest.approx(sum_b(r[::2]))
    assert jit(sum_b)(a[::-3]) == pytest.approx(sum_b(r[::-3]))


def by_position_and_variable(a, i):
    name = "b"
    r = a[i]
    return r[0] + r[name]


def test_field_by_position_and_constant_variable():
    a = sample(PACKED)
    assert jit(by_position_and_variable)(a, 3) == pytest.approx(by_position_and_variable(a, 3))


def write_fields(a, i, v):
    a[i].a = v
    a[i]["b"] = v * 1.5
    r = a[i]
    r.c = 7
    r["e"] = False
    r.d = complex(v, 2.0)


@pytest.mark.parametrize("dtype", [PACKED, ALIGNED], ids=["packed", "aligned"])
def test_writes_reach_numpy(dtype):
    a = sample(dtype)
    b = a.copy()
    jit(write_fields)(a, 2, 11)
    write_fields(b.view(np.recarray), 2, 11)
    np.testing.assert_array_equal(a, b)
    assert a[2]["a"] == 11 and a[2]["b"] == 16.5 and a[2]["c"] == 7 and not a[2]["e"]


def field_view(a):
    return a["b"]


def field_attr_view(a):
    return a.a


def test_field_views_share_memory():
    a = sample(PACKED)
    v = jit(field_view)(a)
    np.testing.assert_array_equal(v, a["b"])
    v[1] = -99.0  # the view is the same memory
    assert a[1]["b"] == -99.0
    w = jit(field_attr_view)(a.view(np.recarray))
    np.testing.assert_array_equal(w, a["a"])


def scale_field(a, k):
    x = a["b"]
    for i in range(x.shape[0]):
        x[i] *= k
    return x.sum()


@pytest.mark.parametrize("dtype", [PACKED, ALIGNED], ids=["packed", "aligned"])
def test_writes_through_a_field_view(dtype):
    a = sample(dtype, 7)
    b = a.copy()
    got = jit(scale_field)(a, 3.0)
    want = scale_field(b, 3.0)
    assert got == pytest.approx(want)
    np.testing.assert_array_equal(a, b)


def nested_read(a, i):
    return a[i].x + a[i].inner.b + a[i]["inner"]["a"] + a[i].y


def nested_write(a, i, v):
    a[i].inner.a = v
    a[i]["inner"].b = v / 2


def test_nested_records():
    a = np.zeros(4, dtype=NESTED)
    a["x"] = [1, 2, 3, 4]
    a["inner"]["b"] = [0.5, 1.5, 2.5, 3.5]
    a["inner"]["a"] = [-1, -2, -3, -4]
    a["y"] = 0.25
    for i in range(4):
        assert jit(nested_read)(a, i) == pytest.approx(nested_read(a.view(np.recarray), i))
    b = a.copy()
    jit(nested_write)(a, 1, 9)
    nested_write(b.view(np.recarray), 1, 9)
    np.testing.assert_array_equal(a, b)


def copy_record(a, i, j):
    a[i] = a[j]


def test_copying_records():
    a = sample(PACKED)
    b = a.copy()
    jit(copy_record)(a, 0, 3)
    copy_record(b, 0, 3)
    np.testing.assert_array_equal(a, b)


def get_record(a, i):
    return a[i]


def record_arg(r):
    r.a = r.a + 1
    return r.b * 2


def test_record_scalars_in_and_out():
    a = sample(PACKED)
    r = jit(get_record)(a, 2)
    assert isinstance(r, np.record) and r.dtype == np.dtype((np.record, PACKED))
    assert r.a == a[2]["a"]  # a np.record, as Numba returns
    assert r.tobytes() == a[2].tobytes()
    a[2]["a"] = 1000  # the result is a copy
    assert r["a"] != 1000
    rec = a[1]
    assert a[1]["a"] == -1
    assert jit(record_arg)(rec) == pytest.approx(2 * a[1]["b"])
    assert a[1]["a"] == 0  # written through the np.void to the array


def two_d(a):
    s = 0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            s += a[i, j].a
    return s


def test_two_dimensional_and_fortran():
    a = sample(PACKED, 12).reshape(3, 4)
    assert jit(two_d)(a) == two_d(a.view(np.recarray))
    assert jit(two_d)(np.asfortranarray(a)) == two_d(a.view(np.recarray))


def test_type_spelling_and_overloads():
    f = jit(sum_b)
    f(sample(PACKED))
    f(sample(ALIGNED))
    sigs = [str(s) for s in f.signatures] if hasattr(f, "signatures") else []
    if sigs:
        assert any("Record(a[type=int16;offset=0],b[type=float64;offset=2]" in s for s in sigs), sigs
        assert any(";True)" in s for s in sigs), sigs


def no_such_field(a):
    return a[0].zz


def store_wrong_type(a):
    a[0].a = "text"


def test_refusals():
    with pytest.raises(TypingError, match="Field 'zz' was not found in record"):
        jit(no_such_field)(sample(PACKED))
    with pytest.raises(TypingError, match="cannot store"):
        jit(store_wrong_type)(sample(PACKED))


def attribute_store_elsewhere(a):
    a.shape = 3


def test_attribute_store_on_other_objects_is_refused():
    with pytest.raises((TypingError, UnsupportedError), match="attribute assignment"):
        jit(attribute_store_elsewhere)(np.zeros(3))


FIELDS = ("a", "b")


from kiln import literal_unroll  # noqa: E402


def unrolled(r):
    out = 0.0
    for f in literal_unroll(("a", "b")):
        out += r[f]
    for f in literal_unroll(FIELDS):
        out += r[f]
    fs = ("c", "a")
    return out + r[fs[0]]


def test_constant_field_names_from_tuples_and_literal_unroll():
    a = sample(PACKED)
    want = 2 * (a[3]["a"] + a[3]["b"]) + a[3]["c"]
    assert jit(unrolled)(a[3]) == pytest.approx(want)


def no_field_by_name(r):
    fs = ("a", "zz")
    return r[fs[1]]


def test_missing_field_in_numba_words():
    with pytest.raises(TypingError, match=r"Field 'zz' was not found in record with fields \('a', 'b', 'c', 'd', 'e'\)"):
        jit(no_field_by_name)(sample(PACKED)[0])


def make_records(n):
    a = np.zeros(n, dtype=PACKED)
    for i in range(n):
        a[i].a = i
        a[i].b = i * 0.5
    b = np.empty(n, dtype=a.dtype)
    for i in range(n):
        b[i] = a[n - 1 - i]
    return b


def test_record_arrays_created_in_compiled_code():
    got = jit(make_records)(4)
    assert got.dtype == PACKED
    np.testing.assert_array_equal(got["a"], [3, 2, 1, 0])
    np.testing.assert_array_equal(got["b"], [1.5, 1.0, 0.5, 0.0])
    np.testing.assert_array_equal(got["c"], 0)


WITH_STR = np.dtype([("a", np.float64), ("b", np.int16), ("d", "U5")])


def read_str(a, i):
    return a[i].d, a[i]["d"] == "xyz", len(a[i].d)


def test_string_fields_read_as_str():
    a = np.zeros(3, dtype=WITH_STR)
    a["d"] = ["xyz", "", "héllo"]
    f = jit(read_str)
    for i in range(3):
        s = str(a[i]["d"])
        assert f(a, i) == (s, s == "xyz", len(s))


def store_str(a):
    a[0].d = "abc"


def test_string_field_stores_are_refused():
    with pytest.raises(TypingError, match="string field"):
        jit(store_str)(np.zeros(1, dtype=WITH_STR))


def test_numba_spelling_of_record_types():
    from kiln import _kiln
    a = np.zeros(2, dtype=np.dtype([("a", np.int16), ("b", np.float64)]))
    assert _kiln.typeof(a) == "array(Record(a[type=int16;offset=0],b[type=float64;offset=2];10;False), 1d, C)"
    assert _kiln.typeof(a[0]) == "Record(a[type=int16;offset=0],b[type=float64;offset=2];10;False)"
    al = np.zeros(4, dtype=np.dtype([("a", np.int16), ("b", np.float64)], align=True))
    assert _kiln.typeof(al[::2]) == "array(Record(a[type=int16;offset=0],b[type=float64;offset=8];16;True), 1d, A)"
    # records2: a subarray field, Numba's nestedarray
    assert _kiln.typeof(np.zeros(2, dtype=[("x", "f8", (3,))])) == \
        "array(Record(x[type=nestedarray(float64, (3,));offset=0];24;False), 1d, C)"
    # fields Kiln has no type for: no type (refused as an argument)
    assert _kiln.typeof(np.zeros(2, dtype=[("x", "O")])) is None


def b_of(a, i):
    return a[i].b


def test_eager_signature_with_a_record_type():
    f = jit("float64(array(Record(a[type=int16;offset=0],b[type=float64;offset=2];10;False), 1d, A), int64)")(b_of)
    a = np.zeros(3, dtype=np.dtype([("a", np.int16), ("b", np.float64)]))
    a["b"] = [1.5, 2.5, 3.5]
    assert f(a, 2) == 3.5
    assert f(a[::2], 1) == 3.5


def test_records_of_read_only_arrays_refuse_writes():
    a = sample(PACKED)
    a.flags.writeable = False
    with pytest.raises(TypingError, match="read-only"):
        jit(write_fields)(a, 1, 3)
    assert jit(sum_b)(a) == pytest.approx(sum_b(a.view(np.recarray)))


# records2: subarray fields (Numba's nestedarray): r.x is a C array view of
# the field's bytes, written through to the array.
SUB = np.dtype([("a", np.int32), ("x", np.float64, (3,)), ("m", np.int16, (2, 3))])


def sub_sample(n=4):
    a = np.zeros(n, dtype=SUB)
    for i in range(n):
        a[i]["a"] = i - 1
        a[i]["x"] = [0.5 * i, 1.5 + i, -2.0 * i]
        a[i]["m"] = np.arange(6).reshape(2, 3) * (i + 1)
    return a


def sub_sum(a):
    s = 0.0
    for i in range(a.shape[0]):
        r = a[i]
        for j in range(r.x.shape[0]):
            s += r.x[j] * (j + 1)
        s += r.m[1, 2] - r.m[0, 1]
    return s


def sub_write(a, i, v):
    a[i].x[1] = v
    r = a[i]
    r.m[0, 2] = 7
    r["x"][2] = v + 1


def sub_views(a):
    return a["x"], a.m


def sub_len_and_ops(a, i):
    x = a[i].x
    return len(x), x.sum(), x.ndim, a[i].m.shape


def test_subarray_field_reads():
    a = sub_sample()
    f = jit(sub_sum)
    assert f(a) == pytest.approx(sub_sum(a.view(np.recarray)))
    assert jit(sub_len_and_ops)(a, 2) == (3, pytest.approx(a[2]["x"].sum()), 1, (2, 3))


def test_subarray_field_writes_reach_numpy():
    a = sub_sample()
    b = a.copy()
    jit(sub_write)(a, 2, 9.5)
    b[2]["x"][1] = 9.5
    b[2]["m"][0, 2] = 7
    b[2]["x"][2] = 10.5
    assert a.tobytes() == b.tobytes()


def test_subarray_field_of_an_array_is_a_view():
    a = sub_sample(5)
    x, m = jit(sub_views)(a)
    assert x.shape == (5, 3) and m.shape == (5, 2, 3)
    np.testing.assert_array_equal(x, a["x"])
    np.testing.assert_array_equal(m, a["m"])
    x[1, 2] = 42.0  # the same memory
    assert a[1]["x"][2] == 42.0
    s = a[::2]
    x2, m2 = jit(sub_views)(s)
    np.testing.assert_array_equal(x2, s["x"])
    np.testing.assert_array_equal(m2, s["m"])


def sub_store(a):
    a[0].x = 1.0


def sub_store_array(a, i, v, m):
    a[i].x = v
    a[i]["m"] = m


def sub_store_record(src, dest):
    dest["x"] = src["x"]
    dest.m = src["m"]


def sub_store_bad(a):
    a[0].x = np.ones((2, 3))


def test_subarray_field_stores_copy_as_numpy():
    # records3: a whole-field store copies into the subarray, broadcast as NumPy's.
    a, b = sub_sample(), sub_sample()
    jit(sub_store)(a)
    b[0]["x"] = 1.0
    assert a.tobytes() == b.tobytes()
    v = np.array([4.5, -1.0, 2.25])
    m = np.arange(6).reshape(2, 3)
    jit(sub_store_array)(a, 3, v, m)
    b[3]["x"] = v
    b[3]["m"] = m
    assert a.tobytes() == b.tobytes()
    row = np.array([7, 8, 9], dtype=np.int64)  # (3,) broadcast over (2, 3)
    jit(sub_store_array)(a, 1, np.array([1.0]), row)
    b[1]["x"] = np.array([1.0])
    b[1]["m"] = row
    assert a.tobytes() == b.tobytes()
    src, dest = sub_sample(), np.zeros(2, SUB)
    jit(sub_store_record)(src[2], dest[1])
    np.testing.assert_array_equal(dest[1]["x"], src[2]["x"])
    np.testing.assert_array_equal(dest[1]["m"], src[2]["m"])
    assert dest[1]["a"] == 0 and not dest[0].tobytes().strip(b"\0")


def sub_store_any(a, v):
    a[0].x = v


def test_subarray_field_store_of_a_wrong_shape_raises():
    with pytest.raises(TypingError, match="into a subarray field"):
        jit(sub_store_bad)(sub_sample())
    with pytest.raises(ValueError):
        jit(sub_store_any)(sub_sample(), np.ones(4))


def sub_of_a_local_array(n):
    a = np.zeros(n, SUB)
    a['x'][1] = 2.5
    return a[1]['x']


def sub_returned(a, i):
    return a[i].x


def test_subarray_field_of_a_local_array():
    # recown: the field's view holds the record's reference to the array's
    # block (it was refused: the view held none and outlived the array).
    f = jit(sub_of_a_local_array)
    f(4)
    gc.collect()
    before = kiln.live_allocations()
    x = f(4)
    np.testing.assert_array_equal(x, sub_of_a_local_array(4))
    assert x.shape == sub_of_a_local_array(4).shape
    assert kiln.live_allocations() == before + 1  # the array x views
    del x
    gc.collect()
    assert kiln.live_allocations() == before


def test_a_returned_subarray_field_keeps_its_argument_alive():
    a = sub_sample()
    x = jit(sub_returned)(a, 1)
    expect = a[1]["x"].copy()
    assert np.shares_memory(x, a)
    del a
    np.testing.assert_array_equal(x, expect)


def sub_write_one(a):
    a[0].x[1] = 5.0


def test_a_subarray_field_of_a_read_only_array_is_read_only():
    a = sub_sample()
    a.flags.writeable = False
    with pytest.raises(TypingError, match="readonly array"):
        jit(sub_write_one)(a)
    b = sub_sample()
    jit(sub_write_one)(b)
    assert b[0]["x"][1] == 5.0


def make_field_getter(item):
    def get(a, i):
        return a[i][item]
    return get


def make_field_setter(item):
    def put(a, i, v):
        a[i][item] = v
    return put


def make_column_getter(item):
    def col(a, i):
        return a[item][i]
    return col


@pytest.mark.parametrize("item", ["a", "b", "d"])
def test_a_closure_captured_field_name_is_a_constant(item):
    # records3: a factory's captured str is a compile-time constant, as in Numba.
    a = sample(PACKED)
    assert jit(make_field_getter(item))(a, 3) == a[3][item]
    assert jit(make_column_getter(item))(a, 2) == a[item][2]
    jit(make_field_setter(item))(a, 1, 6)
    assert a[1][item] == 6
    with pytest.raises(TypingError, match="Field 'zz' was not found"):
        jit(make_field_getter("zz"))(a, 0)
