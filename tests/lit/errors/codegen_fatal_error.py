# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64" --triple nvptx64-nvidia-cuda --cpu sm_70 --emit=asm 2>&1 | FileCheck %s
import math


def f(x):
    return math.sin(x)

# NVPTX has no instruction for a sine: LLVM's fatal error is an internal
# compiler error (exit 3), not the end of the process.
# CHECK: kilnc: internal compiler error: INTERNAL: code generation failed: LLVM ERROR: Cannot select: {{.*}}fsin
