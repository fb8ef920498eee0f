# RUN: %mkbundle %s:vec_add > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C), array(float32, 1d, C), array(float32, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
from kiln import cuda


@cuda.jit
def vec_add(a, b, out):
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i] = a[i] + b[i]

# cuda.grid(1) is blockIdx.x * blockDim.x + threadIdx.x from the special
# registers; one guarded f32 add, no loop, no call.
# CHECK: .visible .entry kiln_kernel(
# CHECK-DAG: mov.u32 {{%r[0-9]+}}, %ctaid.x;
# CHECK-DAG: mov.u32 {{%r[0-9]+}}, %ntid.x;
# CHECK-DAG: mov.u32 {{%r[0-9]+}}, %tid.x;
# CHECK: setp.{{.*}}
# CHECK: @%p{{[0-9]+}} bra
# CHECK: ld.global.f32
# CHECK: ld.global.f32
# CHECK: add.rn.f32
# CHECK: st.global.f32
# CHECK-NOT: call
# CHECK: ret;
