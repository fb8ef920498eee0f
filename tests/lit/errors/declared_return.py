# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64(int64)" --emit=typed 2>&1 | FileCheck %s
def f(x):
    return (x, x)

# CHECK: declared_return.py:3: TypingError: cannot convert the return type UniTuple(int64, 2) to the declared float64
