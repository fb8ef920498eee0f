# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "(array(float32, 1d, C))" --triple nvptx64-nvidia-cuda --cpu sm_70 --emit=ptx 2>&1 | FileCheck %s
# RUN: not %kilnc --bundle %t.pb --sig "(array(float32, 1d, C))" --emit=ptx 2>&1 | FileCheck %s --check-prefix=HOST


def f(a):
    a[0] = 1.0

# CUDA 13's ptxas dropped sm_50..sm_72 and LLVM 19 stops at sm_90a.
# CHECK: kilnc: 'sm_70' is not a recognized processor for target 'nvptx64-nvidia-cuda': expected one of sm_75, sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a
# HOST: kilnc: --emit=ptx needs the CUDA target (nvptx64-nvidia-cuda, kilnctl --target cuda:sm_80), not 'x86_64-unknown-linux-gnu'
