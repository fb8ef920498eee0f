# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(n):
    yield n
    return n

# CHECK: generator_return_value.py:5: UnsupportedError: 'return' with a value in a generator is not supported
