# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    s = f'{x:.2f}'
    return x

# CHECK: fstring_format_spec.py:4: UnsupportedError: unsupported Python construct: a format spec in an f-string ({x:...})
