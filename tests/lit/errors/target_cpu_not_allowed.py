# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --cpu i386 2>&1 | FileCheck %s
def f(x):
    return x + 1

# CHECK: kilnc: target cpu 'i386' is not allowed: it lacks '64bit', which every x86_64 target needs
