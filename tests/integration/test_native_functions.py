"""Native functions called by address (issue 9, part 7; kiln/_native.py,
runtime/cpu/kiln_native.h, docs/python-subset.md "Native functions"): a
Numba WrapperAddressProtocol (or kiln.types'), a ctypes function with
argtypes (a CDLL symbol, a CFUNCTYPE callback), as a global, a module
attribute or a closure cell; the compiled binary holds no address, so one
read from the cache by a fresh process calls that process's function."""

import ctypes
import ctypes.util
import json
import math
import subprocess
import sys
import textwrap
import types

import pytest

from test_cache_keys import _env, project

np = pytest.importorskip("numpy")
numba = pytest.importorskip("numba")

libm = ctypes.CDLL(ctypes.util.find_library("m"))


def _address(cfunc):
    return ctypes.cast(cfunc, ctypes.c_void_p).value


class _NumbaWap(numba.types.WrapperAddressProtocol):
    """numba_stats' way (numba_stats/_special.py): a class deriving from
    Numba's protocol, the address and the signature as methods."""

    def __init__(self, cfunc, sig):
        self._addr, self._sig = _address(cfunc), sig

    def __wrapper_address__(self):
        return self._addr

    def signature(self):
        return self._sig


# -- WrapperAddressProtocol -------------------------------------------------------

wap_cos = _NumbaWap(libm.cos, numba.float64(numba.float64))
wap_pow = _NumbaWap(libm.pow, numba.float64(numba.float64, numba.float64))


def _wap_global(x):
    return wap_cos(x) + wap_pow(x, 3.0)


def test_wrapper_address_protocol_global(kilnd):
    from kiln import jit

    for x in (0.0, 0.5, 2.25):
        assert jit(_wap_global)(x) == math.cos(x) + math.pow(x, 3.0)


# As numba_stats calls scipy: `_special.ndtri(x)`, the object read off a module.
special = types.ModuleType("native_special_stub")
special.cbrt = _NumbaWap(libm.cbrt, numba.float64(numba.float64))
sys.modules[special.__name__] = special


def _wap_module_attribute(x):
    return special.cbrt(x) * 2.0


def test_wrapper_address_protocol_module_attribute(kilnd):
    from kiln import jit

    assert jit(_wap_module_attribute)(27.0) == math.cbrt(27.0) * 2.0
    assert jit(_wap_module_attribute)(-8.0) == -4.0


def test_wrapper_address_protocol_closure_cell_and_arguments_converted(kilnd):
    from kiln import jit

    f = _NumbaWap(libm.ldexp, numba.float64(numba.float64, numba.int32))

    def g(m, e):
        return f(m, e)

    # int64 e is converted to the int32 parameter, an int m to float64, as a
    # call of a typed function converts them.
    assert jit(g)(3, 4) == 48.0
    assert jit(g)(0.75, np.int16(-2)) == 0.1875


def test_kiln_types_wrapper_address_protocol_with_int_signature(kilnd):
    from kiln import jit
    from kiln import types as kt

    class Abs(kt.WrapperAddressProtocol):
        def __wrapper_address__(self):
            return _address(ctypes.CDLL(None).labs)

        def signature(self):
            return kt.int64(kt.int64)

    labs = Abs()

    def g(x):
        return labs(x - 10)

    assert jit(g)(3) == 7 and jit(g)(25) == 15
    assert kt.float64(kt.float64, kt.int32).args == (kt.float64, kt.int32)


def test_string_signature_and_unsigned_and_float32(kilnd):
    from kiln import jit

    # C's own functions on unsigned and float32 values.
    fabsf = _NumbaWap(libm.fabsf, "float32(float32)")
    popcount = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_uint32)(lambda v: bin(v).count("1"))

    def g(x, v):
        return fabsf(x), popcount(v)

    a, b = jit(g)(-1.5, 2**32 - 1)
    assert a == 1.5 and isinstance(a, (float, np.floating)) and b == 32


# -- ctypes ---------------------------------------------------------------------------

c_hypot = libm.hypot
c_hypot.argtypes = [ctypes.c_double, ctypes.c_double]
c_hypot.restype = ctypes.c_double


def _ctypes_global(a, b):
    return c_hypot(a, b)


def test_ctypes_function_with_argtypes(kilnd):
    from kiln import jit

    assert jit(_ctypes_global)(3.0, 4.0) == 5.0
    assert jit(_ctypes_global)(5, 12) == 13.0  # ints converted to c_double


_seen = []
_record = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_bool)(lambda v, flag: _seen.append((v, flag)))
_twice = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32)(lambda v: 2 * v)


def _callbacks(n):
    total = 0
    for i in range(n):
        _record(i, i % 2 == 0)  # void result
        total += _twice(i)
    return total


def test_cfunctype_python_callback_and_void_result(kilnd):
    from kiln import jit

    _seen.clear()
    assert jit(_callbacks)(4) == 12
    assert _seen == [(0, True), (1, False), (2, True), (3, False)]


# -- refusals ---------------------------------------------------------------------------

c_no_argtypes = ctypes.CDLL(ctypes.util.find_library("m")).sin  # a fresh CDLL: argtypes not set


def _uses_no_argtypes(x):
    return c_no_argtypes(x)


def test_ctypes_function_without_argtypes_is_refused(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"cannot call global 'c_no_argtypes'.*has no argtypes") as e:
        jit(_uses_no_argtypes)(0.5)
    assert "test_native_functions.py" in str(e.value)  # located


def _wrong_count(x):
    return wap_pow(x)


def _wrong_type(x):
    return wap_cos(x)


def _keyword(x):
    return wap_cos(x=x)


def test_wrong_arguments_are_refused_naming_the_function(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"native function 'wap_pow' takes 2 arguments but 1 was given"):
        jit(_wrong_count)(1.0)
    with pytest.raises(TypingError, match=r"native function 'wap_cos': argument 1 of type array\(float64.*cannot be "
                                          r"converted to float64"):
        jit(_wrong_type)(np.ones(3))
    with pytest.raises(TypingError, match=r"native function 'wap_cos' takes no keyword arguments"):
        jit(_keyword)(1.0)


wap_bad_sig = _NumbaWap(libm.cos, numba.float64(numba.types.unicode_type))


def _bad_signature(x):
    return wap_bad_sig(x)


def test_unsupported_signature_is_refused(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"cannot call global 'wap_bad_sig'.*its signature has type unicode_type"):
        jit(_bad_signature)("a")


def _native_as_argument(f, x):
    return f(x)


def test_native_function_as_argument_is_refused(kilnd):
    # Numba's first-class function type is not implemented: the refusal says where one works.
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"argument 'f' \(Python type _NumbaWap: a native function is called "
                                          r"from compiled code where it reads it as a global"):
        jit(_native_as_argument)(wap_cos, 1.0)
    with pytest.raises(TypingError, match=r"argument 'f' \(Python type CFunctionType: a native function"):
        jit(_native_as_argument)(_twice, 1)


def test_get_cython_function_address_matches_numba():
    from kiln.extending import get_cython_function_address

    want = numba.extending.get_cython_function_address("numpy.random._bounded_integers", "_rand_int32")
    assert get_cython_function_address("numpy.random._bounded_integers", "_rand_int32") == want != 0
    with pytest.raises(ValueError, match="no function 'nope'"):
        get_cython_function_address("numpy.random._bounded_integers", "nope")


def test_identity_is_the_library_and_offset_not_the_address():
    from kiln import _native

    key = _native.identity(_address(libm.cos))
    assert key.startswith("lib:") and "libm" in key and hex(_address(libm.cos)) not in key
    assert _native.identity(_address(_twice)).startswith("proc:")  # a callback lives in this process only


# -- the cached binary in a fresh process --------------------------------------------------

NATIVE_APP = """
    import ctypes, ctypes.util, os
    import numba
    from kiln import jit

    libm = ctypes.CDLL(ctypes.util.find_library("m"))

    class Cos(numba.types.WrapperAddressProtocol):
        def __wrapper_address__(self):
            return ctypes.cast(libm.cos, ctypes.c_void_p).value

        def signature(self):
            return numba.float64(numba.float64)

    cos = Cos()
    triple = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(lambda v: 3.0 * v)

    @jit
    def f(x):
        return cos(x) + 1.0

    @jit
    def g(x):
        return triple(x) + 1.0
"""

NATIVE_DRIVER = """
    import ctypes, json, sys
    sys.path.insert(0, sys.argv[1])
    import native_app
    fn = getattr(native_app, sys.argv[2])
    print(json.dumps({"got": fn(float(sys.argv[3])),
                      "cos_address": ctypes.cast(native_app.libm.cos, ctypes.c_void_p).value}))
"""


def _run(project, func, x):
    driver = project.dir / "native_driver.py"
    driver.write_text(textwrap.dedent(NATIVE_DRIVER))
    before = project.compiles()
    out = subprocess.run([sys.executable, str(driver), str(project.dir), func, repr(x)],
                         capture_output=True, text=True, timeout=300, env=_env(project.server))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), project.compiles() - before


def test_cached_binary_calls_this_processes_function(project):
    project.write("native_app.py", NATIVE_APP)
    first, compiles = _run(project, "f", 0.5)
    assert first["got"] == math.cos(0.5) + 1.0 and compiles > 0
    # A fresh process: the same key (the library and the offset, not the
    # address), so the server's cached binary; the slot is filled from this
    # process's registration (ASLR put libm elsewhere).
    second, compiles = _run(project, "f", 2.0)
    assert second["got"] == math.cos(2.0) + 1.0 and compiles == 0


def test_callback_binary_is_never_reused_by_another_process(project):
    project.write("native_app.py", NATIVE_APP)
    first, compiles = _run(project, "g", 2.0)
    assert first["got"] == 7.0 and compiles > 0
    # A CFUNCTYPE callback's address is this process's alone: its key is too,
    # so the next process compiles its own binary rather than call a stale address.
    second, compiles = _run(project, "g", 4.0)
    assert second["got"] == 13.0 and compiles > 0
