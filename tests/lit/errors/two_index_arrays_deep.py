# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[:, ::1], int64[::1], int64[:, ::1]" --emit=typed 2>&1 | FileCheck %s
def f(a, i, j):
    return a[i, j]

# CHECK: two_index_arrays_deep.py:4: TypingError: only one advanced index supported (several index arrays must each be 1-d)
