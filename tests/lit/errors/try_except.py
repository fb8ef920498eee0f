# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    try:
        return 1 // x
    except ZeroDivisionError:
        return 0

# CHECK: try_except.py:5: UnsupportedError: try/except is not supported
