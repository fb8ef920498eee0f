"""``kiln.cuda.fp16``: numba.cuda.fp16's half-precision functions for kernels.

Each is a device function on float16 values (other numbers are converted to
float16 first). The arithmetic (``hadd hsub hmul hdiv hneg habs hrcp``) and
the comparisons are float16 operations: on the GPU (sm_53+) NVPTX's native
``add.f16`` & co., in the emulation float32 rounded back to nearest even,
which gives the same bits. ``hmax``/``hmin`` ignore a NaN operand, as PTX's
``max.f16``. ``hceil``/``hfloor`` are exact. ``hsqrt hrsqrt hexp hlog hsin
hcos`` and ``hfma`` compute in float64 and round once to float16: on a GPU
Numba uses the approximate half instructions, which may differ in the last
bit (and ``hfma`` may differ from ``fma.rn.f16`` when a*b lies exactly
halfway between two halves and c is below 2**-53 of it).
"""

import math

import numpy as np

from ._api import DeviceFunction

_DEV = {"error_model": "numpy"}


def hadd(a, b):
    return np.float16(a) + np.float16(b)


def hsub(a, b):
    return np.float16(a) - np.float16(b)


def hmul(a, b):
    return np.float16(a) * np.float16(b)


def hdiv(a, b):
    return np.float16(a) / np.float16(b)


def hneg(a):
    return -np.float16(a)


def habs(a):
    return abs(np.float16(a))


def hrcp(a):
    return np.float16(1) / np.float16(a)


def hfma(a, b, c):
    return np.float16(np.float64(np.float16(a)) * np.float64(np.float16(b)) + np.float64(np.float16(c)))


def hsqrt(a):
    return np.float16(math.sqrt(np.float64(np.float16(a))))


def hrsqrt(a):
    return np.float16(1.0 / math.sqrt(np.float64(np.float16(a))))


def hexp(a):
    return np.float16(math.exp(np.float64(np.float16(a))))


def hlog(a):
    x = np.float64(np.float16(a))
    if x < 0.0 or x != x:
        return np.float16(np.nan)
    if x == 0.0:
        return np.float16(-np.inf)
    return np.float16(math.log(x))


def hsin(a):
    return np.float16(math.sin(np.float64(np.float16(a))))


def hcos(a):
    return np.float16(math.cos(np.float64(np.float16(a))))


def hceil(a):
    return np.ceil(np.float16(a))


def hfloor(a):
    return np.floor(np.float16(a))


def hmax(a, b):
    x = np.float16(a)
    y = np.float16(b)
    if x != x:
        return y
    if y != y:
        return x
    return x if x > y else y


def hmin(a, b):
    x = np.float16(a)
    y = np.float16(b)
    if x != x:
        return y
    if y != y:
        return x
    return x if x < y else y


def heq(a, b):
    return np.float16(a) == np.float16(b)


def hne(a, b):
    return np.float16(a) != np.float16(b)


def hgt(a, b):
    return np.float16(a) > np.float16(b)


def hge(a, b):
    return np.float16(a) >= np.float16(b)


def hlt(a, b):
    return np.float16(a) < np.float16(b)


def hle(a, b):
    return np.float16(a) <= np.float16(b)


_NAMES = ["hadd", "hsub", "hmul", "hdiv", "hneg", "habs", "hrcp", "hfma", "hsqrt", "hrsqrt", "hexp", "hlog", "hsin",
          "hcos", "hceil", "hfloor", "hmax", "hmin", "heq", "hne", "hgt", "hge", "hlt", "hle"]
for _name in _NAMES:
    globals()[_name] = DeviceFunction(globals()[_name], _DEV)
__all__ = list(_NAMES)
