# RUN: %mkbundle %s:out_of_bounds > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float64, 1d, C),)" --boundscheck --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
from kiln import cuda


@cuda.jit
def out_of_bounds(a):
    i = cuda.grid(1)
    a[i] = 1.0

# debug=True (boundscheck): the first failing thread wins the error slot
# (compare-and-swap of the kind) and stores {kind, line, threadIdx.xyz,
# blockIdx.xyz}, which the host decodes (kiln/cuda/_kernel_error.py).
# CHECK: .visible .global .align 4 .b8 kiln_kernel_error[32];
# CHECK: .visible .entry kiln_kernel(
# CHECK: atom.global.cas.b32
# CHECK-DAG: st.global.u32 [kiln_kernel_error+4],
# CHECK-DAG: st.global.u32 [kiln_kernel_error+8],
# CHECK-DAG: st.global.u32 [kiln_kernel_error+12],
# CHECK-DAG: st.global.u32 [kiln_kernel_error+16],
# CHECK-DAG: st.global.u32 [kiln_kernel_error+20],
# CHECK-DAG: st.global.u32 [kiln_kernel_error+24],
# CHECK-DAG: st.global.u32 [kiln_kernel_error+28],
# CHECK: ret;
