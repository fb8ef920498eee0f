# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    def g():
        return y
    y = x
    return g()

# CHECK: closure_assigned_after_capture.py:6: UnsupportedError: the variable 'y' is assigned after an inner function captures it (line 4); kiln captures values, not variables: assign it before the inner function is defined
