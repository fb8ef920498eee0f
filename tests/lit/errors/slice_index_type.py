# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[::1], float64" --emit=typed 2>&1 | FileCheck %s
def f(a, x):
    return a[x:]

# CHECK: slice_index_type.py:4: TypingError: slice indices must be integers or None, not float64
