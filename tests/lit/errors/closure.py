# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    def g():
        return x
    return x

# CHECK: closure.py:3: UnsupportedError: closures are not supported
