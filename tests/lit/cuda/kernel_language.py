# RUN: %mkbundle %s:warp_ops > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C), array(float64, 1d, C), array(uint32, 1d, C), array(float32, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
import numpy as np
from kiln import cuda


@cuda.jit
def warp_ops(x, out, ic, fc):
    i = cuda.grid(1)
    dyn = cuda.shared.array(0, np.float32)
    loc = cuda.local.array(4, np.float64)
    t = cuda.threadIdx.x
    dyn[t] = x[i]
    for k in range(4):
        loc[k] = x[i] * k
    cuda.syncthreads()
    n = cuda.syncthreads_count(x[i] > 0)
    a = cuda.syncthreads_and(x[i] > 0)
    o = cuda.syncthreads_or(x[i] > 0)
    cuda.threadfence()
    cuda.threadfence_block()
    cuda.threadfence_system()
    v = cuda.shfl_down_sync(0xffffffff, x[i], 1)
    w = cuda.shfl_xor_sync(0xffffffff, loc[1], 2)
    u = cuda.shfl_up_sync(0xffffffff, n, 1)
    s = cuda.shfl_sync(0xffffffff, i, 0)
    b = cuda.ballot_sync(0xffffffff, x[i] > 0)
    al = cuda.all_sync(0xffffffff, x[i] > 0)
    an = cuda.any_sync(0xffffffff, x[i] > 0)
    eq = cuda.eq_sync(0xffffffff, x[i] > 0)
    cuda.syncwarp(0xffffffff)
    out[i] = v + w + u + s + b + al + an + eq + a + o + dyn[(t + 1) % cuda.blockDim.x] + cuda.laneid + cuda.warpsize + dyn.shape[0]
    cuda.atomic.cas(ic, 0, 0, 1)
    cuda.atomic.exch(ic, 1, 5)
    cuda.atomic.inc(ic, 2, 100)
    cuda.atomic.dec(ic, 3, 100)
    cuda.atomic.min(ic, 4, i)
    cuda.atomic.sub(ic, 5, 1)
    cuda.atomic.and_(ic, 6, 1)
    cuda.atomic.or_(ic, 6, 2)
    cuda.atomic.xor(ic, 6, 4)
    cuda.atomic.max(fc, 0, x[i])
    cuda.atomic.min(fc, 1, x[i])
    cuda.atomic.add(fc, 2, x[i])

# Every primitive of the kernel language on the NVPTX target (PtxKernelIntrinsics):
# dynamic shared memory is CUDA's extern __shared__ array sized by
# %dynamic_smem_size; the barrier reductions are bar.red; the fences membar;
# votes and shuffles their *.sync instructions; the atomics PTX has are one
# atom each, the others (inc, dec, float max/min) CAS loops.
# CHECK: .extern .shared .align 16 .b8 kiln_dynamic_shared[];
# CHECK: .visible .entry kiln_kernel(
# CHECK-DAG: %dynamic_smem_size
# CHECK-DAG: bar.sync 0;
# CHECK-DAG: bar.red.popc.u32
# CHECK-DAG: bar.red.and.pred
# CHECK-DAG: bar.red.or.pred
# CHECK-DAG: membar.cta;
# CHECK-DAG: membar.gl;
# CHECK-DAG: membar.sys;
# CHECK-DAG: shfl.sync.down.b32
# CHECK-DAG: shfl.sync.bfly.b32
# CHECK-DAG: shfl.sync.up.b32
# CHECK-DAG: shfl.sync.idx.b32
# CHECK-DAG: vote.sync.ballot.b32
# CHECK-DAG: vote.sync.all.pred
# CHECK-DAG: vote.sync.any.pred
# CHECK-DAG: vote.sync.uni.pred
# CHECK-DAG: bar.warp.sync
# CHECK-DAG: %laneid
# CHECK-DAG: atom.global.cas.b32
# CHECK-DAG: atom.global.exch.b32
# CHECK-DAG: atom.global.min.u32
# CHECK-DAG: atom.global.add.u32
# CHECK-DAG: atom.global.and.b32
# CHECK-DAG: atom.global.or.b32
# CHECK-DAG: atom.global.xor.b32
# CHECK-DAG: atom.global.add.f32
