"""kiln.cuda's host API: kernels, launch configurations, device arrays,
streams and events, for the CPU emulation (docs/cuda.md)."""

import contextlib
import ctypes
import inspect
import itertools
import operator
import os
import threading
import time
import warnings

import numpy as np

from .. import _kiln
from ..bundle import KIND_BUILTIN, bundle_spec
from ..dispatcher import Dispatcher, decorate
from ._devicearray import HOST, DeviceNDArray
from ._devicearray import as_cuda_array as _as_cuda_array

# The global that marks a bundle's entry as a kernel (compiler/typing/rules_cuda.h).
KERNEL_MARKER = "kiln:cuda.kernel"

MAX_BLOCK_THREADS = 1024
MAX_BLOCK_DIM = (1024, 1024, 64)
MAX_GRID_DIM = (2**31 - 1, 65535, 65535)
MAX_SHARED_BYTES = 48 * 1024  # dynamic shared memory per block (static and dynamic share it on a GPU)

# -- the backend ------------------------------------------------------------

_state = {"emulated": None}
_lock = threading.Lock()


def _gpu_present():
    """Whether a CUDA driver with at least one device is present (dlopen,
    never linked: machines without a GPU import kiln)."""
    try:
        lib = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    try:
        if lib.cuInit(0) != 0:
            return False
        n = ctypes.c_int(0)
        return lib.cuDeviceGetCount(ctypes.byref(n)) == 0 and n.value > 0
    except AttributeError:
        return False


def emulated():
    """Whether kernels run in the CPU emulation: KILN_CUDA_SIM=1, or no GPU
    launch layer / no GPU found (warned once)."""
    with _lock:
        if _state["emulated"] is None:
            forced = os.environ.get("KILN_CUDA_SIM", "")
            if forced not in ("", "0"):
                _state["emulated"] = True
            else:
                from . import _driver  # cuda-ptx: the device launch layer (runtime/cuda)
                _state["emulated"] = not _driver.available()
            from . import _remote
            # gpu: kernels launched on the server's pool are not emulated here.
            if _state["emulated"] and forced in ("", "0") and not _remote.enabled():
                reason = f"no usable CUDA GPU ({_driver.unavailable_reason()})"
                warnings.warn(f"kiln.cuda: {reason}; kernels run in the CPU emulation "
                              f"(set KILN_CUDA_SIM=1 to choose it and silence this warning)",
                              RuntimeWarning, stacklevel=3)
        return _state["emulated"]


class _Runtime:
    """The emulation's C entry points in the extension (runtime/cpu/kiln_cuda_sim.h)."""

    def __init__(self):
        lib = ctypes.CDLL(_kiln.__file__)
        self.configure = lib.kiln_cuda_sim_configure
        self.configure.argtypes = [ctypes.c_int32] * 6 + [ctypes.c_int64]
        self.configure.restype = ctypes.c_int32
        self.last_fault = lib.kiln_cuda_sim_last_fault
        self.last_fault.argtypes = [ctypes.POINTER(ctypes.c_int32)]
        self.last_fault.restype = ctypes.c_int32
        self.set_threads = lib.kiln_cuda_sim_set_threads
        self.set_threads.argtypes = [ctypes.c_int32]
        self.set_threads.restype = None


_runtime = None


def _rt():
    global _runtime
    if _runtime is None:
        _runtime = _Runtime()
    return _runtime


# -- launch configurations ---------------------------------------------------

def _dim3(value, what):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        dims = (int(value),)
    elif isinstance(value, (tuple, list)) and 1 <= len(value) <= 3 and \
            all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        dims = tuple(int(v) for v in value)
    else:
        raise ValueError(f"the {what} dimensions of a launch must be an int or a tuple of 1 to 3 ints, got {value!r}")
    if any(d < 1 for d in dims):
        raise ValueError(f"the {what} dimensions of a launch must be positive, got {value!r}")
    return dims + (1,) * (3 - len(dims))


def _config(griddim, blockdim, sharedmem):
    grid = _dim3(griddim, "grid")
    block = _dim3(blockdim, "block")
    for d, (n, top) in enumerate(zip(block, MAX_BLOCK_DIM)):
        if n > top:
            raise ValueError(f"block dimension {'xyz'[d]} is {n}, more than the maximum {top}")
    threads = block[0] * block[1] * block[2]
    if threads > MAX_BLOCK_THREADS:
        raise ValueError(f"a block of {block[0]} x {block[1]} x {block[2]} = {threads} threads is more than "
                         f"the maximum of {MAX_BLOCK_THREADS} threads per block")
    for d, (n, top) in enumerate(zip(grid, MAX_GRID_DIM)):
        if n > top:
            raise ValueError(f"grid dimension {'xyz'[d]} is {n}, more than the maximum {top}")
    if not isinstance(sharedmem, (int, np.integer)) or sharedmem < 0:
        raise ValueError(f"the dynamic shared memory of a launch must be a non-negative int, got {sharedmem!r}")
    if sharedmem > MAX_SHARED_BYTES:
        raise ValueError(f"{sharedmem} bytes of dynamic shared memory is more than the maximum of "
                         f"{MAX_SHARED_BYTES} bytes per block")
    return grid, block, int(sharedmem)


# -- kernels -----------------------------------------------------------------

def _sig_args(sig):
    """A numba.cuda signature "void(float32[:], int64)" as kiln's
    "(float32[:], int64)": a kernel returns nothing (the compiler checks)."""
    if not isinstance(sig, str):
        raise TypeError(f"a kernel signature must be a str such as 'void(float32[:])', got {type(sig).__name__}")
    s = sig.strip()
    if s.startswith("void(") or s.startswith("none("):
        s = s[4:]
    return s


class _KernelDispatcher(Dispatcher):
    """kiln's Dispatcher for a kernel: its bundle carries the kernel marker,
    so kilnd types it as a kernel and emits the emulation's launch entry."""

    def bundle(self):
        if self._bundle is None:
            major, minor, functions, intrinsics = bundle_spec(self.py_func)
            code, globals_, *defaults = functions[0]  # defaults, then (kwonly) keyword-only defaults
            globals_ = list(globals_) + [(KERNEL_MARKER, KIND_BUILTIN, None, 0, "kiln.cuda.kernel", "")]
            functions[0] = (code, globals_, *defaults)
            self._bundle = _kiln.make_bundle((major, minor, functions, intrinsics))
        return self._bundle


def _host_array(value):
    """What a launch passes to compiled code for one argument: device arrays
    as their memory (host memory in the emulation), others as they are."""
    if isinstance(value, DeviceNDArray):
        return value._ary
    cai = getattr(value, "__cuda_array_interface__", None)
    if cai is not None and not isinstance(value, np.ndarray):
        return _from_interface(cai, value)
    return value


def _from_interface(cai, owner):
    """A NumPy view of memory described by a CUDA Array Interface (host
    memory in the emulation: our own device arrays, or a peer's emulated
    ones). Non-negative strides only."""
    shape = tuple(int(n) for n in cai["shape"])
    dtype = np.dtype(cai["typestr"])
    ptr, readonly = cai["data"]
    strides = cai.get("strides")
    if strides is None:
        strides, acc = [], dtype.itemsize
        for n in reversed(shape):
            strides.insert(0, acc)
            acc *= n
    strides = tuple(int(s) for s in strides)
    if any(s < 0 for s in strides):
        raise ValueError("a CUDA Array Interface with negative strides is not supported")
    if not ptr or any(n == 0 for n in shape):
        return np.empty(shape, dtype)
    span = sum((n - 1) * s for n, s in zip(shape, strides)) + dtype.itemsize
    buf = (ctypes.c_char * span).from_address(ptr)
    arr = np.ndarray(shape, dtype, buffer=buf, strides=strides)
    if readonly:
        arr.flags.writeable = False
    return arr


class Kernel(_kiln.KernelBase):
    """A kernel: ``kernel[griddim, blockdim](*args)`` or
    ``kernel[griddim, blockdim, stream, sharedmem](*args)``.

    The subscript is native (client/python/src/cuda_launch.cpp): a
    configuration seen before gives back its launch object at once, and
    calling that is one native call that lets the kernel's dispatcher type
    the arguments and find the compiled signature (no per-launch Python)."""

    def __init__(self, py_func, options, signatures=None):
        self.py_func = py_func
        self.__name__ = py_func.__name__
        self.__qualname__ = py_func.__qualname__
        self.__doc__ = py_func.__doc__
        self._options = dict(options)
        kopts = {"error_model": "numpy", "fastmath": options.get("fastmath", False), "opt_level": 3,
                 # Out-of-bounds indices are an IndexError naming the kernel,
                 # always in the emulation (a GPU's debug=True checks).
                 "boundscheck": True}
        sigs = [_sig_args(s) for s in signatures] if signatures else None
        self._dispatcher = _KernelDispatcher(py_func, kopts, sigs)

    def _make_launch(self, config):
        """The launch object of a configuration (the native subscript's miss)."""
        if not isinstance(config, tuple) or not 2 <= len(config) <= 4:
            raise ValueError("a kernel launch is kernel[griddim, blockdim] or kernel[griddim, blockdim, stream, "
                             f"sharedmem], got kernel[{config!r}]")
        griddim, blockdim = config[0], config[1]
        sharedmem = config[3] if len(config) == 4 else 0
        stream = (config[2] if len(config) >= 3 else None) or None
        from . import _remote
        # gpu: remote launches take the Python path (Kernel._launch).
        native = not _remote.enabled() and emulated()
        return _kiln.KernelLaunch(self, self._dispatcher, _config(griddim, blockdim, sharedmem), stream, native)

    def __call__(self, *args, **kwargs):
        raise ValueError(f"kernel {self.__name__} was called without a launch configuration: "
                         f"use {self.__name__}[griddim, blockdim](...)")

    def forall(self, ntasks, tpb=0, stream=0, sharedmem=0):
        """A launch of at least ntasks threads, tpb per block (128 if 0)."""
        tpb = tpb or 128
        return self[(max(1, (ntasks + tpb - 1) // tpb), tpb, stream, sharedmem)]

    @property
    def signatures(self):
        return self._dispatcher.signatures

    def inspect_llvm(self, signature=None):
        return self._dispatcher.inspect_llvm(signature)

    def inspect_asm(self, signature=None):
        return self._dispatcher.inspect_asm(signature)

    def inspect_types(self, signature=None):
        return self._dispatcher.inspect_types(signature)

    def _launch(self, cfg, args, stream=None, launch=None):
        """A launch on the GPU that the launch object could not run natively
        (the emulation's is native), or on the server's GPU pool."""
        from . import _remote
        if _remote.enabled():
            return _remote.launch(self, cfg, args, stream)
        if not emulated():  # cuda-ptx: on the GPU (kiln/cuda/_driver.py)
            from . import _driver
            return _driver.launch(self, cfg[0], cfg[1], args, stream, cfg[2], launch)
        launch = _kiln.KernelLaunch(self, self._dispatcher, cfg, stream, True)
        return launch(*args)

    def _device_launch_failed(self, code):
        """A native GPU launch failed with CUresult `code`: raises it."""
        from . import _driver
        _driver.raise_launch_error(self.__name__, code)

    def _launch_failed(self, exc, fault):
        """Raises a failed emulated launch's error, naming the kernel and the
        first faulting thread (`fault`: thread xyz, block xyz; all -1 for an
        error of no one thread; None when the emulation recorded none)."""
        if fault is not None and isinstance(exc, (IndexError, RuntimeError, ZeroDivisionError, MemoryError,
                                                  ValueError, OverflowError)):
            where = "" if fault[0] < 0 else \
                f"thread ({fault[0]}, {fault[1]}, {fault[2]}) of block ({fault[3]}, {fault[4]}, {fault[5]}): "
            raise type(exc)(f"kernel {self.__name__}: {where}{exc}") from None
        raise exc

    def __repr__(self):
        return f"<kiln.cuda.Kernel {self.py_func.__qualname__}>"


class DeviceFunction(Dispatcher):
    """A device function (``@cuda.jit(device=True)``): called from kernels
    and other device functions, compiled into them."""

    def __call__(self, *args, **kwargs):
        raise TypeError(f"device function {self.py_func.__name__} can only be called from a kernel or another "
                        "device function")


_JIT_OPTIONS = {"device", "debug", "fastmath", "opt", "lineinfo", "cache", "inline", "link", "max_registers",
                "boundscheck", "forceinline", "lto"}


def jit(func_or_sig=None, device=False, **options):
    """Compile a kernel (or, with device=True, a device function), as
    numba.cuda.jit does. Signatures are optional: a kernel is specialised on
    the argument types of each launch."""
    unknown = set(options) - _JIT_OPTIONS
    if unknown:
        raise KeyError(f"unrecognised cuda.jit option(s): {', '.join(sorted(unknown))}")
    if options.get("link"):
        raise NotImplementedError("cuda.jit(link=...): linking foreign device code is not supported by kiln")

    def wrap(func, signatures=None):
        if isinstance(func, (Kernel, DeviceFunction, Dispatcher)):
            func = func.py_func
        if not inspect.isfunction(func):
            raise TypeError(f"cuda.jit needs a Python function, got {type(func).__name__}")
        if device:
            return DeviceFunction(func, {"error_model": "numpy", "fastmath": options.get("fastmath", False)})
        return Kernel(func, options, signatures)

    return decorate(func_or_sig, wrap)


# -- device arrays -----------------------------------------------------------

def _space():
    """Where kiln.cuda's device arrays live: host memory in the emulation,
    the GPU's memory otherwise (kiln/cuda/_devicearray.py)."""
    from . import _remote
    if _remote.enabled():  # gpu: the server's GPU pool
        return _remote.REMOTE
    if emulated():
        return HOST
    from . import _driver
    return _driver.DEVICE


def to_device(obj, stream=0, copy=True, to=None):
    """A device copy of a host array (or `to`, filled from it); with
    copy=False the device array is only allocated (numba.cuda's meaning)."""
    if to is not None:
        to.copy_to_device(obj, stream)
        return to
    if isinstance(obj, DeviceNDArray):
        return obj
    a = np.asarray(obj)
    order = "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C"
    space = _space()
    d = space.array_class._empty(a.shape, a.dtype, space, order, stream)
    if copy:
        d.copy_to_device(a, stream)
    return d


def device_array(shape, dtype=np.float64, strides=None, order="C", stream=0):
    """An uninitialised device array (zeroed in the emulation)."""
    space = _space()
    d = space.array_class._empty(shape, dtype, space, "F" if order == "F" else "C", stream)
    if strides is not None:
        strides = tuple(int(s) for s in strides)
        if strides != d.strides:
            lo = sum((n - 1) * s for n, s in zip(d.shape, strides) if s < 0)
            hi = sum((n - 1) * s for n, s in zip(d.shape, strides) if s > 0) + d.dtype.itemsize
            if lo < 0 or hi > d.alloc_size:
                raise ValueError(f"device_array: strides {strides} do not fit an array of shape {d.shape}")
            d = d._like(d.shape, strides, d.dtype, d._ptr)
    return d


def device_array_like(ary, stream=0):
    a = ary if isinstance(ary, DeviceNDArray) else np.asarray(_host_array(ary))
    f = a.is_f_contiguous() and not a.is_c_contiguous() if isinstance(a, DeviceNDArray) else \
        a.flags.f_contiguous and not a.flags.c_contiguous
    return device_array(a.shape, a.dtype, order="F" if f else "C", stream=stream)


def pinned_array(shape, dtype=np.float64, strides=None, order="C"):
    """Page-locked host memory (cuMemAllocHost on a GPU; plain host memory
    in the emulation)."""
    if emulated():
        return np.empty(shape, dtype=dtype, order=order)
    from . import _driver
    return _driver.pinned_array(shape, dtype, order)


def pinned_array_like(ary):
    a = np.asarray(ary)
    return pinned_array(a.shape, a.dtype, order="F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C")


def mapped_array(shape, dtype=np.float64, strides=None, order="C", stream=0, portable=False, wc=False):
    return np.zeros(shape, dtype=dtype, order=order)


@contextlib.contextmanager
def pinned(*arylist):
    """Page-locks the arrays for the block (a no-op in the emulation; on a
    GPU the copies of plain host memory are staged by the driver)."""
    yield


def is_cuda_array(obj):
    """Whether obj exports the CUDA Array Interface (a device array)."""
    return hasattr(obj, "__cuda_array_interface__")


def as_cuda_array(obj, sync=True):
    """A DeviceNDArray sharing the memory of a CUDA Array Interface
    exporter (CuPy, Torch, ...): no copy."""
    return _as_cuda_array(obj, sync)


# -- streams, events, devices -------------------------------------------------

class Stream:
    """A stream: launches and copies on it are ordered (the emulation runs
    them at once, so synchronize has nothing to wait for; on a GPU it is a
    driver stream)."""

    def __init__(self, handle=0, driver_stream=None):
        self.handle = handle
        self._driver_stream = driver_stream

    def synchronize(self):
        if self._driver_stream is not None:
            self._driver_stream.synchronize()
        elif self.handle:
            from . import _remote
            _remote.sync(self.handle)  # gpu: its queued remote launches (none: no call)

    @contextlib.contextmanager
    def auto_synchronize(self):
        yield self
        self.synchronize()

    def __repr__(self):
        return f"<kiln.cuda.Stream {self.handle}>"


_default_stream = Stream(0)
_stream_ids = itertools.count(1)  # unique in the process: a remote stream's queue is named by it


def stream():
    if not emulated():
        from . import _driver
        d = _driver.Stream()
        return Stream(d.handle, d)
    return Stream(next(_stream_ids))


def default_stream():
    return _default_stream


def external_stream(ptr):
    return Stream(ptr)


@contextlib.contextmanager
def auto_synchronize(stream=0):
    yield
    synchronize()


class Event:
    """An event: a point in a stream's work, timed in milliseconds."""

    def __init__(self, timing=True):
        self.timing = timing
        self._t = None

    def record(self, stream=0):
        self._t = time.perf_counter()

    def synchronize(self):
        pass

    def wait(self, stream=0):
        pass

    def query(self):
        return True

    def elapsed_time(self, evtend):
        return event_elapsed_time(self, evtend)


def event(timing=True):
    return Event(timing)


def event_elapsed_time(evtstart, evtend):
    if evtstart._t is None or evtend._t is None:
        raise RuntimeError("both events must be recorded before their elapsed time is known")
    return (evtend._t - evtstart._t) * 1000.0


def synchronize():
    """Waits for the device's work (none is pending in the emulation; on the
    server's pool, the launches this process queued)."""
    from . import _remote
    _remote.sync_all()


class _Device:
    id = 0
    name = b"kiln CPU emulation"
    compute_capability = (8, 0)
    MAX_THREADS_PER_BLOCK = MAX_BLOCK_THREADS
    MAX_SHARED_MEMORY_PER_BLOCK = MAX_SHARED_BYTES
    WARP_SIZE = 32

    def reset(self):
        pass

    def __repr__(self):
        return "<kiln.cuda device 0: CPU emulation>"


_device = _Device()


class _PoolDevice(_Device):
    """A device of the kiln server's GPU pool (remote launches)."""

    # How long get_current_device() waits for kilnd to describe a GPU of a
    # pool that has just started (its worker's start takes a moment).
    DESCRIBE_WAIT_S = 10.0

    def __init__(self, device_id, info):
        self.id = device_id
        self.name = f"kiln GPU pool {info['backend']} device {device_id}".encode()
        if info["backend"] != "driver":
            return
        from . import _remote
        deadline = time.monotonic() + self.DESCRIBE_WAIT_S
        while True:
            ccs = info.get("compute_capabilities") or []
            if device_id < len(ccs) and ccs[device_id][0]:  # the GPU's own
                self.compute_capability = tuple(ccs[device_id])
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the kiln server's GPU {device_id} has not been described "
                                   f"(its worker did not answer in {self.DESCRIBE_WAIT_S:g} s: see kilnd's log)")
            time.sleep(0.05)
            info = _remote.pool_info(refresh=True)

    def __repr__(self):
        return f"<kiln.cuda device {self.id}: the kiln server's GPU pool>"


class _LocalGpu(_Device):
    """A GPU of this machine (the driver backend)."""

    def __init__(self, dev):
        self.id = dev.ordinal
        self.name = dev.name.encode()
        self.compute_capability = dev.compute_capability
        self.MAX_THREADS_PER_BLOCK = dev.max_threads_per_block
        self.MAX_SHARED_MEMORY_PER_BLOCK = dev.max_shared_per_block

    def __repr__(self):
        return f"<kiln.cuda device {self.id}: {self.name.decode(errors='replace')}>"


def get_current_device():
    from . import _remote
    if _remote.enabled():  # gpu: the pool's device this thread selected
        return _PoolDevice(_remote.current_device(), _remote.pool_info())
    if not emulated():
        from . import _driver
        return _LocalGpu(_driver.Device.current())
    return _device


def _device_number(device_id):
    if isinstance(device_id, bool):
        raise TypeError(f"a device number is an int, not {device_id!r}")
    try:
        return operator.index(device_id)  # an int, or a NumPy integer
    except TypeError:
        raise TypeError(f"a device number is an int, not {type(device_id).__name__}") from None


def select_device(device_id):
    """Makes device `device_id` the calling thread's (numba.cuda.select_device):
    a device of the server's pool, a local GPU (its primary context made
    current), or the emulation's one device, 0. A ValueError for a device
    that is not there, naming the devices that are."""
    from . import _remote
    if _remote.enabled():  # gpu: one of the pool's devices
        return _PoolDevice(_remote.select_device(device_id), _remote.pool_info())
    device = _device_number(device_id)
    if not emulated():
        from . import _driver
        return _LocalGpu(_driver.select(device))
    if device != 0:
        raise ValueError(f"there is no device {device}: the CPU emulation has one (0)")
    return _device


def list_devices():
    from . import _remote
    if _remote.enabled():
        info = _remote.pool_info()
        return [_PoolDevice(i, info) for i in range(info["devices"])]
    return [_device]


def close():
    pass


def is_available():
    """Kernels can run (on a GPU, or in the emulation)."""
    return True


def detect():
    print("Found 1 CUDA device (kiln CPU emulation)")
    return True


# cudahost: the native launch path's view of device arrays (cuda_launch.cpp).
_kiln._cuda_launch_setup(DeviceNDArray, np.ndarray, _host_array)
