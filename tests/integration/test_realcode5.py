"""Constructs met in real Numba code (issues 8 and 9, fifth round: the
packages' own test suites run with their njit routed to kiln.jit):
``numba.config`` settings read in compiled code, a Numba
WrapperAddressProtocol (now called: test_native_functions.py), and the
refusal of a plain Python function (most often one that a Numba
``@overload`` implements), which names what to do instead."""

import ctypes
import ctypes.util
import types

import pytest

np = pytest.importorskip("numpy")
numba = pytest.importorskip("numba")  # read as a module global below, as real Numba code does


# -- numba.config settings ------------------------------------------------------


def _per_thread_sums(x):
    # As stumpy does: one row of partial results per Numba thread, the work
    # split over them by a prange loop, the rows reduced at the end.
    n_threads = numba.config.NUMBA_NUM_THREADS
    out = np.zeros((n_threads, 2))
    for t in numba.prange(n_threads):
        for i in range(t, x.shape[0], n_threads):
            out[t, 0] += x[i]
            out[t, 1] += 1.0
    return out.sum(axis=0), n_threads


def test_numba_config_setting_is_a_compile_time_constant(kilnd):
    from kiln import jit

    x = np.arange(1.0, 101.0)
    sums, n = jit(_per_thread_sums)(x)
    assert n == numba.config.NUMBA_NUM_THREADS
    assert sums.tolist() == [x.sum(), 100.0]
    want, _ = _per_thread_sums(x)  # plain Python
    assert np.array_equal(sums, want)


def _debug_flag():
    return numba.config.DEBUG, numba.config.DISABLE_JIT


def test_numba_config_flags(kilnd):
    from kiln import jit

    assert jit(_debug_flag)() == (numba.config.DEBUG, numba.config.DISABLE_JIT)


def _not_a_setting():
    return numba.config.no_such_setting


def test_numba_config_unknown_name_is_refused(kilnd):
    from kiln import jit
    from kiln.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match=r"'numba\.config\.no_such_setting' is not supported"):
        jit(_not_a_setting)()


# -- a @jit callee keeps its own fastmath -----------------------------------------


def _guarded(m_t):  # compiled without fastmath: its isinf check must stand
    if np.isinf(m_t):
        return np.inf
    return 1.0


def _fast_caller(x):
    return _guarded(x)


def _fast_profile(a):
    out = np.empty(a.shape[0])
    for i in range(a.shape[0]):
        out[i] = _guarded(a[i])
    return out


def _guarded_via_lambda(x):  # an inner function of a callee compiled without fastmath
    check = lambda v: np.isinf(v)  # noqa: E731
    return np.inf if check(x) else 1.0


def _fast_caller_of_lambda(x):
    return _guarded_via_lambda(x)


def test_callee_keeps_its_own_fastmath(kilnd):
    """stumpy's fastmath=True distance profile calls a helper compiled without
    fastmath whose np.isinf(M_T) guard makes a NaN/inf window's distance inf;
    compiled with the caller's ninf the guard folded away and the distance
    came out 0.0 (a wrong matrix profile)."""
    import kiln
    from kiln import jit

    guarded = jit(_guarded)
    g = {"_guarded": guarded, "np": np}  # the callers read the jitted helper as their global

    def with_jitted_helper(f):
        return types.FunctionType(f.__code__, g, f.__name__)

    fast_caller = jit(fastmath=True)(with_jitted_helper(_fast_caller))
    fast_profile = jit(fastmath=True)(with_jitted_helper(_fast_profile))
    assert fast_caller(np.inf) == np.inf  # before the callee is called from Python
    assert fast_profile(np.array([1.0, np.inf, -np.inf])).tolist() == [1.0, np.inf, np.inf]
    assert guarded(np.inf) == np.inf
    # Numba's set form too (stumpy: {"nsz", "arcp", "contract", "afn", "reassoc"} plus ninf here)
    flags = jit(fastmath={"ninf", "nnan", "nsz"})(with_jitted_helper(_fast_profile))
    assert flags(np.array([np.inf, 2.0])).tolist() == [np.inf, 1.0]
    assert isinstance(guarded, kiln.Dispatcher)
    g["_guarded_via_lambda"] = jit(_guarded_via_lambda)
    assert jit(fastmath=True)(with_jitted_helper(_fast_caller_of_lambda))(np.inf) == np.inf


# -- refusals that say what to do ---------------------------------------------------


class _LibmCos:
    """numba_stats' way to call scipy.special.cython_special: an object with
    the native function's address and its signature."""

    def __wrapper_address__(self):
        libm = ctypes.CDLL(ctypes.util.find_library("m"))
        return ctypes.cast(libm.cos, ctypes.c_void_p).value

    def signature(self):
        return numba.float64(numba.float64)


native_cos = _LibmCos()


def _call_native(x):
    return native_cos(x)


def test_wrapper_address_protocol_is_called(kilnd):
    # native: called by its address (tests/integration/test_native_functions.py has the rest).
    import math
    from kiln import jit

    assert jit(_call_native)(0.5) == math.cos(0.5)


def _helper(x):  # a plain function: neither @jit nor @register_jitable
    return x + 1.0


def _calls_helper(x):
    return _helper(x) * 2.0


def _jitable_helper(x):
    return x + 1.0


def _calls_jitable_helper(x):
    return _jitable_helper(x) * 2.0


def test_plain_function_refusal_names_register_jitable(kilnd):
    from kiln import jit
    from kiln.errors import TypingError
    from kiln.extending import register_jitable

    with pytest.raises(TypingError, match=r"global '_helper' of Python type 'function'.*@register_jitable"):
        jit(_calls_helper)(1.0)
    register_jitable(_jitable_helper)  # what the message says to do works
    assert jit(_calls_jitable_helper)(1.0) == 4.0


# -- Numba's Dispatcher.targetoptions and recompile() ------------------------------

SCALE = 2.0


def _scaled(x):
    return x * SCALE


def test_recompile_reads_globals_and_options_anew(kilnd):
    """stumpy's fastmath API sets ``f.targetoptions["fastmath"]`` and calls
    ``f.recompile()`` on each njit function (its test_precision does)."""
    from kiln import jit

    global SCALE
    f = jit(_scaled)
    eager = jit("float64(float64)")(_scaled)
    assert f(1.5) == 3.0 and f(2) == 4
    try:
        SCALE = 3.0
        assert f(1.5) == 3.0  # a global is frozen at compile time, as in Numba
        f.recompile()
        eager.recompile()
        assert f(1.5) == 4.5 and f(2) == 6.0 and eager(2) == 6.0
        assert len(f.signatures) == 2 and eager.signatures == [("float64",)]  # the same signatures, again
        assert f.targetoptions is f.targetoptions and "fastmath" not in f.targetoptions
        f.targetoptions["fastmath"] = {"bogus"}  # the live options: read by the next compile
        with pytest.raises(ValueError, match="unknown fastmath flag"):
            f.recompile()
        f.targetoptions["fastmath"] = {"nsz", "arcp", "contract", "afn"}
        f.recompile()
        assert f(1.5) == 4.5
    finally:
        SCALE = 2.0
