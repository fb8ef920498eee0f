# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C), int64)" --emit=llvm --opt 0 | FileCheck %s
import ctypes
import ctypes.util

import llvmlite.binding as llvm
from numba.core import types

llvm.load_library_permanently(ctypes.util.find_library("c"))
fill = types.ExternalFunction("memset", types.void(types.voidptr, types.intc, types.uintp))
zero = types.ExternalFunction("memset", types.void(types.CPointer(types.float64), types.intc, types.uintp))


def f(a, address):
    fill(address, 0, 8)
    zero(a.ctypes, 0, 8)

# extfunc: a Numba ExternalFunction is a native function whose address the
# client found by its symbol (docs/extending.md). A void* parameter given an
# int passes it as an address; a float64* given a.ctypes passes the array's
# data pointer (field 1 of the array's struct), no copy.
# CHECK: @"kiln.native.lib:{{.*}}libc{{.*}}+0x{{[0-9a-f]+}}" = internal global ptr null
# CHECK: [[P:%native.address[0-9]*]] = inttoptr i64 %{{[0-9]+}} to ptr
# CHECK: call void %native.target{{[0-9]*}}(ptr [[P]], i32 0, i64 8)
# CHECK: [[D:%native.data[0-9]*]] = extractvalue { {{.*}} } %{{.*}}, 1
# CHECK: call void %native.target{{[0-9]*}}(ptr [[D]], i32 0, i64 8)
