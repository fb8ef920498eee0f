"""kiln.cuda on the server's GPU pool (docs/cuda.md "Remote launches").

With ``KILN_CUDA_REMOTE=1`` kernels run where kilnd runs them: a launch is
one ``Launch`` RPC (the kernel's bundle hash and argument types, the
configuration, host arrays as bytes, device arrays as handles), compiled by
the server for its pool's target and run by the device's worker process.
``cuda.to_device``/``device_array`` then make arrays in the pool's memory
(``REMOTE``, a memory space of ``_devicearray``), each owning a handle
(``AllocDevice``/``ReadDevice``/``WriteDevice``/``FreeDevice``).

A handle names its worker's generation: after that worker was replaced (a
kernel fault, a deadline, a killed process) the server refuses it with
``kiln.errors.ServerError`` saying the memory is gone, never a wrong answer.
Device pointers of remote arrays are this client's own numbering (a base per
allocation, never reused in a process), not addresses of any device, so a
stale array cannot alias a new one.
"""

import atexit
import bisect
import ctypes
import operator
import os
import threading
import time
import weakref

import numpy as np

from .. import _kiln
from ._devicearray import DeviceNDArray


def enabled():
    """Whether kiln.cuda launches on the server's GPU pool: KILN_CUDA_REMOTE=1
    (=0: never); unset, when a server is configured (KILN_SERVER), no local
    GPU is found, KILN_CUDA_SIM is not set and the server reports a GPU pool
    (decided once per KILN_SERVER value)."""
    forced = os.environ.get("KILN_CUDA_REMOTE", "")
    if forced:
        return forced != "0"
    server = os.environ.get("KILN_SERVER", "")
    auto = _info.get("auto")
    if auto is None or auto[0] != server:
        auto = _info["auto"] = (server, _choose())
    return auto[1]


def _choose():
    """The automatic choice (enabled()): no configured server keeps the
    client's own emulation; a local GPU or KILN_CUDA_SIM=1 keeps kernels here."""
    if not os.environ.get("KILN_SERVER") or os.environ.get("KILN_CUDA_SIM", "") not in ("", "0"):
        return False
    from . import _driver
    if _driver.available():
        return False
    try:
        info = _kiln.gpu_pool_info()
    except Exception:  # the server is down or refuses: kernels stay in this process
        return False
    if info is None:
        return False
    _info["pool"] = info
    return True


_info = {}
_current = threading.local()


def current_device():
    """The pool device this thread's remote launches and arrays use (select_device)."""
    return getattr(_current, "device", 0)


def select_device(device_id):
    """Makes pool device `device_id` this thread's (numba.cuda.select_device)."""
    n = pool_info()["devices"]
    if isinstance(device_id, bool):
        raise TypeError(f"a device number is an int, not {device_id!r}")
    try:
        device = operator.index(device_id)  # an int, or a NumPy integer
    except TypeError:
        raise TypeError(f"a device number is an int, not {type(device_id).__name__}") from None
    if not 0 <= device < n:
        raise ValueError(f"there is no device {device} in the kiln server's GPU pool: it has {n} (0 to {n - 1})")
    _current.device = device
    return device


def pool_info(refresh=False):
    """The server's GetServerInfo gpu_pool (a dict), or a RuntimeError when
    the server has none; asked again with refresh (a GPU's compute
    capability, which kilnd learns in the background, may have come)."""
    if refresh or "pool" not in _info:
        info = _kiln.gpu_pool_info()
        if info is None:
            raise RuntimeError("KILN_CUDA_REMOTE=1, but the kiln server has no GPU pool "
                               "(start kilnd with --gpu-pool=driver, or --gpu-pool=emulation)")
        _info["pool"] = info
    return _info["pool"]


# -- device memory -----------------------------------------------------------

class _RemoteBuffer:
    """One allocation of the pool: its handle and this client's base pointer."""

    def __init__(self, handle, base, nbytes):
        self.handle = handle
        self.base = base
        self.nbytes = nbytes

    def __del__(self):
        try:
            REMOTE._forget(self.base)
            _kiln.gpu_free(self.handle)
        except Exception:  # the server went away, or the worker (and the memory) with it; or interpreter exit
            pass


class RemoteSpace:
    """The server's GPU pool as a memory space of DeviceNDArray."""

    name = "the kiln server's GPU pool"
    is_host = False
    array_class = DeviceNDArray
    _ALIGN = 1 << 12

    def __init__(self):
        self._lock = threading.Lock()
        self._next = 1 << 44
        self._bases = []      # sorted
        self._buffers = {}    # base -> weakref to its _RemoteBuffer

    def alloc(self, nbytes, data=None):
        nbytes = max(int(nbytes), 0)
        device = current_device()
        _hold()
        try:
            handle = _kiln.gpu_alloc(device, nbytes, b"" if data is None else data, _session)
        except Exception as e:
            _renew_if_ended(e)
            raise
        with self._lock:
            base = self._next
            self._next += (nbytes // self._ALIGN + 2) * self._ALIGN  # a gap: no pointer of one reaches another
            buf = _RemoteBuffer(handle, base, nbytes)
            bisect.insort(self._bases, base)
            self._buffers[base] = weakref.ref(buf)
        return base, buf

    def _forget(self, base):
        with self._lock:
            if self._buffers.pop(base, None) is not None:
                i = bisect.bisect_left(self._bases, base)
                if i < len(self._bases) and self._bases[i] == base:
                    del self._bases[i]

    def buffer_of(self, ptr, nbytes=0):
        """(buffer, offset) of a pointer of this space."""
        with self._lock:
            i = bisect.bisect_right(self._bases, ptr) - 1
            ref = self._buffers.get(self._bases[i]) if i >= 0 else None
        buf = ref() if ref is not None else None
        if buf is None or ptr + nbytes > buf.base + max(buf.nbytes, 1):
            raise ValueError("a pointer outside every live device array of the kiln server's GPU pool")
        return buf, ptr - buf.base

    def read(self, dst_address, src_ptr, nbytes, stream=0):
        sync_all()  # the copy waits for queued launches, as on the legacy default stream
        if not nbytes:
            return
        buf, off = self.buffer_of(src_ptr, nbytes)
        data = _kiln.gpu_read(buf.handle, off, nbytes)
        ctypes.memmove(dst_address, data, nbytes)

    def write(self, dst_ptr, src_address, nbytes, stream=0):
        sync_all()
        if not nbytes:
            return
        buf, off = self.buffer_of(dst_ptr, nbytes)
        data = ctypes.string_at(src_address, nbytes)
        _kiln.gpu_write(buf.handle, off, data)

    def copy(self, dst_ptr, src_ptr, nbytes, stream=0):
        sync_all()
        if not nbytes:
            return
        src, soff = self.buffer_of(src_ptr, nbytes)
        dst, doff = self.buffer_of(dst_ptr, nbytes)
        _kiln.gpu_write(dst.handle, doff, _kiln.gpu_read(src.handle, soff, nbytes))


REMOTE = RemoteSpace()


# -- launches ----------------------------------------------------------------

def _layout(shape, strides, itemsize):
    c = f = True
    step = itemsize
    for n, s in zip(reversed(shape), reversed(strides)):
        if n > 1 and s != step:
            c = False
        step *= n
    step = itemsize
    for n, s in zip(shape, strides):
        if n > 1 and s != step:
            f = False
        step *= n
    return "C" if c else "F" if f else "A"


def _scalar_name(dtype):
    return _kiln.typeof(np.dtype(dtype).type(0))


def _arg(value, name, i):
    """(type name, the launch argument tuple, the host array to copy back into or None)."""
    if isinstance(value, DeviceNDArray):
        if value._space is not REMOTE:
            raise TypeError(f"kernel {name}: argument {i} is a device array of {value._space.name}, not of the kiln "
                            "server's GPU pool (make it with cuda.to_device under KILN_CUDA_REMOTE=1)")
        buf, off = REMOTE.buffer_of(value._ptr)
        t = f"array({_scalar_name(value.dtype)}, {len(value.shape)}d, " \
            f"{_layout(value.shape, value.strides, value.dtype.itemsize)})"
        return t, ("device", buf.handle, value.dtype.itemsize, value.shape, value.strides, off), None
    if isinstance(value, np.ndarray):
        a = value if value.flags.c_contiguous else value.copy(order="C")
        t = _kiln.typeof(a)
        if t is None or not t.replace("readonly ", "").startswith("array("):
            raise TypeError(f"kernel {name}: argument {i} of dtype {value.dtype} cannot be passed to a remote launch")
        writable = value.flags.writeable
        return t, ("host", a.tobytes(), a.dtype.itemsize, a.shape, a.strides, 0, writable), \
            (value if writable else None)
    if isinstance(value, np.void) and value.dtype.names is not None:
        # A record: its bytes as a 0-d host array; the kernel gets a pointer
        # to the worker's copy (the host ABI). Kernels cannot write a record
        # argument (the compiler refuses it, here as in the emulation), so
        # nothing comes back.
        t = _kiln.typeof(value)
        if t is None or not t.replace("readonly ", "").startswith("Record("):
            raise TypeError(f"kernel {name}: argument {i} (a record of dtype {value.dtype}) cannot be passed to a "
                            "remote launch")
        return t, ("host", value.tobytes(), value.dtype.itemsize, (), (), 0, False), None
    if isinstance(value, str):
        # A str: its code units in CPython's kind (1, 2 or 4 bytes each),
        # as a 1-d host array; the kernel gets {NULL, data, length, kind}.
        top = max(map(ord, value), default=0)
        kind, codec = (1, "latin-1") if top < 256 else (2, "utf-16-le") if top < 65536 else (4, "utf-32-le")
        return "unicode_type", ("host", value.encode(codec, "surrogatepass"), kind, (len(value),), (kind,), 0,
                                False), None
    if isinstance(value, (np.void, bytes)):
        t = _kiln.typeof(value) or type(value).__name__
        raise TypeError(f"kernel {name}: argument {i} of type {t} cannot be passed to a remote launch: arrays, "
                        "device arrays, numbers, tuples of numbers, records and str only")
    if isinstance(value, (bool, int, float, complex, np.generic)):
        t = _kiln.typeof(value)
        try:
            data = np.asarray(value, dtype=np.dtype(t)).tobytes()
        except TypeError:
            raise TypeError(f"kernel {name}: argument {i} of type {t} cannot be passed to a remote launch") from None
        return t, ("scalar", data), None
    if isinstance(value, tuple):
        # Its scalar items flattened in order, each in its own type's bytes
        # (runtime/cuda/arg_spec.h: the worker lays them out as the kernel's
        # ABI expects); the server checks the total against the tuple's type.
        t = _kiln.typeof(value)
        try:
            data = b"".join(_flat_items(value))
        except TypeError:
            raise TypeError(f"kernel {name}: argument {i} of type {t} cannot be passed to a remote launch: tuples "
                            "of numbers, bools and tuples only") from None
        return t, ("scalar", data), None
    raise TypeError(f"kernel {name}: argument {i} ({type(value).__name__}) cannot be passed to a remote launch: "
                    "arrays, device arrays, numbers, tuples of numbers, records and str only")


def _flat_items(value):
    for item in value:
        if isinstance(item, tuple):
            yield from _flat_items(item)
        elif isinstance(item, (bool, int, float, complex, np.generic)) and not isinstance(item, (np.void, np.str_,
                                                                                                    np.bytes_)):
            yield np.asarray(item, dtype=np.dtype(_kiln.typeof(item))).tobytes()
        else:
            raise TypeError(type(item).__name__)


def launch(kernel, cfg, args, stream=None):
    """Runs kernel[cfg](*args) on the server's GPU pool: on a stream other
    than the default one and with no host array, queued (it returns once the
    server accepted it; see "Streams" below), else at once."""
    grid, block, shared = cfg
    name = kernel.__name__
    pool_info()
    types, wire, back = [], [], []
    for i, value in enumerate(args):
        t, w, b = _arg(value, name, i)
        types.append(t)
        wire.append(w)
        back.append(b)
    device = current_device()
    sid = _stream_id(stream)
    queued = sid != 0 and all(w[0] != "host" for w in wire)
    if not queued:
        sync_all()  # the default stream (and a host array's copy) waits for every stream
    else:
        pending = _pending.get(sid)
        if pending is not None and pending[0] != device:
            sync(sid)  # a stream's launches run on one device at a time
    d = kernel._dispatcher
    o = d._options
    from ..dispatcher import _fastmath
    try:
        reply = _kiln.gpu_launch(d.bundle(), types, int(o.get("opt_level", 3)), _fastmath(o.get("fastmath", False)),
                                 bool(o.get("boundscheck")), o.get("error_model", "python"), grid, block, shared,
                                 device, name, wire, _session if queued else b"", sid if queued else 0)
    except Exception as e:
        if queued:
            _renew_if_ended(e)
        raise
    status = reply["status"]
    if status == "queued":
        # The arrays it uses stay alive (their memory is not freed) until
        # the stream is synchronized.
        with _pending_lock:
            pending = _pending.setdefault(sid, (device, {}))
            for value in args:
                if isinstance(value, DeviceNDArray):
                    pending[1][id(value)] = value
        _hold()
        return
    if status == "compile_error":
        d._raise(reply["diagnostic"])
    if status == "kernel_error":
        _raise_kernel_error(name, reply["kernel_error"])
    for target, data in zip(back, reply["host_data"]):
        if target is not None and data is not None:
            target[...] = np.frombuffer(data, target.dtype).reshape(target.shape)


def _raise_kernel_error(name, kernel_error):
    kind, line, thread, blk, message = kernel_error
    from . import _kernel_error
    if not message:
        raise _kernel_error.exception(name, [kind, line, *thread, *blk])
    cls = _kernel_error.KINDS.get(kind, RuntimeError)
    where = "" if thread[0] < 0 else \
        f"thread ({thread[0]}, {thread[1]}, {thread[2]}) of block ({blk[0]}, {blk[1]}, {blk[2]}): "
    raise cls(f"kernel {name}: {where}{message}")


# -- streams -----------------------------------------------------------------
#
# A launch on a stream other than the default one is queued by the server
# behind the earlier launches of this process's session on that stream and
# answered at once; the client remembers which streams have launches that
# were not waited for (and keeps the device arrays they use alive). Waiting
# (stream.synchronize(), cuda.synchronize(), a copy to or from the pool, a
# launch on the default stream) is one SyncLaunches RPC, made only when
# something is queued; it raises the first failure of what it waited for
# (a kernel's own error as the launch would have raised it, a fault or a
# deadline as kiln.errors.ServerError naming the kernel).

_session = os.urandom(16)
_pending_lock = threading.Lock()
_pending = {}  # stream id -> (device, {id: device array its queued launches use})
_ended_at_exit = []


def _stream_id(stream):
    if stream is None:
        return 0
    handle = getattr(stream, "handle", stream)
    try:
        return operator.index(handle or 0)
    except TypeError:
        raise TypeError(f"a launch's stream is a kiln.cuda stream or 0, not {type(stream).__name__}") from None


def _sync_rpc(stream, end=False):
    try:
        return _kiln.gpu_sync(_session, stream, end)
    except Exception as e:
        _renew_if_ended(e)
        raise


def _renew_if_ended(error):
    """The server ended this session (it was silent too long and lost
    queued launches): the error is raised once, then a new session starts."""
    if "launch session" in str(error) and "was ended" in str(error):
        _new_session()


def _check(result):
    if result is not None:
        name, kernel_error = result
        _raise_kernel_error(name, kernel_error)


def sync(stream):
    """Waits for the launches queued on `stream` (a stream id) and raises
    their first failure."""
    with _pending_lock:
        held = _pending.pop(stream, None)
        if held is None:
            return
    # `held` keeps the queued launches' arrays alive until they have run:
    # freed before the sync returns, an array could go under a launch that
    # the worker has not started yet (it runs streams side by side).
    _check(_sync_rpc(stream))
    del held


def sync_all():
    """Waits for every launch this process queued and raises the first failure."""
    if not _pending:
        return
    with _pending_lock:
        if not _pending:
            return
        held = dict(_pending)  # alive until the launches ran (see sync)
        _pending.clear()
    _check(_sync_rpc(0))
    del held


# The session's lease (docs/cuda.md "Device memory of a client that dies"):
# once this process holds something of a server's (device memory, queued
# launches), a daemon thread renews its session there every third of that
# server's --gpu-session-idle-seconds, so that only a client that died (or
# stopped for that long) has its session ended and its memory freed; the
# session is ended on each such server at exit.
_leases = {}  # KILN_SERVER value -> seconds between renewals
_lease_thread = []
_lease_added = threading.Event()  # wakes the thread: a server with a shorter lease may have come


def _hold():
    server = os.environ.get("KILN_SERVER", "")
    if server in _leases:
        return
    idle = float(pool_info().get("session_idle_seconds") or 300.0)
    with _pending_lock:
        _leases[server] = min(max(idle / 3, 0.05), 60.0)
        _lease_added.set()
        if not _lease_thread:
            t = threading.Thread(target=_renew_leases, name="kiln-gpu-lease", daemon=True)
            t.start()
            _lease_thread.append(t)
        if not _ended_at_exit:
            _ended_at_exit.append(atexit.register(_end_session))


def _renew_leases():
    from ..errors import ServerUnavailableError
    while True:
        _lease_added.wait(min(_leases.values(), default=60.0))
        _lease_added.clear()
        for server in list(_leases):
            try:
                _kiln.gpu_sync(_session, 0, False, True, server)
            except ServerUnavailableError:  # the server is gone: its memory with it (a later call adds it again)
                _leases.pop(server, None)
            except Exception:  # the server ended the session: the next call says so
                pass


def _end_session():
    """At exit: each server this process used drops what is still queued,
    frees the session's device memory and forgets the session."""
    for server in list(_leases) or [""]:
        try:
            _kiln.gpu_sync(_session, 0, True, False, server)
        except Exception:  # the server is gone: its queues went with it
            pass


def _new_session():
    global _session
    _session = os.urandom(16)
    with _pending_lock:
        _pending.clear()


def _forked():
    # A child is a new client: its own session, and a fresh lock (another
    # thread of the parent may have held the old one at the fork).
    global _session, _pending_lock, _lease_added
    _session = os.urandom(16)
    _pending_lock = threading.Lock()
    _pending.clear()
    _leases.clear()  # the parent's thread is not in the child, nor its memory the child's
    _lease_thread.clear()
    _lease_added = threading.Event()


os.register_at_fork(after_in_child=_forked)
