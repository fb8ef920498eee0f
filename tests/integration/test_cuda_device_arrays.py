"""kiln.cuda's device arrays and launch path (docs/cuda.md "Device arrays",
"Launching"): one DeviceNDArray class over two backings, checked here on the
emulation's (host memory), which runs the same view, indexing and copy code
as the GPU's; CUDA Array Interface objects wrapped without copying; the
native launch table; the GPU path's argument preparation (host arrays copied
in and out with Numba's performance warning) on a stand-in memory space.

With KILN_CUDA_TEST_GPU=1 (scripts/gpu_check.sh) the same tests run on a
GPU: the arrays are then GPU-resident (_driver.DeviceArray)."""

import os
import warnings

import numpy as np
import pytest

ON_GPU = os.environ.get("KILN_CUDA_TEST_GPU") == "1"
os.environ["KILN_CUDA_SIM"] = "0" if ON_GPU else "1"

from kiln import cuda  # noqa: E402
from kiln.cuda import _devicearray, _driver  # noqa: E402
from kiln.errors import KilnPerformanceWarning  # noqa: E402


@cuda.jit
def add_one(a):
    i = cuda.grid(1)
    if i < a.shape[0]:
        a[i] += 1.0


@cuda.jit
def scale2d(a, k):
    i, j = cuda.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        a[i, j] *= k


def test_views_indexing_and_copies_match_numpy():
    host = np.arange(24.0).reshape(4, 6)
    d = cuda.to_device(host)
    assert isinstance(d, cuda.DeviceNDArray) and d.shape == (4, 6) and d.dtype == np.float64
    assert d.strides == host.strides and d.size == 24 and d.nbytes == host.nbytes and len(d) == 4
    for index in [1, (2,), slice(1, 3), (slice(None), 2), (slice(None, None, -1), slice(1, None, 2)),
                  (Ellipsis, 3), (None, 1), (slice(3, 0, -2), Ellipsis)]:
        v = d[index]
        assert isinstance(v, cuda.DeviceNDArray), index
        np.testing.assert_array_equal(v.copy_to_host(), host[index])
    assert d[2, 3] == host[2, 3] and isinstance(d[2, 3], np.float64)
    assert d[-1, -1] == 23.0
    np.testing.assert_array_equal(d.T.copy_to_host(), host.T)
    np.testing.assert_array_equal(d.reshape(6, 4).copy_to_host(), host.reshape(6, 4))
    np.testing.assert_array_equal(d.reshape((3, -1)).copy_to_host(), host.reshape(3, 8))
    np.testing.assert_array_equal(d.ravel().copy_to_host(), host.ravel())
    np.testing.assert_array_equal(d[:, ::2].ravel().copy_to_host(), host[:, ::2].ravel())
    np.testing.assert_array_equal(d.view(np.int64).copy_to_host(), host.view(np.int64))
    with pytest.raises(NotImplementedError):
        d[:, ::2].reshape(12)
    with pytest.raises(TypeError):
        d[[0, 1]]  # fancy indexing is not a device-array operation
    with pytest.raises(IndexError):
        d[4]
    parts = cuda.to_device(np.arange(7)).split(3)
    assert [p.copy_to_host().tolist() for p in parts] == [[0, 1, 2], [3, 4, 5], [6]]


def test_setitem_writes_through_views():
    host = np.zeros((3, 5))
    d = cuda.to_device(host)
    d[1] = 7.0
    d[:, 4] = np.array([1.0, 2.0, 3.0])
    d[2, ::2] = -1.0
    d[0, 0] = 5
    v = d[:, 1:3]
    v[...] = 9.0  # a view shares its parent's memory
    ref = np.zeros((3, 5))
    ref[1] = 7.0
    ref[:, 4] = [1.0, 2.0, 3.0]
    ref[2, ::2] = -1.0
    ref[0, 0] = 5
    ref[:, 1:3] = 9.0
    np.testing.assert_array_equal(d.copy_to_host(), ref)
    out = np.empty((5, 3))
    d.T.copy_to_host(out)  # into a strided/transposed target
    np.testing.assert_array_equal(out, ref.T)
    with pytest.raises(ValueError, match="copy_to_host"):
        d.copy_to_host(np.empty(3))


def test_creation_functions():
    a = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    d = cuda.to_device(a)
    assert d.is_f_contiguous() and not d.is_c_contiguous()
    np.testing.assert_array_equal(d.copy_to_host(), a)
    like = cuda.device_array_like(d)
    assert like.shape == (2, 3) and like.is_f_contiguous()
    e = cuda.device_array((2, 3), np.int32)
    assert e.dtype == np.int32 and e.shape == (2, 3)
    if ON_GPU:
        assert isinstance(e, _driver.DeviceArray) and not e._space.is_host
    else:
        assert e.copy_to_host().tolist() == [[0] * 3] * 2  # zeroed in the emulation
    u = cuda.to_device(np.ones(4), copy=False)  # numba.cuda: allocated, not filled
    assert u.shape == (4,) and (ON_GPU or u.copy_to_host().tolist() == [0.0] * 4)
    t = cuda.device_array(4)
    assert cuda.to_device(np.arange(4.0), to=t) is t and t.copy_to_host().tolist() == [0.0, 1.0, 2.0, 3.0]
    d2 = cuda.device_array_like(t)
    d2.copy_to_device(t)  # device to device
    assert d2.copy_to_host().tolist() == [0.0, 1.0, 2.0, 3.0]
    assert cuda.to_device(t) is t


def test_pinned_arrays_are_host_arrays(kilnd):
    p = cuda.pinned_array((3, 4), np.float32)
    assert isinstance(p, np.ndarray) and p.shape == (3, 4) and p.dtype == np.float32 and p.flags.c_contiguous
    p[...] = np.arange(12, dtype=np.float32).reshape(3, 4)
    d = cuda.to_device(p)
    add_one[1, 32](d[1])
    out = cuda.pinned_array_like(p)
    d.copy_to_host(out)
    ref = np.arange(12, dtype=np.float32).reshape(3, 4)
    ref[1] += 1
    np.testing.assert_array_equal(out, ref)
    with cuda.pinned(p, out):
        pass


class _Foreign:
    """A CuPy/Torch-style exporter: only the CUDA Array Interface, here of
    another device array's memory."""

    def __init__(self, owner):
        self.owner = owner
        self.__cuda_array_interface__ = dict(owner.__cuda_array_interface__, strides=owner.strides)


def test_cuda_array_interface_both_ways(kilnd):
    base = cuda.to_device(np.zeros((4, 4)))
    foreign = _Foreign(base[:, 1])  # strided
    d = cuda.as_cuda_array(foreign)
    assert cuda.is_cuda_array(d) and cuda.is_cuda_array(foreign) and not cuda.is_cuda_array(np.zeros(2))
    assert d.shape == (4,) and d.strides == (32,) and d._owner is foreign
    add_one[1, 32](d)  # no copy: the exporter's memory changes
    add_one[1, 32](foreign)  # and an exporter is taken as it is
    host = base.copy_to_host()
    assert host[:, 1].tolist() == [2.0] * 4 and host[:, 0].tolist() == [0.0] * 4
    d[2] = 5.0
    assert base[2, 1] == 5.0
    cai = d.__cuda_array_interface__
    assert cai["version"] == 3 and cai["strides"] == (32,) and cai["data"][0] == base._ptr + 8
    assert cuda.as_cuda_array(d) is d
    with pytest.raises(TypeError, match="CUDA Array Interface"):
        cuda.as_cuda_array(np.zeros(2))


def test_kernels_take_device_views(kilnd):
    host = np.arange(20.0).reshape(4, 5)
    d = cuda.to_device(host)
    add_one[1, 32](d[:, 2])
    scale2d[(1, 1), (8, 8)](d[1:, ::2], 10.0)
    ref = host.copy()
    ref[:, 2] += 1.0
    ref[1:, ::2] *= 10.0
    np.testing.assert_array_equal(d.copy_to_host(), ref)
    np.testing.assert_array_equal(host, np.arange(20.0).reshape(4, 5))  # to_device copied


def test_launch_table_is_native_and_strict(kilnd):
    a = cuda.device_array(64)
    launch = add_one[2, 32]
    assert add_one[2, 32] is launch and launch.config == ((2, 1, 1), (32, 1, 1), 0)
    launch(a)
    s = cuda.stream()
    add_one[2, 32, s, 0](a)
    assert add_one[2, 32, s, 0].stream is s
    assert a.copy_to_host().tolist() == [2.0] * 64
    # 1.0 and True equal 1 as dict keys, but are no launch dimensions.
    with pytest.raises(ValueError, match="must be an int or a tuple"):
        add_one[2.0, 32]
    with pytest.raises(ValueError, match="must be an int or a tuple"):
        add_one[True, 32]
    with pytest.raises(ValueError, match="49153 bytes"):
        add_one[1, 32, 0, 49153]
    with pytest.raises(TypeError, match="positional"):
        add_one[1, 32](a=a)


def test_host_arrays_warn_on_a_gpu_only(kilnd):
    a = np.zeros(8)
    if ON_GPU:
        with pytest.warns(KilnPerformanceWarning, match="Host array used in CUDA kernel") as record:
            add_one[1, 8](a)
        assert record[0].filename == __file__
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            add_one[1, 8](a)
    assert a.tolist() == [1.0] * 8


class _StandInDevice(_devicearray.HostSpace):
    """GPU memory's stand-in for the GPU path's argument preparation: host
    memory, but not the host space, so host arrays are copied into it."""

    name = "stand-in device"
    is_host = False


_StandInDevice.array_class = _devicearray.DeviceNDArray


def test_gpu_path_copies_host_arrays_and_warns():
    space = _StandInDevice()
    host = np.arange(6.0)
    strided = np.zeros((3, 4))[:, ::2]
    readonly = np.ones(3)
    readonly.flags.writeable = False
    resident = _devicearray.DeviceNDArray._empty((5,), np.float32, space)
    with pytest.warns(KilnPerformanceWarning) as record:
        args, types, back = _driver.prepare_args("k", (host, 2.5, resident, strided, readonly), space=space)
    assert [str(w.message) for w in record] == [_driver.HOST_ARRAY_WARNING]
    assert record[0].filename == __file__  # the caller's line, as Numba's
    assert _driver.HOST_ARRAY_WARNING == "Host array used in CUDA kernel will incur copy overhead to/from device."
    assert types == ("array(float64, 1d, C)", "float64", "array(float32, 1d, C)", "array(float64, 2d, C)",
                     "array(float64, 1d, C)")
    assert args[2] is resident and args[1] == 2.5  # device arrays are passed as they are
    assert args[0]._space is space and args[0]._ptr != host.ctypes.data  # a copy in
    assert [h is x for (h, _), x in zip(back, (host, strided, readonly))] == [True] * 3
    args[0][...] = 9.0  # what the kernel would write
    args[3][...] = 4.0
    args[4][...] = 0.0
    _driver.copy_back(back)
    assert host.tolist() == [9.0] * 6 and strided.tolist() == [[4.0] * 2] * 3
    assert readonly.tolist() == [1.0] * 3  # read-only host arrays are not written back
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _driver.prepare_args("k", (resident, 1), space=space)  # device arrays only: no warning


class _RecordingKernel:
    """What a KernelLaunch calls back into: the Python path (a miss) and the
    failure path."""

    __name__ = "recorded"

    def __init__(self):
        self.slow = []
        self.failed = []

    def _launch(self, cfg, args, stream, launch):
        self.slow.append(args)

    def _device_launch_failed(self, code):
        self.failed.append(code)
        raise RuntimeError(f"launch failed with {code}")


def test_native_device_launch_packs_as_the_python_path(kilnd):
    """The GPU launch path's native packing (cuda_launch.cpp) against the
    Python packing table (_driver.Signature), with kiln_cuda_launch replaced
    by a recording function (no GPU here) and arrays in a stand-in space."""
    import ctypes
    import threading

    from kiln import _kiln
    space = _StandInDevice()
    types = ("array(float32, 1d, C)", "int64", "array(float64, 2d, A)", "float64", "bool", "array(int32, 2d, F)")
    sig = _driver.Signature(types)
    seen = []
    LAUNCH = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32),
                              ctypes.POINTER(ctypes.c_uint32), ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_void_p)
    rc = [0]

    def fake_launch(function, grid, block, shared, stream, layout, block_bytes):
        seen.append((function, tuple(grid[:3]), tuple(block[:3]), shared, stream, layout,
                     ctypes.string_at(block_bytes, sig.nbytes)))
        return rc[0]

    fn = LAUNCH(fake_launch)
    kern = _RecordingKernel()
    launch = _kiln.KernelLaunch(kern, None, ((4, 1, 1), (32, 2, 1), 128), None, False)
    a = _devicearray.DeviceNDArray._empty((10,), np.float32, space)
    m = _devicearray.DeviceNDArray._empty((6, 8), np.float64, space)[::2, 1::3]  # layout A
    f = _devicearray.DeviceNDArray._empty((3, 4), np.int32, space, order="F")
    args = (a, 7, m, 2.5, True, f)
    assert _driver._array_type(m.__cuda_array_interface__) == types[2]
    assert _driver.register_native(launch, 0x1234, sig, args, types, None, space=space,
                                   launch_fn=ctypes.cast(fn, ctypes.c_void_p).value)
    launch(*args)
    assert kern.slow == [] and len(seen) == 1
    function, grid, block, shared, stream, layout, packed = seen[0]
    assert (function, grid, block, shared, stream, layout) == (0x1234, (4, 1, 1), (32, 2, 1), 128, None,
                                                              sig._layout)
    assert packed == bytes(sig.pack(args))  # byte for byte the Python packing
    # Misses go to the Python path: a host array, another dtype, an int
    # too large, another arity, another thread (the CUDA context is per thread).
    misses = [(np.zeros(10, np.float32), 7, m, 2.5, True, f),
              (_devicearray.DeviceNDArray._empty((10,), np.float64, space), 7, m, 2.5, True, f),
              (a, 2**70, m, 2.5, True, f), (a, 7.0, m, 2.5, True, f), (a, 7, m, 2.5, 1, f), (a, 7),
              (cuda.to_device(np.zeros(10, np.float32)), 7, m, 2.5, True, f)]  # host space, not the device's
    for miss in misses:
        launch(*miss)
    t = threading.Thread(target=launch, args=args)
    t.start()
    t.join()
    assert len(kern.slow) == len(misses) + 1 and len(seen) == 1
    rc[0] = 700  # CUDA_ERROR_ILLEGAL_ADDRESS: the Python side raises
    with pytest.raises(RuntimeError, match="launch failed with 700"):
        launch(*args)
    assert kern.failed == [700]
    # Not registered: arguments the native path cannot take.
    assert not _driver.register_native(launch, 1, sig, (np.zeros(10, np.float32),) + args[1:], types, None,
                                       space=space, launch_fn=1)
