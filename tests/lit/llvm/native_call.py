# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(float64, int64)" --emit=llvm --opt 0 | FileCheck %s
import ctypes
import ctypes.util

ldexp = ctypes.CDLL(ctypes.util.find_library("m")).ldexp
ldexp.argtypes = [ctypes.c_double, ctypes.c_int]
ldexp.restype = ctypes.c_double


def f(m, e):
    return ldexp(m, e)

# native: the object holds no address (docs/architecture.md, "Native functions
# called by address"): a private slot per key, null when loaded, named by the
# library file and the offset of the function in it. The first call through
# an empty slot asks the runtime (KilnRuntime.native->resolve) for the key's
# address in this process; the int64 argument is converted to C's int.
# CHECK: @"kiln.native.lib:{{.*}}libm{{.*}}+0x{{[0-9a-f]+}}" = internal global ptr null
# CHECK-NOT: inttoptr
# CHECK: [[FN:%native.fn[0-9]*]] = load atomic ptr, ptr @"kiln.native.lib:{{.*}}" monotonic
# CHECK: native.resolve:
# CHECK: %native.found{{[0-9]*}} = call ptr %{{.*}}(ptr @native.key
# CHECK: native.call:
# CHECK: [[E:%[0-9]+]] = trunc i64 %{{[0-9]+}} to i32
# CHECK: call double %native.target{{[0-9]*}}(double %{{[0-9]+}}, i32 [[E]])
# CHECK: store atomic ptr %native.found{{[0-9]*}}, ptr @"kiln.native.lib:{{.*}}" monotonic
