# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[::1]" --emit=typed 2>&1 | FileCheck %s
def f(a):
    return a.sum(dtype=1)

# CHECK: array_method_keyword.py:4: TypingError: keyword arguments to array.sum() other than axis= are not supported yet
