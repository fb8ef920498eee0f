# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[::1]" --emit=typed 2>&1 | FileCheck %s
def f(a):
    yield a

# CHECK: generator_yield_type.py:4: UnsupportedError: yielding a value of type array(float64, 1d, C) is not supported (a generator yields numbers, booleans or tuples of them)
