"""Array methods and attributes of issue 8 (arrmeth): a.view(dtype),
np.frombuffer, a.itemset, x.item() of a scalar, a.imag of a real array,
each compared with NumPy itself over dtypes and layouts (C, F, strided),
and each refusal or run-time error in NumPy's or Numba's words."""

import array
import gc
import sys

import numpy as np
import pytest

from kiln import jit
from kiln.errors import TypingError


def same(got, want):
    assert isinstance(got, np.ndarray)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


def layouts(a):
    yield a
    if a.ndim > 1:
        yield np.asfortranarray(a)
        yield a[::2]
        yield a[:, ::2]
    yield a[::-1]


# a.view(dtype)

def _view(to):
    return jit(lambda a: a.view(to))


VIEW_PAIRS = [(np.int32, np.float32), (np.int32, np.uint8), (np.int32, np.int64), (np.int32, np.int16),
              (np.float64, np.complex128), (np.uint8, np.int64), (np.complex64, np.float32),
              (np.int64, np.uint64), (np.bool_, np.int8)]


@pytest.mark.parametrize("frm,to", VIEW_PAIRS)
def test_view_matches_numpy(frm, to):
    f = _view(to)
    base = np.arange(48).astype(frm).reshape(4, 12)
    for a in list(layouts(base)) + [base.ravel(), np.zeros((2, 0), frm), base.reshape(4, 12, 1)]:
        try:
            want = a.view(to)
        except ValueError as e:
            with pytest.raises(ValueError, match=str(e).split(",")[0]):
                f(a)
            continue
        got = f(a)
        same(got, want)
        if a.size:
            assert got.ctypes.data == want.ctypes.data  # the same memory
            assert got.strides == want.strides


def test_view_writes_through():
    @jit
    def poke(a):
        v = a.view(np.uint8)
        v[0] = 255
        return v.shape[0]

    a = np.zeros(3, np.int32)
    assert poke(a) == 12
    assert a[0] == 255 and a[1] == 0


def test_view_0d_itemsize_must_match():
    with pytest.raises(ValueError, match="Changing the dtype of a 0d array is only supported if the itemsize is unchanged"):
        _view(np.int64)(np.array(3, np.int32))
    same(_view(np.float32)(np.array(3, np.int32)), np.array(3, np.int32).view(np.float32))


def test_view_of_dtype_attribute_and_string():
    f = jit(lambda a, b: a.view(b.dtype))
    a = np.arange(20, dtype=np.int32).reshape(4, 5)
    b = np.empty(1, dtype=np.int16)
    same(f(a, b), a.view(b.dtype))
    same(jit(lambda a: a.view("float32"))(a), a.view("float32"))


def test_view_of_slice_with_contiguous_last_axis():
    f = jit(lambda a: a[0:4].view(np.float32)[0])
    byteary = np.array([1.5, 2], dtype=np.float32).view(np.uint8)
    assert f(byteary) == 1.5


def test_view_readonly_stays_readonly():
    a = np.arange(4, dtype=np.int32)
    a.flags.writeable = False
    got = _view(np.uint32)(a)
    same(got, a.view(np.uint32))
    assert not got.flags.writeable


def test_view_record_refused():
    with pytest.raises(TypingError, match="array.view"):
        _view(np.dtype([("x", np.int32)]))(np.arange(3, dtype=np.int32))


# np.frombuffer

@jit
def frombuffer(b):
    return np.frombuffer(b)


@jit
def frombuffer_c64(b):
    return np.frombuffer(b, dtype=np.complex64)


@jit
def frombuffer_str(b):
    return np.frombuffer(b, dtype="int16")


@pytest.mark.parametrize("make", [lambda: bytearray(range(16)), lambda: bytes(range(16)),
                                  lambda: memoryview(bytearray(range(16))), lambda: np.arange(12),
                                  lambda: np.arange(12).reshape(3, 4), lambda: np.arange(6, dtype=np.int32)])
def test_frombuffer_matches_numpy(make):
    for f, pyf in ((frombuffer, lambda b: np.frombuffer(b)),
                   (frombuffer_c64, lambda b: np.frombuffer(b, dtype=np.complex64)),
                   (frombuffer_str, lambda b: np.frombuffer(b, dtype="int16"))):
        buf = make()
        want = pyf(buf)
        got = f(buf)
        same(got, want)
        assert got.flags.writeable == want.flags.writeable


_BUFFERS = {"bytearray": lambda: bytearray(range(16)), "bytes": lambda: bytes(range(16)),
            "memoryview": lambda: memoryview(bytearray(range(16))), "array.array": lambda: array.array("d", [1.0, 2.0]),
            "1d": lambda: np.arange(12), "2d": lambda: np.arange(12).reshape(3, 4)}


@pytest.mark.parametrize("kind", list(_BUFFERS))
def test_frombuffer_base_and_references_match_numpy(kind):
    # np0d: NumPy's base: the bytes or ndarray itself (NumPy keeps the owner of
    # a view's memory, so a reshaped array gives way to its own base), a new
    # memoryview of a bytearray, memoryview or array.array; the references
    # the result holds on the buffer are NumPy's too.
    buf = _BUFFERS[kind]()
    want = np.frombuffer(buf)
    want_refs = sys.getrefcount(buf)
    del want
    got = frombuffer(buf)
    assert sys.getrefcount(buf) == want_refs
    want = np.frombuffer(buf)
    assert type(got.base) is type(want.base)
    assert (got.base is buf) == (want.base is buf)
    if isinstance(want.base, memoryview):
        assert got.base is not buf and got.base.obj is want.base.obj
    if kind == "2d":
        assert got.base is buf.base and want.base is buf.base
    assert got.flags.writeable == want.flags.writeable
    same(got, want)
    del got, want
    gc.collect()
    refs = sys.getrefcount(buf)
    frombuffer(buf)
    gc.collect()
    assert sys.getrefcount(buf) == refs  # released with the result


def test_frombuffer_of_a_non_contiguous_buffer_is_refused_as_numpy():
    with pytest.raises(ValueError):
        np.frombuffer(np.ones(4)[::2])
    with pytest.raises(TypingError):
        frombuffer(np.ones(4)[::2])
    with pytest.raises(BufferError):
        np.frombuffer(memoryview(np.ones(4))[::2])
    with pytest.raises(TypingError):
        frombuffer(memoryview(np.ones(4))[::2])
    with pytest.raises(ValueError, match="not C-contiguous"):
        np.frombuffer(np.ones((2, 2), order="F"))
    with pytest.raises(TypingError):
        frombuffer(np.ones((2, 2), order="F"))


def test_frombuffer_pins_a_mutable_buffer_as_numpy():
    # np0d: the result keeps a buffer export: a bytearray or array.array under
    # it cannot be resized (NumPy's BufferError), and releasing the memoryview
    # it was given leaves its memory alive.
    for make, grow in ((lambda: bytearray(range(16)), lambda b: b.extend(b"x" * 4096)),
                       (lambda: array.array("d", [1.0, 2.0]), lambda b: b.extend([0.0] * 4096))):
        buf = make()
        got, want = frombuffer_str(buf), np.frombuffer(buf, dtype="int16")
        with pytest.raises(BufferError):
            grow(buf)
        del want
        with pytest.raises(BufferError):
            grow(buf)
        del got
        gc.collect()
        grow(buf)  # free again once the results are gone
    mv = memoryview(bytearray(range(16)))
    got = frombuffer_str(mv)
    mv.release()
    assert list(got) == list(np.frombuffer(bytes(range(16)), dtype="int16"))


def test_frombuffer_shares_memory():
    buf = bytearray(16)
    got = frombuffer(buf)
    got[1] = 1.0
    assert np.frombuffer(buf)[1] == 1.0


def test_frombuffer_size_not_a_multiple():
    with pytest.raises(ValueError, match="buffer size must be a multiple of element size"):
        frombuffer(bytearray(b"xxx"))


def test_frombuffer_of_allocated_array():
    f = jit(lambda n: np.frombuffer(np.ones(n, dtype=np.int32), dtype=np.complex64))
    same(f(16), np.frombuffer(np.ones(16, dtype=np.int32), dtype=np.complex64))


def test_frombuffer_strided_refused():
    with pytest.raises(TypingError):
        frombuffer(np.arange(12.0)[::2])


def test_frombuffer_runtime_string_dtype_refused():
    f = jit(lambda b, dt: np.frombuffer(b, dtype=dt))
    with pytest.raises(TypingError, match=r"frombuffer\(bytearray\(uint8, 1d, C\), dtype=unicode_type\)"):
        f(bytearray(range(16)), "int32")


# item, itemset

def test_item_of_scalars():
    f = jit(lambda x: x.item())
    for x in (np.bool_(True), np.float32(1.5), np.int16(-3), 2.5, 7, np.complex64(1 + 2j)):
        got = f(x)
        assert got == x.item() if hasattr(x, "item") else got == x


HAS_ITEMSET = hasattr(np.ndarray, "itemset")  # NumPy 2 removed it; Kiln follows the NumPy it runs with


def test_itemset_follows_numpy():
    if not HAS_ITEMSET:
        with pytest.raises(TypingError, match="unknown attribute 'itemset'"):
            jit(lambda a, v: a.itemset(v))(np.zeros(1), 1.0)


@pytest.mark.parametrize("a", [np.float32([1.5]), np.complex128([[1.5j]]), np.array(1.5), np.arange(4)[::4]])
def test_itemset(a):
    if not HAS_ITEMSET:
        return  # test_itemset_follows_numpy
    f = jit(lambda a, v: a.itemset(v))
    got = a.copy()
    f(got, 42)
    want = a.copy()
    want.fill(42)
    same(got, want)


def test_itemset_wrong_size():
    if not HAS_ITEMSET:
        return  # test_itemset_follows_numpy
    f = jit(lambda a, v: a.itemset(v))
    for a in (np.array([1, 2]), np.array([])):
        with pytest.raises(ValueError, match=r"itemset\(\): can only write to an array of size 1"):
            f(a, 42)


# a.real / a.imag of real and record arrays

def test_imag_of_real_array():
    # flatimag: as NumPy and Numba, a new read-only array of zeros of the dtype
    f = jit(lambda a: a.imag)
    for dtype in (np.float64, np.float32, np.int32, np.uint8, np.bool_):
        for a in layouts(np.arange(12).astype(dtype).reshape(3, 4)):
            got = f(a)
            same(got, a.imag)
            assert not got.flags.writeable
            with pytest.raises(ValueError, match="read-only"):
                got[0] = 1
    with pytest.raises(TypingError, match="Cannot modify readonly array"):
        jit(lambda a: a.imag.fill(1))(np.arange(3.0))
    r = jit(lambda a: a.real)
    a = np.arange(3.0)
    assert r(a) is a


def test_real_imag_of_record_array_refused():
    a = np.zeros(3, dtype=[("real", np.float32), ("imag", np.complex64)])
    with pytest.raises(TypingError, match=r"cannot access \.real of array of Record"):
        jit(lambda a: a.real)(a)
    with pytest.raises(TypingError, match=r"cannot access \.imag of array of Record"):
        jit(lambda a: a.imag)(a)
