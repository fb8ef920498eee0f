# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "bool" --emit=typed 2>&1 | FileCheck %s


def f(flag):
    v = 1
    if flag:
        v = "one"
    return v

# CHECK: type_unstable.py:{{[0-9]+}}: TypingError: cannot unify {{int64 and unicode_type|unicode_type and int64}}
