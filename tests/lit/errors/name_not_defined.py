# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s


def f(x):
    return x + not_defined_anywhere

# CHECK: name_not_defined.py:6: NameError: name 'not_defined_anywhere' is not defined
