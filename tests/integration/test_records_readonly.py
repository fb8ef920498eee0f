"""rorecord (issue 8): a record of read-only memory is typed "readonly
Record(...)" wherever it flows (a callee's parameter, a branch join, a tuple,
a list, a loop over the array or its .flat, a nested field, an np.void passed in), and a store into one of its
fields is refused when typed, where NumPy raises "assignment destination is
read-only". Reads, copies into writable memory and returns still work, and
records of writable arrays are still written through. Each case checks the
array from NumPy's side afterwards."""
import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError

DT = np.dtype([("a", np.int64), ("b", np.float64)])
NESTED = np.dtype([("x", np.int32), ("inner", DT)])
SUB = np.dtype([("a", np.int64), ("s", np.float64, (3,))])

# A module-level structured array: a frozen constant of the compiled code.
GLOBAL = np.zeros(3, dtype=DT)
GLOBAL["a"] = [1, 2, 3]


def frozen():
    x = np.zeros(3, dtype=DT)
    x["a"] = [1, 2, 3]
    x["b"] = [0.5, 1.5, 2.5]
    x.flags.writeable = False
    return x


@jit
def set_a(r):
    r.a = 7


@jit
def read_a(r):
    return r.a + r.b


def through_callee(x):
    set_a(x[0])


def through_join(x, c):
    r = x[0] if c else x[1]
    r.a = 7


def through_tuple(x):
    p = (x[0], 1)
    p[0].a = 7


def through_list(x):
    rs = [x[0], x[1]]
    rs[0].a = 7


def through_loop(x):
    for r in x:
        r.a = 7


def through_flat(x):
    for r in x.flat:
        r.a = 7


def through_item_store(x):
    x[0]["a"] = 7


def global_through_callee():
    set_a(GLOBAL[0])


def global_direct():
    GLOBAL[1].a = 7


@pytest.mark.parametrize("fn,args", [
    (through_callee, ()), (through_join, (True,)), (through_tuple, ()), (through_list, ()), (through_loop, ()),
    (through_flat, ()), (through_item_store, ()),
], ids=["callee", "join", "tuple", "list", "loop", "flat", "item-store"])
def test_writes_to_records_of_a_read_only_array_are_refused(fn, args):
    x = frozen()
    with pytest.raises(TypingError, match="assignment destination is read-only"):
        jit(fn)(x, *args)
    assert list(x["a"]) == [1, 2, 3]
    with pytest.raises(ValueError, match="read-only"):  # NumPy's side of the same write
        x[0]["a"] = 7


@pytest.mark.parametrize("fn,args", [
    (through_callee, ()), (through_join, (True,)), (through_tuple, ()), (through_list, ()), (through_loop, ()),
    (through_flat, ()), (through_item_store, ()),
], ids=["callee", "join", "tuple", "list", "loop", "flat", "item-store"])
def test_the_same_writes_reach_a_writable_array(fn, args):
    x = frozen().copy()
    jit(fn)(x, *args)
    assert x[0]["a"] == 7
    assert list(x["b"]) == [0.5, 1.5, 2.5]


def test_writes_to_a_global_record_array_are_refused():
    for fn in (global_through_callee, global_direct):
        with pytest.raises(TypingError, match="assignment destination is read-only"):
            jit(fn)()
    assert list(GLOBAL["a"]) == [1, 2, 3]


def nested_write(x):
    x[0].inner.a = 7


def nested_write_through_callee(x):
    set_a(x[0].inner)


def test_nested_records_of_a_read_only_array_are_read_only():
    x = np.zeros(2, dtype=NESTED)
    x.flags.writeable = False
    for fn in (nested_write, nested_write_through_callee):
        with pytest.raises(TypingError, match="assignment destination is read-only"):
            jit(fn)(x)
    assert x[0]["inner"]["a"] == 0
    y = x.copy()
    jit(nested_write_through_callee)(y)
    assert y[0]["inner"]["a"] == 7


@jit
def set_sub(r):
    r.s[1] = 7.0


def sub_write_through_callee(x):
    set_sub(x[0])


def test_a_subarray_field_of_a_read_only_record_is_read_only():
    x = np.zeros(2, dtype=SUB)
    x.flags.writeable = False
    with pytest.raises(TypingError, match="readonly"):
        jit(sub_write_through_callee)(x)
    assert not x["s"].any()
    y = x.copy()
    jit(sub_write_through_callee)(y)
    assert y[0]["s"][1] == 7.0


def reads(x, c):
    r = x[0] if c else x[1]
    p = (x[2], 1)
    t = 0.0
    for q in x:
        t += q.a * q.b
    return read_a(r) + read_a(p[0]) + read_a(x[1]) + t + GLOBAL[2]["a"]


def test_reads_of_read_only_records_work():
    x = frozen()
    want = reads(x.view(np.recarray), True)
    assert jit(reads)(x, True) == pytest.approx(want)
    assert jit(reads)(x, False) == pytest.approx(reads(x.view(np.recarray), False))
    assert jit(reads)(x.copy(), True) == pytest.approx(want)


def copy_into(x, y):
    y[1] = x[0]  # a read-only record's bytes copied into writable memory
    return x[2]


def copy_into_field(x, y):
    y[0].inner = x[1]


def test_read_only_records_copy_into_writable_memory_and_return():
    x = frozen()
    y = np.zeros(3, dtype=DT)
    r = jit(copy_into)(x, y)
    assert y[1]["a"] == 1 and y[1]["b"] == 0.5
    assert r["a"] == 3 and r["b"] == 2.5
    r["a"] = 9  # the returned record is a copy, writable, and x does not change
    assert x[2]["a"] == 3
    z = np.zeros(2, dtype=NESTED)
    jit(copy_into_field)(x, z)
    assert z[0]["inner"]["a"] == 2 and z[0]["inner"]["b"] == 1.5


def set_a_here(r):
    r.a = 7


def read_here(r):
    return r.a * 2


def test_a_read_only_record_passed_in_is_refused_writes():
    x = frozen()
    with pytest.raises(TypingError, match="assignment destination is read-only"):
        jit(set_a_here)(x[0])
    assert x[0]["a"] == 1
    assert jit(read_here)(x[0]) == 2
    y = x.copy()
    jit(set_a_here)(y[0])  # a record of writable memory is written through
    assert y[0]["a"] == 7


def test_the_error_names_the_construct():
    with pytest.raises(TypingError) as e:
        jit(through_join)(frozen(), True)
    text = str(e.value)
    assert "field 'a'" in text and "readonly Record(" in text


def test_read_only_and_writable_records_passed_in_dispatch_apart():
    x = frozen()
    y = x.copy()
    f = jit(read_here)
    assert [f(y[0]), f(x[0]), f(y[1]), f(x[2])] == [2, 2, 4, 6]  # one compile for each, either order
    assert len(f.signatures) == 2
    g = jit(set_a_here)
    g(y[1])
    assert y[1]["a"] == 7
    with pytest.raises(TypingError, match="assignment destination is read-only"):
        g(x[1])
    assert x[1]["a"] == 2


@jit
def first(x):
    return x[0]


def write_returned(x):
    r = first(x)
    r.a = 4
    return r.a


def test_a_record_a_callee_returns_from_a_read_only_array_is_read_only():
    with pytest.raises(TypingError, match="assignment destination is read-only"):
        jit(write_returned)(frozen())
    assert jit(first)(frozen())["a"] == 1
