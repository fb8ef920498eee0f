"""NumPy arrays through the native dispatcher, with no server: the overloads
are entry points in fixture_arrays.c (kiln_abi.h's array struct), built here
by the C compiler.

Run: PYTHONPATH=client/python python3 -m pytest tests/unit/client
"""

import functools
import gc
import os
import subprocess
import sys

import pytest

import numpy as np  # a hard requirement (scripts/setup.sh installs it)

import kiln
from kiln import _kiln
from kiln.dispatcher import Dispatcher
from fixture_build import ROOT, build_fixture



@pytest.fixture(scope="module")
def so_path(tmp_path_factory):
    return build_fixture(tmp_path_factory, "fixture_arrays.c", "-Wall", "-Werror")


@pytest.fixture(scope="module")
def so(so_path):
    with open(so_path, "rb") as f:
        return f.read()


def make(py_func, overloads, so, eager=True, nogil=False):
    """A Dispatcher with hand-made overloads (what _compile adds after a
    Compile reply), bypassing the server."""
    d = Dispatcher.__new__(Dispatcher)
    d.py_func = py_func
    d._options, d._bundle, d._pysig = {}, None, None
    d._eager = eager
    functools.update_wrapper(d, py_func)
    d._configure(py_func.__code__.co_argcount, eager, nogil)
    for args, ret, entry in overloads:
        d._add_overload(args, ret, so, "kiln_fixture_" + entry)
    return d


def one(a):
    pass


def two(a, b):
    pass


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_typeof_arrays_follows_numba():
    assert _kiln.typeof(np.zeros(3)) == "array(float64, 1d, C)"
    assert _kiln.typeof(np.zeros((2, 3), dtype=np.int32)) == "array(int32, 2d, C)"
    assert _kiln.typeof(np.zeros((4, 6))[:, ::2]) == "array(float64, 2d, A)"
    assert _kiln.typeof(np.zeros(8)[::2]) == "array(float64, 1d, A)"
    assert _kiln.typeof(np.zeros((2, 3), order="F")) == "array(float64, 2d, F)"
    assert _kiln.typeof(np.zeros((2, 3), order="F")[:, ::2]) == "array(float64, 2d, A)"
    assert _kiln.typeof(np.array(1.5)) == "array(float64, 0d, C)"
    for dtype in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                  "float32", "float64", "complex64", "complex128"):
        assert _kiln.typeof(np.zeros(2, dtype=dtype)) == f"array({dtype}, 1d, C)"
    ro = np.zeros(3)
    ro.setflags(write=False)
    assert _kiln.typeof(ro) == "readonly array(float64, 1d, C)"   # as Numba: typing refuses writes
    assert _kiln.typeof((np.zeros(2), 1.0)) == "Tuple(array(float64, 1d, C), float64)"
    # character arrays: items typed as Numba's UnicodeCharSeq / CharSeq
    assert _kiln.typeof(np.zeros(2, dtype="U3")) == "array([unichr x 3], 1d, C)"
    assert _kiln.typeof(np.zeros(2, dtype="S2")) == "array([char x 2], 1d, C)"
    for bad in (np.zeros(2, dtype=object), np.zeros(2, dtype=np.longdouble),
                np.zeros(2, dtype=">f8"), np.zeros(2, dtype="M8[10ms]")):
        assert _kiln.typeof(bad) is None, bad.dtype
    # records: a structured dtype is typed with Numba's Record spelling
    assert _kiln.typeof(np.zeros(2, dtype=[("x", "i4")])) == "array(Record(x[type=int32;offset=0];4;False), 1d, C)"
    assert _kiln.typeof(np.zeros(2, dtype="M8[s]")) == "array(datetime64[s], 1d, C)"  # datetime: as Numba


def test_array_type_spellings():
    assert _kiln.canonical_type("array(f8, 2d, A)") == "array(float64, 2d, A)"
    assert _kiln.canonical_type("readonly array(int64, 1d, C)") == "readonly array(int64, 1d, C)"
    assert _kiln.canonical_type("Tuple(array(int64, 1d, C), array(int64, 1d, C), int64, int64)") == \
        "Tuple(array(int64, 1d, C), array(int64, 1d, C), int64, int64)"
    assert _kiln.canonical_type("UniTuple(array(bool, 3d, F) x 2)") == "UniTuple(array(bool, 3d, F), 2)"
    for bad, why in (("array(f8, 2, A)", "expected 'Nd'"), ("array(str, 1d, C)", "unknown type 'str'"),
                     ("array(f8, 1d, X)", "layout C, F or A"), ("array(f8, 33d, C)", "at most 32 dimensions"),
                     ("array(f8)", "expected ','")):
        with pytest.raises(ValueError, match=why):
            _kiln.canonical_type(bad)


def test_reads_contiguous_strided_and_readonly(so):
    d = make(one, [(("array(float64, 1d, A)",), "float64", "sum")], so)
    a = np.arange(10, dtype=np.float64)
    assert d(a) == 45.0
    assert d(a[::3]) == 0 + 3 + 6 + 9               # strides are honoured
    assert d(a[::-1]) == 45.0                        # negative strides too
    assert d(a[:0]) == 0.0
    a.setflags(write=False)
    with pytest.raises(TypeError, match="No matching definition"):
        d(a)                                         # a writeable signature never takes read-only memory
    with pytest.raises(TypeError, match="No matching definition"):
        d(np.arange(3, dtype=np.int64))              # arrays never change dtype
    with pytest.raises(TypeError, match="No matching definition"):
        d(np.zeros((2, 2)))                          # nor ndim
    with pytest.raises(TypeError, match=r"No matching definition.*reflected list\(float64\)"):
        d([1.0, 2.0])                                # a list is not an array


def test_layout_selects_the_overload(so):
    both = make(one, [(("array(float64, 1d, C)",), "float64", "sum_c"),
                      (("array(float64, 1d, A)",), "float64", "sum")], so)
    a = np.arange(6, dtype=np.float64)
    assert both(a) == 1015.0                         # C-contiguous: the C overload
    assert both(a[::2]) == 6.0                       # non-contiguous: typed A
    only_c = make(one, [(("array(float64, 1d, C)",), "float64", "sum_c")], so)
    with pytest.raises(TypeError, match=r"No matching definition.*array\(float64, 1d, A\)"):
        only_c(a[::2])                               # an A array never goes where C is declared
    only_a = make(one, [(("array(float64, 1d, A)",), "float64", "sum")], so)
    assert only_a(a) == 15.0                         # a C array may go where A is declared


def test_writes_in_place(so):
    d = make(two, [(("array(int32, 2d, A)", "int32"), "none", "fill")], so, nogil=True)
    a = np.zeros((3, 4), dtype=np.int32)
    assert d(a, np.int32(100)) is None
    assert a.tolist() == [[100 + 10 * i + j for j in range(4)] for i in range(3)]
    big = np.full((4, 6), -1, dtype=np.int32)
    d(big[1:, ::2], np.int32(0))                               # through a strided view, into the parent
    expect = np.full((4, 6), -1, dtype=np.int32)
    expect[1:, ::2] = [[10 * i + j for j in range(3)] for i in range(3)]
    assert (big == expect).all()
    f = np.zeros((2, 3), dtype=np.int32, order="F")
    d(f, np.int32(1))
    assert f.tolist() == [[1, 2, 3], [11, 12, 13]]


def test_returned_array_owns_its_memory(so):
    d = make(one, [(("int64",), "array(int64, 1d, C)", "arange")], so)
    r = d(5)
    assert type(r) is np.ndarray and r.dtype == np.int64 and r.tolist() == [0, 1, 2, 3, 4]
    assert r.flags.c_contiguous and r.flags.writeable and not r.flags.owndata
    assert type(r.base).__name__ == "PyCapsule"
    r[0] = 7                                         # the caller may write to it
    view = r[1:]
    del r
    gc.collect()
    assert view.tolist() == [1, 2, 3, 4]             # a view keeps the block alive
    del view
    gc.collect()
    assert d(0).tolist() == []
    with pytest.raises(ValueError, match="negative dimensions"):
        d(-1)
    eye = make(one, [(("int64",), "array(float64, 2d, C)", "eye")], so)(3)
    assert eye.shape == (3, 3) and eye.strides == (24, 8) and (eye == np.eye(3)).all()


def test_returned_blocks_are_freed(so):
    d = make(one, [(("int64",), "array(int64, 1d, C)", "arange")], so)
    n = 4 << 20                                      # 32 MiB a call
    d(n)
    gc.collect()
    before = rss_bytes()
    for _ in range(30):                              # ~1 GiB if the blocks leaked
        r = d(n)
        assert r[-1] == n - 1
        del r
    gc.collect()
    assert rss_bytes() - before < 200 << 20


def test_tuples_of_arrays(so):
    d = make(one, [(("array(float64, 1d, A)",), "Tuple(array(float64, 1d, C), float64)", "doubled")], so)
    a = np.arange(4, dtype=np.float64)
    doubled, total = d(a[::-1])
    assert doubled.tolist() == [6.0, 4.0, 2.0, 0.0] and total == 6.0
    assert type(doubled.base).__name__ == "PyCapsule"
    ranges = make(two, [(("int64", "int64"), "Tuple(array(int64, 1d, C), array(int64, 1d, C), int64, int64)",
                         "two_ranges")], so)
    x, y, n, m = ranges(3, 2)
    assert x.tolist() == [0, 1, 2] and y.tolist() == [0, 1] and (n, m) == (3, 2)
    assert x.base is not y.base
    scaled = make(one, [(("Tuple(array(float64, 1d, C), float64)",), "float64", "scaled_sum")], so)
    assert scaled((a, 0.5)) == 3.0                   # an array inside a tuple argument


def test_shared_block_is_freed_once(so):
    d = make(one, [(("int64",), "Tuple(array(int64, 1d, C), array(int64, 1d, A))", "range_and_view")], so)
    live = kiln.live_allocations()
    for _ in range(50):
        whole, even = d(7)
        assert whole.tolist() == list(range(7)) and even.tolist() == [0, 2, 4, 6]
        assert whole.base is not even.base           # one reference each, to the one block
        assert kiln.live_allocations() == live + 1
        whole[2] = -2
        assert even[1] == -2
        del whole
        gc.collect()
        assert even.tolist() == [0, -2, 4, 6]
        del even
    gc.collect()
    assert kiln.live_allocations() == live


def test_borrowed_result_is_a_view_of_its_argument(so):
    # As Numba (and Python) return it: a view of the argument, keeping it alive.
    d = make(one, [(("array(float64, 1d, C)",), "array(float64, 1d, A)", "every_other")], so)
    a = np.arange(5, dtype=np.float64)
    r = d(a)
    assert r.tolist() == [0.0, 2.0, 4.0]
    assert r.base is a and r.strides == a[::2].strides
    r[0] = 99.0
    assert a[0] == 99.0                              # an alias of the argument, as a[::2] is
    del a
    gc.collect()
    assert r.tolist() == [99.0, 2.0, 4.0]            # the view keeps the argument alive
    assert d(np.zeros(0)).tolist() == []


def test_malformed_result_is_rejected(so):
    d = make(one, [(("int64",), "Tuple(array(int64, 1d, C), array(int64, 1d, C))", "bad_shape")], so)
    for _ in range(3):
        with pytest.raises(SystemError, match="negative dimension"):
            d(3)


def test_untypeable_array_names_argument_and_dtype(so):
    d = make(one, [(("array(float64, 1d, A)",), "float64", "sum")], so, eager=False)
    with pytest.raises(kiln.TypingError, match=r"argument 'a' \(NumPy array of dtype object\)") as info:
        d(np.array([1, "x"], dtype=object))
    assert "in one" in str(info.value)
    with pytest.raises(kiln.TypingError, match="dtype >f8, non-native byte order"):
        d(np.zeros(2, dtype=">f8"))
    eager = make(one, [(("array(float64, 1d, A)",), "float64", "sum")], so)
    with pytest.raises(kiln.TypingError, match="dtype float128"):
        eager(np.zeros(2, dtype=np.longdouble))


def test_returning_an_array_loads_numpy(so_path):
    """A function of scalars that returns an array works in a process that
    never imported numpy: the dispatcher imports it for the result."""
    code = f"""
import sys
import kiln
from kiln.dispatcher import Dispatcher
assert 'numpy' not in sys.modules
def f(n):
    pass
d = Dispatcher.__new__(Dispatcher)
d.py_func, d._options, d._bundle, d._pysig, d._eager = f, {{}}, None, None, True
d._configure(1, True, False)
d._add_overload(("int64",), "array(int64, 1d, C)", open({so_path!r}, "rb").read(), "kiln_fixture_arange")
r = d(3)
print(type(r).__module__, r.tolist(), 'numpy' in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "client", "python")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["numpy", "[0,", "1,", "2]", "True"]
