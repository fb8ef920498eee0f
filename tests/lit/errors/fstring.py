# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    s = f'{x}'
    return x

# CHECK: fstring.py:4: UnsupportedError: unsupported Python construct: an f-string
