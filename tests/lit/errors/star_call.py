# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    t = [x]
    return abs(*t)

# CHECK: star_call.py:5: TypingError: star-arguments in a call (f(*args)) need a tuple, not
