# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    d = {}
    d[1] = 2
    d[2] = x
    return len(d)

# CHECK: dict_value_cast.py:6: TypingError: cannot safely cast float64 to int64 (the value type of DictType[int64, int64])
