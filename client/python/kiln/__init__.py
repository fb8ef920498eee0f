"""Kiln: a compile server for numeric Python.

``from kiln import jit`` is a drop-in for ``from numba import njit``: the
decorated function is compiled by ``kilnd`` (started on demand on a private
Unix socket, or the server named by ``KILN_SERVER``) and called natively.
Importing kiln imports neither grpcio nor protobuf's Python package.
"""

import os as _os

from . import _kiln, errors
from .dispatcher import Dispatcher, jit, njit
from .errors import CompilerError, KilnError, TypingError, UnsupportedError

__version__ = "0.1.0"

_kiln._set_package_dir(_os.path.dirname(_os.path.abspath(__file__)))


def typeof(value):
    """Numba-style type name of a value ("int64", "UniTuple(float64, 2)",
    "array(float64, 2d, C)"), or None when Kiln has no type for it."""
    return _kiln.typeof(value)


__all__ = ["jit", "njit", "Dispatcher", "typeof", "errors", "KilnError", "TypingError",
           "UnsupportedError", "CompilerError"]
