"""Kiln: a compile server for numeric Python.

``from kiln import jit`` is a drop-in for ``from numba import njit``: the
decorated function is compiled by ``kilnd`` (started on demand on a private
Unix socket, or the server named by ``KILN_SERVER``) and called natively.
Importing kiln imports neither grpcio nor protobuf's Python package.
"""

import os as _os

from . import _kiln

_kiln._set_package_dir(_os.path.dirname(_os.path.abspath(__file__)))
# The server's channel connects in the background from here on (a native
# thread, src/preconnect.cpp), while the rest of kiln and the user's modules
# import, so the first call finds it ready. It never starts a server;
# KILN_PRECONNECT=0 turns it off.
if _os.environ.get("KILN_PRECONNECT", "1") != "0":
    _kiln._preconnect()

from . import config, errors, extending  # noqa: E402 - after the warm-up started
from .dispatcher import Dispatcher, jit, njit  # noqa: E402
from .errors import CompilerError, KilnError, ServerError, TypingError, UnsupportedError  # noqa: E402
from .extending import register_jitable  # noqa: E402
from ._objmode import objmode  # noqa: E402 - objmode: Numba's with objmode(...) blocks

__version__ = "0.1.0"


def typeof(value):
    """Numba-style type name of a value ("int64", "UniTuple(float64, 2)",
    "array(float64, 2d, C)"), or None when Kiln has no type for it."""
    return _kiln.typeof(value)


def literal_unroll(container):
    """In compiled code, ``for x in literal_unroll(t)`` over a tuple whose
    items have different types compiles the loop body once per item (as
    Numba's ``literal_unroll``). In Python it is the container itself."""
    return container


def literally(obj):
    """Numba's ``literally``: in compiled code, ``k = literally(k)`` on a
    parameter specialises the function on the value the caller gives (an
    int, bool or str, typed as Numba's Literal[int], Literal[bool],
    Literal[str]: an @overload it is passed to reads ``k.literal_value``);
    on anything else it must be a compile-time constant
    (docs/python-subset.md). In Python it is ``obj`` itself."""
    return obj


class prange:
    """prange: Numba's prange, for code written for Numba: a range, whose
    loop runs in parallel in a function compiled with parallel=True when
    kiln can prove its iterations independent (docs/python-subset.md,
    "Parallel loops"); in Python, and anywhere else, the range loop it is."""

    def __new__(cls, *args):
        return range(*args)


def runtime_stats():
    """The memory runtime's counters for this process: ``live_allocations``
    and ``live_bytes`` (arrays allocated by compiled code and not yet freed),
    ``total_allocations`` and ``total_frees``."""
    return _kiln.runtime_stats()


def live_allocations():
    """How many arrays allocated by compiled code are alive in this process."""
    return _kiln.live_allocations()


def vectorize(*args, **kwargs):
    """Numba's @vectorize: target='cpu' (the default; kiln/_ufunc.py) or
    target='cuda' (kiln/cuda/_vectorize.py)."""
    if kwargs.get("target") == "cuda" or (len(args) > 1 and args[1] == "cuda"):
        from .cuda._vectorize import vectorize as _vectorize  # cuda: imports NumPy only when used
        return _vectorize(*args, **kwargs)
    from ._ufunc import vectorize as _vectorize  # realcode2: imports NumPy only when used
    return _vectorize(*args, **kwargs)


def guvectorize(*args, **kwargs):
    """Numba's @guvectorize; target='cuda' only for now (kiln/cuda/_vectorize.py)."""
    from .cuda._vectorize import guvectorize as _guvectorize  # cuda:
    return _guvectorize(*args, **kwargs)


__all__ = ["jit", "njit", "objmode", "Dispatcher", "typeof", "config", "errors", "extending", "register_jitable", "literal_unroll", "literally", "prange", "KilnError", "TypingError",
           "UnsupportedError", "CompilerError", "ServerError", "runtime_stats", "live_allocations",
           "vectorize", "guvectorize"]
