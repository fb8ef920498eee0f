# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "" --emit=typed 2>&1 | FileCheck %s
def f():
    raise "illegal"

# CHECK: raise_string_constant.py:4: UnsupportedError: Directly raising a string constant as an exception is not supported.
