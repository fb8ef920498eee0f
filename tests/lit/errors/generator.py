# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    yield from range(x)

# CHECK: generator.py:4: UnsupportedError: unsupported Python construct: yield from
