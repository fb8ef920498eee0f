# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import math


def f(x):
    return math.no_such_function(x)

# CHECK: module_attribute.py:7: UnsupportedError: 'math.no_such_function' is not supported
