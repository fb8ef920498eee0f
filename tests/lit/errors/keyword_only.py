# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
# Keyword-only parameters compile (tests/integration/test_realcode3.py); a
# **kwargs parameter is still refused.
def f(x, **y):
    return x

# CHECK: keyword_only.py:5: UnsupportedError: **kwargs parameters are not supported
