# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    return -(x, x)

# CHECK: unary_types.py:4: TypingError: unary 'neg' is not supported for UniTuple(int64, 2)
