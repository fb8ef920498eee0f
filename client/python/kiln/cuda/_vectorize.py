"""``@kiln.vectorize(..., target='cuda')`` and ``@kiln.guvectorize(...,
target='cuda')``: NumPy-style ufuncs whose loop is a kernel (docs/cuda.md).

The scalar (or core) function becomes a device function, and each
signature a small generated kernel, one thread per element (per loop
index for guvectorize), launched on the broadcast inputs. Signatures are
required, as with Numba's CUDA target.
"""

import re
import sys

import numpy as np

from ..dispatcher import parse_signature
from ..errors import UnsupportedError

_TPB = 128


def _dtype(name):
    try:
        return np.dtype(name)
    except TypeError:
        raise UnsupportedError(f"vectorize: the type {name!r} is not a NumPy scalar type") from None


def _elem(name):
    """The scalar type of a canonical signature item ("array(float64, 1d, A)" or "float64")."""
    m = re.match(r"(?:readonly )?array\((\w+),", name)
    return _dtype(m.group(1) if m else name)


def _host(value):
    from ._api import DeviceNDArray, _host_array
    return _host_array(value), isinstance(value, DeviceNDArray)


def _kernel(src, name, device_fn):
    from . import _api
    cuda = sys.modules["kiln.cuda"]
    ns = {"cuda": cuda, "__kiln_core": device_fn}
    exec(compile(src, f"<kiln.cuda.{name}>", "exec"), ns)  # noqa: S102 - generated from the signature only
    return _api.Kernel(ns["__kiln_kernel"], {})


def _pick(sigs, args, what):
    """The first signature every argument converts to safely (as NumPy's
    ufunc loop selection)."""
    for sig in sigs:
        if all(np.can_cast(a.dtype if a.ndim else np.asarray(a).dtype, t, "safe") or
               (a.ndim == 0 and np.can_cast(a, t, "same_kind"))
               for a, t in zip(args, sig[1])):
            return sig
    kinds = ", ".join(str(a.dtype) for a in args)
    raise TypeError(f"{what}: no signature matches the argument types ({kinds})")


class CUDAUFunc:
    """A ufunc built by vectorize(target='cuda')."""

    def __init__(self, func, signatures):
        from ._api import DeviceFunction
        self.py_func = func
        self.__name__ = func.__name__
        self._device = DeviceFunction(func, {"error_model": "numpy"})
        self._sigs = []
        for s in signatures:
            ret, args = parse_signature(s)
            if not ret:
                raise TypeError(f"vectorize(target='cuda') needs a return type in signature {s!r}")
            nin = len(args)
            params = ", ".join(f"a{k}" for k in range(nin))
            src = (f"def __kiln_kernel({params}, out):\n"
                   f"    i = cuda.grid(1)\n"
                   f"    if i < out.shape[0]:\n"
                   f"        out[i] = __kiln_core({', '.join(f'a{k}[i]' for k in range(nin))})\n")
            self._sigs.append((_dtype(ret), tuple(_dtype(a) for a in args),
                               _kernel(src, f"vectorize.{func.__name__}", self._device)))
        self.nin = len(self._sigs[0][1]) if self._sigs else 0
        self.nout = 1

    def __call__(self, *args, out=None, stream=0):
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__} takes {self.nin} arguments, got {len(args)}")
        hosts = [_host(a) for a in args]
        device = any(d for _, d in hosts)
        arrays = [np.asarray(h) for h, _ in hosts]
        ret, types, kernel = _pick(self._sigs, arrays, self.__name__)
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        flat = [np.ascontiguousarray(np.broadcast_to(a.astype(t, copy=False), shape)).ravel()
                for a, t in zip(arrays, types)]
        res = np.empty(shape, ret)
        n = res.size
        if n:
            kernel[(n + _TPB - 1) // _TPB, _TPB, stream](*flat, res.reshape(-1))
        if out is not None:
            target, _ = _host(out)
            np.copyto(target, res, casting="same_kind")
            return out
        if device:
            from ._api import DeviceNDArray
            return DeviceNDArray(res)
        return res[()] if res.ndim == 0 else res

    def __repr__(self):
        return f"<kiln.cuda ufunc {self.__name__}>"


_CORE = re.compile(r"\(([^()]*)\)")


def _parse_layout(layout):
    ins, _, outs = layout.replace(" ", "").partition("->")
    parse = lambda side: [tuple(d for d in grp.split(",") if d) for grp in _CORE.findall(side)]  # noqa: E731
    return parse(ins), parse(outs)


class CUDAGUFunc:
    """A generalized ufunc built by guvectorize(target='cuda'): the core
    function fills its output arguments, one thread per loop index."""

    def __init__(self, func, signatures, layout):
        from ._api import DeviceFunction
        self.py_func = func
        self.__name__ = func.__name__
        self._ins, self._outs = _parse_layout(layout)
        if not self._outs:
            raise TypeError(f"guvectorize layout {layout!r} has no output")
        for core in self._outs:
            if not core:
                raise UnsupportedError("guvectorize(target='cuda'): an output needs a core dimension "
                                       "(write '(n)->(n)' or '()->(1)'-style layouts)")
        self._device = DeviceFunction(func, {"error_model": "numpy"})
        nargs = len(self._ins) + len(self._outs)
        params = ", ".join(f"a{k}" for k in range(nargs))
        # An input with no core dimension is passed as a scalar, the others as views.
        src = (f"def __kiln_kernel({params}):\n"
               f"    i = cuda.grid(1)\n"
               f"    if i < a{nargs - 1}.shape[0]:\n"
               f"        __kiln_core({', '.join(f'a{k}[i]' for k in range(nargs))})\n")
        self._kernel = _kernel(src, f"guvectorize.{func.__name__}", self._device)
        self._sigs = []
        for s in signatures:
            ret, args = parse_signature(s)
            if len(args) != nargs:
                raise TypeError(f"guvectorize signature {s!r} has {len(args)} arguments; the layout {layout!r} "
                                f"has {nargs}")
            self._sigs.append((None, tuple(_elem(a) for a in args)))

    def __call__(self, *args, stream=0):
        nin = len(self._ins)
        if len(args) not in (nin, nin + len(self._outs)):
            raise TypeError(f"{self.__name__} takes {nin} inputs (and optionally {len(self._outs)} outputs)")
        hosts = [_host(a) for a in args]
        device = any(d for _, d in hosts)
        arrays = [np.asarray(h) for h, _ in hosts[:nin]]
        _, types = _pick([(None, s[1][:nin]) for s in self._sigs], arrays, self.__name__)
        full = next(s[1] for s in self._sigs if s[1][:nin] == types)
        sizes = {}
        loops = []
        for a, core in zip(arrays, self._ins):
            if a.ndim < len(core):
                raise ValueError(f"{self.__name__}: an input has {a.ndim} dimensions, fewer than its core {core}")
            for d, name in zip(a.shape[a.ndim - len(core):], core):
                if sizes.setdefault(name, d) != d:
                    raise ValueError(f"{self.__name__}: core dimension {name} is both {sizes[name]} and {d}")
            loops.append(a.shape[:a.ndim - len(core)])
        loop = np.broadcast_shapes(*loops) if loops else ()
        n = int(np.prod(loop)) if loop else 1
        flat = []
        for a, core, t in zip(arrays, self._ins, full):
            b = np.broadcast_to(a.astype(t, copy=False), loop + a.shape[a.ndim - len(core):])
            flat.append(np.ascontiguousarray(b).reshape((n,) + b.shape[len(loop):]))
        outs = []
        for k, (core, t) in enumerate(zip(self._outs, full[nin:])):
            if nin + k < len(args):
                target = np.asarray(hosts[nin + k][0])
            else:
                shape = []
                for name in core:
                    if name.isdigit():
                        shape.append(int(name))
                    elif name in sizes:
                        shape.append(sizes[name])
                    else:
                        raise ValueError(f"{self.__name__}: the output's core dimension {name} is not known "
                                         "from the inputs")
                target = np.zeros(loop + tuple(shape), t)
            outs.append(target)
        work = [np.ascontiguousarray(o, dtype=t).reshape((n,) + o.shape[len(loop):])
                for o, t in zip(outs, full[nin:])]
        if n:
            self._kernel[(n + _TPB - 1) // _TPB, _TPB, stream](*flat, *work)
        results = []
        for o, w in zip(outs, work):
            if not np.shares_memory(o, w):
                o[...] = w.reshape(o.shape)
            results.append(o)
        if nin < len(args):
            return None
        if device:
            from ._api import DeviceNDArray
            results = [DeviceNDArray(r) for r in results]
        return results[0] if len(results) == 1 else tuple(results)

    def __repr__(self):
        return f"<kiln.cuda gufunc {self.__name__}>"


def vectorize(signatures=(), target="cpu", **options):
    """Numba's @vectorize: with target='cuda', a ufunc whose loop is a kernel."""
    if callable(signatures) and not isinstance(signatures, (str, list, tuple)):
        raise TypeError("vectorize(target='cuda') needs its signatures: @vectorize(['float32(float32)'], "
                        "target='cuda')")
    if target != "cuda":
        raise UnsupportedError(f"kiln.vectorize supports target='cuda' only, not {target!r}")
    sigs = [signatures] if isinstance(signatures, str) else list(signatures)
    if not sigs:
        raise TypeError("vectorize(target='cuda') needs at least one signature")
    return lambda func: CUDAUFunc(func, sigs)


def guvectorize(signatures, layout, target="cpu", **options):
    """Numba's @guvectorize: with target='cuda', a generalized ufunc whose
    loop is a kernel."""
    if target != "cuda":
        raise UnsupportedError(f"kiln.guvectorize supports target='cuda' only, not {target!r}")
    sigs = [signatures] if isinstance(signatures, str) else list(signatures)
    return lambda func: CUDAGUFunc(func, sigs, layout)
