"""Functions implemented by an ``@overload`` (issue 9): Numba's
``numba.extending.overload`` and Kiln's ``kiln.extending.overload``.

The overload function runs in the client with the argument types typing
found at the call; the implementation it returns is compiled as the call's
body (docs/extending.md). Every answer is compared with plain Python's."""

import subprocess
import sys
import textwrap

import pytest

from conftest import PYTHON_DIR

np = pytest.importorskip("numpy")
numba = pytest.importorskip("numba")

from numba.core import types  # noqa: E402 - after the importorskip
from numba.core.errors import TypingError as NumbaTypingError  # noqa: E402
from numba.extending import overload  # noqa: E402

from test_cache_keys import built_in_fresh_process as _built, project  # noqa: E402 - one project/driver for the cache tests


# -- picked by the argument types ----------------------------------------------


def doubled(x):
    """Plain Python: what compiled code must agree with."""
    return np.sum(x) * 2.0


@overload(doubled)
def _ol_doubled(x):
    if isinstance(x, types.Float):
        return lambda x: x * 2.0
    if isinstance(x, types.Array) and isinstance(x.dtype, types.Float):
        def impl(x):
            s = 0.0
            for v in x:
                s += v
            return s * 2.0
        return impl
    return None  # no match: an int, say


def _calls_doubled(x):
    return doubled(x) + 1.0


def test_overload_is_picked_by_argument_type(kilnd):
    from kiln import jit

    f = jit(_calls_doubled)
    assert f(1.5) == _calls_doubled(1.5) == 4.0
    a = np.arange(4.0)
    assert f(a) == _calls_doubled(a) == 13.0
    assert len(f.signatures) == 2


def _two_call_sites(x, a):
    return doubled(x) + doubled(a)


def test_two_call_sites_with_different_types_in_one_function(kilnd):
    from kiln import jit

    a = np.array([1.0, 2.5])
    assert jit(_two_call_sites)(0.25, a) == _two_call_sites(0.25, a) == 7.5


def test_overload_returning_none_is_a_located_typing_error(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"No implementation of function doubled found for signature: "
                                          r"doubled\(int64\)") as e:
        jit(_calls_doubled)(3)
    assert isinstance(e.value, NumbaTypingError)  # code written for Numba catches it as Numba's
    assert e.value.where[0] == __file__
    assert e.value.where[1] == _calls_doubled.__code__.co_firstlineno + 1  # the call's line


# -- an overload that refuses with its own message ------------------------------


def positive_log(x):
    return np.log(x)


@overload(positive_log)
def _ol_positive_log(x):
    if not isinstance(x, types.Float):
        raise NumbaTypingError(f"positive_log needs a float, got {x}")
    return lambda x: np.log(x) if x > 0 else np.nan


def _calls_positive_log(x):
    return positive_log(x)


def test_typing_error_raised_by_the_overload_reaches_the_user(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    f = jit(_calls_positive_log)
    assert f(np.e) == pytest.approx(1.0)
    assert np.isnan(f(-1.0))
    with pytest.raises(TypingError, match=r"positive_log needs a float, got int64") as e:
        f(2)
    assert e.value.where[1] == _calls_positive_log.__code__.co_firstlineno + 1


# -- an implementation that calls a jitted function; keywords; defaults --------


def _make_helper():
    from kiln import jit

    @jit
    def cube(v):
        return v * v * v
    return cube


def scaled_cube(x, k=1.0):
    return x ** 3 * k


@overload(scaled_cube)
def _ol_scaled_cube(x, k=1.0):
    cube = _make_helper()

    def impl(x, k=1.0):
        return cube(x) * k  # a jitted function the implementation calls (a closure cell)
    return impl


def _calls_scaled_cube(x):
    return scaled_cube(x) + scaled_cube(x, k=2.0) + scaled_cube(x, 3.0)


def test_implementation_calls_another_jitted_function_with_keywords(kilnd):
    from kiln import jit

    assert jit(_calls_scaled_cube)(2.0) == _calls_scaled_cube(2.0) == 48.0


def mismatched(x):
    return x


@overload(mismatched)
def _ol_mismatched(x):
    return lambda y: y  # Numba's strict check: the implementation's parameters must be the overload's


def _calls_mismatched(x):
    return mismatched(x)


def test_implementation_with_other_parameters_is_refused(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"mismatched\(float64\): the implementation's arguments \['y'\] "
                                          r"differ from the overload's \['x'\]"):
        jit(_calls_mismatched)(1.0)


# -- what is not overloaded ------------------------------------------------------


def _calls_abs(x):
    return abs(x) + np.sqrt(x)  # Kiln's own builtins: Numba's internal overloads of them are never read


def spline(*args):  # the stub several overloads implement, by their arity (interpolation's _eval_cubic)
    pass


@overload(spline)
def _spline_two(x, y):
    return lambda x, y: x + y


@overload(spline)
def _spline_three(x, y, scale):
    return lambda x, y, scale: (x + y) * scale


def test_overloads_of_one_function_are_tried_until_one_takes_the_arguments(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def both(x, y):
        return spline(x, y), spline(x, y, 3.0)

    assert both(1.0, 2.0) == (3.0, 9.0)

    @jit
    def neither(x):
        return spline(x)

    with pytest.raises(TypingError, match=r"spline\(float64\): missing a required argument: 'y'"):
        neither(1.0)


def total_of(arrays):
    pass


@overload(total_of)
def _total_of(arrays):
    # Numba's type objects for a tuple of arrays, as interpolation's overloads read them
    if isinstance(arrays, types.UniTuple) and isinstance(arrays.dtype, types.Array) and arrays.dtype.ndim == 1:
        return lambda arrays: sum([a.sum() for a in arrays])


def test_a_tuple_of_arrays_is_given_as_numbas_type_objects(kilnd):
    from kiln import jit

    @jit
    def run(a, b):
        return total_of((a, b))

    assert run(np.arange(3.0), np.ones(2)) == 5.0


def test_kiln_builtins_are_not_taken_from_numbas_registry(kilnd):
    from kiln import jit

    assert jit(_calls_abs)(4.0) == _calls_abs(4.0) == 6.0


def _numba_jitable(x):
    return x * 3.0


numba.extending.register_jitable(_numba_jitable)  # Numba's own: an overload returning the function itself


def _calls_numba_jitable(x):
    return _numba_jitable(x) + 1.0


def test_numbas_register_jitable_is_compiled(kilnd):
    from kiln import jit

    assert jit(_calls_numba_jitable)(2.0) == _calls_numba_jitable(2.0) == 7.0


def _kernel_doubling(out, x):
    out[0] = doubled(x[0])


def test_cuda_kernel_calling_an_overloaded_function_compiles(kilnd):
    # kiln.cuda.jit answers the requests as kiln.jit does; PTX only (no GPU needed)
    from kiln import cuda
    from kiln.cuda import _driver

    ptx = _driver.compile_kernel(cuda.jit(_kernel_doubling), ["array(float64, 1d, C)", "array(float64, 1d, C)"],
                                 "sm_80", "ptx")["text"]
    assert ".entry" in ptx and "add.rn.f64" in ptx  # x * 2.0 (LLVM writes x + x), compiled in the kernel


# -- the cache -------------------------------------------------------------------


def test_second_process_hits_the_cache_and_a_changed_implementation_recompiles(project):
    project.write("ovl.py", """
        import numpy as np
        from numba.core import types
        from numba.extending import overload

        def half(x):
            return x / 2.0

        @overload(half)
        def _ol_half(x):
            if isinstance(x, types.Float):
                def impl(x):
                    return x * 0.5
                return impl
    """)
    project.write("app.py", """
        from kiln import jit
        from ovl import half

        @jit
        def f(x):
            return half(x) + 1.0
    """)
    # Each process's first compile is a request (typing stops at the call,
    # nothing is stored; counted in compiles and compile_errors), answered,
    # then the compile of the bundle holding the implementation.
    assert _built(project, "app", "f", 3.0) == (2.5, 1, 0)
    assert _built(project, "app", "f", 3.0) == (2.5, 0, 1)  # a fresh process: a hit
    project.edit("ovl.py", "return x * 0.5", "return x * 0.25")  # the implementation
    project.edit("ovl.py", "return x / 2.0", "return x / 4.0")  # the plain function too, for the oracle
    assert _built(project, "app", "f", 3.0) == (1.75, 1, 0)


def test_overloaded_function_read_off_its_module(project):
    # numba_stats: `from numba_stats import norm; norm.pdf(x, mu, sigma)`
    project.write("dist.py", """
        import numpy as np
        from numba.core import types
        from numba.extending import overload

        def pdf(x, mu, sigma):
            return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))

        @overload(pdf)
        def _ol_pdf(x, mu, sigma):
            if isinstance(x, types.Float):
                def impl(x, mu, sigma):
                    z = (x - mu) / sigma
                    return np.exp(-0.5 * z * z) / (sigma * np.sqrt(2 * np.pi))
                return impl
    """)
    project.write("app2.py", """
        from kiln import jit
        import dist

        @jit
        def f(x):
            return dist.pdf(x, 1.0, 2.0)
    """)
    got, built, _ = _built(project, "app2", "f", 0.5)
    assert got == pytest.approx(0.19333405840142465) and built == 1


# -- kiln.extending.overload, Numba not imported ---------------------------------


NO_NUMBA = textwrap.dedent("""
    import sys
    sys.modules["numba"] = None  # any import of Numba fails: it is not in the picture
    import numpy as np
    import kiln
    from kiln import types
    from kiln.extending import overload
    from kiln.errors import TypingError

    def norm2(x):
        return float(np.dot(x, x)) if np.ndim(x) else x * x

    seen = []

    @overload(norm2)
    def _ol_norm2(x):
        seen.append(x)
        if x == types.float64:
            return lambda x: x * x
        if isinstance(x, types.ArrayType) and x.dtype == types.float64 and x.ndim == 1:
            def impl(x):
                s = 0.0
                for v in x:
                    s += v * v
                return s
            return impl

    @kiln.jit
    def f(x):
        return norm2(x)

    a = np.array([1.0, 2.0, 3.0])
    assert f(3.0) == norm2(3.0) == 9.0
    assert f(a) == norm2(a) == 14.0
    try:
        f(3)
        raise AssertionError("an int has no implementation")
    except TypingError as e:
        assert "No implementation of function norm2 found for signature: norm2(int64)" in str(e), str(e)
    assert [str(t) for t in seen] == ["float64", "array(float64, 1d, C)", "int64"], seen
    assert "numba.core" not in sys.modules
    print("ok")
""")


def test_kiln_overload_without_numba(kilnd):
    out = subprocess.run([sys.executable, "-c", NO_NUMBA], capture_output=True, text=True, timeout=300,
                         env={**_env_with(kilnd)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def _env_with(server):
    import os
    return {**os.environ, "PYTHONPATH": PYTHON_DIR, "KILN_SERVER": server.target}
