"""kiln.cuda's device arrays: numba.cuda's DeviceNDArray API over one of two
backings (docs/cuda.md "Device arrays").

A `DeviceNDArray` is (pointer, shape, strides in bytes, dtype) in a memory
*space* that knows how to allocate and how to copy bytes between the host
and itself:

- `HOST`: the CPU emulation's device memory, which is host memory; the array
  is also a NumPy view (`_ary`) that a launch passes to the compiled kernel;
- `kiln.cuda._driver.DEVICE`: GPU memory through the CUDA driver
  (`_driver.DeviceArray` is the subclass made there).

Everything above the space (views, indexing, copies, the CUDA Array
Interface) is this one class, so what the emulation's tests check is the
same code a GPU runs. Views (slices, `reshape`, `T`, `view`, `split`) share
their parent's memory; an integer index reads one element back; assignment
writes through. Views are computed by NumPy on a dummy array with the same
strides over a one-element buffer, which is never read.
"""

import ctypes

import numpy as np


class HostSpace:
    """Host memory (the emulation): allocations are zeroed NumPy byte buffers."""

    name = "host"
    is_host = True

    def alloc(self, nbytes):
        buf = np.zeros(max(int(nbytes), 1), np.uint8)
        return buf.ctypes.data, buf

    def read(self, dst_address, src_ptr, nbytes, stream=0):
        if nbytes:
            ctypes.memmove(dst_address, src_ptr, nbytes)

    def write(self, dst_ptr, src_address, nbytes, stream=0):
        if nbytes:
            ctypes.memmove(dst_ptr, src_address, nbytes)

    def copy(self, dst_ptr, src_ptr, nbytes, stream=0):
        if nbytes:
            ctypes.memmove(dst_ptr, src_ptr, nbytes)


HOST = HostSpace()

_INDEX_TYPES = (int, np.integer, slice, type(None), type(Ellipsis))


def _c_strides(shape, itemsize):
    strides, step = [], itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _f_strides(shape, itemsize):
    strides, step = [], itemsize
    for n in shape:
        strides.append(step)
        step *= max(n, 1)
    return tuple(strides)


def _shape_of(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(n) for n in shape)


class DeviceNDArray:
    """An array in device memory (host memory in the emulation), with
    numba.cuda's device-array API and the CUDA Array Interface (version 3).

    `DeviceNDArray(ary)` wraps a host NumPy array's memory (the emulation's
    device memory); `cuda.to_device`, `cuda.device_array` and
    `cuda.as_cuda_array` make the arrays of the current backing."""

    __cuda_memory__ = True

    def __init__(self, ary, stream=0):
        ary = np.asarray(ary)
        self._init(ary.shape, ary.strides, ary.dtype, HOST, ary.ctypes.data, ary, stream)
        self._host = ary

    def _init(self, shape, strides, dtype, space, ptr, owner, stream=0):
        self.shape = tuple(int(n) for n in shape)
        self.strides = tuple(int(s) for s in strides)
        self.dtype = np.dtype(dtype)
        self._space = space
        self._ptr = int(ptr)
        self._owner = owner  # keeps the allocation (or the exporter of foreign memory) alive
        self.stream = stream
        self._host = None

    @classmethod
    def _make(cls, shape, strides, dtype, space, ptr, owner, stream=0):
        self = cls.__new__(cls)
        DeviceNDArray._init(self, shape, strides, dtype, space, ptr, owner, stream)
        return self

    @classmethod
    def _empty(cls, shape, dtype, space, order="C", stream=0):
        shape, dtype = _shape_of(shape), np.dtype(dtype)
        size = 1
        for n in shape:
            size *= n
        ptr, owner = space.alloc(size * dtype.itemsize)
        strides = (_f_strides if order == "F" else _c_strides)(shape, dtype.itemsize)
        return cls._make(shape, strides, dtype, space, ptr, owner, stream)

    def _like(self, shape, strides, dtype, ptr):
        """A view of this array's memory."""
        return type(self)._make(shape, strides, dtype, self._space, ptr, self._owner, self.stream)

    # -- attributes -------------------------------------------------------

    ndim = property(lambda self: len(self.shape))
    nbytes = property(lambda self: self.size * self.dtype.itemsize)

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def alloc_size(self):
        return getattr(self._owner, "nbytes", self.nbytes)

    @property
    def device_ctypes_pointer(self):
        return ctypes.c_void_p(self._ptr if self.size else 0)

    @property
    def __cuda_array_interface__(self):
        c = self.is_c_contiguous()
        return {"shape": self.shape, "strides": None if c else self.strides,
                "data": (self._ptr if self.size else 0, False), "typestr": self.dtype.str,
                "stream": None, "version": 3}

    @property
    def _ary(self):
        """The emulation's array as NumPy (host memory, shared, no copy)."""
        if self._host is None:
            if not self._space.is_host:
                raise TypeError("a GPU-resident device array has no host view: use copy_to_host()")
            lo, hi = self._span()
            if not self.size:
                self._host = np.empty(self.shape, self.dtype)
            else:
                buf = (ctypes.c_char * (hi - lo)).from_address(self._ptr + lo)
                self._host = np.ndarray(self.shape, self.dtype, buffer=buf, offset=-lo, strides=self.strides)
        return self._host

    def is_c_contiguous(self):
        want = _c_strides(self.shape, self.dtype.itemsize)
        return self.size == 0 or all(s == t for s, t, n in zip(self.strides, want, self.shape) if n > 1)

    def is_f_contiguous(self):
        want = _f_strides(self.shape, self.dtype.itemsize)
        return self.size == 0 or all(s == t for s, t, n in zip(self.strides, want, self.shape) if n > 1)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d device array")
        return self.shape[0]

    def __repr__(self):
        where = "" if self._space.is_host else f" on {self._space.name}"
        return f"<kiln.cuda.DeviceNDArray shape={self.shape} dtype={self.dtype}{where}>"

    # -- views ----------------------------------------------------------------

    def _span(self):
        """(lo, hi): the bytes the array covers, relative to its pointer."""
        if not self.size:
            return 0, 0
        lo = sum((n - 1) * s for n, s in zip(self.shape, self.strides) if s < 0)
        hi = sum((n - 1) * s for n, s in zip(self.shape, self.strides) if s > 0)
        return lo, hi + self.dtype.itemsize

    def _dummy(self):
        """A NumPy array with this array's shape and strides over a buffer
        of one element: NumPy computes views on it, nothing reads it."""
        base = np.zeros(1, self.dtype)
        return np.lib.stride_tricks.as_strided(base, self.shape, self.strides, writeable=False), base.ctypes.data

    def _from_dummy(self, view, base_address):
        return self._like(view.shape, view.strides, view.dtype, self._ptr + (view.ctypes.data - base_address))

    def _view(self, index):
        items = index if isinstance(index, tuple) else (index,)
        for it in items:
            if isinstance(it, bool) or not isinstance(it, _INDEX_TYPES):
                raise TypeError(f"a device array can be indexed by integers, slices, None and ..., "
                                f"not {type(it).__name__}")
        dummy, base = self._dummy()
        view = dummy[items + (Ellipsis,)] if Ellipsis not in items else dummy[items]
        return self._from_dummy(view, base)

    def __getitem__(self, index):
        v = self._view(index)
        if v.shape or any(isinstance(it, (slice, type(None))) for it in (index if isinstance(index, tuple) else
                                                                           (index,))):
            return v
        return v.copy_to_host()[()]  # one element, read back

    def __setitem__(self, index, value):
        self._view(index).copy_to_device(value)

    def reshape(self, *newshape, order="C"):
        if len(newshape) == 1 and not isinstance(newshape[0], (int, np.integer)):
            newshape = tuple(newshape[0])
        if order not in ("C", "F", "A"):
            raise ValueError(f"order must be 'C', 'F' or 'A', not {order!r}")
        if order == "A":
            order = "F" if self.is_f_contiguous() and not self.is_c_contiguous() else "C"
        if not (self.is_c_contiguous() if order == "C" else self.is_f_contiguous()):
            raise NotImplementedError(f"reshape of a device array that is not {order}-contiguous")
        dummy, base = self._dummy()
        return self._from_dummy(dummy.reshape(newshape, order=order), base)

    def ravel(self, order="C", stream=0):
        if self.is_c_contiguous() if order != "F" else self.is_f_contiguous():
            return self.reshape(-1, order=order)
        out = type(self)._empty((self.size,), self.dtype, self._space, stream=stream)
        out.copy_to_device(self.copy_to_host().ravel(order))
        return out

    def view(self, dtype):
        dummy, base = self._dummy()
        return self._from_dummy(dummy.view(dtype), base)

    @property
    def T(self):
        return self.transpose()

    def transpose(self, axes=None):
        dummy, base = self._dummy()
        return self._from_dummy(dummy.transpose(axes), base)

    def split(self, section, stream=0):
        if self.ndim != 1:
            raise ValueError("only a 1-d device array can be split")
        return [self._view(slice(i, i + section)) for i in range(0, self.shape[0], section)]

    def bind(self, stream=0):
        return self._like(self.shape, self.strides, self.dtype, self._ptr)._with_stream(stream)

    def _with_stream(self, stream):
        self.stream = stream
        return self

    def get_ipc_handle(self):
        raise NotImplementedError("IPC handles of device arrays are not supported by kiln")

    # -- copies -------------------------------------------------------------

    def copy_to_host(self, ary=None, stream=0):
        """The array's values as a host NumPy array (`ary`, filled, when given)."""
        if ary is not None and (tuple(np.shape(ary)) != self.shape or np.asarray(ary).dtype != self.dtype):
            raise ValueError(f"copy_to_host: the host array is {np.asarray(ary).dtype}{np.shape(ary)}, "
                             f"the device array {self.dtype}{self.shape}")
        lo, hi = self._span()
        if ary is not None and ary.flags.c_contiguous and self.is_c_contiguous():
            self._space.read(ary.ctypes.data, self._ptr, self.nbytes, stream)
            return ary
        if self.is_c_contiguous():
            out = np.empty(self.shape, self.dtype)
            self._space.read(out.ctypes.data, self._ptr, self.nbytes, stream)
        else:  # strided: the bytes it spans, then NumPy picks the elements
            raw = np.empty(hi - lo, np.uint8)
            self._space.read(raw.ctypes.data, self._ptr + lo, hi - lo, stream)
            out = np.ndarray(self.shape, self.dtype, buffer=raw, offset=-lo, strides=self.strides).copy()
        if ary is None:
            return out
        ary[...] = out
        return ary

    def copy_to_device(self, ary, stream=0):
        """Fills the array from `ary`: a host array (or anything NumPy can
        broadcast to its shape), or another device array of the same space."""
        if isinstance(ary, DeviceNDArray):
            if ary.shape != self.shape or ary.dtype != self.dtype:
                raise ValueError(f"copy_to_device: {ary.dtype}{ary.shape} into {self.dtype}{self.shape}")
            if ary._space is self._space and ary.is_c_contiguous() and self.is_c_contiguous():
                self._space.copy(self._ptr, ary._ptr, self.nbytes, stream)
                return
            ary = ary.copy_to_host()
        elif hasattr(ary, "__cuda_array_interface__") and not isinstance(ary, np.ndarray):
            return self.copy_to_device(as_cuda_array(ary, space=self._space), stream)
        src = np.asarray(ary)
        if src.shape != self.shape:
            src = np.broadcast_to(src, self.shape)
        if src.dtype != self.dtype:
            src = src.astype(self.dtype)
        if self.is_c_contiguous():
            src = np.ascontiguousarray(src)
            self._space.write(self._ptr, src.ctypes.data, self.nbytes, stream)
            return
        lo, hi = self._span()  # strided: read the span, set the elements, write it back
        raw = np.empty(hi - lo, np.uint8)
        self._space.read(raw.ctypes.data, self._ptr + lo, hi - lo, stream)
        np.ndarray(self.shape, self.dtype, buffer=raw, offset=-lo, strides=self.strides)[...] = src
        self._space.write(self._ptr + lo, raw.ctypes.data, hi - lo, stream)


def as_cuda_array(obj, sync=True, space=None):
    """A DeviceNDArray over the memory of an object exporting the CUDA Array
    Interface (CuPy, Torch, ...), without copying; it keeps `obj` alive."""
    if isinstance(obj, DeviceNDArray):
        return obj
    cai = getattr(obj, "__cuda_array_interface__", None)
    if cai is None:
        raise TypeError(f"{type(obj).__name__} does not export the CUDA Array Interface")
    if space is None:
        from ._api import _space
        space = _space()
    shape = _shape_of(cai["shape"])
    dtype = np.dtype(cai["typestr"])
    strides = cai.get("strides")
    strides = _c_strides(shape, dtype.itemsize) if strides is None else tuple(int(s) for s in strides)
    ptr = cai["data"][0] or 0
    return space.array_class._make(shape, strides, dtype, space, ptr, obj)


HostSpace.array_class = DeviceNDArray
