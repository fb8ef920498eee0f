"""kiln.cuda on a real GPU: the CUDA driver API through runtime/cuda
(libkiln_cuda.so, which dlopens libcuda.so.1 at run time; docs/cuda.md
"Driver layer").

Nothing here runs at import: `import kiln` works on machines with no GPU, no
driver, or only the toolkit's stub libcuda. `available()` says whether a GPU
can be used (and `unavailable_reason()` why not), so kiln.cuda can fall back
to its CPU emulation with one warning.

A kernel compiled for the CUDA target (kilnd, target nvptx64-nvidia-cuda)
comes back as a cubin or PTX; `Module(image)` loads either, and
`Module.kernel(arg_types)` is the launchable kernel for one signature, whose
parameter packing (the layout of docs/cuda.md "ABI") is computed once, in
`Signature`. A launch packs every argument with one precompiled
struct.Struct and calls cuLaunchKernel once through kiln_cuda_launch.

Faults: a kernel that faults (an illegal address, a trap) leaves the CUDA
context unusable, so the process is poisoned: the fault is raised as
KernelFaultError naming the kernel, and every later call raises it again
(restart the process). An error a kernel reports itself (an IndexError under
debug=True) is stored in its module's `kiln_kernel_error` and raised on the
host by `Kernel.check_error()` after the launch's stream has finished.
"""

import ctypes
import itertools
import os
import re
import struct
import threading
import weakref

from .. import _kiln
from .._numba_types import split_items
from . import _kernel_error

# ---- errors ----------------------------------------------------------------


class CudaUnavailable(RuntimeError):
    """No usable CUDA driver or device (the reason is the message)."""


class CudaDriverError(RuntimeError):
    """A driver call failed; `code` is the CUresult."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


class KernelFaultError(CudaDriverError):
    """A kernel faulted on the device: the CUDA context of this process is
    lost (DESIGN.md: a faulting kernel poisons its process)."""


class LaunchConfigError(ValueError):
    """A launch configuration the device cannot run (checked before launch)."""


# cuda.h's codes that mean the context is gone after a kernel ran.
_FAULT_CODES = {
    214,  # CUDA_ERROR_ECC_UNCORRECTABLE
    700,  # CUDA_ERROR_ILLEGAL_ADDRESS
    701,  # CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (not sticky, but the launch is lost)
    702,  # CUDA_ERROR_LAUNCH_TIMEOUT
    714,  # CUDA_ERROR_HARDWARE_STACK_ERROR
    715,  # CUDA_ERROR_ILLEGAL_INSTRUCTION
    716,  # CUDA_ERROR_MISALIGNED_ADDRESS
    717,  # CUDA_ERROR_INVALID_ADDRESS_SPACE
    718,  # CUDA_ERROR_INVALID_PC
    719,  # CUDA_ERROR_LAUNCH_FAILED
}

# The SMs kilnd compiles for (base/cuda_sms.def, exported by the extension).
SUPPORTED_ARCHS = _kiln.CUDA_SMS

# ---- the library -----------------------------------------------------------

_lock = threading.Lock()
_lib = None
_why = None
_poisoned = None  # the KernelFaultError that lost the context


def _runtime_library():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.environ.get("KILN_CUDA_RUNTIME") or os.path.join(here, "libkiln_cuda.so")
    lib = ctypes.CDLL(path)
    lib.kiln_cuda_open.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t)
    lib.kiln_cuda_open.restype = ctypes.c_int
    lib.kiln_cuda_loaded.restype = ctypes.c_int
    lib.kiln_cuda_function.argtypes = (ctypes.c_char_p,)
    lib.kiln_cuda_function.restype = ctypes.c_void_p
    lib.kiln_cuda_error_text.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t)
    lib.kiln_cuda_layout_new.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t)
    lib.kiln_cuda_layout_new.restype = ctypes.c_void_p
    lib.kiln_cuda_layout_free.argtypes = (ctypes.c_void_p,)
    lib.kiln_cuda_launch.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32,
                                     ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
    lib.kiln_cuda_launch.restype = ctypes.c_int
    return lib


def _runtime():
    """libkiln_cuda.so, loaded once (the driver itself is not touched)."""
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib = _runtime_library()
    return _lib


def load(path=None):
    """Opens the CUDA driver (`path`, else $KILN_LIBCUDA, else libcuda.so.1)
    and initialises it; CudaUnavailable with the reason otherwise."""
    global _why
    try:
        lib = _runtime()
    except OSError as e:
        _why = f"Kiln's CUDA runtime (libkiln_cuda.so) is not built or not loadable: {e}"
        raise CudaUnavailable(_why) from None
    why = ctypes.create_string_buffer(512)
    code = lib.kiln_cuda_open(path.encode() if path else None, why, len(why))
    if code != 0:
        _why = why.value.decode(errors="replace") or error_text(code)
        raise CudaUnavailable(_why)
    if _device_count() == 0:
        _why = "the CUDA driver reports no device"
        raise CudaUnavailable(_why)
    _why = None


def available():
    """Whether a CUDA GPU can be used now (loads the driver on first call)."""
    try:
        load()
        return True
    except CudaUnavailable:
        return False


def unavailable_reason():
    """Why available() is False ("" when it is True)."""
    return "" if available() else (_why or "unknown")


def error_text(code):
    buf = ctypes.create_string_buffer(256)
    _runtime().kiln_cuda_error_text(int(code), buf, len(buf))
    return buf.value.decode(errors="replace")


_functions = {}

# The driver's entry points as ctypes functions (runtime/cuda/driver_functions.def).
_H = ctypes.c_void_p
_P = ctypes.POINTER
_SIGNATURES = {
    "cuDriverGetVersion": (_P(ctypes.c_int),),
    "cuDeviceGetCount": (_P(ctypes.c_int),),
    "cuDeviceGet": (_P(ctypes.c_int), ctypes.c_int),
    "cuDeviceGetName": (ctypes.c_char_p, ctypes.c_int, ctypes.c_int),
    "cuDeviceGetAttribute": (_P(ctypes.c_int), ctypes.c_int, ctypes.c_int),
    "cuDeviceTotalMem": (_P(ctypes.c_size_t), ctypes.c_int),
    "cuDevicePrimaryCtxRetain": (_P(_H), ctypes.c_int),
    "cuCtxSetCurrent": (_H,),
    "cuCtxSynchronize": (),
    "cuModuleLoadData": (_P(_H), ctypes.c_char_p),
    "cuModuleUnload": (_H,),
    "cuModuleGetFunction": (_P(_H), _H, ctypes.c_char_p),
    "cuModuleGetGlobal": (_P(ctypes.c_uint64), _P(ctypes.c_size_t), _H, ctypes.c_char_p),
    "cuFuncGetAttribute": (_P(ctypes.c_int), ctypes.c_int, _H),
    "cuFuncSetAttribute": (_H, ctypes.c_int, ctypes.c_int),
    "cuMemAlloc": (_P(ctypes.c_uint64), ctypes.c_size_t),
    "cuMemFree": (ctypes.c_uint64,),
    "cuMemAllocHost": (_P(ctypes.c_void_p), ctypes.c_size_t),
    "cuMemFreeHost": (ctypes.c_void_p,),
    "cuMemGetInfo": (_P(ctypes.c_size_t), _P(ctypes.c_size_t)),
    "cuMemcpyHtoD": (ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t),
    "cuMemcpyDtoH": (ctypes.c_void_p, ctypes.c_uint64, ctypes.c_size_t),
    "cuMemcpyDtoD": (ctypes.c_uint64, ctypes.c_uint64, ctypes.c_size_t),
    "cuMemcpyHtoDAsync": (ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t, _H),
    "cuMemcpyDtoHAsync": (ctypes.c_void_p, ctypes.c_uint64, ctypes.c_size_t, _H),
    "cuMemsetD8": (ctypes.c_uint64, ctypes.c_ubyte, ctypes.c_size_t),
    "cuStreamCreate": (_P(_H), ctypes.c_uint),
    "cuStreamDestroy": (_H,),
    "cuStreamSynchronize": (_H,),
    "cuEventCreate": (_P(_H), ctypes.c_uint),
    "cuEventDestroy": (_H,),
    "cuEventRecord": (_H, _H),
    "cuEventSynchronize": (_H,),
    "cuEventElapsedTime": (_P(ctypes.c_float), _H, _H),
}


def _fn(name):
    f = _functions.get(name)
    if f is None:
        address = _runtime().kiln_cuda_function(name.encode())
        if not address:
            raise CudaUnavailable(f"the CUDA driver is not loaded ({name})")
        f = ctypes.CFUNCTYPE(ctypes.c_int, *_SIGNATURES[name])(address)
        _functions[name] = f
    return f


def call(name, *args, kernel=None):
    """Calls driver function `name`; a failure raises CudaDriverError (a
    fault: KernelFaultError naming `kernel`, and the process is poisoned)."""
    global _poisoned
    if _poisoned is not None:
        raise _poisoned
    code = _fn(name)(*args)
    if code != 0:
        text = error_text(code)
        if code in _FAULT_CODES:
            who = f"kernel '{kernel}'" if kernel else "a kernel launched earlier"
            _poisoned = KernelFaultError(
                f"{who} faulted on the GPU ({text}); this process's CUDA context is lost: restart it", code)
            raise _poisoned
        raise CudaDriverError(f"{name} failed: {text}", code)


def _device_count():
    n = ctypes.c_int(0)
    call("cuDeviceGetCount", ctypes.byref(n))
    return n.value


# ---- devices and contexts ----------------------------------------------------

# cuda.h's CUdevice_attribute values used here.
ATTR_MAX_THREADS_PER_BLOCK = 1
ATTR_MAX_BLOCK_DIM = (2, 3, 4)
ATTR_MAX_GRID_DIM = (5, 6, 7)
ATTR_MAX_SHARED_PER_BLOCK = 8
ATTR_CLOCK_RATE = 13
ATTR_MULTIPROCESSOR_COUNT = 16
ATTR_MEMORY_CLOCK_RATE = 36
ATTR_GLOBAL_MEMORY_BUS_WIDTH = 37
ATTR_CC_MAJOR = 75
ATTR_CC_MINOR = 76
ATTR_MAX_SHARED_PER_BLOCK_OPTIN = 97
FUNC_ATTR_MAX_DYNAMIC_SHARED = 8


# The calling thread's device (select()) and its current context.
_thread = threading.local()
# Native launches (register_native) run a module of device 0's context, so
# they are registered only while no thread selected another device; the
# first select() of another one makes the kernels forget them, and every
# later launch goes through launch(), whose modules are per device.
_native_lock = threading.Lock()
_native_kernels = weakref.WeakSet()
_native_state = {"one_device": True}


def select(device_id):
    """Makes local GPU `device_id` the calling thread's device, its primary
    context current (numba.cuda.select_device); a ValueError naming the
    devices the driver sees when there is no such GPU."""
    n = _device_count()
    if not 0 <= device_id < n:
        raise ValueError(f"there is no CUDA device {device_id}: the driver sees {n} (0 to {n - 1})"
                         if n else f"there is no CUDA device {device_id}: the driver sees none")
    dev = Device.get(device_id)
    if device_id != 0:
        with _native_lock:
            if _native_state["one_device"]:
                _native_state["one_device"] = False
                for k in list(_native_kernels):
                    k._forget_launches()
                _native_kernels.clear()
    _thread.ordinal = device_id
    return dev


class Device:
    """One GPU and its primary context (made current on the calling thread
    by `activate()`)."""

    _devices = {}

    def __init__(self, ordinal=0):
        load()
        self.ordinal = ordinal
        handle = ctypes.c_int(0)
        call("cuDeviceGet", ctypes.byref(handle), ordinal)
        self.handle = handle.value
        name = ctypes.create_string_buffer(256)
        call("cuDeviceGetName", name, len(name), self.handle)
        self.name = name.value.decode(errors="replace")
        self.compute_capability = (self.attribute(ATTR_CC_MAJOR), self.attribute(ATTR_CC_MINOR))
        self.max_threads_per_block = self.attribute(ATTR_MAX_THREADS_PER_BLOCK)
        self.max_block_dim = tuple(self.attribute(a) for a in ATTR_MAX_BLOCK_DIM)
        self.max_grid_dim = tuple(self.attribute(a) for a in ATTR_MAX_GRID_DIM)
        self.max_shared_per_block = self.attribute(ATTR_MAX_SHARED_PER_BLOCK)
        self.max_shared_per_block_optin = self.attribute(ATTR_MAX_SHARED_PER_BLOCK_OPTIN)
        ctx = ctypes.c_void_p()
        call("cuDevicePrimaryCtxRetain", ctypes.byref(ctx), self.handle)
        self.context = ctx.value

    @classmethod
    def get(cls, ordinal=0):
        dev = cls._devices.get(ordinal)
        if dev is None:
            dev = cls._devices[ordinal] = Device(ordinal)
        dev.activate()
        return dev

    @classmethod
    def current(cls):
        """The calling thread's device (select(), else 0), its context current."""
        return cls.get(getattr(_thread, "ordinal", 0))

    def attribute(self, attr):
        v = ctypes.c_int(0)
        call("cuDeviceGetAttribute", ctypes.byref(v), attr, self.handle)
        return v.value

    def activate(self):
        # The current context is per thread, and a thread may switch devices.
        if getattr(_thread, "context", None) == self.context:
            return
        call("cuCtxSetCurrent", ctypes.c_void_p(self.context))
        _thread.context = self.context

    @property
    def arch(self):
        """The SM kilnd compiles for on this GPU: its own, or the newest
        supported one below it (PTX runs forward through the driver's JIT)."""
        return arch_for(*self.compute_capability)

    def peak_bandwidth(self):
        """Theoretical DRAM bandwidth, bytes/s (2 transfers per memory clock)."""
        khz = self.attribute(ATTR_MEMORY_CLOCK_RATE)
        bits = self.attribute(ATTR_GLOBAL_MEMORY_BUS_WIDTH)
        return 2.0 * khz * 1e3 * bits / 8

    def synchronize(self, kernel=None):
        call("cuCtxSynchronize", kernel=kernel)


def arch_for(major, minor):
    """"sm_80" for (8, 0); the newest supported SM not above it otherwise
    (None for a GPU older than them all), as kilnd chooses."""
    return _kiln.cuda_sm_for(major, minor)


def default_arch():
    """$KILN_CUDA_ARCH, else the local GPU's SM, else None."""
    env = os.environ.get("KILN_CUDA_ARCH")
    if env:
        return env
    if not available():
        return None
    return Device.current().arch


# ---- memory, streams, events -------------------------------------------------


class DeviceBuffer:
    """`nbytes` of device memory, freed with the object."""

    def __init__(self, nbytes):
        Device.current()
        self.nbytes = int(nbytes)
        ptr = ctypes.c_uint64(0)
        call("cuMemAlloc", ctypes.byref(ptr), max(self.nbytes, 1))
        self.ptr = ptr.value

    def copy_from_host(self, address, nbytes, stream=None):
        if stream is None:
            call("cuMemcpyHtoD", self.ptr, ctypes.c_void_p(address), nbytes)
        else:
            call("cuMemcpyHtoDAsync", self.ptr, ctypes.c_void_p(address), nbytes, stream.handle)

    def copy_to_host(self, address, nbytes, stream=None, kernel=None):
        if stream is None:
            call("cuMemcpyDtoH", ctypes.c_void_p(address), self.ptr, nbytes, kernel=kernel)
        else:
            call("cuMemcpyDtoHAsync", ctypes.c_void_p(address), self.ptr, nbytes, stream.handle, kernel=kernel)

    def __del__(self):
        if _poisoned is None and getattr(self, "ptr", 0):
            try:
                _fn("cuMemFree")(self.ptr)
            except Exception:  # noqa: BLE001 - interpreter shutdown
                pass
            self.ptr = 0


class Stream:
    def __init__(self):
        Device.current()
        h = ctypes.c_void_p()
        call("cuStreamCreate", ctypes.byref(h), 0)
        self.handle = h.value

    def synchronize(self, kernel=None):
        call("cuStreamSynchronize", ctypes.c_void_p(self.handle), kernel=kernel)

    def __del__(self):
        if _poisoned is None and getattr(self, "handle", None):
            try:
                _fn("cuStreamDestroy")(ctypes.c_void_p(self.handle))
            except Exception:  # noqa: BLE001
                pass
            self.handle = None


class Event:
    def __init__(self):
        Device.current()
        h = ctypes.c_void_p()
        call("cuEventCreate", ctypes.byref(h), 0)
        self.handle = h.value

    def record(self, stream=None):
        call("cuEventRecord", ctypes.c_void_p(self.handle), ctypes.c_void_p(stream.handle if stream else None))

    def synchronize(self):
        call("cuEventSynchronize", ctypes.c_void_p(self.handle))

    def elapsed_time(self, end):
        """Milliseconds from this event to `end` (both recorded)."""
        ms = ctypes.c_float(0)
        call("cuEventElapsedTime", ctypes.byref(ms), ctypes.c_void_p(self.handle), ctypes.c_void_p(end.handle))
        return ms.value

    def __del__(self):
        if _poisoned is None and getattr(self, "handle", None):
            try:
                _fn("cuEventDestroy")(ctypes.c_void_p(self.handle))
            except Exception:  # noqa: BLE001
                pass
            self.handle = None


# ---- signatures: the packing table -------------------------------------------

_SCALARS = {  # Kiln type spelling -> (layout token, struct codes)
    "bool": ("b1", "?"),
    "int8": ("i1", "b"), "int16": ("i2", "h"), "int32": ("i4", "i"), "int64": ("i8", "q"),
    "uint8": ("u1", "B"), "uint16": ("u2", "H"), "uint32": ("u4", "I"), "uint64": ("u8", "Q"),
    "float16": ("f2", "e"), "float32": ("f4", "f"), "float64": ("f8", "d"),
    "complex64": ("c8", "ff"), "complex128": ("c16", "dd"),
}
_ARRAY = re.compile(r"^array\((\w+), (\d+)d, [CFA]\)$")
_UNITUPLE = re.compile(r"^UniTuple\((.+) x (\d+)\)$")


def _token(t):
    """(layout token, struct codes, flattener kind) of one Kiln arg type."""
    t = t.strip()
    if t.startswith("readonly "):
        t = t[len("readonly "):]
    if t in _SCALARS:
        tok, codes = _SCALARS[t]
        return tok, codes, ("complex" if tok[0] == "c" else "scalar")
    if t.startswith(("datetime64", "timedelta64")):
        return "M8", "q", "datetime"
    m = _ARRAY.match(t)
    if m:
        nd = int(m.group(2))
        return f"A{nd}", "Q" + "q" * (2 * nd), ("array", nd)
    m = _UNITUPLE.match(t)
    items = [m.group(1)] * int(m.group(2)) if m else None
    if items is None and (t.startswith("Tuple(") or t.startswith("(")) and t.endswith(")"):
        items = split_items(t[t.index("(") + 1:-1])
    if items is not None:
        parts = [_token(i) for i in items]
        return "(" + "".join(p[0] for p in parts) + ")", "".join(p[1] for p in parts), ("tuple", parts)
    raise TypeError(f"a CUDA kernel cannot take an argument of type '{t}' (arrays, numbers, booleans and "
                    f"tuples of them can)")


class Signature:
    """The parameter packing of one kernel signature, built once: the layout
    token string (kiln_cuda.h), the C layout, and one struct.Struct whose
    fields sit at the layout's offsets."""

    def __init__(self, arg_types):
        self.arg_types = tuple(arg_types)
        parts = [_token(t) for t in self.arg_types]
        self.spec = "".join(p[0] for p in parts)
        codes = "".join(p[1] for p in parts)
        self.kinds = [p[2] for p in parts]
        lib = _runtime()
        why = ctypes.create_string_buffer(256)
        self._layout = lib.kiln_cuda_layout_new(self.spec.encode(), why, len(why))
        if not self._layout:
            raise TypeError(why.value.decode())
        nparams, nbytes = ctypes.cast(self._layout, _P(ctypes.c_uint32 * 2)).contents
        params = ctypes.cast(self._layout + 8, _P(ctypes.c_uint32 * (2 * nparams))).contents
        self.offsets = [(params[2 * k], params[2 * k + 1]) for k in range(nparams)]
        self.nbytes = nbytes
        if len(codes) != nparams:
            raise AssertionError(f"kernel parameter table mismatch for {self.spec}: {len(codes)} vs {nparams}")
        fmt, at = "<", 0
        for code, (offset, size) in zip(codes, self.offsets):
            if struct.calcsize(code) != size:
                raise AssertionError(f"parameter {code} is {size} bytes in the layout")
            fmt += "x" * (offset - at) + code
            at = offset + size
        fmt += "x" * (nbytes - at)
        self.struct = struct.Struct(fmt)
        self.buffer = ctypes.create_string_buffer(max(nbytes, 1))
        self.flatteners = [_flattener(k) for k in self.kinds]

    def pack(self, args):
        """The argument block for `args` (device-side values: arrays as
        objects with __cuda_array_interface__)."""
        values = tuple(itertools.chain.from_iterable(map(_apply, self.flatteners, args)))
        self.struct.pack_into(self.buffer, 0, *values)
        return self.buffer

    def __del__(self):
        if getattr(self, "_layout", None) and _lib is not None:
            _lib.kiln_cuda_layout_free(self._layout)
            self._layout = None


def _apply(f, a):
    return f(a)


def _flatten_array(a):
    cai = a.__cuda_array_interface__
    shape = cai["shape"]
    strides = cai.get("strides")
    if strides is None:  # C-contiguous
        itemsize = int(cai["typestr"][2:])
        strides, step = [], itemsize
        for n in reversed(shape):
            strides.append(step)
            step *= n
        strides.reverse()
    return (cai["data"][0], *shape, *strides)


def _flattener(kind):
    if kind in ("scalar", "datetime"):
        return lambda v: (v,)
    if kind == "complex":
        return lambda v: (v.real, v.imag)
    if kind[0] == "array":
        return _flatten_array
    if kind[0] == "tuple":
        inner = [_flattener(p[2]) for p in kind[1]]
        return lambda t: tuple(itertools.chain.from_iterable(map(_apply, inner, t)))
    raise AssertionError(kind)


# ---- modules and kernels -----------------------------------------------------

KERNEL_SYMBOL = b"kiln_kernel"
ERROR_GLOBAL = b"kiln_kernel_error"


class Module:
    """A loaded cubin or PTX image (kilnd's artifact for the CUDA target)."""

    def __init__(self, image, name="kernel"):
        dev = Device.current()
        self.device = dev
        self.name = name
        if image[:4] != b"\x7fELF" and not image.endswith(b"\0"):
            image = image + b"\0"  # PTX is passed as a C string
        h = ctypes.c_void_p()
        call("cuModuleLoadData", ctypes.byref(h), image)
        self.handle = h.value
        fn = ctypes.c_void_p()
        call("cuModuleGetFunction", ctypes.byref(fn), ctypes.c_void_p(self.handle), KERNEL_SYMBOL)
        self.function = fn.value
        ptr, size = ctypes.c_uint64(0), ctypes.c_size_t(0)
        call("cuModuleGetGlobal", ctypes.byref(ptr), ctypes.byref(size), ctypes.c_void_p(self.handle), ERROR_GLOBAL)
        self.error_ptr = ptr.value
        self.max_threads = self.function_attribute(0)  # CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK
        self.static_shared = self.function_attribute(1)  # CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES

    def function_attribute(self, attr):
        v = ctypes.c_int(0)
        call("cuFuncGetAttribute", ctypes.byref(v), attr, ctypes.c_void_p(self.function))
        return v.value

    def kernel(self, arg_types):
        return Kernel(self, Signature(arg_types))


def _dims(value, what):
    if isinstance(value, int):
        value = (value,)
    value = tuple(int(v) for v in value)
    if not 1 <= len(value) <= 3 or any(v < 1 for v in value):
        raise LaunchConfigError(f"the {what} must be 1 to 3 positive integers, got {value}")
    return value + (1,) * (3 - len(value))


class Kernel:
    """One module's kernel with one signature's packing table."""

    def __init__(self, module, signature):
        self.module = module
        self.signature = signature
        self.name = module.name

    def check_config(self, grid, block, shared):
        dev = self.module.device
        threads = block[0] * block[1] * block[2]
        limit = min(dev.max_threads_per_block, self.module.max_threads or dev.max_threads_per_block)
        if threads > limit:
            raise LaunchConfigError(f"kernel '{self.name}': a block of {threads} threads is more than this "
                                    f"device/kernel allows ({limit})")
        for axis, (n, most) in enumerate(zip(block, dev.max_block_dim)):
            if n > most:
                raise LaunchConfigError(f"kernel '{self.name}': block dimension {'xyz'[axis]} = {n} exceeds {most}")
        for axis, (n, most) in enumerate(zip(grid, dev.max_grid_dim)):
            if n > most:
                raise LaunchConfigError(f"kernel '{self.name}': grid dimension {'xyz'[axis]} = {n} exceeds {most}")
        total = shared + self.module.static_shared
        if total > dev.max_shared_per_block_optin:
            raise LaunchConfigError(f"kernel '{self.name}': {total} bytes of shared memory is more than the "
                                    f"device's {dev.max_shared_per_block_optin} per block")
        if total > dev.max_shared_per_block:
            call("cuFuncSetAttribute", ctypes.c_void_p(self.module.function), FUNC_ATTR_MAX_DYNAMIC_SHARED, shared)

    def launch(self, grid, block, args, stream=None, shared=0):
        """Launches on `stream` (None: the default stream). `args` are
        device-side values: objects with __cuda_array_interface__ for
        arrays, Python numbers for scalars."""
        grid, block = _dims(grid, "grid"), _dims(block, "block")
        self.check_config(grid, block, int(shared))
        buf = self.signature.pack(args)
        if _poisoned is not None:
            raise _poisoned
        code = _runtime().kiln_cuda_launch(ctypes.c_void_p(self.module.function), (ctypes.c_uint32 * 3)(*grid),
                                           (ctypes.c_uint32 * 3)(*block), int(shared),
                                           ctypes.c_void_p(stream.handle if stream else None),
                                           ctypes.c_void_p(self.signature._layout), buf)
        if code != 0:
            raise CudaDriverError(f"launching kernel '{self.name}' failed: {error_text(code)}", code)

    def check_error(self):
        """After the launch's work has finished: raises what the kernel
        reported (kind, line, thread and block) through kiln_kernel_error,
        worded as the emulation words it (_kernel_error.py), and clears it."""
        if not self.module.error_ptr:
            return
        slot = _kernel_error.record_buffer()
        size = _kernel_error.RECORD_BYTES
        call("cuMemcpyDtoH", ctypes.cast(slot, ctypes.c_void_p), self.module.error_ptr, size, kernel=self.name)
        error = _kernel_error.exception(self.name, slot)
        if error is not None:
            call("cuMemsetD8", self.module.error_ptr, 0, size)
            raise error


# ---- compiling a kiln.cuda kernel for the device -------------------------------

CUDA_TRIPLE = "nvptx64-nvidia-cuda"


def compile_kernel(kernel, arg_types, arch, emit="binary"):
    """kilnd's artifact (emit "binary": the cubin or PTX; "ptx", "cubin",
    "llvm": text) for a kiln.cuda kernel (or any kiln Dispatcher) with
    `arg_types` (Kiln spellings), for SM `arch`. On the GPU the bounds
    checks are debug=True's (Numba's default is off); the error model is
    NumPy's, as numba.cuda's. A compile error raises as kiln.jit's do."""
    from ..dispatcher import EMITS, _fastmath
    disp = getattr(kernel, "_dispatcher", kernel)
    opts = getattr(kernel, "_options", {}) or {}
    dopts = disp._options
    # overload: an @overload's implementation asked for is answered, as kiln.jit's are
    reply = disp._answering_overloads(lambda bundle: _kiln.compile(
        bundle, tuple(arg_types), "", int(dopts.get("opt_level", 3)),
        _fastmath(opts.get("fastmath", dopts.get("fastmath", False))), bool(opts.get("debug")), "numpy", EMITS[emit],
        "", CUDA_TRIPLE, arch))
    if not reply["ok"]:
        disp._raise(reply)
    return reply


# ---- launching a kiln.cuda kernel on the device --------------------------------


def _stream_of(stream):
    """A driver Stream (or None: the default stream) from what kiln.cuda's
    API accepts: 0/None, a _driver.Stream, or kiln.cuda's Stream."""
    if stream is None or isinstance(stream, Stream):
        return stream
    inner = getattr(stream, "_driver_stream", None)
    return inner if isinstance(inner, Stream) else None


class DeviceSpace:
    """GPU memory, for kiln.cuda's DeviceNDArray (kiln/cuda/_devicearray.py):
    allocations are DeviceBuffers; copies are the driver's (asynchronous on
    a stream, which a read then waits for)."""

    name = "GPU"
    is_host = False

    def alloc(self, nbytes):
        buf = DeviceBuffer(nbytes)
        return buf.ptr, buf

    def read(self, dst_address, src_ptr, nbytes, stream=0):
        if not nbytes:
            return
        s = _stream_of(stream)
        if s is None:
            call("cuMemcpyDtoH", ctypes.c_void_p(dst_address), src_ptr, nbytes)
        else:
            call("cuMemcpyDtoHAsync", ctypes.c_void_p(dst_address), src_ptr, nbytes, s.handle)
            s.synchronize()

    def write(self, dst_ptr, src_address, nbytes, stream=0):
        if not nbytes:
            return
        s = _stream_of(stream)
        if s is None:
            call("cuMemcpyHtoD", dst_ptr, ctypes.c_void_p(src_address), nbytes)
        else:  # the host buffer may be a temporary: wait for the copy
            call("cuMemcpyHtoDAsync", dst_ptr, ctypes.c_void_p(src_address), nbytes, s.handle)
            s.synchronize()

    def copy(self, dst_ptr, src_ptr, nbytes, stream=0):
        if nbytes:
            call("cuMemcpyDtoD", dst_ptr, src_ptr, nbytes)


DEVICE = DeviceSpace()


def pinned_array(shape, dtype, order="C"):
    """A NumPy array in page-locked host memory (cuMemAllocHost), freed
    when the array and its views are gone."""
    import weakref

    import numpy as np
    from ._devicearray import _shape_of
    shape, dtype = _shape_of(shape), np.dtype(dtype)
    nbytes = dtype.itemsize
    for n in shape:
        nbytes *= n
    Device.current()
    ptr = ctypes.c_void_p()
    call("cuMemAllocHost", ctypes.byref(ptr), max(nbytes, 1))
    buf = (ctypes.c_char * max(nbytes, 1)).from_address(ptr.value)
    weakref.finalize(buf, _free_host, ptr.value)
    return np.ndarray(shape, dtype, buffer=buf, order=order)


def _free_host(address):
    if _poisoned is None:
        try:
            _fn("cuMemFreeHost")(ctypes.c_void_p(address))
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _device_array_class():
    from ._devicearray import DeviceNDArray

    class DeviceArray(DeviceNDArray):
        """kiln.cuda's DeviceNDArray in GPU memory: what cuda.to_device,
        device_array, device_array_like and as_cuda_array return on a GPU.
        `DeviceArray(shape, dtype)` allocates; `DeviceArray.from_host(a)`
        copies a host array in."""

        def __init__(self, shape, dtype, strides=None, buffer=None):
            import numpy as np
            from ._devicearray import _c_strides, _shape_of
            shape, dtype = _shape_of(shape), np.dtype(dtype)
            if buffer is None:
                size = 1
                for n in shape:
                    size *= n
                buffer = DeviceBuffer(size * dtype.itemsize)
            strides = _c_strides(shape, dtype.itemsize) if strides is None else strides
            self._init(shape, strides, dtype, DEVICE, buffer.ptr, buffer)

        @property
        def buffer(self):
            return self._owner

        @classmethod
        def from_host(cls, ary, stream=None):
            import numpy as np
            ary = np.asarray(ary)
            dev = cls._empty(ary.shape, ary.dtype, DEVICE, "C", stream or 0)
            dev.copy_to_device(ary, stream or 0)
            return dev

    return DeviceArray


DeviceArray = _device_array_class()
DeviceSpace.array_class = DeviceArray


def _array_type(cai):
    """The Kiln type spelling of an array described by a CUDA Array Interface."""
    import numpy as np
    dtype = np.dtype(cai["typestr"])
    shape = tuple(cai["shape"])
    strides = cai.get("strides")
    layout = "C"
    if strides is not None:
        c, f, step = [], [], dtype.itemsize
        for n in reversed(shape):
            c.append(step)
            step *= n
        step = dtype.itemsize
        for n in shape:
            f.append(step)
            step *= n
        layout = "C" if tuple(strides) == tuple(reversed(c)) else "F" if tuple(strides) == tuple(f) else "A"
    spelling = f"array({dtype.name}, {len(shape)}d, {layout})"
    return f"readonly {spelling}" if cai["data"][1] else spelling


class _Prepared:
    __slots__ = ("kernel", "types")

    def __init__(self, kernel, types):
        self.kernel = kernel
        self.types = types


HOST_ARRAY_WARNING = "Host array used in CUDA kernel will incur copy overhead to/from device."


def _user_stacklevel():
    """The warnings stacklevel of the first frame outside the kiln package
    (the line that launched the kernel), counted from our caller."""
    import sys
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    f, level = sys._getframe(2), 2
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(here + os.sep):
        f, level = f.f_back, level + 1
    return level


def prepare_args(name, args, stream=None, space=None):
    """The device-side arguments, their Kiln types, and the (host, device)
    pairs to copy back, for a launch of kernel `name`. Host NumPy arrays (and
    host-backed device arrays) are copied into `space` (the GPU) with
    Numba's performance warning, once per launch; device arrays and other
    CUDA Array Interface objects are passed as they are."""
    import warnings

    import numpy as np
    from ..errors import KilnPerformanceWarning, warning_category
    from ._devicearray import DeviceNDArray
    space = space or DEVICE
    device_args, types, back = [], [], []
    for a in args:
        host = None
        if isinstance(a, DeviceNDArray):
            if a._space.is_host and not space.is_host:
                host = a._ary
        elif isinstance(a, np.ndarray):
            host = a
        if host is not None:
            d = space.array_class._empty(host.shape, host.dtype, space, "C", stream or 0)
            d.copy_to_device(host, stream or 0)
            device_args.append(d)
            types.append(_array_type(d.__cuda_array_interface__))
            back.append((host, d))
        elif hasattr(a, "__cuda_array_interface__"):
            device_args.append(a)
            types.append(_array_type(a.__cuda_array_interface__))
        else:
            device_args.append(a)
            t = _kiln.typeof(a)
            if t is None:
                raise TypeError(f"kernel '{name}': cannot pass a {type(a).__name__} to a GPU kernel")
            types.append(t)
    if back and not space.is_host:
        warnings.warn(HOST_ARRAY_WARNING, warning_category(KilnPerformanceWarning), stacklevel=_user_stacklevel())
    return device_args, tuple(types), back


def copy_back(back, stream=None):
    """After the launch's work: the host arrays of prepare_args get the
    kernel's writes (read-only ones are left alone)."""
    for host, d in back:
        if host.flags.writeable:
            d.copy_to_host(host, stream or 0)


_ARRAY_LAYOUT = re.compile(r"^array\(\w+, \d+d, ([CFA])\)$")


def register_native(launch_obj, function, signature, args, types, stream=None, space=None, launch_fn=None):
    """Lets `launch_obj` (a kiln._kiln.KernelLaunch) run this signature
    natively from now on: when every argument is a device array of `space`
    or a Python int/float/bool typed int64/float64/bool. Returns whether it
    was registered."""
    from ._devicearray import DeviceNDArray
    space = space or DEVICE
    spec = []
    for a, t in zip(args, types):
        if isinstance(a, DeviceNDArray):
            m = _ARRAY_LAYOUT.match(t)
            if a._space is not space or m is None:
                return False
            spec.append(("A", a.dtype, a.ndim, m.group(1)))
        elif type(a) is bool and t == "bool":
            spec.append(("b",))
        elif type(a) is int and t == "int64":
            spec.append(("i",))
        elif type(a) is float and t == "float64":
            spec.append(("f",))
        else:
            return False
    if launch_fn is None:
        launch_fn = ctypes.cast(_runtime().kiln_cuda_launch, ctypes.c_void_p).value
    handle = stream.handle if stream is not None else 0
    return launch_obj._register_device(space, int(function or 0), int(signature._layout or 0), int(launch_fn),
                                       int(handle or 0), int(signature.nbytes), [tuple(p) for p in
                                                                                 signature.offsets], tuple(spec))


def raise_launch_error(name, code):
    """Raises what a failed kiln_cuda_launch of kernel `name` means."""
    global _poisoned
    if _poisoned is not None:
        raise _poisoned
    if code in _FAULT_CODES:
        _poisoned = KernelFaultError(f"kernel '{name}' faulted on the GPU ({error_text(code)}); this process's "
                                     f"CUDA context is lost: restart it", code)
        raise _poisoned
    raise CudaDriverError(f"launching kernel '{name}' failed: {error_text(code)}", code)


def launch(kernel, griddim, blockdim, args, stream=None, sharedmem=0, launch_obj=None):
    """Launches a kiln.cuda kernel on the GPU: host NumPy arrays (and the
    emulation's host-resident device arrays) are copied in and back out
    after the launch, with Numba's performance warning; device arrays and
    other objects with a __cuda_array_interface__ (CuPy, Torch) are passed
    without copying. The kernel is compiled by kilnd for this GPU's SM once
    per argument-type signature; its module and packing table are kept on
    the kernel object."""
    dev = Device.current()
    stream = _stream_of(stream)
    device_args, types, back = prepare_args(kernel.__name__, args, stream)
    # A module belongs to its device's context: one per device and signature.
    cache = kernel.__dict__.setdefault("_device_kernels", {})
    k = cache.get((dev.ordinal, types))
    if k is None:
        artifact = compile_kernel(kernel, types, dev.arch)
        k = cache[(dev.ordinal, types)] = Module(artifact["shared_object"], kernel.__name__).kernel(types)
    k.launch(griddim, blockdim, device_args, stream, sharedmem)
    debug = kernel.__dict__.get("_options", {}).get("debug")
    if launch_obj is not None and not back and not debug:
        # The configuration was checked for this signature: later launches
        # of it with this launch object are packed and launched natively.
        done = kernel.__dict__.setdefault("_native_signatures", set())
        with _native_lock:
            if (_native_state["one_device"] and dev.ordinal == 0 and (id(launch_obj), types) not in done
                    and register_native(launch_obj, k.module.function, k.signature, device_args, types, stream)):
                done.add((id(launch_obj), types))
                _native_kernels.add(kernel)
    if back or debug:
        if stream is None:
            dev.synchronize(kernel=k.name)
        else:
            stream.synchronize(kernel=k.name)
        copy_back(back, stream)
        k.check_error()
