# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[::1]" --emit=typed 2>&1 | FileCheck %s
def f(a):
    a[0] = (1, 2)

# CHECK: store_value_type.py:4: TypingError: cannot store UniTuple(int64, 2) into array(float64, 1d, C)
