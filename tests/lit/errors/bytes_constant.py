# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    y = b'ab'
    return x

# CHECK: bytes_constant.py:4: UnsupportedError: constant b'ab' is not supported
