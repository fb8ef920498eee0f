# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
# A with objmode() block in a function nested in a jitted one stays a with statement (the client
# rewrites only the blocks of the functions it bundles by their source): refused by name, at its line.
from kiln import objmode


def f(x):
    def g(y):
        with objmode(z="int64"):
            z = y + 1
        return z
    return g(x)

# CHECK: objmode_nested.py:10: UnsupportedError: with statements are not supported (a numba.objmode() block runs in the Python interpreter
