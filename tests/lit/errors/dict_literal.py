# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    y = {x: 1}
    return x

# CHECK: dict_literal.py:4: UnsupportedError: unsupported Python construct: a dict literal
