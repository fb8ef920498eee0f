# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s


def f(x):
    return "one"

# CHECK: return_str.py:5: UnsupportedError: returning a value of type unicode_type from a jitted function is not supported
