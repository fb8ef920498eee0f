# RUN: %mkbundle %s:k > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float64, 1d, C), array(float64, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float64, 1d, C), array(float64, 1d, C))" --emit=llvm --opt 0 | FileCheck %s --check-prefix=IR
import math


def k(out, x):
    out[0] = math.exp(x[0]) + math.atan2(x[1], x[2]) + math.sqrt(x[3])

# math goes to libdevice: the exp intrinsic and the C library's atan2 become
# __nv_exp and __nv_atan2, linked in (only those) and inlined (libdevice's
# functions are alwaysinline): no declaration or external call is left, and
# NVVMReflect has resolved __nvvm_reflect. sqrt is PTX's own instruction.
# IR-NOT: call {{.*}}@__nv_
# IR: __nv_exp.exit:
# IR-NOT: call {{.*}}@__nv_
# IR: __nv_atan2.exit:
# IR-NOT: call {{.*}}@__nv_
# IR-NOT: declare {{.*}}@__nv
# IR-NOT: @__nvvm_reflect
# IR: define void @kiln_kernel(
# IR: !{i32 4, !"nvvm-reflect-ftz", i32 0}
# CHECK: .visible .entry kiln_kernel(
# CHECK-NOT: .extern
# CHECK: sqrt.rn.f64
# CHECK-NOT: call{{.*}}__nv_
