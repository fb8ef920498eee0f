# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "array(int32, 1d, C)" --emit=typed 2>&1 | FileCheck %s
# A CPointer(float64) parameter takes a.ctypes of a float64 array only, as
# in Numba: an int32 array's is refused naming the function and both types.
import ctypes
import ctypes.util

import llvmlite.binding as llvm
from numba.core import types

llvm.load_library_permanently(ctypes.util.find_library("c"))
zero = types.ExternalFunction("memset", types.void(types.CPointer(types.float64), types.intc, types.uintp))


def f(a):
    zero(a.ctypes, 0, 8)

# CHECK: native_pointer_of_another_dtype.py:16: TypingError: native function 'zero': argument 1 of type ArrayCTypes(dtype=int32, ndim=1) cannot be converted to float64*
