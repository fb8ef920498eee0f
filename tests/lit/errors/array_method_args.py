# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[::1]" --emit=typed 2>&1 | FileCheck %s
def f(a):
    return a.fill(1, 2, 3)

# CHECK: array_method_args.py:4: TypingError: array.fill() takes one number
