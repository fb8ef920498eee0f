# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "boolean" --emit=typed 2>&1 | FileCheck %s

# Strings have no run-time form: == folds between two constants, and a
# string that is one of several values is refused, never compared wrongly.


def f(c):
    s = "test"
    if c:
        s = "test1"
    return s == "test"

# CHECK: string_compare.py:12: TypingError: comparing strings is supported only between two string constants
