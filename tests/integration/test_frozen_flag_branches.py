"""A branch on a frozen global or closure cell holding a bool, int or None
is decided when compiling, as Numba's dead-branch pruning decides it: the
path not taken is never typed, so it may give a variable a type the other
path does not (pynndescent's search closures: `if normalize_query and ...:
current_query = q / norm else: current_query = q` with normalize_query a
factory's False and q a uint8 array). Compared with Numba 0.68."""

import numpy as np
import pytest

import numba

import kiln
from kiln import TypingError

DEBUG_LEVEL = 0
NO_OPTION = None
VERBOSE = 2


def _factory(jit, normalize):
    @jit
    def query(q, is_normalized):
        if normalize and not is_normalized:
            norm = np.sqrt((q.astype(np.float64) ** 2).sum())
            current = q / norm
        else:
            current = q
        return current
    return query


@pytest.mark.parametrize("is_normalized", [False, True])
def test_false_cell_prunes_the_other_type(is_normalized):
    q = np.arange(1, 5, dtype=np.uint8)
    got = _factory(kiln.jit, False)(q, is_normalized)
    want = _factory(numba.njit, False)(q, is_normalized)
    assert got.dtype == want.dtype == np.uint8
    np.testing.assert_array_equal(got, want)


def test_true_cell_keeps_both_paths_and_their_conflict():
    """With the flag True both paths stay (the argument decides at run
    time): their types still meet, and the conflict is Numba's TypingError."""
    q = np.arange(1, 5, dtype=np.uint8)
    with pytest.raises(TypingError, match="cannot unify"):
        _factory(kiln.jit, True)(q, False)
    with pytest.raises(numba.core.errors.TypingError):
        _factory(numba.njit, True)(q, False)


def _int_and_none_globals(x):
    if DEBUG_LEVEL:
        y = "debug"
    else:
        y = x * 2.0
    if NO_OPTION:
        z = "set"
    else:
        z = y + 1
    if VERBOSE:
        w = z * 3
    else:
        w = "quiet"
    return w


def test_int_and_none_globals_prune():
    assert kiln.jit(_int_and_none_globals)(1.5) == numba.njit(_int_and_none_globals)(1.5) == 12.0


def _flag_used_as_a_value(x):
    if DEBUG_LEVEL:
        return -1.0
    return x + DEBUG_LEVEL


def test_a_pruned_flag_is_still_its_value():
    """The folded load is the constant itself: used as a number elsewhere it
    is still 0."""
    assert kiln.jit(_flag_used_as_a_value)(2.5) == numba.njit(_flag_used_as_a_value)(2.5) == 2.5


def _double(x):
    return 2 * x


def _triple(x):
    return 3 * x


def _function_factory(jit, chosen):
    double, triple = jit(_double), jit(_triple)
    metric = double if chosen == "double" else triple

    @jit
    def apply(x):
        # pynndescent: `if dist == alternative_dot or dist == alternative_cosine:`
        if metric == double or metric is double:
            r = metric(x) + 0.5
        else:
            r = (metric(x), x)  # another type: typed only where this path is taken
        if metric != triple:
            return r
        return r
    return apply


@pytest.mark.parametrize("chosen", ["double", "triple"])
def test_function_comparison_in_a_condition_is_decided(chosen):
    got = _function_factory(kiln.jit, chosen)(3)
    want = _function_factory(numba.njit, chosen)(3)
    assert got == want


def _compares_functions_as_a_value(x):
    return _jitted_double == _jitted_triple


_jitted_double = kiln.jit(_double)
_jitted_triple = kiln.jit(_triple)


def test_function_comparison_as_a_value_is_refused():
    """Outside a condition Numba refuses it too (no eq for two dispatchers)."""
    with pytest.raises(TypingError, match="comparison '==' is not supported"):
        kiln.jit(_compares_functions_as_a_value)(1)
