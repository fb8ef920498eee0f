"""Constructs met in real Numba code (issues 8 and 9, seventh round: the
packages' own test suites run with their njit routed to kiln.jit).

wotan's lowess (``@jit(parallel=True)``, default error model) calls a
weighted-fit helper declared ``@jit(error_model="numpy")``; at a window edge
the helper's weights sum to 0.0 and its ``k[j] / sw`` must give NaN/inf, as
in Numba, where a callee's decorator that sets error_model wins. Kiln
compiled the callee with its caller's model and raised ZeroDivisionError.
A callee whose decorator sets none takes its caller's model, as Numba
inherits it (Flags.inherit_if_not_set) when the caller compiles it."""

import types

import pytest

import numpy as np


def _ratio(a, b):  # declared error_model="numpy" below
    return a / b


def _int_quotient(a, b):
    return a // b


def _call_ratio(a, b):
    return _ratio(a, b)


def _call_both(a, b):
    return _ratio(a, b), _int_quotient(int(a), int(b))


def _strict(a, b):  # declared error_model="python" below: raises
    return a / b


def _unset(a, b):  # no error_model of its own: the caller's
    return a / b


def _call_unset(a, b):
    return _unset(a, b)


def _call_strict(a, b):
    return _strict(a, b)


def _ratio_via_lambda(a, b):  # an inner function of a callee takes the callee's model
    f = lambda x, y: x / y  # noqa: E731
    return f(a, b)


def _call_ratio_via_lambda(a, b):
    return _ratio_via_lambda(a, b)


def _with(g, f):
    return types.FunctionType(f.__code__, g, f.__name__)


def test_callee_keeps_its_own_error_model(kilnd):
    from kiln import jit

    g = {}
    g["_ratio"] = jit(error_model="numpy")(_ratio)
    g["_int_quotient"] = jit(error_model="numpy")(_int_quotient)
    caller = jit(_with(g, _call_ratio))  # default error_model='python'
    assert caller(1.0, 0.0) == np.inf  # before the callee is called from Python
    assert np.isnan(caller(0.0, 0.0))
    assert caller(-3.0, 0.0) == -np.inf
    assert caller(3.0, 2.0) == 1.5
    assert jit(_with(g, _call_both))(1.0, 0.0) == (np.inf, 0)  # NumPy's int // 0 is 0
    assert g["_ratio"](1.0, 0.0) == np.inf


def test_callee_with_python_error_model_raises_under_a_numpy_caller(kilnd):
    from kiln import jit

    g = {"_strict": jit(error_model="python")(_strict)}
    caller = jit(error_model="numpy")(_with(g, _call_strict))
    with pytest.raises(ZeroDivisionError):
        caller(1.0, 0.0)
    assert caller(1.0, 4.0) == 0.25


def test_callee_without_an_error_model_takes_the_caller_one(kilnd):
    from kiln import jit

    g = {"_unset": jit(_unset)}
    assert jit(error_model="numpy")(_with(g, _call_unset))(1.0, 0.0) == np.inf
    with pytest.raises(ZeroDivisionError):
        jit(_with(g, _call_unset))(1.0, 0.0)
    with pytest.raises(ZeroDivisionError):
        g["_unset"](1.0, 0.0)


def test_inner_function_of_a_callee_takes_the_callee_error_model(kilnd):
    from kiln import jit

    g = {"_ratio_via_lambda": jit(error_model="numpy")(_ratio_via_lambda)}
    assert jit(_with(g, _call_ratio_via_lambda))(2.0, 0.0) == np.inf


# --- pynndescent: its thread count, and typed Lists of tuples coming back ---

import numba  # noqa: E402  (read by _threads_via_module as a module global)


def _threads_via_module(n):
    out = np.zeros(numba.get_num_threads() * n, np.int64)
    out[numba.get_thread_id()] = 7
    return out


def test_numba_thread_queries_answer_for_kilns_pool(kilnd):
    # prange: outside a parallel loop, the pool's size and thread id 0
    # (pynndescent sizes per-thread work so); test_prange.py asks inside one.
    import os
    from numba import get_num_threads, get_thread_id
    from kiln import jit

    threads = int(os.environ.get("NUMBA_NUM_THREADS") or os.environ.get("KILN_NUM_THREADS") or
                  len(os.sched_getaffinity(0)))

    def from_imports(n):
        return get_num_threads() * n + get_thread_id()
    assert jit(from_imports)(5) == threads * 5
    expected = [0] * (threads * 3)
    expected[0] = 7
    assert jit(_threads_via_module)(3).tolist() == expected


def test_a_typed_list_of_int32_tuples_goes_back_into_compiled_code(kilnd):
    # The List compiled code returns keeps Python ints; passed back, its
    # items are converted to (int32, int32) as its scalars are, not typed
    # afresh as int64 ("can't unbox heterogeneous list").
    import numba
    from kiln import jit
    children_type = numba.typeof((np.int32(-1), np.int32(-1)))

    def make(n):
        children = numba.typed.List.empty_list(children_type)
        for i in range(n):
            children.append((np.int32(i), np.int32(-1)))
        children.append((np.int32(-1), np.int32(-1)))
        return children

    def first_and_leaves(children):
        c = 0
        for i in range(len(children)):
            if children[i][0] < 0:
                c += 1
        return children[0][0], c
    made = jit(make)(3)
    assert jit(first_and_leaves)(made) == (0, 1)
    assert jit(lambda c: c[1])(made) == (1, -1)
