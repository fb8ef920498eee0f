# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "array(int64, 1d, C)" --emit=typed 2>&1 | FileCheck %s
def f(a):
    y = a
    del y[0]
    return a

# CHECK: del_statement.py:5: TypingError: 'array(int64, 1d, C)' object does not support item deletion
