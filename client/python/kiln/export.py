"""Exporting jitted functions for the C++ API (docs/cpp.md).

``f.export(path)`` or ``kiln.export.write(path, [f, g])`` writes a bundle
file: each function's bundle (the same bytes the Python client sends, so a
compile from C++ shares the server's cache), the jit options it was
decorated with, and its signatures so far. The file is versioned and
checksummed; its format is defined once, in the C++ client
(kiln/client/bundle_file.h). ``kilnctl export FILE.py:FUNC -o PATH`` does the
same from the command line.
"""

import sys

from . import _kiln


def _entry(dispatcher):
    from .dispatcher import _fastmath

    o = dispatcher._options
    sigs = [f"{ret}({', '.join(args)})" if ret else f"({', '.join(args)})" for args, ret in dispatcher._overloads()]
    func = dispatcher.py_func
    return (func.__name__, func.__qualname__, dispatcher.bundle(), sigs, int(o.get("opt_level", 3)),
            _fastmath(o.get("fastmath", False)), bool(o.get("boundscheck")), o.get("error_model", "python"))


def write(path, dispatchers):
    """Write the bundle file of these jitted functions to ``path`` (whole or
    not at all). Names must be unique: C++ looks functions up by name."""
    from . import __version__
    from .dispatcher import Dispatcher

    entries, seen = [], set()
    for d in dispatchers:
        if not isinstance(d, Dispatcher):
            raise TypeError(f"kiln.export.write needs functions decorated with kiln.jit, got {type(d).__name__}")
        name = d.py_func.__name__
        if name in seen:
            raise ValueError(f"two exported functions are named '{name}'")
        seen.add(name)
        entries.append(_entry(d))
    writer = f"kiln {__version__} (Python {sys.version_info[0]}.{sys.version_info[1]})"
    _kiln.write_bundle_file(str(path), writer, entries)


def read(path):
    """What a bundle file holds (checked as the C++ API checks it): a list of
    {name, qualname, bundle_hash, signatures, functions, writer, opt_level}."""
    return _kiln.read_bundle_file(str(path))
