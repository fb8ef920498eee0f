# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    return x[0]

# CHECK: not_subscriptable.py:4: TypingError: 'int64' object is not subscriptable with int64
