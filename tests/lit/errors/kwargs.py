# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(**x):
    return 1

# CHECK: kwargs.py:3: UnsupportedError: **kwargs parameters are not supported
