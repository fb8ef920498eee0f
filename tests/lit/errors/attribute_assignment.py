# records: the frontend reads STORE_ATTR (r.x = v on a record); typing refuses any other receiver.
# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    x.a = 1
    return x

# CHECK: attribute_assignment.py:5: UnsupportedError: {{.*}}an attribute assignment (x.a = ...) to int64 is not supported
