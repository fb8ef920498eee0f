# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    t = (x, x)
    t[0] = 1
    return t

# CHECK: item_assignment.py:5: TypingError: 'UniTuple(int64, 2)' object does not support item assignment
