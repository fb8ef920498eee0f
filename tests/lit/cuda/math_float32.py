# RUN: %mkbundle %s:k > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C), array(float32, 1d, C))" --emit=typed | FileCheck %s --check-prefix=TYPED
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C), array(float32, 1d, C))" --emit=llvm --opt 0 | FileCheck %s --check-prefix=IR
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C), array(float32, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C), array(float32, 1d, C))" --emit=ptx --fastmath fast > %t.fast.ptx
# RUN: FileCheck %s --check-prefix=FAST < %t.fast.ptx
# RUN: %ptxas -arch=sm_80 %t.fast.ptx -o %t.fast.cubin
import math
from kiln import cuda


@cuda.jit
def k(out, x):
    out[0] = math.sin(x[0])
    out[1] = math.exp(x[1]) * x[2]
    out[2] = math.atan2(x[3], x[4])

# math of float32 is float32 in a kernel, as numba.cuda types it, computed by
# libdevice's single-precision functions (__nv_sinf, __nv_expf, __nv_atan2f,
# inlined), not by the float64 ones on a widened argument.
# TYPED: float32 = call {{.*}} [math.sin]
# TYPED: float32 = call {{.*}} [math.exp]
# TYPED: float32 = call {{.*}} [math.atan2]
# IR-NOT: fpext float
# IR: __nv_sinf.exit:
# IR-NOT: fpext float
# IR: __nv_atan2f.exit:
# IR-NOT: fpext float
# IR: define void @kiln_kernel(
# CHECK: .visible .entry kiln_kernel(
# CHECK-NOT: sin.approx
# CHECK: ret;
# fastmath: the fast approximations (__nv_fast_sinf: PTX's sin.approx.f32),
# and no float64 at all (precise __nv_sinf reduces huge arguments in f64).
# FAST: .visible .entry kiln_kernel(
# FAST-NOT: .f64
# FAST: sin.approx{{(\.ftz)?}}.f32
# FAST-NOT: .f64
# FAST: ex2.approx{{(\.ftz)?}}.f32
# FAST-NOT: .f64
# FAST: ret;
