# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    with x:
        pass
    return x

# CHECK: with_statement.py:4: UnsupportedError: with statements are not supported
