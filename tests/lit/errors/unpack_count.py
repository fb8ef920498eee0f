# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    t = (x, x, x)
    a, b = t
    return a

# CHECK: unpack_count.py:5: TypingError: cannot unpack UniTuple(int64, 3) into 2 values
