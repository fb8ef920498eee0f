# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    return x.no_such_attribute

# CHECK: unknown_attribute.py:4: TypingError: unknown attribute 'no_such_attribute' of type int64
