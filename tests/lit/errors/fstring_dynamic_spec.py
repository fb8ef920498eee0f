# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64, unicode_type" --emit=typed 2>&1 | FileCheck %s
def f(x, w):
    s = f'{x:{w}}'
    return x

# CHECK: fstring_dynamic_spec.py:4: UnsupportedError: the format spec of format() (or of an f-string field) must be a constant string
