# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    assert x > 0
    return x

# CHECK: assert_statement.py:4: UnsupportedError: unsupported Python construct: an assert statement
