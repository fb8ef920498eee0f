"""Constructs met in real Numba code (issues 8 and 9, sixth round: the
packages' own test suites run with their njit routed to kiln.jit).

numba-scipy gives SciPy's special functions nopython implementations with
``numba.extending.overload(scipy.special.gamma)``: the overloaded value is a
*ufunc* (every scipy.special function is one), not a Python function, and its
implementation calls the Cython kernel through a ctypes function
(``lambda *args: f(*args)``). The ufuncs here are made with np.frompyfunc, so
the tests need neither SciPy nor numba-scipy."""

import ctypes
import ctypes.util
import math

import pytest

np = pytest.importorskip("numpy")


def _fresh_ufunc():
    # np.frompyfunc makes a ufunc with no __module__, as SciPy's are
    def cube_root(x):
        return math.copysign(abs(x) ** (1.0 / 3.0), x)
    return np.frompyfunc(cube_root, 1, 1)


_libm = ctypes.CDLL(ctypes.util.find_library("m"))
_cbrt_address = ctypes.cast(_libm.cbrt, ctypes.c_void_p).value


def _choose(signatures, kernel):
    # numba-scipy's shape: the overload compares the argument types with the
    # kernel's signatures and returns a lambda calling the ctypes function
    def choice(*args):
        for signature in signatures:
            if args == signature:
                return lambda *args: kernel(*args)
    return choice


def test_kiln_overload_of_a_ufunc_that_is_not_numpys(kilnd):
    from kiln import jit, types
    from kiln.extending import overload

    cbrt_ufunc = _fresh_ufunc()
    kernel = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(_cbrt_address)
    overload(cbrt_ufunc)(_choose([(types.float64,)], kernel))

    @jit
    def f(x):
        return cbrt_ufunc(x) + 1.0

    for x in (27.0, -8.0, 2.0):
        assert f(x) == kernel(x) + 1.0  # libm's cbrt, called as Python calls it
    assert f(27.0) == 4.0


def test_numba_overload_of_a_ufunc_star_args_as_numba_scipy(kilnd):
    import numba
    from numba.core import types as nt
    from kiln import jit
    from kiln.errors import TypingError

    cbrt_ufunc = _fresh_ufunc()
    kernel = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(_cbrt_address)
    numba.extending.overload(cbrt_ufunc)(_choose([(nt.float64,)], kernel))

    @jit
    def call(*args):  # as numba-scipy's own tests call it
        return cbrt_ufunc(*args)

    for x in (64.0, -0.125, 3.0):
        assert call(x) == kernel(x)
    assert call(64.0) == 4.0
    # no signature of the kernel takes an int64: the overload answers None
    with pytest.raises(TypingError, match=r"No implementation of function .* found for signature"):
        call(8)


def test_numpys_own_ufunc_is_never_taken_from_a_registry(kilnd):
    from kiln import jit
    from kiln import extending

    marker = _fresh_ufunc()
    assert extending.overloads_of(marker) == []  # no overload registered: not overloaded
    extending.overload(np.sin)(lambda x: (lambda x: 42.0))
    try:
        assert extending.overloads_of(np.sin) == []

        @jit
        def f(x):
            return np.sin(x)

        assert f(0.5) == math.sin(0.5)
    finally:
        extending._KILN_OVERLOADS.pop(np.sin, None)
