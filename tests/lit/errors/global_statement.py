# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
G = 1


def f(x):
    global G
    G = x
    return x

# CHECK: global_statement.py:8: UnsupportedError: unsupported Python construct: a global statement
