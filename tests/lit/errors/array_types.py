# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "(array(float64, 1d, C))" --emit=typed 2>&1 | FileCheck %s
# RUN: %mkbundle %s:g > %t2.pb
# RUN: not %kilnc --bundle %t2.pb --sig "(array(float64, 0d, C))" --emit=typed 2>&1 | FileCheck %s --check-prefix=ITER
# RUN: %mkbundle %s:h > %t3.pb
# RUN: not %kilnc --bundle %t3.pb --sig "(array(timedelta64[s], 1d, C))" --emit=typed 2>&1 | FileCheck %s --check-prefix=TRUTH


def f(a):
    return (a > 0) - (a < 0)


def g(a):
    s = 0.0
    for row in a:
        s += row
    return s


def h(a):
    if a:
        return 1
    return 0

# CHECK: array_types.py:10: TypingError: operator '-' is not supported between array(bool, 1d, C) and array(bool, 1d, C)
# ITER: array_types.py:15: TypingError: iteration over a 0-d array
# TRUTH: array_types.py:21: TypingError: cannot test the truth of array(timedelta64[s], 1d, C)
