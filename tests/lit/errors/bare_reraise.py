# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    try:
        raise
    except ValueError:
        return 1
    return 0

# CHECK: bare_reraise.py:5: UnsupportedError: The re-raising of an exception is not yet supported.
