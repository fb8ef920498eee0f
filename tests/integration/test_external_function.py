"""Numba's ``types.ExternalFunction(symbol, sig)`` called from compiled code
(issue 9, the extension API; kiln/_native.py, docs/extending.md "External
functions"): a C function named by its symbol, resolved in this process as
Numba resolves it (llvmlite's symbol table, Numba's own helpers such as
``numba_xgesv`` included), called by address as the other native functions
are, its ``voidptr``/``CPointer(T)`` parameters given ``a.ctypes``. Each
result is compared with Numba's for the same code.

quantecon's pattern needs ``scipy.linalg.cython_lapack`` (Numba's
``numba_xgesv`` calls SciPy's ``dgesv`` through it). Where SciPy is not
installed the test gives Numba a stand-in module whose ``__pyx_capi__``
holds the system LAPACK's ``dgesv_``/``sgesv_`` (the same Fortran ABI,
32-bit ints), so the test runs everywhere."""

import ctypes
import ctypes.util
import math
import sys
import types as pytypes

import pytest

np = pytest.importorskip("numpy")
numba = pytest.importorskip("numba")
llvm = pytest.importorskip("llvmlite.binding")

from numba.core import types as nt  # noqa: E402
from numba.extending import overload  # noqa: E402

# -- quantecon's pattern: an @overload whose implementation calls numba_xgesv -----------

_lapack = None  # the system LAPACK behind the stand-in, kept loaded: Numba keeps its addresses


def _capsule(address):
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    return new(address, b"void (int *, int *, void *, int *, int *, void *, int *, int *)", None)


@pytest.fixture
def cython_lapack(monkeypatch):
    """scipy.linalg.cython_lapack, or a stand-in over the system LAPACK."""
    global _lapack
    try:
        import scipy.linalg.cython_lapack  # noqa: F401
        return
    except ImportError:
        pass
    path = ctypes.util.find_library("lapack")
    assert path, "neither SciPy nor a system LAPACK (liblapack.so.3) is installed"
    if _lapack is None:
        _lapack = ctypes.CDLL(path)
    capi = {name: _capsule(ctypes.cast(getattr(_lapack, name + "_"), ctypes.c_void_p).value)
            for name in ("dgesv", "sgesv")}
    scipy = pytypes.ModuleType("scipy")
    linalg = pytypes.ModuleType("scipy.linalg")
    lapack = pytypes.ModuleType("scipy.linalg.cython_lapack")
    lapack.__pyx_capi__ = capi
    scipy.linalg, linalg.cython_lapack = linalg, lapack
    for name, module in (("scipy", scipy), ("scipy.linalg", linalg), ("scipy.linalg.cython_lapack", lapack)):
        monkeypatch.setitem(sys.modules, name, module)


def _numba_linalg_solve(a, b):  # quantecon/util/numba.py: plain Python, given an @overload
    pass


_blas_kinds = {nt.float32: "s", nt.float64: "d"}


@overload(_numba_linalg_solve)
def _numba_linalg_solve_ol(a, b):
    from numba.np.linalg import _LAPACK

    numba_xgesv = _LAPACK().numba_xgesv(a.dtype)  # an ExternalFunction, a closure cell of the implementation
    kind = ord(_blas_kinds[a.dtype])

    def _numba_linalg_solve_impl(a, b):
        n = a.shape[-1]
        if b.ndim == 1:
            nrhs = 1
        else:
            nrhs = b.shape[-1]
        ipiv = np.empty(n, dtype=np.int32)
        return numba_xgesv(kind, n, nrhs, a.ctypes, n, ipiv.ctypes, b.ctypes, n)

    return _numba_linalg_solve_impl


def _solve(a, b):
    return _numba_linalg_solve(a, b)


_A = np.array([[4.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 3.0]])
_B = np.array([11.0, -16.0, 17.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_quantecon_numba_xgesv_pattern(kilnd, cython_lapack, dtype):
    from kiln import jit

    results = {}
    for name, compile_ in (("kiln", jit), ("numba", numba.njit)):
        a, b = np.asfortranarray(_A.astype(dtype)), _B.astype(dtype)  # solved in place: b becomes x
        r = compile_(_solve)(a, b)
        results[name] = (r, b)
    (r, x), (nr, nx) = results["kiln"], results["numba"]
    assert r == nr == 0
    assert x.dtype == dtype
    np.testing.assert_allclose(x, np.linalg.solve(_A, _B), rtol=1e-12 if dtype == np.float64 else 1e-5)
    np.testing.assert_array_equal(x, nx)


def test_quantecon_pattern_two_right_hand_sides(kilnd, cython_lapack):
    from kiln import jit

    a, b = np.asfortranarray(_A), np.asfortranarray(np.stack([_B, 2 * _B + 1], axis=1))
    b0 = b.copy()
    assert jit(_solve)(a, b) == 0
    np.testing.assert_allclose(b, np.linalg.solve(_A, b0), rtol=1e-12)


# -- a user's ExternalFunction: libm's functions, a symbol added with add_symbol ----------

llvm.load_library_permanently(ctypes.util.find_library("m"))
llvm.load_library_permanently(ctypes.util.find_library("c"))
_libm = ctypes.CDLL(ctypes.util.find_library("m"))
llvm.add_symbol("kiln_test_cbrt", ctypes.cast(_libm.cbrt, ctypes.c_void_p).value)

ext_cos = nt.ExternalFunction("cos", nt.float64(nt.float64))
ext_cosf = nt.ExternalFunction("cosf", nt.float32(nt.float32))
ext_hypot = nt.ExternalFunction("hypot", nt.float64(nt.float64, nt.float64))
ext_hypotf = nt.ExternalFunction("hypotf", nt.float32(nt.float32, nt.float32))
ext_cbrt = nt.ExternalFunction("kiln_test_cbrt", nt.float64(nt.float64))


def _libm_globals(x, y):
    return ext_cos(x) + ext_hypot(x, y) + ext_cbrt(y)


def _libm_float32(x, y):
    return ext_cosf(x), ext_hypotf(x, y)


def _make_closure():
    fn = nt.ExternalFunction("hypot", nt.float64(nt.float64, nt.float64))

    def closure(x, y):  # the ExternalFunction is a closure cell
        return fn(x, y) * 2.0

    return closure


def test_libm_external_functions_float64(kilnd):
    from kiln import jit

    for x, y in ((0.5, 2.0), (3.0, 4.0), (2, 27)):  # ints converted to float64, as Numba converts them
        got = jit(_libm_globals)(x, y)
        assert got == numba.njit(_libm_globals)(x, y)
        assert math.isclose(got, math.cos(x) + math.hypot(x, y) + y ** (1.0 / 3.0), rel_tol=1e-12)
    closure = _make_closure()
    assert jit(closure)(3.0, 4.0) == numba.njit(closure)(3.0, 4.0) == 10.0


def test_libm_external_functions_float32(kilnd):
    from kiln import jit

    for x, y in ((np.float32(0.5), np.float32(2.0)), (1.0, 3.0)):
        c, h = jit(_libm_float32)(x, y)
        nc, nh = numba.njit(_libm_float32)(x, y)
        assert (c, h) == (nc, nh)
        assert c == np.float32(math.cos(np.float32(x)))
        assert h == np.float32(math.hypot(np.float32(x), np.float32(y)))


def _kiln_types_external(a, x, y):
    k_zero(a.ctypes, 0, 8)
    return k_hypot(x, y) + a.sum()


def test_kiln_types_external_function(kilnd):
    # kiln.types' ExternalFunction, voidptr and CPointer: Numba's, for code written without Numba.
    from kiln import jit, types as kt

    global k_hypot, k_zero
    k_hypot = kt.ExternalFunction("hypot", kt.float64(kt.float64, kt.float64))
    k_zero = kt.ExternalFunction("kiln_test_memset_f8", kt.void(kt.CPointer(kt.float64), kt.intc, kt.uintp))
    a = np.array([7.0, 1.0])
    assert jit(_kiln_types_external)(a, 3.0, 4.0) == 6.0
    assert list(a) == [0.0, 1.0]
    with pytest.raises(TypeError, match="called from jitted code only"):
        k_hypot(3.0, 4.0)


def _kiln_types_missing(x):
    return k_missing(x)


def test_kiln_types_external_function_without_llvmlite(kilnd, monkeypatch):
    # Without llvmlite (nor Numba) the symbol is looked up among the process's global symbols.
    from kiln import jit, types as kt
    from kiln.errors import TypingError

    global k_hypot, k_zero, k_missing
    monkeypatch.setitem(sys.modules, "llvmlite.binding", None)  # `import llvmlite.binding` raises ImportError
    k_hypot = kt.ExternalFunction("hypot", kt.float64(kt.float64, kt.float64))
    k_zero = kt.ExternalFunction("memset", kt.void(kt.CPointer(kt.float64), kt.intc, kt.uintp))
    assert jit(_kiln_types_external)(np.array([7.0, 1.0]), 5.0, 12.0) == 14.0
    k_missing = kt.ExternalFunction("kiln_no_such_symbol", kt.float64(kt.float64))
    with pytest.raises(TypingError, match=r"its symbol 'kiln_no_such_symbol' is not found in this process "
                                          r"\(llvmlite is not installed"):
        jit(_kiln_types_missing)(1.0)


# -- pointers: voidptr takes a.ctypes of any array and an int, CPointer(T) an array of T --

_libc = ctypes.CDLL(ctypes.util.find_library("c"))
# memset again under a name of its own: Numba cannot declare one symbol with two signatures in one function
llvm.add_symbol("kiln_test_memset_f8", ctypes.cast(_libc.memset, ctypes.c_void_p).value)
ext_memset = nt.ExternalFunction("memset", nt.void(nt.voidptr, nt.intc, nt.uintp))
ext_zero_f8 = nt.ExternalFunction("kiln_test_memset_f8", nt.void(nt.CPointer(nt.float64), nt.intc, nt.uintp))


def _clear(a, b, c):
    ext_memset(a.ctypes, 0, a.size * a.itemsize)  # voidptr: a.ctypes of any array
    ext_memset(b.ctypes.data, 0, 8)  # voidptr: an int address
    ext_zero_f8(c.ctypes, 0, 16)  # CPointer(float64): an array of float64
    return a.sum() + b.sum() + c.sum()


def test_pointer_parameters_take_array_ctypes_and_addresses(kilnd):
    from kiln import jit

    def run(compile_):
        a, b, c = np.arange(1, 5, dtype=np.int32), np.ones(3), np.full(4, 2.0)
        return compile_(_clear)(a, b, c), a, b, c

    got, want = run(jit), run(numba.njit)
    assert got[0] == want[0] == 6.0
    for g, w in zip(got[1:], want[1:]):
        np.testing.assert_array_equal(g, w)


c_memset = ctypes.CDLL(ctypes.util.find_library("c")).memset  # a fresh CDLL: argtypes of its own
c_memset.argtypes, c_memset.restype = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t], None
c_memset_f8 = ctypes.CFUNCTYPE(None, ctypes.POINTER(ctypes.c_double), ctypes.c_int, ctypes.c_size_t)(
    ctypes.cast(_libc.memset, ctypes.c_void_p).value)


def _clear_through_ctypes(a, c):
    p = a.ctypes  # a.ctypes held in a variable, then passed
    c_memset(p, 0, 8)
    c_memset_f8(c.ctypes, 0, 8)
    return a.sum() + c.sum()


def test_ctypes_pointer_parameters(kilnd):
    # The native path's other functions take the same pointers: ctypes' c_void_p and POINTER(c_double).
    from kiln import jit

    a, c = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])
    assert jit(_clear_through_ctypes)(a, c) == 2.0 + 3.0 + 5.0
    assert list(a) == [0.0, 2.0, 3.0] and list(c) == [0.0, 5.0]


def _wrong_pointee(a):
    ext_zero_f8(a.ctypes, 0, 8)
    return a.sum()


def _array_for_pointer(a):
    ext_memset(a, 0, 8)
    return a.sum()


def test_pointer_arguments_of_another_type_are_refused(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    # Numba refuses both too ("No implementation of function ExternalFunction(memset)")
    with pytest.raises(TypingError, match=r"native function 'ext_zero_f8': argument 1 of type "
                                          r"ArrayCTypes\(dtype=int32, ndim=1\) cannot be converted to float64\*") as e:
        jit(_wrong_pointee)(np.ones(2, np.int32))
    assert "test_external_function.py" in str(e.value)
    with pytest.raises(TypingError, match=r"native function 'ext_memset': argument 1 of type array\(float64.* "
                                          r"cannot be converted to void\* \(pass its a.ctypes\)"):
        jit(_array_for_pointer)(np.ones(2))


# -- refusals: an unknown symbol, an unsupported signature ---------------------------------

ext_missing = nt.ExternalFunction("kiln_no_such_symbol", nt.float64(nt.float64))
ext_unicode = nt.ExternalFunction("cos", nt.float64(nt.unicode_type))
ext_pointer_result = nt.ExternalFunction("memset", nt.voidptr(nt.voidptr, nt.intc, nt.uintp))


def _calls_missing(x):
    return ext_missing(x)


def _calls_unicode(x):
    return ext_unicode(x)


def _calls_pointer_result(a):
    ext_pointer_result(a.ctypes, 0, 8)
    return a.sum()


def test_unknown_symbol_is_a_located_typing_error(kilnd):
    # Numba links such a call and crashes the process (a segmentation fault) when it is compiled.
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"cannot call global 'ext_missing' in jitted code: its symbol "
                                          r"'kiln_no_such_symbol' is not found in this process") as e:
        jit(_calls_missing)(1.0)
    assert "test_external_function.py" in str(e.value)


def test_unsupported_signature_is_a_located_typing_error(kilnd):
    # Numba fails with a bare AssertionError in its lowering for the unicode_type parameter.
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"cannot call global 'ext_unicode' in jitted code: its signature has "
                                          r"type unicode_type") as e:
        jit(_calls_unicode)("a")
    assert "test_external_function.py" in str(e.value)
    with pytest.raises(TypingError, match=r"cannot call global 'ext_pointer_result'.*its signature has type void\*"):
        jit(_calls_pointer_result)(np.ones(2))


def test_numba_helper_found_before_numba_compiles_and_keyed_by_its_library():
    # A process that routes every njit to Kiln never makes Numba add its helpers to llvmlite's
    # table; the client has Numba add them. The key is the helper library and the offset in it
    # (never the address), so a cached binary is reused by the next process, as for ctypes.
    import subprocess

    script = (
        "import llvmlite.binding as llvm\n"
        "from numba.core import types\n"
        "from kiln import _native\n"
        "assert not llvm.address_of_symbol('numba_xgesv')\n"
        "ext = types.ExternalFunction('numba_xgesv', types.intc(types.char, types.intp, types.intp,"
        " types.CPointer(types.float64), types.intp, types.CPointer(types.intc), types.CPointer(types.float64),"
        " types.intp))\n"
        "print(_native.freeze('numba_xgesv', ext)[0])\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    name, sig, key = out.split("|")
    assert name == "native:numba_xgesv"
    assert sig == "int32(int8,int64,int64,float64*,int64,int32*,float64*,int64)"
    assert key.startswith("lib:") and "_helperlib" in key and "+0x" in key
