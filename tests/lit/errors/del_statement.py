# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    y = x
    del y
    return x

# CHECK: del_statement.py:5: UnsupportedError: unsupported Python construct: a del statement
