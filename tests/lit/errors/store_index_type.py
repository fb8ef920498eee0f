# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[::1], float64" --emit=typed 2>&1 | FileCheck %s
def f(a, x):
    a[x] = 1.0

# CHECK: store_index_type.py:4: TypingError: assigning to array(float64, 1d, C) at an index of type float64 is not supported
