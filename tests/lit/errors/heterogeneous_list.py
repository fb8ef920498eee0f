# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    y = [x, (x, x)]
    return x

# CHECK: heterogeneous_list.py:4: TypingError: a list cannot hold items of types int64 and UniTuple(int64, 2) (a list's items must have one type; use a tuple for mixed items)
