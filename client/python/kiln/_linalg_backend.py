"""Finds the BLAS/LAPACK that the user's NumPy or SciPy already ships and
hands its routines to the runtime (runtime/cpu/kiln_linalg.h), so compiled
``np.dot``/``@``/``np.linalg`` call them. Kiln ships no LAPACK of its own
(docs/linalg.md).

Where it looks, in order (``KILN_LINALG_BACKEND`` names one of them, or
``none`` to install nothing):

- ``numpy``: the scipy-openblas NumPy 2 wheels bundle in ``numpy.libs``
  (ILP64, symbols ``scipy_dgemm_64_``; 32-bit-int builds ``scipy_dgemm_``);
- ``scipy``: SciPy's ``scipy.linalg.cython_blas``/``cython_lapack``, whose
  ``__pyx_capi__`` capsules hold the routines' addresses (LP64), as Numba
  uses them;
- ``system``: the BLAS/LAPACK shared objects NumPy itself is linked with
  (a distribution's NumPy: ``liblapack.so.3``), found among the process's
  mappings once ``numpy.linalg`` is imported, else by ``ctypes.util``
  (LP64, symbols ``dgemm_``).

Without one, compiled linear algebra raises a RuntimeError naming the
function when it is called (never at compile time, never a crash).
"""

import ctypes
import ctypes.util
import glob
import os

# kiln_linalg.h's KILN_LINALG_ROUTINES, in order; each for s, d, c, z.
_ROUTINES = ("gemm", "gesv", "getrf", "potrf", "geqrf", "orgqr", "gesdd", "geev", "syevd", "gelsd")
_COMPLEX_NAME = {"orgqr": "ungqr", "syevd": "heevd"}
_BLAS = ("gemm",)

_installed = None  # the source's name once installed, "" when none was found


def _names():
    """The LAPACK names of every slot, routine-major then s, d, c, z."""
    out = []
    for r in _ROUTINES:
        for p in "sdcz":
            out.append(p + (_COMPLEX_NAME.get(r, r) if p in "cz" else r))
    return out


def _address(lib, symbol):
    try:
        return ctypes.cast(getattr(lib, symbol), ctypes.c_void_p).value or 0
    except AttributeError:
        return 0


def _from_numpy():
    import numpy

    libs = os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "libscipy_openblas*.so*"))):
        lib = ctypes.CDLL(path)
        for fmt, width in (("scipy_{}_64_", 8), ("scipy_{}_", 4)):
            addrs = [_address(lib, fmt.format(n)) for n in _names()]
            if addrs[_names().index("dgemm")] and addrs[_names().index("dgesv")]:
                return width, addrs
    return None


def _from_scipy():
    try:
        from scipy.linalg import cython_blas, cython_lapack
    except ImportError:
        return None
    from ._native import capsule_address
    addrs = []
    for n in _names():
        capi = (cython_blas if n[1:] in _BLAS else cython_lapack).__pyx_capi__
        cap = capi.get(n)
        addrs.append(capsule_address(cap) or 0 if cap is not None else 0)
    return (4, addrs) if all(addrs[:8]) else None


def _from_system():
    import numpy.linalg  # noqa: F401  (maps the LAPACK NumPy is linked with)

    paths = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if line.count("/") else ""
                base = os.path.basename(path)
                if ("lapack" in base or "blas" in base) and ".so" in base and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    for name in ("lapack", "blas"):
        found = ctypes.util.find_library(name)
        if found and found not in paths:
            paths.append(found)
    libs = []
    for path in paths:
        try:
            libs.append(ctypes.CDLL(path))
        except OSError:
            continue
    addrs = []
    for n in _names():
        addrs.append(next((a for a in (_address(lib, n + "_") for lib in libs) if a), 0))
    return (4, addrs) if all(addrs[:8]) else None


_SOURCES = {"numpy": _from_numpy, "scipy": _from_scipy, "system": _from_system}


def install():
    """Finds a BLAS/LAPACK (once per process) and installs it in the
    runtime; returns the name of the source used, or "" when none."""
    global _installed
    if _installed is not None:
        return _installed
    from . import _kiln

    choice = os.environ.get("KILN_LINALG_BACKEND", "auto")
    order = list(_SOURCES) if choice == "auto" else ([choice] if choice in _SOURCES else [])
    _installed = ""
    for name in order:
        try:
            found = _SOURCES[name]()
        except (OSError, ImportError):
            found = None
        if found:
            width, addrs = found
            _kiln._set_linalg_backend(width, addrs)
            _installed = name
            break
    return _installed
