# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    raise ValueError('a') from None

# CHECK: raise_from.py:4: UnsupportedError: raise ... from ... is not supported
