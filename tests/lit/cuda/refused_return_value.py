# RUN: %mkbundle %s:f > %t.pb
# RUN: not %ptxkilnc --bundle %t.pb --sig "(float64)" --emit=ptx 2>&1 | FileCheck %s
import math


def f(x):
    return math.sin(x)

# A kernel returns None; refused with the file and line before LLVM's NVPTX
# code generator could fail on it.
# CHECK: refused_return_value.py:6: UnsupportedError: a GPU kernel must return None, not 'float64'
