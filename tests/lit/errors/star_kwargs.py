# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x, **kw):
    return x

# CHECK: star_kwargs.py:3: UnsupportedError: **kwargs parameters are not supported
