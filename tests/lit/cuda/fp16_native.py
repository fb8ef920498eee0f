# RUN: %mkbundle %s:half_kernel > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float16, 1d, C), array(float16, 1d, C), array(float16, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
from kiln import cuda
from kiln.cuda import fp16


@cuda.jit
def half_kernel(a, b, out):
    i = cuda.grid(1)
    if i < a.shape[0]:
        out[i] = fp16.hmul(fp16.hadd(a[i], b[i]), fp16.hsub(a[i], b[i]))
        if fp16.hlt(a[i], b[i]):
            out[i] = fp16.hneg(out[i])

# fp16: half arithmetic is native f16 on sm_53+ (no round trip through f32).
# CHECK: .visible .entry kiln_kernel(
# CHECK-DAG: add.rn.f16
# CHECK-DAG: sub.rn.f16
# CHECK-DAG: mul.rn.f16
# CHECK-DAG: setp.{{[a-z]+}}.f16
# CHECK-DAG: neg.f16


@cuda.jit
def half_atomic(acc, vals):
    i = cuda.grid(1)
    if i < vals.shape[0]:
        cuda.atomic.add(acc, 0, vals[i])

# RUN: %mkbundle %s:half_atomic > %t2.pb
# RUN: %ptxkilnc --bundle %t2.pb --sig "(array(float16, 1d, C), array(float16, 1d, C))" --emit=ptx > %t2.ptx
# RUN: FileCheck --check-prefix=ATOM %s < %t2.ptx
# RUN: %ptxas -arch=sm_80 %t2.ptx -o %t2.cubin
# ATOM: atom.{{(global.)?}}add.noftz.f16
