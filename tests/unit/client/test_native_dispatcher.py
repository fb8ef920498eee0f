"""The native dispatcher and typeof, with no server: overloads are shared
objects built here by the C compiler from fixture_entry.c (kiln_abi.h).

Run: PYTHONPATH=client/python python3 -m pytest tests/unit/client
"""

import functools
import os
import subprocess
import sys

import pytest

import kiln
from kiln import _kiln
from kiln.dispatcher import Dispatcher, parse_signature
from fixture_build import ROOT, build_fixture



@pytest.fixture(scope="module")
def fixture_so(tmp_path_factory):
    with open(build_fixture(tmp_path_factory, "fixture_entry.c"), "rb") as f:
        return f.read()


def make(py_func, overloads, so, eager=True):
    """A Dispatcher with hand-made overloads (what _compile adds after a
    Compile reply), bypassing the server."""
    d = Dispatcher.__new__(Dispatcher)
    d.py_func = py_func
    d._options, d._bundle, d._pysig = {}, None, None
    d._eager = eager
    functools.update_wrapper(d, py_func)
    d._configure(py_func.__code__.co_argcount, eager, False)
    for args, ret, entry in overloads:
        d._add_overload(args, ret, so, entry)
    return d


def floordiv(a, b):
    """Floor division."""
    return a // b


def scale(x, n=3):
    return x * n


def test_typeof_follows_numba():
    import numpy as np
    assert _kiln.typeof(True) == "bool"
    assert _kiln.typeof(3) == "int64"
    assert _kiln.typeof(2.5) == "float64"
    assert _kiln.typeof(1j) == "complex128"
    assert _kiln.typeof((1, 2)) == "UniTuple(int64, 2)"
    assert _kiln.typeof((1, 2.0)) == "Tuple(int64, float64)"
    assert _kiln.typeof(((1, 2), (3, 4))) == "UniTuple(UniTuple(int64, 2), 2)"
    assert _kiln.typeof(()) == "Tuple()"
    for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float32", "float64"):
        assert _kiln.typeof(getattr(np, name)(1)) == name
    assert _kiln.typeof(np.bool_(True)) == "bool"
    assert _kiln.typeof("text") == "unicode_type"
    assert _kiln.typeof([1]) == "reflected list(int64)"
    from kiln.typed import List  # tlist: Numba's ListType, apart from a list
    assert _kiln.typeof(List([1])) == "ListType[int64]"
    assert _kiln.typeof(List.empty_list("int8")) == "ListType[int8]"
    assert _kiln.typeof(List()) is None  # no item type yet
    assert _kiln.typeof((1, "x")) == "Tuple(int64, unicode_type)"
    assert _kiln.typeof({1}) == "reflected set(int64)"  # sets: as Numba, by one item
    assert _kiln.typeof(set()) is None               # sets: an empty set has no item type
    assert _kiln.typeof(object()) is None


def test_signature_parsing():
    assert parse_signature("float64(float64, int64)") == ("float64", ("float64", "int64"))
    assert parse_signature("f8(i8)") == ("float64", ("int64",))
    assert parse_signature("UniTuple(int64 x 2)(Tuple(int64, int64))") == (
        "UniTuple(int64, 2)", ("UniTuple(int64, 2)",))
    assert parse_signature("void()") == ("none", ())
    with pytest.raises(TypeError, match="malformed"):
        parse_signature("float64(float64")
    with pytest.raises(TypeError, match="unknown type"):
        parse_signature("float64(banana)")


def test_calls_and_converts(fixture_so):
    d = make(floordiv, [(("int64", "int64"), "int64", "kiln_fixture_floordiv")], fixture_so)
    assert d(-7, 2) == -4 and type(d(7, 2)) is int
    assert d(True, 1) == 1                       # bool -> int64
    assert d(b=2, a=9) == 4                      # keywords bind in the slow path
    assert d.__name__ == "floordiv" and d.__doc__ == "Floor division." and d.__wrapped__ is floordiv
    assert d.signatures == [("int64", "int64")]
    with pytest.raises(TypeError, match="No matching definition.*float64"):
        d(1.5, 2)                                # float -> int64 is not safe
    with pytest.raises(OverflowError):
        d(2**70, 1)
    with pytest.raises(TypeError):
        d(1)                                     # missing argument, as Python says


def test_errors_keep_python_types(fixture_so):
    d = make(floordiv, [(("int64", "int64"), "int64", "kiln_fixture_floordiv")], fixture_so)
    with pytest.raises(ZeroDivisionError, match="integer division or modulo by zero"):
        d(1, 0)

    def check(x):
        pass
    c = make(check, [(("int64",), "none", "kiln_fixture_check")], fixture_so)
    assert c(1) is None
    with pytest.raises(ValueError, match="negative input"):
        c(-1)


def test_defaults_and_float_conversion(fixture_so):
    d = make(scale, [(("float64", "int64"), "float64", "kiln_fixture_scale")], fixture_so)
    assert d(0.5, 4) == 2.0
    assert d(2, 4) == 8.0                        # int -> float64
    assert d(1.5) == 4.5                         # default n=3 from __defaults__
    import numpy as np
    assert d(np.float32(0.5), np.int32(2)) == 1.0


def test_tuples_in_and_out(fixture_so):
    def pair(t, flag):
        pass
    d = make(pair, [(("UniTuple(int32, 2)", "bool"), "Tuple(int64, float64)", "kiln_fixture_tuple")],
             fixture_so)
    import numpy as np
    assert d((np.int32(3), np.int32(4)), True) == (7, 0.5)
    assert d((np.int32(3), np.int32(-4)), np.bool_(False)) == (-1, -0.5)
    with pytest.raises(TypeError, match="No matching definition"):
        d((1, 2), True)                          # UniTuple(int64, 2): no tuple conversions


def test_untypeable_argument_names_it(fixture_so):
    d = make(floordiv, [(("int64", "int64"), "int64", "kiln_fixture_floordiv")], fixture_so, eager=False)
    with pytest.raises(kiln.TypingError, match="argument 'b' \\(Python type set\\)") as info:
        d(1, set())  # sets: an empty set has no item type
    assert 'File "' in str(info.value) and "in floordiv" in str(info.value)


def test_errors_hierarchy():
    from kiln import errors
    assert issubclass(errors.TypingError, errors.KilnError)
    assert issubclass(errors.UnsupportedError, errors.TypingError)
    assert issubclass(errors.CompilerError, errors.KilnError)
    assert issubclass(errors.KilnError, Exception)


def test_jit_option_checks():
    # parallel=True is accepted without a warning at the decorator: each
    # prange loop that stays serial is warned about where it is compiled
    # (test_prange.py).
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kiln.jit(parallel=True)
    with pytest.raises(kiln.UnsupportedError):
        kiln.jit(nopython=False)
    with pytest.raises(KeyError, match="bogus"):
        kiln.jit(bogus=1)
    with pytest.raises(ValueError):
        kiln.jit(error_model="strict")


def test_import_is_light():
    code = "import sys, kiln; print('grpc' in sys.modules, 'google.protobuf' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "client", "python")})
    assert out.stdout.split() == ["False", "False", "False"]
