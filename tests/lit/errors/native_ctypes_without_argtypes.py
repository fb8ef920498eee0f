# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64" --emit=typed 2>&1 | FileCheck %s
# A ctypes function whose argtypes are not set has no signature to type its
# call with: refused naming the global and what to set, where it is read.
import ctypes
import ctypes.util

c_sin = ctypes.CDLL(ctypes.util.find_library("m")).sin


def f(x):
    return c_sin(x)

# CHECK: native_ctypes_without_argtypes.py:12: TypingError: cannot call global 'c_sin' in jitted code: the ctypes function 'sin' has no argtypes: set them (and restype) so its signature is known
