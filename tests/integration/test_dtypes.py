"""dtypes (issue 8 part 2): NumPy scalar classes (np.float32) and dtype
objects (np.dtype('float32')) passed in as arguments, typed as Numba types
them ("class(float32)", "dtype(float32)", part of the overload's key), and
used where a dtype goes in compiled code (np.empty(n, dt), a.astype(dt),
dt(x)); each result is compared with NumPy on the same inputs."""
import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError, UnsupportedError

CLASSES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
           np.float32, np.float64, np.complex64, np.complex128]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_class_argument_to_empty_and_astype(cls):
    @jit
    def f(a, dt):
        out = np.empty(a.shape[0], dt)
        for i in range(a.shape[0]):
            out[i] = a[i]
        return out, a.astype(dt)

    a = np.arange(5, dtype=np.int64)
    out, b = f(a, cls)
    assert out.dtype == np.dtype(cls) and b.dtype == np.dtype(cls)
    np.testing.assert_array_equal(out, a.astype(cls))
    np.testing.assert_array_equal(b, a.astype(cls))
    assert (f"class({np.dtype(cls).name if cls is not np.bool_ else 'bool'})" in
            {s[1] for s in f.signatures}), f.signatures


@pytest.mark.parametrize("name", ["int8", "uint16", "float32", "float64", "complex64"])
def test_dtype_object_argument(name):
    @jit
    def f(n, dt):
        return np.zeros(n, dt)

    r = f(4, np.dtype(name))
    assert r.dtype == np.dtype(name)
    np.testing.assert_array_equal(r, np.zeros(4, name))
    assert ("int64", f"dtype({name})") in set(f.signatures)


def test_class_and_dtype_are_distinct_overloads():
    @jit
    def f(a, dt):
        return a.astype(dt)

    a = np.linspace(0.0, 3.5, 8)
    r1 = f(a, np.int32)
    r2 = f(a, np.dtype(np.int32))
    r3 = f(a, np.float32)
    assert r1.dtype == np.int32 and r2.dtype == np.int32 and r3.dtype == np.float32
    np.testing.assert_array_equal(r1, a.astype(np.int32))
    np.testing.assert_array_equal(r3, a.astype(np.float32))
    sigs = {s[1] for s in f.signatures}
    assert {"class(int32)", "dtype(int32)", "class(float32)"} <= sigs


def test_class_converts_a_scalar():
    @jit
    def f(x, dt):
        return dt(x)

    r = f(300, np.uint8)
    assert r == np.uint8(44) or r == 44  # NumPy's wraparound of an out-of-range conversion
    assert f(2.75, np.int32) == 2


def test_returning_a_class_gives_its_dtype():
    # flatimag: as Numba, a class or dtype comes back as a np.dtype
    @jit
    def f(dt):
        return dt

    for dt in (np.float32, np.dtype(np.int16), np.bool_, np.complex64):
        got = f(dt)
        assert isinstance(got, np.dtype) and got == np.dtype(dt)
    rec = np.dtype([("x", np.int8), ("y", np.float64)])
    got = jit(lambda a: a.dtype)(np.zeros(2, rec))
    assert isinstance(got, np.dtype) and got == rec
    with pytest.raises(UnsupportedError, match="returning a value of type class"):
        jit(lambda a: a.dtype)(np.zeros(2, "M8[D]"))


def test_array_dtype_passed_on():
    @jit
    def g(n, dt):
        return np.ones(n, dt)

    @jit
    def f(a):
        return g(3, a.dtype)

    np.testing.assert_array_equal(f(np.zeros(2, np.float32)), np.ones(3, np.float32))
    assert f(np.zeros(2, np.float32)).dtype == np.float32


def test_unsupported_dtype_is_refused():
    @jit
    def f(dt):
        return np.zeros(2, dt)

    with pytest.raises(Exception) as e:
        f(np.dtype("U3"))
    assert "dtype" in str(e.value)


INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FINFO_FIELDS = ["bits", "eps", "epsneg", "max", "min", "tiny", "smallest_normal", "resolution", "precision",
                "iexp", "machep", "maxexp", "minexp", "negep", "nexp", "nmant"]


@jit
def _iinfo_of(t):
    i = np.iinfo(t)
    return i.min, i.max, i.bits


@pytest.mark.parametrize("cls", INTS, ids=lambda c: c.__name__)
def test_iinfo_of_class_dtype_and_array(cls):
    want = np.iinfo(cls)
    for arg in (cls, np.dtype(cls), np.zeros(3, cls)):
        lo, hi, bits = _iinfo_of(arg)
        assert (lo, hi, bits) == (want.min, want.max, want.bits), arg
        assert isinstance(hi, int)


@pytest.mark.parametrize("cls", [np.float32, np.float64], ids=lambda c: c.__name__)
def test_finfo_fields(cls):
    @jit
    def f(t):
        fi = np.finfo(t)
        return (fi.bits, fi.eps, fi.epsneg, fi.max, fi.min, fi.tiny, fi.smallest_normal, fi.resolution, fi.precision,
                fi.iexp, fi.machep, fi.maxexp, fi.minexp, fi.negep, fi.nexp, fi.nmant)

    want = np.finfo(cls)
    for arg in (cls, np.dtype(cls), np.ones((2, 2), cls)):
        got = f(arg)
        for name, value in zip(FINFO_FIELDS, got):
            assert value == getattr(want, name), (arg, name, value)


def test_finfo_in_arithmetic():
    @jit
    def close(a, b):
        return np.all(np.abs(a - b) <= 4 * np.finfo(a.dtype).eps * np.maximum(np.abs(a), 1.0))

    x = np.float64(1.0)
    assert close(np.array([x]), np.array([x + 2e-16]))
    assert not close(np.array([x]), np.array([x + 1e-12]))


def test_iinfo_of_a_float_is_refused():
    @jit
    def f(t):
        return np.iinfo(t).max

    with pytest.raises(TypingError, match="np.iinfo"):
        f(np.float64)

    @jit
    def g(t):
        return np.finfo(t).max

    with pytest.raises(TypingError, match="np.finfo"):
        g(np.int32)


def test_xinfo_of_a_scalar_value():
    @jit
    def f(x, y):
        return np.iinfo(x).max, np.iinfo(y).min, np.finfo(np.float32(y)).eps, np.finfo(1.5).max

    assert f(np.int8(3), 7) == (127, np.iinfo(np.int64).min, np.finfo(np.float32).eps, np.finfo(np.float64).max)
    assert f(np.uint16(3), 7)[0] == 65535


@pytest.mark.parametrize("arg", [True, np.bool_, np.True_], ids=["True", "bool_", "True_"])
def test_xinfo_of_a_bool_is_refused(arg):
    @jit
    def f(t):
        return np.iinfo(t).max

    with pytest.raises(TypingError, match="np.iinfo"):
        f(arg)


def test_finfo_of_a_complex_type_is_its_parts():
    @jit
    def f(t):
        return np.finfo(t).eps, np.finfo(t).bits

    for cls in (np.complex64, np.complex128):
        want = np.finfo(cls)
        assert f(cls) == (want.eps, want.bits)
        assert f(cls(1 + 2j)) == (want.eps, want.bits)


NUMBA_TYPES_PROBE = r"""
import sys
import numpy as np
import kiln
if len(sys.argv) > 1:
    from numba.core import types as nbtypes
    names = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "intc", "uintc", "intp",
             "uintp", "float32", "float64", "bool_", "complex64", "complex128"]
    for name in names:
        tp = getattr(nbtypes, name)
        npt = getattr(np, name)
        f = kiln.jit(lambda a: tp(a))
        g = kiln.jit(lambda a: npt(a))  # the NumPy class: what Numba's type converts as
        for v in (0, 1, -1, 100003, -10000000000007, 1.5, -3.5) + ((1.5 + 3j,) if "complex" in name else ()):
            if np.dtype(npt).kind == "u" and isinstance(v, float) and v < 0:
                continue
            want = npt(np.int64(v)) if isinstance(v, int) and np.dtype(npt).kind in "iu" else npt(v)
            got = f(v)
            assert got == want and type(got) is type(g(v)), (name, v, got, want)
    tp16 = nbtypes.float16
    try:
        kiln.jit(lambda a: tp16(a))(1.0)
    except kiln.TypingError as e:
        print("float16 refused", "cannot use global 'tp16' of Python type 'Float'" in str(e))
    print("ok")
else:
    tp = np.int32
    assert kiln.jit(lambda a: tp(a))(3.5) == 3
    print("numba" in sys.modules)
"""


def test_numba_number_types_convert_as_numpy_classes(kilnd, tmp_path):
    """pyvals: a global holding one of Numba's number types (numba.types.int32)
    called in compiled code converts as Numba does, as np.int32 does; Kiln
    itself never imports Numba (test_numberctor.test_numba_types)."""
    import subprocess
    import sys

    probe = tmp_path / "probe.py"
    probe.write_text(NUMBA_TYPES_PROBE)
    alone = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, timeout=300)
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.split() == ["False"]
    with_numba = subprocess.run([sys.executable, str(probe), "numba"], capture_output=True, text=True, timeout=300)
    assert with_numba.returncode == 0, with_numba.stderr
    assert with_numba.stdout.splitlines() == ["float16 refused True", "ok"]


# np0d: a.dtype.type is the scalar class; called with a 0-d array it gives the
# element (x.dtype.type(x) is x[()]), converted as NumPy casts it.
ZERO_D = [(np.bool_, True), (np.int8, -5), (np.uint16, 65535), (np.int64, 12), (np.float32, 12.3),
          (np.float64, -0.5), (np.complex64, 2j + 3), (np.complex128, 3 - 1j),
          (np.timedelta64, np.timedelta64(3, "h")), (np.datetime64, np.datetime64("2016-01-01")),
          ("<U3", "ABC"), ("<U5", "ab")]


@pytest.mark.parametrize("t,value", ZERO_D, ids=lambda v: str(v))
def test_dtype_type_of_a_0d_array_is_its_element(t, value):
    @jit
    def f(x):
        return x.dtype.type(x)

    x = np.array(value, dtype=t)
    got, want = f(x), x[()]
    assert got == want and type(got)(want) == got
    if x.dtype.kind in "biufc":
        assert np.asarray(got).dtype.kind == x.dtype.kind.replace("u", "i")  # a boxed Python int


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_dtype_type_constructs_a_scalar(cls):
    @jit
    def f(a, v):
        t = a.dtype.type
        return t(v)

    a = np.zeros(2, cls)
    for v in (3, 0, 1.5):
        got = f(a, v)
        want = cls(v)
        assert got == want, (cls, v, got, want)


@pytest.mark.parametrize("cls", [np.uint8, np.int32, np.bool_, np.float32, np.complex64, np.float64])
def test_class_of_a_0d_array_casts_as_numpy(cls):
    @jit
    def f(x, dt):
        return dt(x)

    for v in (np.array(-1), np.array(3.75), np.array(0.0), np.array(True), np.array(300, np.int16),
              np.array(7, np.uint64)):
        got, want = f(v, cls), cls(v)
        kind = np.dtype(cls).kind.replace("u", "i")  # a boxed Python int
        assert got == want and np.asarray(got).dtype.kind == kind, (cls, v, got, want)


def test_class_of_a_0d_array_refuses_what_numpy_warns_about():
    @jit
    def f(x):
        return np.float64(x)

    with pytest.raises(TypingError, match=r"Casting array\(complex128, 0d, C\) to float64 directly is unsupported"):
        f(np.array(1 + 2j))
    with pytest.raises(TypingError, match="Casting"):
        f(np.array(np.timedelta64(3, "h")))
    with pytest.raises(TypingError, match=r"cannot convert array\(float64, 1d, C\) to int64"):
        jit(lambda x: np.int64(x))(np.zeros(2))  # a 1-d array is not a scalar


def test_a_scalar_class_has_no_type_attribute():
    @jit
    def f():
        return np.float64.type(1)

    with pytest.raises(TypingError, match="unknown attribute 'type'"):
        f()
