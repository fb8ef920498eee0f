# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    s = 0
    for i in x:
        s += i
    return s

# CHECK: not_iterable.py:5: TypingError: 'int64' object is not iterable
