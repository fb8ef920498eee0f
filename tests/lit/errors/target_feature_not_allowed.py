# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --features=-sse,-sse2 2>&1 | FileCheck %s --check-prefix=BASELINE
# RUN: not %kilnc --bundle %t.pb --sig "int64" --features=+soft-float 2>&1 | FileCheck %s --check-prefix=MODE
def f(x):
    return x + 1

# BASELINE: kilnc: target feature '-sse' is not allowed: every x86_64 target needs 'sse' (the x86-64 baseline)
# MODE: kilnc: target feature '+soft-float' is not allowed: only instruction-set extensions may be turned on or off
