# RUN: %mkbundle %s:bits > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(uint32, 1d, C), array(uint64, 1d, C), array(float32, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
from kiln import cuda


@cuda.jit
def bits(u, v, f):
    i = cuda.grid(1)
    u[0] = cuda.popc(u[1])
    u[2] = cuda.brev(u[3])
    u[4] = cuda.clz(u[5])
    u[6] = cuda.ffs(u[7])
    v[0] = cuda.popc(v[1])
    v[2] = cuda.brev(v[3])
    f[0] = cuda.fma(f[1], f[2], f[3])
    f[4] = cuda.cbrt(f[5])
    f[6] = cuda.selp(f[7] > 0, f[8], f[9])
    u[8] = cuda.lanemask_lt()
    cuda.nanosleep(32)
    u[9] = i

# numba.cuda's intrinsics are PTX instructions (cbrt: libdevice's __nv_cbrtf,
# inlined); ffs is 1 + the trailing zero count (brev, then clz), 0 for 0.
# CHECK: .visible .entry kiln_kernel(
# CHECK-NOT: call
# CHECK-DAG: popc.b32
# CHECK-DAG: brev.b32
# CHECK-DAG: clz.b32
# CHECK-DAG: popc.b64
# CHECK-DAG: brev.b64
# CHECK-DAG: fma.rn.f32
# CHECK-DAG: selp.f32
# CHECK-DAG: %laneid
# CHECK-DAG: nanosleep.u32
# CHECK: ret;
