# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    s = f'{x!r}'
    return x

# CHECK: fstring_conversion.py:4: UnsupportedError: unsupported Python construct: a conversion in an f-string ({x!r} or {x!a})
