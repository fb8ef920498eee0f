# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[::1]" --emit=typed 2>&1 | FileCheck %s
def f(a):
    yield [a[0]]

# CHECK: generator_yield_type.py:4: UnsupportedError: yielding a value of type list(float64) is not supported (a generator yields numbers, booleans, arrays, strings, records or tuples of them)
