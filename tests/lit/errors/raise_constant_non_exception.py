# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    if x:
        raise 1
    return x

# CHECK: raise_constant_non_exception.py:5: UnsupportedError: Encountered unsupported constant type used for exception (int64)
