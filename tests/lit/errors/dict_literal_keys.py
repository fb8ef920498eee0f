# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    y = {x: 1, (x, x): 2}
    return x

# CHECK: dict_literal_keys.py:4: TypingError: the keys of a dict literal have no common type (int64 and UniTuple(int64, 2))
