# RUN: %mkbundle %s:bits > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(uint32, 1d, C), array(uint64, 1d, C), array(float32, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(uint32, 1d, C), array(uint64, 1d, C), array(float32, 1d, C))" --emit=typed | FileCheck %s --check-prefix=TYPED
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
    u[10] = cuda.atomic.compare_and_swap(u, u[11], u[12])

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
# CHECK-DAG: atom{{.*}}.cas.b32
# CHECK: ret;
# Numba's result types: popc and clz keep the integer's type, brev is
# uint32/uint64, ffs uint32, fma/cbrt/selp of float32 are float32.
# TYPED: uint32 = call {{.*}} [kiln.cuda.popc]
# TYPED: uint32 = call {{.*}} [kiln.cuda.brev]
# TYPED: uint32 = call {{.*}} [kiln.cuda.clz]
# TYPED: uint32 = call {{.*}} [kiln.cuda.ffs]
# TYPED: uint64 = call {{.*}} [kiln.cuda.popc]
# TYPED: uint64 = call {{.*}} [kiln.cuda.brev]
# TYPED: float32 = call {{.*}} [kiln.cuda.fma]
# TYPED: float32 = call {{.*}} [kiln.cuda.cbrt]
# TYPED: float32 = call {{.*}} [kiln.cuda.selp]
# TYPED: uint32 = call {{.*}} [kiln.cuda.lanemask_lt]
# TYPED: none = call {{.*}} [kiln.cuda.nanosleep]
# TYPED: uint32 = call {{.*}} [kiln.cuda.atomic.compare_and_swap]
