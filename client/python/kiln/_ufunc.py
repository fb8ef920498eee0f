"""realcode2: Numba's CPU ``@vectorize`` (target='cpu', the default).

``@kiln.vectorize`` turns a scalar function into a NumPy-ufunc-like
callable, usable from Python and from jitted code, with broadcasting:

- the scalar function (the kernel) is a ``kiln.jit`` function compiled with
  ``error_model='numpy'``, as Numba compiles a ufunc's loop;
- the loop over the broadcast inputs is a generated Python function (one
  per number of inputs), compiled by kiln like user code: a call from
  Python runs it, and a jitted function that reads the ufunc as a global
  calls it (bundle.py resolves the ufunc to it).

With signatures, a call from Python picks the first signature every input
converts to safely (NumPy's loop selection), converts the inputs, and gives
the result the signature's return type. Without signatures (Numba's
DUFunc), the kernel is compiled at the inputs' own types. In jitted code
only a ufunc without signatures is supported (a signature's conversions
are not applied there): one with signatures is refused where it is read.
"""

import functools

import numpy as np

from .dispatcher import jit, parse_signature
from .errors import UnsupportedError

# The loop, for n inputs: a scalar call when no input is an array, else the
# kernel over the broadcast inputs in C order. Its result's dtype is the
# kernel's return type on the first elements (for an empty result, on
# zeros of the inputs' dtypes, a call whose value is unused).
_LOOP = """
def __kiln_ufunc_loop({params}):
    if {no_array}:
        return __kiln_kernel({params})
{prepare}
    shape = np.broadcast_shapes({shapes})
{flatten}
    n = f0.size
    if n == 0:
        out = np.empty(0, dtype=type(__kiln_kernel({zeros})))
    else:
        first = __kiln_kernel({firsts})
        out = np.empty(n, dtype=type(first))
        out[0] = first
    for k in range(1, n):
        out[k] = __kiln_kernel({items})
    return out.reshape(shape)
"""


def _loop_function(kernel, nin):
    """The loop for `nin` inputs, a plain Python function whose globals are
    NumPy and the kernel (a jitted function), so it travels in a bundle."""
    xs = [f"x{k}" for k in range(nin)]
    src = _LOOP.format(
        params=", ".join(xs),
        no_array=" and ".join(f"not isinstance({x}, np.ndarray)" for x in xs),
        prepare="\n".join(f"    a{k} = np.asarray(x{k})" for k in range(nin)),
        shapes=", ".join(f"a{k}.shape" for k in range(nin)) + ("," if nin == 1 else ""),
        flatten="\n".join(f"    f{k} = np.ascontiguousarray(np.broadcast_to(a{k}, shape)).ravel()" for k in range(nin)),
        zeros=", ".join(f"np.zeros(1, f{k}.dtype)[0]" for k in range(nin)),
        firsts=", ".join(f"f{k}[0]" for k in range(nin)),
        items=", ".join(f"f{k}[k]" for k in range(nin)),
    )
    ns = {"np": np, "__kiln_kernel": kernel}
    exec(compile(src, f"<kiln.vectorize {kernel.__name__}>", "exec"), ns)  # noqa: S102 - generated from nin only
    return ns["__kiln_ufunc_loop"]


class UFunc:
    """A ufunc made by ``kiln.vectorize`` for the CPU."""

    __kiln_ufunc__ = True  # bundle.py: read as a global, the loop travels in the bundle

    def __init__(self, func, signatures, options):
        if not hasattr(func, "__code__"):
            raise TypeError(f"vectorize needs a Python function, got {type(func).__name__}")
        functools.update_wrapper(self, func)
        self.py_func = func
        self._given = (tuple(signatures), dict(options))  # pickle: the decorator's arguments as given
        code = func.__code__
        if code.co_flags & 0x0C or code.co_kwonlyargcount:  # *args, **kwargs, keyword-only
            raise UnsupportedError("vectorize: the function takes positional parameters only",
                                   (code.co_filename, code.co_firstlineno, code.co_qualname))
        self.nin = code.co_argcount
        self.nout = 1
        if self.nin < 1:
            raise TypeError("vectorize: the function takes at least one argument")
        self.identity = options.pop("identity", None)
        options.pop("cache", None)
        options.pop("nopython", None)
        options.setdefault("error_model", "numpy")
        self._sigs = []
        for s in signatures:
            ret, args = parse_signature(s)
            if not ret:
                raise TypeError(f"vectorize: the signature {s!r} has no return type")
            if len(args) != self.nin:
                raise TypeError(f"vectorize: the signature {s!r} has {len(args)} inputs, "
                                f"the function {self.nin}")
            self._sigs.append((np.dtype(ret), tuple(np.dtype(a) for a in args)))
        self._kernel = jit(**options)(func)
        self.__kiln_ufunc_loop__ = _loop_function(self._kernel, self.nin)
        self._loop = jit(**options)(self.__kiln_ufunc_loop__)

    @property
    def signatures_given(self):
        """Whether the ufunc was made with signatures (then it is refused in
        jitted code)."""
        return bool(self._sigs)

    @property
    def types(self):
        """NumPy's spelling of the loops: "dd->d" per signature."""
        return ["".join(t.char for t in ins) + "->" + ret.char for ret, ins in self._sigs]

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{self.__name__}: keyword arguments ({', '.join(kwargs)}) are not supported")
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__}() takes {self.nin} positional arguments but {len(args)} were given")
        arrays = [np.asarray(a) for a in args]
        ret = None
        if self._sigs:
            from .cuda._vectorize import _pick  # one rule for NumPy's loop selection
            # scalars alone take their own types (NumPy's rule when no input is an array)
            alone = all(a.ndim == 0 for a in arrays)
            ret, ins = _pick(self._sigs, [a.reshape(1) if alone else a for a in arrays], self.__name__)
            arrays = [a.astype(t, copy=False) for a, t in zip(arrays, ins)]
        if all(a.ndim == 0 for a in arrays):
            r = np.asarray(self._kernel(*(a[()] for a in arrays)))
            return (r.astype(ret) if ret is not None else r)[()]
        r = self._loop(*arrays)
        return r.astype(ret, copy=False) if ret is not None else r

    def __repr__(self):
        return f"<kiln.vectorize {self.__name__}>"

    def __reduce__(self):
        """pickle: as Numba's ufuncs pickle (kiln/_pickling.py)."""
        from ._pickling import reduce_jitted

        return reduce_jitted(self, "vectorize", *self._given)


def vectorize(signatures=(), target="cpu", **options):
    """``@vectorize``, ``@vectorize(['f8(f8)', ...])`` or
    ``@vectorize(nopython=True)`` for the CPU."""
    if target not in ("cpu", "parallel"):
        raise UnsupportedError(f"kiln.vectorize supports target='cpu' and 'cuda', not {target!r}")
    if callable(signatures) and not isinstance(signatures, (str, list, tuple)):
        return UFunc(signatures, [], dict(options))
    sigs = [signatures] if isinstance(signatures, str) else list(signatures or ())
    return lambda func: UFunc(func, sigs, dict(options))
