# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(*x):
    return 1

# CHECK: star_args.py:3: UnsupportedError: *args parameters are not supported
