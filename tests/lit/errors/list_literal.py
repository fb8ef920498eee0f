# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    y = [x, x]
    return x

# CHECK: list_literal.py:4: UnsupportedError: unsupported Python construct: a list literal
