"""Optional values (OptionalType(T)): None and a T meeting at a join, a
return, an argument typed optional(T); `is None` tests; an optional used as
a T raises TypeError when it is None, as Numba does. Compared with Python."""

import numpy as np
import pytest

import kiln
from kiln import jit


def double_or_none(x):
    if x:
        ret = None
    else:
        ret = 1.2
    return ret


def different_returns(x):
    if x:
        return None
    return 1.2


def bool_optional_or_none(x, y):
    if y:
        z = False
    else:
        z = None
    if x == 2:
        return True
    elif x == 1:
        return z
    else:
        return None


def is_this_a_none(x):
    if x:
        val_or_none = None
    else:
        val_or_none = x
    if val_or_none is None:
        return x - 1
    if val_or_none is not None:
        return x + 1


def use_after_test(x, flag):
    y = None
    if flag:
        y = x * 2
    if y is not None:
        return y + 1
    return -1


def tuple_with_optional(maybe):
    lx = None
    if maybe:
        lx = 10
    return 1, lx


def optional_truth(flag, v):
    y = None
    if flag:
        y = v
    if y:
        return 1
    return 0


def test_joins_and_returns():
    for v in (True, False):
        assert jit(double_or_none)(v) == double_or_none(v)
        assert jit(different_returns)(v) == different_returns(v)
        assert jit(tuple_with_optional)(v) == tuple_with_optional(v)
    for x in (0, 1, 2):
        for y in (0, 1):
            got = jit(bool_optional_or_none)(x, y)
            assert got == bool_optional_or_none(x, y) and type(got) is type(bool_optional_or_none(x, y))
    for v in (-1, 0, 1, 2):
        assert jit(is_this_a_none)(v) == is_this_a_none(v)
    for x in (3, -4):
        for f in (True, False):
            assert jit(use_after_test)(x, f) == use_after_test(x, f)
    for f in (True, False):
        for v in (0, 5, 0.0, 2.5):
            assert jit(optional_truth)(f, v) == optional_truth(f, v)


def first_or_sum(n):
    x = None
    for i in range(n):
        if x is None:
            x = i
        else:
            x = x + i
    return x


def last(n):
    x = None
    for i in range(n):
        x = i
    return x


def test_loops():
    for n in (0, 1, 4):
        assert jit(first_or_sum)(n) == first_or_sum(n)
        assert jit(last)(n) == last(n)


def test_signature_optional_arguments():
    def add(x, y):
        if y is None:
            return x
        return x + y

    c = jit("(float64, optional(float64))")(add)
    assert c(1.0, 12.3) == add(1.0, 12.3)
    assert c(1.0, None) == add(1.0, None)

    def first(x, y):
        if y is None:
            return x
        y[0] += x
        return y[0]

    c = jit("(float32, optional(float32[:]))")(first)
    cy = np.array([12.3], dtype=np.float32)
    py = cy.copy()
    one = np.float32(1.0)
    assert c(one, cy) == pytest.approx(first(one, py))
    np.testing.assert_array_equal(cy, py)
    assert c(one, None) == 1.0


def test_none_used_as_value_raises():
    def index(y):
        return y[0]

    c = jit("(optional(int32[:]),)")(index)
    with pytest.raises(TypeError, match=r"expected array\(int32, 1d, A\), got None"):
        c(None)
    y = np.array([0xABCD], dtype=np.int32)
    assert c(y) == index(y)

    @jit
    def plus_one(flag):
        x = None
        if flag:
            x = 3
        return x + 1

    assert plus_one(True) == 4
    with pytest.raises(TypeError, match="expected int64, got None"):
        plus_one(False)


def test_optional_array_attribute_and_references():
    @jit
    def shape0(arr, do_it):
        opt = None
        if do_it:
            opt = arr * 2  # a new array: the optional holds its reference
        return opt.shape[0]

    before = kiln.live_allocations()
    assert shape0(np.arange(5), True) == 5
    with pytest.raises(TypeError):
        shape0(np.arange(5), False)
    assert kiln.live_allocations() == before

    @jit
    def maybe_array(n, flag):
        out = None
        if flag:
            out = np.arange(n)
        return out

    r = maybe_array(4, True)
    np.testing.assert_array_equal(r, np.arange(4))
    assert maybe_array(4, False) is None
    del r
    assert kiln.live_allocations() == before

    @jit
    def maybe_str(flag):
        s = None
        if flag:
            s = "ab" * 3
        return s

    assert maybe_str(True) == "ababab" and maybe_str(False) is None
    assert kiln.live_allocations() == before


def test_through_jitted_calls():
    @jit
    def make_optional(val, get_none):
        if get_none:
            ret = None
        else:
            ret = val
        return ret

    @jit
    def foo(val, run_second):
        a = make_optional(val, True)
        if run_second:
            a = make_optional(val, False)
        return a

    assert foo(123, False) is None
    assert foo(231, True) == 231


def test_truth_of_an_optional_array_is_refused():
    @jit
    def f(flag):
        a = None
        if flag:
            a = np.zeros(3)
        if a:
            return 1
        return 0

    with pytest.raises(kiln.errors.TypingError, match="truth value of an OptionalType"):
        f(True)
