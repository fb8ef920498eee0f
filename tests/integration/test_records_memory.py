"""recuaf: a record (or a subarray field) taken from an array made in
compiled code keeps that array's memory alive for as long as the record is
used (docs/records-memory.md); recown: wherever it goes (a join, a loop, a
list or dict, a callee's result), as it holds a reference of its own. Each function below lets the array's own last
use come before the record's last read, then allocates a block of the same
size (malloc reuses a freed one), so a released array shows up as a wrong
value. Each case is compared with plain Python, and nothing may leak."""
import gc

import numpy as np
import pytest

import kiln
from kiln import jit
from kiln.errors import UnsupportedError

DT = np.dtype([("a", np.int64), ("b", np.float64)])
INNER = np.dtype([("p", np.int64), ("q", np.float64)])
NESTED = np.dtype([("a", np.int64), ("inner", INNER)])
SUB = np.dtype([("a", np.int64), ("s", np.int64, (3,))])


def source():
    x = np.zeros(3, dtype=DT)
    x["a"] = [1, 2, 3]
    x["b"] = [0.5, 1.5, 2.5]
    return x


def live():
    gc.collect()
    return kiln.live_allocations()


def check_alive(fn, args, expected=None):
    """fn compiled gives what plain Python gives (or `expected`), and leaks nothing."""
    if expected is None:
        expected = fn(*args())
    compiled = jit(fn)
    assert compiled(*args()) == expected
    before = live()
    for _ in range(3):
        assert compiled(*args()) == expected
    assert live() == before


def reproducer(x, i):
    e = np.zeros(2, dtype=x.dtype)
    e[i] = x[2]
    return e[0]['a']


def bound_to_name(x, i):
    e = np.zeros(2, dtype=x.dtype)
    e[i] = x[2]
    r = e[0]
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] + r['b'] + z[0] * 0


@jit
def callee_read(r):
    return r['a'] * 10 + r['b']


def passed_to_callee(x, i):
    e = np.zeros(2, dtype=x.dtype)
    e[i] = x[2]
    r = e[0]
    z = np.full(4, -7, dtype=np.int64)
    return callee_read(r) + z[0] * 0


def in_tuple(x, i):
    e = np.zeros(2, dtype=x.dtype)
    e[i] = x[2]
    t = (e[0], e[1])
    z = np.full(4, -7, dtype=np.int64)
    return t[0]['a'] + t[1]['a'] + z[0] * 0


def nested_field(n, i):
    e = np.zeros(2, dtype=n.dtype)
    e[i] = n[1]
    r = e[0]['inner']
    z = np.full(4, -7, dtype=np.int64)
    return r['p'] + z[0] * 0


def subarray_field(s, i):
    e = np.zeros(2, dtype=s.dtype)
    e[i] = s[1]
    v = e[0]['s']
    z = np.full(8, -7, dtype=np.int64)
    return v[0] + v[1] + v[2] + z[0] * 0


def in_branch(x, i, c):
    e = np.zeros(2, dtype=x.dtype)
    e[i] = x[2]
    e[1 - i] = x[1]
    if c:
        r = e[0]
    else:
        r = e[1]
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] + z[0] * 0


def in_loop(x):
    s = 0
    for k in range(3):
        e = np.zeros(2, dtype=x.dtype)
        e[0] = x[k]
        r = e[0]
        z = np.full(4, -7, dtype=np.int64)
        s += r['a'] + z[0] * 0
    return s


def nested_source():
    n = np.zeros(2, dtype=NESTED)
    n["inner"]["p"] = [11, 22]
    return n


def sub_source():
    s = np.zeros(2, dtype=SUB)
    s["s"] = [[1, 2, 3], [4, 5, 6]]
    return s


STRAIGHT = [
    (reproducer, lambda: (source(), 0)),
    (reproducer, lambda: (source(), 1)),
    (bound_to_name, lambda: (source(), 0)),
    (passed_to_callee, lambda: (source(), 0)),
    (in_tuple, lambda: (source(), 1)),
    (nested_field, lambda: (nested_source(), 0)),
    (in_loop, lambda: (source(),)),
]


@pytest.mark.parametrize("fn,args", STRAIGHT, ids=lambda v: getattr(v, "__name__", ""))
def test_record_keeps_array_alive(fn, args):
    expected = fn(*args())
    compiled = jit(fn)
    assert compiled(*args()) == expected
    before = live()
    for _ in range(3):
        assert compiled(*args()) == expected
    assert live() == before


@pytest.mark.parametrize("i", [0, 1])
def test_subarray_field_of_a_compiled_array(i):
    # recown: the view holds the record's reference (records2 refused it).
    check_alive(subarray_field, lambda: (sub_source(), i))


@pytest.mark.parametrize("c", [True, False])
def test_record_through_a_join(c):
    # recown: a record reaching a join is a root holding its own reference
    # to the array's block (it was refused: no deps at the join).
    check_alive(in_branch, lambda: (source(), 0, c))


def join_of_argument_records(x, c):
    if c:
        r = x[0]
    else:
        r = x[1]
    return r['a']


@pytest.mark.parametrize("c", [True, False])
def test_records_of_arguments_still_join(c):
    assert jit(join_of_argument_records)(source(), c) == join_of_argument_records(source(), c)


def in_list(x):
    e = np.zeros(2, dtype=x.dtype)
    e[0] = x[2]
    l = [e[0], e[1]]
    z = np.full(4, -7, dtype=np.int64)
    return l[0]['a'] + z[0] * 0


def list_of_array(x):
    e = np.zeros(2, dtype=x.dtype)
    e[0] = x[2]
    l = list(e)
    return l[0]['a']


def comprehension(x):
    e = np.zeros(2, dtype=x.dtype)
    e[0] = x[2]
    l = [r for r in e]
    return l[0]['a']


def appended(x):
    e = np.zeros(2, dtype=x.dtype)
    e[0] = x[2]
    l = [x[0]]
    l.append(e[0])
    return l[1]['a']


@pytest.mark.parametrize("fn", [in_list, list_of_array, comprehension, appended], ids=lambda f: f.__name__)
def test_records_of_a_compiled_array_in_a_list(fn):
    # recown: the list holds a reference to the array of each record (they
    # were refused: the list kept pointers into a released array).
    check_alive(fn, lambda: (source(),))


def list_of_argument_records(x):
    l = [r for r in x]
    l.append(x[0])
    return l[2]['a'] + l[3]['a']


def returned_record(x):
    e = np.zeros(2, dtype=x.dtype)
    e[0] = x[2]
    return e[0]


returned_record_jit = jit(returned_record)


def reads_returned(x):
    r = returned_record_jit(x)
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] + z[0] * 0


def test_argument_records_in_lists_and_returned_records():
    assert jit(list_of_argument_records)(source()) == list_of_argument_records(source())
    # A record returned to Python is a copy of its bytes.
    assert tuple(returned_record_jit(source())) == (3, 2.5)
    before = live()
    assert tuple(returned_record_jit(source())) == (3, 2.5)
    assert live() == before
    # recown: to a compiled caller it holds a reference to the callee's
    # array (it was refused: it pointed into the released array).
    check_alive(reads_returned, lambda: (source(),), expected=3)


def captured_by_closure(x):
    e = np.zeros(2, dtype=x.dtype)
    e[0] = x[2]
    r = e[0]

    def g():
        return r['a']
    z = np.full(4, -7, dtype=np.int64)
    return g() + z[0] * 0


def iterated_tuple(x):
    e = np.zeros(2, dtype=x.dtype)
    e[0] = x[2]
    e[1] = x[1]
    s = 0
    for r in (e[0], e[1]):
        s = s * 10 + r['a']
    return s


def optional_record(x, c):
    e = np.zeros(2, dtype=x.dtype)
    e[0] = x[2]
    r = e[0] if c else None
    z = np.full(4, -7, dtype=np.int64)
    if r is None:
        return -1
    return r['a'] + z[0] * 0


@pytest.mark.parametrize("fn", [captured_by_closure, iterated_tuple], ids=lambda f: f.__name__)
def test_records_in_closures_and_iterators(fn):
    # captured_by_closure gave -7 (the closure held a record with no deps).
    compiled = jit(fn)
    assert compiled(source()) == fn(source())
    before = live()
    assert compiled(source()) == fn(source())
    assert live() == before


@pytest.mark.parametrize("c", [True, False])
def test_optional_record_of_a_compiled_array(c):
    check_alive(optional_record, lambda: (source(), c))


@jit
def stash(r):
    return [r]


def stashed_by_callee(x):
    e = np.zeros(2, dtype=x.dtype)
    e[0] = x[2]
    l = stash(e[0])
    return l[0]['a']


def test_list_of_records_from_a_callee():
    # The callee's list holds a reference to the caller's array.
    check_alive(stashed_by_callee, lambda: (source(),), expected=3)


# recret: a record returned by a compiled callee to compiled code points into
# the array it was taken from (an argument, a view of one, a global), as
# Numba's: writes through it reach the array, and the caller keeps the array
# alive while the record is used (docs/records-memory.md).


@jit
def get(arr, i):
    return arr[i]


@jit
def get_twice(arr, i):  # through two levels of calls
    return get(arr, i)


@jit
def same(r):
    return r


@jit
def inner_of(r):
    return r['inner']


@jit
def with_seven(arr):
    return (arr[0], 7)


@jit
def get_or_none(arr, i):
    if i < 0:
        return None
    return arr[i]


@jit
def put_a(r, v):
    r['a'] = v


@jit
def first_of(arr, i):  # recursion
    if i == 0:
        return arr[0]
    return first_of(arr, i - 1)


def write_attr(x):
    r = get(x, 1)
    r.a = 42
    return x[1].a


def write_item(x):
    r = get(x, 1)
    r['b'] = 2.5
    return x[1]['b']


def write_two_levels(x):
    r = get_twice(x, 2)
    r['a'] = 43
    return x[2]['a']


def write_in_callee(x):
    put_a(x[2], 5)
    r = get(x, 0)
    put_a(r, 6)
    return x[2]['a'] * 10 + x[0]['a']


def write_through_tuple(x):
    t = with_seven(x)
    t[0]['a'] = 99
    return x[0]['a'] + t[1]


def write_optional(x, i):
    r = get_or_none(x, i)
    if r is None:
        return -1
    r['a'] = 77
    return x[i]['a']


def write_recursive(x):
    r = first_of(x, 2)
    r['a'] = 9
    return x[0]['a']


def records_in_branches(x, c):
    if c:
        r = get(x, 0)
    else:
        r = get(x, 1)
    r['a'] = 11
    return x[0]['a'] * 100 + x[1]['a']


def records_in_list(x):
    rs = [get(x, 0), get_twice(x, 2)]
    rs[1]['a'] = 8
    return rs[0]['a'] + x[2]['a']


def of_global(i):
    return GLOBAL[i]


GLOBAL = source()
of_global_jit = jit(of_global)


def reads_global_record(i):
    r = of_global_jit(i)
    return r['a'] * 10 + r['b']


# Expected as Python reads them (a jitted callee called from Python returns a
# copy, so plain Python cannot run these): the result, then x['a'] after.
WRITES = [
    (write_attr, (), 42, [1, 42, 3]),  # on main: 0, x unchanged
    (write_item, (), 2.5, [1, 2, 3]),  # on main: 1.5
    (write_two_levels, (), 43, [1, 2, 43]),
    (write_in_callee, (), 56, [6, 2, 5]),
    (write_through_tuple, (), 106, [99, 2, 3]),
    (write_optional, (1,), 77, [1, 77, 3]),
    (write_optional, (-1,), -1, [1, 2, 3]),
    (write_recursive, (), 9, [9, 2, 3]),
    (records_in_branches, (True,), 1102, [11, 2, 3]),
    (records_in_branches, (False,), 111, [1, 11, 3]),
    (records_in_list, (), 9, [1, 2, 8]),
]


@pytest.mark.parametrize("fn,args,expected,after", WRITES, ids=lambda v: getattr(v, "__name__", ""))
def test_returned_record_points_into_the_array(fn, args, expected, after):
    compiled = jit(fn)
    x = source()
    assert compiled(x, *args) == expected
    assert x["a"].tolist() == after
    before = live()
    for _ in range(3):
        assert compiled(source(), *args) == expected
    assert live() == before


def test_record_of_a_global_array_is_returned():
    assert jit(reads_global_record)(1) == 21.5


def returned_into_compiled_array(x):
    e = x.copy()
    r = get_twice(e, 2)
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] + z[0] * 0


def same_record_of_compiled_array(x):
    e = x.copy()
    r = same(e[1])
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] + r['b'] + z[0] * 0


def nested_of_compiled_array(n):
    e = n.copy()
    r = inner_of(e[1])
    z = np.full(4, -7, dtype=np.int64)
    r['p'] = 5
    return r['p'] * 100 + z[0] * 0


STRAIGHT_CALLS = [
    (returned_into_compiled_array, lambda: (source(),)),
    (same_record_of_compiled_array, lambda: (source(),)),
    (nested_of_compiled_array, lambda: (nested_source(),)),
]


@pytest.mark.parametrize("fn,args", STRAIGHT_CALLS, ids=lambda v: getattr(v, "__name__", ""))
def test_returned_record_keeps_the_callers_array_alive(fn, args):
    # The record is a call result with no reference: the caller's ownership
    # keeps the array it was given alive until the record's last use.
    test_record_keeps_array_alive(fn, args)


@jit
def made_inside(n):
    e = np.zeros(2, dtype=DT)
    e[0]['a'] = n
    return e[0]


@jit
def made_inside_in_tuple():
    e = np.zeros(2, dtype=DT)
    return (e[0], 1)


@jit
def made_inside_optional(c):
    e = np.zeros(2, dtype=DT)
    if c:
        return e[0]
    return None


def calls_made_inside(n):
    r = made_inside(n)
    return r['a']


def calls_made_inside_in_loop(n):
    p = made_inside(1)
    for k in range(n):
        q = made_inside(k + 10)
        if k == 0:
            p = q
    return p['a']


def calls_made_inside_in_tuple():
    return made_inside_in_tuple()[0]['a']


def calls_made_inside_optional(c):
    r = made_inside_optional(c)
    return 0 if r is None else r['a']


def test_record_of_a_callees_own_array():
    # recown: a record of an array the callee made holds a reference to it,
    # returned alone, in a tuple or as an optional (all were refused).
    assert tuple(made_inside(4)) == (4, 0.0)
    check_alive(calls_made_inside, lambda: (3,), expected=3)
    check_alive(calls_made_inside_in_loop, lambda: (3,), expected=10)
    check_alive(calls_made_inside_in_loop, lambda: (0,), expected=1)
    check_alive(calls_made_inside_in_tuple, lambda: (), expected=0)
    check_alive(calls_made_inside_optional, lambda: (True,), expected=0)
    check_alive(calls_made_inside_optional, lambda: (False,), expected=0)
    with pytest.raises(UnsupportedError):  # an optional record is not returned to Python
        made_inside_optional(True)


def writes_readonly(x):
    r = get(x, 1)
    r['a'] = 1
    return r['a']


def test_readonly_record_stays_readonly_across_the_call():
    x = source()
    x.flags.writeable = False
    with pytest.raises(kiln.errors.TypingError, match="read-only") as info:
        jit(writes_readonly)(x)
    assert "in writes_readonly" in str(info.value)
    assert x[1]['a'] == 2


# recown: records that hold a reference of their own to their array's block
# (docs/records-memory.md), in the places the ownership pass cannot follow.


def carried_round_a_loop(x):
    r = x[0]  # a record of an argument (no reference), then of a new array
    for k in range(3):
        e = np.zeros(2, dtype=x.dtype)
        e[0] = x[k]
        if k == 1:
            r = e[0]
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] + z[0] * 0


def kept_in_dict(x):
    d = {}
    for k in range(3):
        e = np.zeros(1, dtype=x.dtype)
        e[0] = x[k]
        d[k] = e[0]
    z = np.full(4, -7, dtype=np.int64)
    return d[0]['a'] + d[1]['a'] * 10 + d[2]['a'] * 100 + z[0] * 0


def outlives_its_array(x):
    r = x.copy()[2]  # only the record holds the copy
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] + r['b'] + z[0] * 0


def popped_from_a_list(x):
    l = [x.copy()[k] for k in range(3)]
    r = l.pop(0)
    l = [x[1]]
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] * 10 + l[0]['a'] + z[0] * 0


def nested_through_a_join(n, c):
    e = n.copy()
    if c:
        r = e[0]['inner']
    else:
        r = e[1]['inner']
    z = np.full(4, -7, dtype=np.int64)
    return r['p'] + z[0] * 0


def subarray_through_a_loop(s):
    v = s[0]['s']
    for k in range(2):
        e = s.copy()
        v = e[k]['s']
    z = np.full(8, -7, dtype=np.int64)
    return v[0] + v[1] + v[2] + z[0] * 0


def iterated_then_kept(x):
    best = x[0]
    for r in x.copy():
        if r['a'] > best['a']:
            best = r
    z = np.full(4, -7, dtype=np.int64)
    return best['a'] + best['b'] + z[0] * 0


OWNED = [
    (carried_round_a_loop, lambda: (source(),)),
    (kept_in_dict, lambda: (source(),)),
    (outlives_its_array, lambda: (source(),)),
    (popped_from_a_list, lambda: (source(),)),
    (nested_through_a_join, lambda: (nested_source(), True)),
    (nested_through_a_join, lambda: (nested_source(), False)),
    (subarray_through_a_loop, lambda: (sub_source(),)),
    (iterated_then_kept, lambda: (source(),)),
]


@pytest.mark.parametrize("fn,args", OWNED, ids=lambda v: getattr(v, "__name__", ""))
def test_owned_record(fn, args):
    check_alive(fn, args)


def writes_through_list(x):
    e = x.copy()
    l = [e[0], e[1]]
    l[1]['a'] = 50
    d = {1: e[2]}
    d[1]['b'] = 0.25
    return e[1]['a'] + x[1]['a'] + e[2]['b']


def test_a_record_in_a_list_points_into_its_array():
    # As Numba's: the list holds the record, not a copy; x is not written.
    x = source()
    assert jit(writes_through_list)(x) == 52.25
    assert x['a'].tolist() == [1, 2, 3]
    check_alive(writes_through_list, lambda: (source(),), expected=52.25)


GREC = source()[1]


@jit
def global_record():
    return GREC


def reads_global_record_value():
    r = global_record()
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] * 10 + r['b'] + z[0] * 0


def test_a_global_record_returned():
    # It was a copy in the callee's frame, read after the frame was gone
    # ((140346129751936, 6.9e-310) for (2, 1.5)).
    assert tuple(global_record()) == (2, 1.5)
    before = live()
    assert tuple(global_record()) == (2, 1.5)
    assert live() == before
    check_alive(reads_global_record_value, lambda: (), expected=21.5)


def readonly_in_a_list(x, c):
    r = x[0] if c else x[1]
    l = [r, x[2]]
    return l[0]['a'] + l[1]['a']


def readonly_write_in_a_list(x):
    l = [x[0]]
    l[0]['a'] = 5
    return l[0]['a']


def test_readonly_records_in_joins_and_lists():
    x = source()
    x.flags.writeable = False
    assert jit(readonly_in_a_list)(x, True) == 4
    assert jit(readonly_in_a_list)(x, False) == 5
    with pytest.raises(kiln.errors.TypingError, match="read-only"):
        jit(readonly_write_in_a_list)(x)
    assert x[0]['a'] == 1


@jit
def yields_records(x):
    for k in range(x.shape[0]):
        yield x[k]  # a record of the argument (no reference)
        yield x.copy()[k]  # a record that alone holds its array


def consumes_records(x):
    s = 0
    for r in yields_records(x):
        z = np.full(4, -7, dtype=np.int64)
        s = s * 10 + r['a'] + z[0] * 0
    return s


@jit
def copy_and_record(a):
    return (a.copy(), a[1])  # a new array and a record of the argument


def reads_copy_and_record(x):
    t = copy_and_record(x)
    return t[0][0]['a'] * 10 + t[1]['a']


@jit
def raises_holding_a_record(x, n):
    keep = x[0]
    for k in range(3):
        e = x.copy()
        keep = e[k]
        if k == n:
            raise ValueError("boom")
    return keep['a']


def handles(x, n):
    try:
        return raises_holding_a_record(x, n)
    except ValueError:
        return -1


def test_records_from_generators_tuples_and_error_paths():
    # recown: a generator may yield records (refused before: nothing kept
    # their array alive across its steps); the error path releases them.
    check_alive(consumes_records, lambda: (source(),), expected=112233)
    check_alive(reads_copy_and_record, lambda: (source(),), expected=12)
    check_alive(handles, lambda: (source(), 1), expected=-1)
    check_alive(handles, lambda: (source(), 5), expected=3)
    with pytest.raises(UnsupportedError, match="returning a value of type Generator"):
        yields_records(source())  # its records are not boxed for Python


def joined_in_a_loop(x):
    e = x.copy()  # made before the loop: records of it join borrowed
    s = 0
    for i in range(e.shape[0]):
        r = e[i] if i % 2 == 0 else e[e.shape[0] - 1 - i]
        s = s * 10 + r['a']
    return s


def nested_loops(x):
    best = x[0]
    for k in range(3):
        e = x.copy()
        e[k]['a'] = 10 * (k + 1)
        cur = e[0]
        for j in range(3):  # the inner join: e was made before this loop
            if e[j]['a'] > cur['a']:
                cur = e[j]
        if cur['a'] > best['a']:  # the outer join: e is made in the loop
            best = cur
        z = np.full(4, -7, dtype=np.int64)
        best['b'] += z[0] * 0
    return best['a'] + best['b']


def mixed_join(x, c):
    e = x.copy()
    r = e[0]
    for k in range(2):
        f = x.copy()
        f[1]['a'] = 40 + k
        if c:
            r = f[1]  # a root made in the loop: the join holds a reference
        else:
            r = e[2]
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] + z[0] * 0


@pytest.mark.parametrize("fn,args", [
    (joined_in_a_loop, lambda: (source(),)),
    (nested_loops, lambda: (source(),)),
    (mixed_join, lambda: (source(), True)),
    (mixed_join, lambda: (source(), False)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_joins_borrowed_or_owned(fn, args):
    check_alive(fn, args)


def loop_reading_in_place(x):
    e = x.copy()
    s = 0
    for i in range(e.shape[0]):
        s = s * 10 + e[i]['a']
    return s


def test_a_join_of_records_of_an_earlier_array_counts_no_references():
    # recown: the joined record is borrowed from e (made before the loop):
    # the loop is as cheap as reading e[i] in place (the bench in
    # docs/records-memory.md), with no reference counting of its own.
    def counts(fn):
        compiled = jit(fn)
        compiled(source())
        ir = list(compiled.inspect_llvm().values())[0]
        return [ir.count(w) for w in ("atomicrmw", "kiln.incref", "kiln.decref")]
    assert counts(joined_in_a_loop) == counts(loop_reading_in_place)
    assert counts(carried_round_a_loop) != counts(loop_reading_in_place)  # a root: it does count


NAMED = np.dtype([("a", np.int64), ("n", "S4")])


def s_field_of_a_local_record(x, c):
    e = x.copy()
    r = e[0] if c else e[1]
    b = r['n']
    return len(b) * 1000 + b[0] * 10 + len(r['n'])


def test_s_field_of_a_record_of_a_compiled_array():
    # The S field reads as a new bytes; it was refused for records of arrays
    # made in compiled code when it was a view of the record's bytes.
    x = np.zeros(2, dtype=NAMED)
    x["n"] = [b"ab", b"wxyz"]
    for c in (True, False):
        assert jit(s_field_of_a_local_record)(x, c) == s_field_of_a_local_record(x, c)
    check_alive(s_field_of_a_local_record, lambda: (x, False))


def through_a_handler(x, n):
    e = x.copy()
    r = e[0]
    try:
        r = e[1]
        if n > 0:
            raise ValueError()
        f = x.copy()
        r = f[2]
    except ValueError:
        z = np.full(4, -7, dtype=np.int64)
        return r['a'] + z[0] * 0
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] * 10 + z[0] * 0


def break_and_continue(x):
    r = x[0]
    k = 0
    while True:
        e = x.copy()
        e[k]['a'] = 100 + k
        if k == 2:
            r = e[k]
            break
        if k == 1:
            k += 1
            continue
        k += 1
    z = np.full(4, -7, dtype=np.int64)
    return r['a'] + z[0] * 0


@pytest.mark.parametrize("fn,args", [
    (through_a_handler, lambda: (source(), 1)),
    (through_a_handler, lambda: (source(), 0)),
    (break_and_continue, lambda: (source(),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_records_through_handlers_and_breaks(fn, args):
    check_alive(fn, args)
