# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    s = f'{x:.2d}'
    return x

# CHECK: format_spec_invalid.py:4: TypingError: Precision not allowed in integer format specifier
