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
    # Returning one is refused: its omitted step would read 1, not None.
    with pytest.raises(kiln.errors.UnsupportedError, match="returning a value of type slice3_type"):
        jit(identity)(slice(1, None, 2))


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
