# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x, *, y=1):
    return x

# CHECK: keyword_only.py:3: UnsupportedError: keyword-only parameters are not supported
