# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --triple aarch64-unknown-linux-gnu --cpu generic 2>&1 | FileCheck %s
def f(x):
    return x + 1

# CHECK: kilnc: target triple 'aarch64-unknown-linux-gnu' is not allowed: this server compiles for x86_64 Linux (x86_64-unknown-linux-gnu) and PTX (nvptx64-nvidia-cuda)
