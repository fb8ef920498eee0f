# RUN: %mkbundle %s:match_and_nanmax > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(int32, 1d, C), array(int64, 1d, C), array(float32, 1d, C), array(float64, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
from kiln import cuda


@cuda.jit
def match_and_nanmax(out, keys, fmax, dmin):
    i = cuda.grid(1)
    if i < keys.shape[0]:
        out[i] = cuda.match_any_sync(0xffffffff, keys[i])
        m, pred = cuda.match_all_sync(0xffffffff, i // 64)
        if pred:
            out[i] += m
        cuda.atomic.nanmax(fmax, 0, fmax[i])
        cuda.atomic.nanmin(dmin, 0, dmin[i])

# fp16: warp match is one instruction (sm_70+); NaN-ignoring atomics are a
# CAS loop around max.f32 / min.f64, which ignore a NaN operand.
# CHECK: .visible .entry kiln_kernel(
# CHECK-DAG: match.any.sync.b64
# CHECK-DAG: match.all.sync.b64
# CHECK-DAG: max.f32
# CHECK-DAG: min.f64
# CHECK-DAG: atom.{{(global.)?}}cas.b32
# CHECK-DAG: atom.{{(global.)?}}cas.b64
