# RUN: %mkbundle %s:block_sum > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C), array(float32, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
from kiln import cuda
import numpy as np

TPB = 128


@cuda.jit
def block_sum(x, out):
    tmp = cuda.shared.array(TPB, np.float32)
    t = cuda.threadIdx.x
    i = cuda.grid(1)
    tmp[t] = x[i] if i < x.shape[0] else 0.0
    cuda.syncthreads()
    s = TPB // 2
    while s > 0:
        if t < s:
            tmp[t] += tmp[t + s]
        cuda.syncthreads()
        s //= 2
    if t == 0:
        out[cuda.blockIdx.x] = tmp[0]

# The shared array is a .shared array of 128 floats (addrspace 3; NVPTX
# demotes it into the one kernel that uses it), reached with shared-memory
# loads and stores; syncthreads is bar.sync 0.
# CHECK: .visible .entry kiln_kernel(
# CHECK: .shared .align 16 .b8 kiln_$_cuda_$_shared_{{.*}}[512];
# CHECK: st.shared.f32
# CHECK: bar.sync 0;
# CHECK: ld.shared.f32
# CHECK: bar.sync 0;
# CHECK: ret;
