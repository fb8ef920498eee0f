# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    t = (x, x)
    return t[5]

# CHECK: tuple_index_range.py:5: TypingError: tuple index 5 out of range
