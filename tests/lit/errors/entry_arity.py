# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64, int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    return x

# CHECK: entry_arity.py:3: TypingError: f() takes 1 positional argument but 2 were given
