# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    s = {x, 1}
    s.add((x, x))
    return x

# CHECK: set_items.py:5: TypingError: set.add(): cannot add an item of type UniTuple(int64, 2) to set(int64) (a set's items must have one type)
