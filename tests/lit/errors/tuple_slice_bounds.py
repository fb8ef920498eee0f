# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(i):
    t = (1, 2, 3)
    return t[i:]

# CHECK: tuple_slice_bounds.py:5: TypingError: a tuple can only be sliced with constant bounds
