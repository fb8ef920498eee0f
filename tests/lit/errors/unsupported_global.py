# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64" --emit=typed 2>&1 | FileCheck %s


class Point:
    pass


def f(x):
    return Point(x)

# CHECK: unsupported_global.py:10: TypingError: cannot use global 'Point' of Python type 'type' in jitted code
