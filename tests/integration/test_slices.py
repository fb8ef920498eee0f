"""Slice objects as values (slice3_type): slice(...) in compiled code, its
start/stop/step (Numba's values for omitted parts), indices(n), and using
one to index arrays, lists and strings. Compared with Python."""

import itertools
import sys

import numpy as np
import pytest

import kiln
from kiln import jit

MAX = sys.maxsize
MIN = -sys.maxsize - 1


def construct(*args):
    sl = slice(*args)
    return sl.start, sl.stop, sl.step


def numba_parts(*args):
    """What Numba gives for s.start, s.stop, s.step: the defaults filled in."""
    s = slice(*args)
    step = 1 if s.step is None else s.step
    start = s.start if s.start is not None else (MAX if step < 0 else 0)
    stop = s.stop if s.stop is not None else (MIN if step < 0 else MAX)
    return start, stop, step


@pytest.mark.parametrize("args", [(None,), (5,), (None, None), (1, None), (None, 2), (1, 2), (None, None, 3),
                                  (None, 2, 3), (1, None, 3), (1, 2, 3), (None, None, -1), (10, None, -1),
                                  (None, 5, -1), (10, 5, -1)])
def test_constructor_parts(args):
    assert jit(construct)(*args) == numba_parts(*args)


def use(a, b, c, seq):
    return seq[slice(a, b, c)]


def use2(a, b, seq):
    return seq[slice(a, b)]


def test_indexing_with_slice_values():
    arr = np.arange(10)
    lst = list(range(10))
    text = "abcdefghij"
    opts = (None, -3, -1, 0, 1, 4, 12)
    for a, b, c in itertools.product(opts, opts, (None, -2, -1, 1, 3)):
        np.testing.assert_array_equal(jit(use)(a, b, c, arr), use(a, b, c, arr))
        assert jit(use)(a, b, c, text) == use(a, b, c, text)
    for a, b in itertools.product(opts, opts):
        assert jit(use2)(a, b, lst) == use2(a, b, lst)
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        jit(use)(None, None, 0, arr)


def indices(a, b, c, n):
    return slice(a, b, c).indices(n)


def test_indices():
    r = list(range(-5, 5)) + [None]
    for a, b, c in itertools.product(r, r, r):
        for n in range(-2, 3):
            try:
                want = indices(a, b, c, n)
            except ValueError as e:
                with pytest.raises(ValueError, match=str(e)):
                    jit(indices)(a, b, c, n)
            else:
                assert jit(indices)(a, b, c, n) == want


def test_refusals():
    @jit
    def four():
        return slice(1, 2, 3, 4)

    with pytest.raises(kiln.errors.TypingError, match="slice expected at most 3 arguments, got 4"):
        four()
    with pytest.raises(kiln.errors.TypingError,  # slices2: Numba's lead and the argument types
                       match=r"No implementation of function slice\(\) found for signature: slice\(int64, int64, int64, int64\)"):
        four()

    @jit
    def bad_indices(s):
        return slice(s).indices(1, 2, 3)

    with pytest.raises(kiln.errors.TypingError, match=r"indices\(\) takes exactly one argument \(3 given\)"):
        bad_indices(1)

    @jit
    def float_indices(x):
        return slice(None, None, 1).indices(x)

    with pytest.raises(kiln.errors.TypingError, match="'float64' object cannot be interpreted as an integer"):
        float_indices(1.5)


# slices2: slice objects passed in from Python (slice3_type, whatever parts are given).


def index_with(seq, s):
    return seq[s]


def parts_of(s):
    return s.start, s.stop, s.step


def identity(s):
    return s


def test_slice_arguments():
    arr = np.arange(10)
    text = "abcdefghij"
    lst = list(range(10))
    opts = (None, -3, 0, 4, 12)
    for a, b, c in itertools.product(opts, opts, (None, -2, 1, 3)):
        s = slice(a, b, c)
        np.testing.assert_array_equal(jit(index_with)(arr, s), arr[s])
        assert jit(index_with)(text, s) == text[s]
        assert jit(index_with)(lst, s) == lst[s]
        assert jit(parts_of)(s) == numba_parts(a, b, c)
    assert jit(index_with)(arr, slice(np.int32(2), np.int64(8), np.int8(2))).tolist() == [2, 4, 6]


# pyvals: a slice returned to Python is the slice Python would have: its None
# parts None (kiln_abi.h's KilnSlice flags them), whether it was passed in,
# built in compiled code, read from a global or held in a tuple.


def exact(s):
    """A slice's parts, None told apart from an int (slice(1, 2, None) != slice(1, 2, 1))."""
    return tuple((type(p), p) for p in (s.start, s.stop, s.step))


PARTS = (None, -3, 0, 1, 4, 2**62)


def test_slice_round_trip_is_exact():
    f = jit(identity)
    for a, b, c in itertools.product(PARTS, PARTS, PARTS):
        s = slice(a, b, c)
        got = f(s)
        assert type(got) is slice and got == s and exact(got) == exact(s), (s, got)
    # NumPy integers come back as Python ints, as Numba's boxed int64 does.
    assert exact(f(slice(np.int32(2), None, np.uint8(3)))) == exact(slice(2, None, 3))


def made(a, b, c):
    return slice(a, b, c), slice(a, b), slice(b), slice(None, a, None)


def test_slice_made_in_compiled_code_is_exact():
    f = jit(made)
    for a, b, c in itertools.product(PARTS, PARTS, PARTS):
        got, want = f(a, b, c), made(a, b, c)
        assert got == want and [exact(x) for x in got] == [exact(x) for x in want], (a, b, c, got)


jitted_identity = jit(identity)


def pass_on(s, n):
    t = jitted_identity(s)
    return t, t.indices(n), (n, t)


def choose(flag):
    s = slice(1, None) if flag else slice(None, 5, 2)
    return s


def test_slice_through_calls_tuples_and_branches():
    for s in (slice(None), slice(1, None, -1), slice(2, 9, None), slice(-4, None, 3)):
        got, want = jit(pass_on)(s, 7), pass_on(s, 7)
        assert got == want and exact(got[0]) == exact(s) and exact(got[2][1]) == exact(s)
    assert exact(jit(choose)(True)) == exact(slice(1, None))
    assert exact(jit(choose)(False)) == exact(slice(None, 5, 2))


def test_slice_global_returned():  # test_slices.test_literal_slice_freevar
    for z in (slice(1, 2, 3), slice(1, 2), slice(None, None, -1), slice(5)):
        @kiln.jit
        def f():
            return z

        assert f() == z and exact(f()) == exact(z)


def test_slice_printed(capsys):
    @kiln.jit
    def f(s, n):
        print(s, slice(n, None), (slice(None, n, None), n))

    f(slice(1, 2), 3)
    f(slice(None, -1, 2), -3)
    assert capsys.readouterr().out == ("slice(1, 2, None) slice(3, None, None) (slice(None, 3, None), 3)\n"
                                       "slice(None, -1, 2) slice(-3, None, None) (slice(None, -3, None), -3)\n")


def test_slice_bound_read_in_compiled_code_keeps_numbas_values():
    # s.start of slice(None, 5) is Numba's 0 in compiled code; the slice
    # returned beside it is still Python's slice(None, 5, None).
    @kiln.jit
    def f(s):
        return s.start, s.stop, s.step, s

    assert f(slice(None, 5)) == (0, 5, 1, slice(None, 5, None))
    assert exact(f(slice(None, 5))[3]) == exact(slice(None, 5, None))


def test_slice_argument_refusals():
    with pytest.raises(TypeError, match="expected a slice of integers or None"):  # as Numba: a TypeError
        jit(parts_of)(slice(1.5, 2))
    with pytest.raises(Exception, match="too big|too large"):
        jit(parts_of)(slice(0, 2**70))
    f = jit(parts_of)
    f(slice(1, 2))
    with pytest.raises(TypeError, match="expected a slice of integers or None"):
        f(slice("a", 2))
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        jit(index_with)(np.arange(3), slice(None, None, 0))
    with pytest.raises(OverflowError, match="2\\*\\*63"):
        jit(parts_of)(slice(-2**63, 2))


# pyvals: Ellipsis as an argument and a value (Numba's `ellipsis` type).


def is_ellipsis(x):
    return x is Ellipsis, x is ..., x is not ..., x


def test_ellipsis_argument_and_result():
    got = jit(is_ellipsis)(...)
    assert got == (True, True, False, Ellipsis) and got[3] is Ellipsis
    assert kiln.typeof(...) == "ellipsis"
    g = jit("ellipsis(ellipsis)")(identity)
    assert g(...) is Ellipsis
    with pytest.raises(TypeError):  # an eager signature converts, never compiles: None is not Ellipsis
        g(None)


def test_ellipsis_is_compared_as_python():
    @kiln.jit
    def same(x, y):
        return x is y, x is not y

    assert same(..., ...) == (True, False)
    assert same(..., None) == (False, True)
    assert same(1, ...) == (False, True)


def index_by(a, x):
    return a[x]


jitted_is_ellipsis = jit(is_ellipsis)


def call_with(x):
    return jitted_is_ellipsis(x)


def test_ellipsis_passed_on_and_used_as_an_index():
    a = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(jit(index_by)(a, ...), a[...])
    assert jit(call_with)(...) == (True, True, False, Ellipsis)
    assert jit(lambda: (..., 1))() == (Ellipsis, 1)


def test_ellipsis_printed(capsys):
    @kiln.jit
    def f(x):
        print(x, ...)

    f(...)
    assert capsys.readouterr().out == "Ellipsis Ellipsis\n"


def slices_equal(s, t):
    return s == t, s != t, s == slice(1, None), s == None  # noqa: E711


def test_slices_compare_as_python():
    f = jit(slices_equal)
    opts = (None, 0, 1, -2)
    for s in itertools.starmap(slice, itertools.product(opts, opts, opts)):
        for t in (slice(1, None), slice(1, None, 1), slice(None, 1), slice(0, 0, 0), s):
            assert f(s, t) == slices_equal(s, t), (s, t)


def test_slice_identity_and_ordering_are_refused():
    with pytest.raises(kiln.errors.TypingError, match="comparison 'is' is not supported between slice3_type"):
        jit(lambda s, t: s is t)(slice(1), slice(1))
    with pytest.raises(kiln.errors.TypingError, match="comparison '<' is not supported between slice3_type"):
        jit(lambda s, t: s < t)(slice(1), slice(2))


def ellipsis_equal(x, y):
    return x == y, x != y, x == ..., ... != x


def test_ellipsis_equality_as_python():
    f = jit(ellipsis_equal)
    for x, y in ((..., ...), (..., None), (..., 1), (2.5, ...), (None, ...), (..., True)):
        assert f(x, y) == ellipsis_equal(x, y), (x, y)
