# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    raise

# CHECK: bare_reraise.py:4: UnsupportedError: re-raising with a bare raise outside an except clause is not supported
