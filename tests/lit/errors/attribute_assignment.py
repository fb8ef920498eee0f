# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    x.a = 1
    return x

# CHECK: attribute_assignment.py:4: UnsupportedError: unsupported Python construct: an attribute assignment (x.attr = ...)
