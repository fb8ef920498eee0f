# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    t = (x,)
    return abs(*t)

# CHECK: star_call.py:5: UnsupportedError: unsupported Python construct: star-arguments in a call (f(*args))
