"""Functions as values and their library (issue 9 parts 1 and 7): heapq's
refusals with Numba's messages, sort and sorted with key=, jitted
functions as arguments. Each result is compared with plain Python."""
import heapq

import numpy as np
import pytest

from kiln import jit, literal_unroll
from kiln.typed import List
from kiln.errors import TypingError


def heapify(x):
    heapq.heapify(x)


def heappush(h, item):
    heapq.heappush(h, item)


def heappop(h):
    return heapq.heappop(h)


def heapreplace(h, item):
    return heapq.heapreplace(h, item)


def nsmallest(n, it):
    return heapq.nsmallest(n, it)


def nlargest(n, it):
    return heapq.nlargest(n, it)


@pytest.mark.parametrize("f,args,msg", [
    (heapify, ((1, 5, 4),), "heap argument must be a list"),
    (heapify, ([1 + 1j, 2 - 3j],), "'<' not supported between instances of 'complex' and 'complex'"),
    (heappop, ((1, 5, 4),), "heap argument must be a list"),
    (heappush, ((1, 5, 4), 6), "heap argument must be a list"),
    (heappush, ([1, 5, 4], 6.0), "heap type must be the same as item type"),
    (heapreplace, ([1.0, 5.0], 6), "heap type must be the same as item type"),
    (nsmallest, (2.2, [3, 2, 1]), "First argument 'n' must be an integer"),
    (nlargest, (2, 100), "Second argument 'iterable' must be iterable"),
])
def test_heapq_refusals_name_the_argument(kilnd, f, args, msg):
    with pytest.raises(TypingError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        jit(f)(*args)


def test_heapq_checks_leave_good_calls_alone(kilnd):
    h, hp = [5, 3, 8, 1], [5, 3, 8, 1]
    jit(heapify)(h)
    heapq.heapify(hp)
    assert h == hp
    jit(heappush)(h, 0)
    heapq.heappush(hp, 0)
    assert h == hp
    assert jit(heappop)(h) == heapq.heappop(hp) and h == hp
    assert jit(nsmallest)(True, [3, 2, 1]) == heapq.nsmallest(True, [3, 2, 1])
    assert jit(nlargest)(2, (6, 5, 4)) == heapq.nlargest(2, (6, 5, 4))


def sort_inner_key(x, rev):
    def key(z):
        return 1.0 / z
    y = x[:]
    y.sort(key=key, reverse=rev)
    return sorted(x, key=key, reverse=rev), y


def sort_lambda_strings(x, rev):
    y = list(x)
    y.sort(key=lambda s: s.upper(), reverse=rev)
    return sorted(x, key=lambda s: s.lower(), reverse=rev), y


def sort_by_closure(x, m):
    return sorted(x, key=lambda v: v % m)


def sort_key_passed(x, key):
    y = x[:]
    y.sort(key=key)
    return sorted(x, key=key), y


def sort_key_escapee(x):
    def key(z):
        return -z
    return sort_key_passed(x, key)


@pytest.mark.parametrize("rev", [False, True, 1, -12, 0])
def test_sort_and_sorted_with_key_match_python(kilnd, rev):
    a = [3, 1, 4, 1, 5, 9, 2, 6]
    assert jit(sort_inner_key)(a, rev) == sort_inner_key(a, rev)
    w = ["a", "b", "B", "b", "C", "A"]  # equal keys keep their order (stable), reversed too
    assert jit(sort_lambda_strings)(w, rev) == sort_lambda_strings(w, rev)


def test_sorted_key_closure_and_empty(kilnd):
    assert jit(sort_by_closure)([7, 3, 10, 4, 5, 6], 3) == sort_by_closure([7, 3, 10, 4, 5, 6], 3)
    assert jit(sort_by_closure)([5], 3) == [5]
    assert jit(sort_empty)(3) == sort_empty(3)


def sort_empty(m):
    x = [1]
    x.pop()
    x.sort(key=lambda v: v % m)
    return sorted(x, key=lambda v: -v), x


def test_sort_key_through_a_call(kilnd):
    global sort_key_passed
    sort_key_passed = jit(sort_key_passed)
    try:
        assert jit(sort_key_escapee)([3, 1, 2]) == ([3, 2, 1], [3, 2, 1])
    finally:
        sort_key_passed = sort_key_passed.py_func


def sort_key_str(x):
    y = x[:]
    y.sort(key="illegal")
    return y


def sorted_reverse_str(x):
    return sorted(x, key=lambda v: v, reverse="go backwards")


def test_sort_refusals_match_numba(kilnd):
    with pytest.raises(TypingError, match="Key must be None or a Numba JIT compiled function"):
        jit(sort_key_str)([1, 2])
    with pytest.raises(TypingError, match="an integer is required for 'reverse'"):
        jit(sorted_reverse_str)([1, 2])


def apply(f, x):
    return f(x)


def plus_one(x):
    return x + 1


def minus_half(x):
    return x - 0.5


def pairs(fcs, a):
    x = 0
    i, j = fcs[0]
    x += i(j(a))
    for t in literal_unroll(fcs):
        i, j = t
        x += i(j(a))
    return x


def sort_with(x, key=None, reverse=False):
    y = x[:]
    y.sort(key=key, reverse=reverse)
    return sorted(x, key=key, reverse=reverse), y


def test_jitted_functions_as_arguments(kilnd):
    japply, jp, jm = jit(apply), jit(plus_one), jit(minus_half)
    assert japply(jp, 1) == 2
    assert japply(jm, 1) == 0.5
    assert japply(jp, 2.5) == 3.5
    assert japply(jp, 7) == 8  # the wrapper for (plus_one, value) is reused
    jpairs = jit(pairs)
    assert jpairs(((jp, jp), (jp, jp)), 10) == 36
    assert jpairs(((jp, jm), (jm, jp)), 10) == pairs(((plus_one, minus_half), (minus_half, plus_one)), 10)


def test_jitted_key_function_from_python(kilnd):
    key = jit(lambda z: 1.0 / z)
    js = jit(sort_with)
    a = [3, 1, 4, 1, 5, 9]
    for rev in (False, True):
        assert js(a, key, rev) == sort_with(a, key.py_func, rev)
    assert js(a) == sort_with(a)


def test_function_argument_changes_recompile(kilnd):
    # Each function's code is in the wrapper's bundle: a different function
    # of the same name is a different compile, never a stale artifact.
    def make(k):
        return jit(eval(f"lambda x: x * {k}"))
    japply = jit(apply)
    assert japply(make(2), 5) == 10
    assert japply(make(3), 5) == 15


def test_eager_int32_signature_takes_a_python_int(kilnd):
    # Numba converts an int argument to an eagerly declared narrower int; the
    # value is range-checked, never wrapped.
    y = 10

    def add_y(x):
        return x + y

    c = jit("i4(i4)")(add_y)
    assert c(1) == 11
    y = 12  # captured at jit time
    assert c(1) == 11
    assert jit("i4(i4)")(add_y)(1) == 13
    with pytest.raises(OverflowError):
        c(2 ** 40)
    both = jit(["i4(i4)", "f8(f8)"])(add_y)
    assert both(1) == 13.0 and isinstance(both(1), float)  # a safe conversion wins over narrowing


def append_len(lst):
    lst.append(7)
    return len(lst)


def make_lists(n):
    x = List()
    for i in range(n):
        x.append(i * 2)
    return x, List(range(3))


def first(lst):
    return lst[0]


def none_list():
    lst = List()
    lst.append(None)
    return len(lst)


def test_typed_list_from_python(kilnd):
    lst = List.empty_list(np.int64)
    assert lst.item_type == "int64" and repr(lst) == "ListType[int64]([])"
    assert jit(append_len)(lst) == 1 and lst == [7]  # written back, as a list argument
    lst2 = List([1, 2, 3])
    assert jit(append_len)(lst2) == 4 and lst2 == [1, 2, 3, 7]
    narrow = List.empty_list(np.int8)
    with pytest.raises(OverflowError):  # tlist: converted when stored: refused, never wrapped
        narrow.append(300)
    list.append(narrow, 300)  # past the check (list's own append): unboxing refuses it
    with pytest.raises(OverflowError):  # converted to the item type: refused, never wrapped
        jit(first)(narrow)
    narrow[0] = 100
    assert jit(first)(narrow) == 100


def test_typed_list_constructor_in_compiled_code(kilnd):
    assert jit(make_lists)(4) == make_lists(4)


def append_and_return(lst, x):
    lst.append(x)
    return lst


def built_and_returned(n):
    out = []
    for i in range(n):
        out.append(i)
    return out


def test_typed_list_passed_in_and_returned_is_the_same_object(kilnd):
    # pyvals: a typed List returned as it was passed in comes back as that
    # very object (not a copy), with the compiled code's changes in it; the
    # next compiled call sees what Python wrote into it since.
    import kiln
    f = jit(append_and_return)
    lst = List([1, 2])
    got = f(lst, 5)
    assert got is lst and type(got) is List and lst == [1, 2, 5] and lst.item_type == "int64"
    got.append(9)
    assert f(got, 4) is lst and lst == [1, 2, 5, 9, 4]
    empty = List.empty_list(np.float64)
    assert f(empty, 1.5) is empty and empty == [1.5]
    # A list made in compiled code comes back as a new Python list with its items.
    assert jit(built_and_returned)(4) == [0, 1, 2, 3]
    before = kiln.live_allocations()
    for _ in range(50):
        f(List([1, 2, 3]), 4)
        jit(built_and_returned)(10)
        jit(make_lists)(5)
    assert kiln.live_allocations() == before


GLOBAL_TYPED_LIST = List.empty_list(np.int32)


def reads_global_typed_list():
    x = List()
    for i in GLOBAL_TYPED_LIST:
        x.append(i)
    return x


def test_typed_list_refusals_match_numba(kilnd):
    with pytest.raises(TypingError, match=r"The use of a ListType\[int32\] type, assigned to variable "
                                          r"'GLOBAL_TYPED_LIST' in globals, is not supported"):
        jit(reads_global_typed_list)()
    with pytest.raises(TypingError, match=r"method support for List\[None\] is limited"):
        jit(none_list)()


def choose(f1, f2, sel):
    if sel == 1:
        fn = f1
    else:
        fn = f2
    return fn(2)


def noop(x):
    return 0


def test_two_functions_in_one_variable(kilnd):
    # pycells: a FunctionSet, the function chosen at run time
    jp, jm = jit(plus_one), jit(minus_half)
    assert jit(choose)(jp, jm, 1) == 3
    assert jit(choose)(jp, jm, 0) == 1.5
    assert jit(choose)(jp, jp, 1) == 3  # one function twice: one type


def test_heterogeneous_list_names_types_as_numba(kilnd):
    with pytest.raises(TypeError) as e:
        jit(noop)([(1,), (2, 3)])
    assert str(e.value) == "can't unbox heterogeneous list: UniTuple(int64 x 1) != UniTuple(int64 x 2)"


def rev_list(x):
    out = []
    for v in reversed(x):
        out.append(v)
    return out


def rev_range(n):
    return [v for v in reversed(range(2, n, 3))]


def rev_str(t):
    r = ""
    for c in reversed(t):
        r += c
    return r


def rev_dict(n):
    return [k for k in reversed({1: n})]


@pytest.mark.parametrize("f,arg", [
    (rev_list, [1, 5, 2]), (rev_list, (1.5, 2.5)), (rev_list, [7]), (rev_range, 11), (rev_range, 2),
    (rev_str, "héllo"), (rev_str, ""),
])
def test_reversed_matches_python(kilnd, f, arg):
    assert jit(f)(arg) == f(arg)


def test_reversed_array_and_refusal(kilnd):
    a = np.arange(5.0)
    assert jit(rev_list)(a) == [float(v) for v in a[::-1]]
    with pytest.raises(TypingError, match=r"reversed\(\) of a dict or set is not supported"):
        jit(rev_dict)(1)
