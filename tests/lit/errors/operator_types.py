# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s


def f(x):
    return x + "a"

# CHECK: operator_types.py:6: TypingError: operator '+' is not supported between int64 and unicode_type
