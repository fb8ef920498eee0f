# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s


def f(x):
    import os
    return x

# CHECK: unsupported_import.py:6: UnsupportedError: {{.*}}import
