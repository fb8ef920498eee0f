# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "unicode_type, unicode_type" --emit=typed 2>&1 | FileCheck %s

# Identity of strings depends on CPython's interning: refused, never guessed.


def f(a, b):
    return a is b

# CHECK: string_is.py:8: TypingError: 'is' between strings is not supported (use == or !=)
