# RUN: %mkbundle %s:histogram > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(int32, 1d, C), array(int32, 1d, C), array(float64, 1d, C), array(float32, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
from kiln import cuda


@cuda.jit
def histogram(keys, counts, total, ftotal):
    i = cuda.grid(1)
    if i < keys.shape[0]:
        cuda.atomic.add(counts, keys[i], 1)
        cuda.atomic.add(total, 0, 1.0)
        cuda.atomic.add(ftotal, 0, 1.0)
        cuda.atomic.max(counts, 0, keys[i])

# Integer and float atomic adds are single atom instructions on sm_80
# (float64 add: sm_60+), max too.
# CHECK: .visible .entry kiln_kernel(
# CHECK-DAG: atom.{{(global.)?}}add.u32
# CHECK-DAG: atom.{{(global.)?}}add.f64
# CHECK-DAG: atom.{{(global.)?}}add.f32
# CHECK-DAG: atom.{{(global.)?}}max.s32
