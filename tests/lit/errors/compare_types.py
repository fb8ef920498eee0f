# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    return (x, x) < x

# CHECK: compare_types.py:4: TypingError: comparison '<' is not supported between UniTuple(int64, 2) and int64
