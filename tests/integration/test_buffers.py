"""buffers (issue 8 part 10): bytes, bytearray, memoryview and array.array
arguments, typed as Numba types them ("Bytes(uint8, 1d, C)",
"bytearray(uint8, 1d, C)", "memoryview(float64, 2d, F)", "pyarray(int32, 1d,
C)") and read through the buffer protocol: len, indexing, slicing (not of a
mutable bytearray/array.array, as Numba), iteration, stores into writable
ones (refused when typed for read-only ones), and a memoryview's attributes.
Every result is compared with Python on the same object."""
import array
import sys

import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError


@jit
def length(buf):
    return len(buf)


@jit
def getitem(buf, i):
    return buf[i]


@jit
def getslice(buf, i, j):
    s = buf[i:j]
    return s[0] + 2 * s[-1]


@jit
def setitem(buf, i, v):
    buf[i] = v


@jit
def total(buf):
    res = 0.0
    for i, x in enumerate(buf):
        res += x
        res *= i + 1
    return res


def attr(name):
    ns = {}
    exec(f"def f(x):\n    return x.{name}\n", ns)
    return jit(ns["f"])


def buffers():
    yield b"xyz"
    yield bytearray(b"abcdefghi")
    yield memoryview(b"abcdefghi")
    yield memoryview(bytearray(b"abc"))
    for code in "bBhHiIlLqQfd":
        yield array.array(code, range(1, 11))
    for dt in ["int8", "uint16", "int32", "uint64", "float32", "float64", "complex64", "complex128"]:
        yield memoryview(np.linspace(1, 9, 7).astype(dt))


@pytest.mark.parametrize("buf", list(buffers()), ids=lambda b: type(b).__name__)
def test_len_getitem_iter(buf):
    # memoryview does not index its complex formats: the exporter does.
    ref = buf.obj if isinstance(buf, memoryview) and buf.format.startswith("Z") else buf
    assert length(buf) == len(ref)
    for i in range(len(ref)):
        assert getitem(buf, i) == ref[i]
        assert getitem(buf, -1 - i) == ref[-1 - i]
    if ref is buf:
        assert total(buf) == total.py_func(buf)


def test_multidimensional_memoryview():
    a = np.arange(12).reshape(3, 4)
    for arr in (a, a.T, a[::2]):
        m = memoryview(arr)
        assert length(m) == len(m)
        for idx in np.ndindex(arr.shape):
            assert getitem(m, idx) == arr[idx]


def test_slicing_readonly_buffers():
    assert getslice(b"xyzuvw", 1, 5) == getslice.py_func(b"xyzuvw", 1, 5)
    assert getslice(memoryview(b"xyzuvw"), 1, 5) == getslice.py_func(memoryview(b"xyzuvw"), 1, 5)


@pytest.mark.parametrize("buf", [bytearray(b"abcde"), array.array("i", range(10))], ids=["bytearray", "array"])
def test_slicing_mutable_buffers_is_refused(buf):
    with pytest.raises(TypingError, match="getitem"):
        getslice(buf, 1, 3)


def test_setitem_writes_through():
    b = bytearray(b"abcdefghi")
    setitem(b, 2, 65)
    assert b == bytearray(b"abAdefghi")
    a = array.array("d", [1.0, 2.0, 3.0])
    setitem(a, 1, -7.5)
    assert a.tolist() == [1.0, -7.5, 3.0]
    arr = np.arange(5)
    setitem(memoryview(arr), 4, 40)
    assert arr[4] == 40


@pytest.mark.parametrize("buf", [b"xyz", memoryview(b"abc")], ids=["bytes", "memoryview"])
def test_setitem_readonly_is_refused(buf):
    with pytest.raises(TypingError, match="Cannot modify readonly array"):
        setitem(buf, 0, 1)


@pytest.mark.parametrize("name", ["ndim", "shape", "strides", "itemsize", "nbytes", "readonly", "contiguous",
                                  "c_contiguous", "f_contiguous"])
def test_memoryview_attributes(name):
    f = attr(name)
    a = np.arange(12).reshape(3, 4)
    ro = np.arange(6)
    ro.setflags(write=False)
    for arr in (np.arange(12), a, a.T, a[::2], np.zeros(()), np.arange(4).reshape(1, 4), np.zeros((0, 3)), ro):
        m = memoryview(arr)
        got, want = f(m), getattr(m, name)
        assert got == want and type(got) is type(want), (arr.shape, arr.strides, got, want)
    for raw in (b"xyz", bytearray(b"xyz")):
        assert f(memoryview(raw)) == getattr(memoryview(raw), name)


def test_exporter_reference_is_not_kept():
    b = bytearray(b"abc")
    before = sys.getrefcount(b)
    for _ in range(10):
        length(b)
    assert sys.getrefcount(b) == before
    b.extend(b"de")  # no export outlives the call
    assert length(b) == 5


@pytest.mark.parametrize("make", [bytes, bytearray, memoryview, lambda b: array.array("B", b)])
@pytest.mark.parametrize("op", ["x + y", "x * 2", "x + 1", "x == 1", "x == y", "x < y", "-x", "~x"])
def test_operators_on_bytes_like_values_are_refused_not_elementwise(make, op):
    # Python concatenates, repeats, compares as a whole or raises; an elementwise
    # uint8 answer (b"ab" + b"cd" as [195, 197]) would be silently wrong. Two
    # bytes values compare as Python's (whole values).
    namespace = {}
    exec(f"def f(x, y):\n    return {op}\n", namespace)
    f = namespace["f"]
    x, y = make(b"ab"), make(b"cd")
    if make is bytes and op in ("x == y", "x < y", "x + y", "x * 2"):  # bytes2: concatenation, repetition
        assert jit(f)(x, y) == f(x, y)
        return
    with pytest.raises(TypingError, match="not supported"):
        jit(f)(x, y)


def test_bytes_equality_is_still_pythons():
    @jit
    def eq(x, y):
        return x == y, x != y

    assert eq(b"ab", b"ab") == (True, False)
    assert eq(b"ab", b"cd") == (False, True)
