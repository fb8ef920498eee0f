# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    if x > 0:
        return (x, x)
    return x

# CHECK: return_types.py:6: TypingError: cannot unify return types UniTuple(int64, 2) and int64
