# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64" --emit=typed 2>&1 | FileCheck %s
# A native function called with another number of arguments than its
# signature has is refused naming it, at the call's line.
import ctypes
import ctypes.util

c_pow = ctypes.CDLL(ctypes.util.find_library("m")).pow
c_pow.argtypes = [ctypes.c_double, ctypes.c_double]
c_pow.restype = ctypes.c_double


def f(x):
    return c_pow(x)

# CHECK: native_wrong_argument_count.py:14: TypingError: native function 'c_pow' takes 2 arguments but 1 was given
