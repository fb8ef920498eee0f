# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[::1]" --emit=typed 2>&1 | FileCheck %s
def f(a):
    if a:
        return 1
    return 0

# CHECK: truth_types.py:4: TypingError: cannot test the truth of array(float64, 1d, C)
