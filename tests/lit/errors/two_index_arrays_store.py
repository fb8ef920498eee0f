# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[:, :, ::1], int64[::1], bool[::1]" --emit=typed 2>&1 | FileCheck %s
def f(a, i, m):
    a[i, :, m] = 0.0

# CHECK: two_index_arrays_store.py:4: TypingError: only one advanced index supported (a boolean mask selects alone
