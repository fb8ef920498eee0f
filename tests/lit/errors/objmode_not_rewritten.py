# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
# A with objmode() block the Python client did not replace by its call (a bundle made by a client
# that cannot run Python; here the client is told it has no rewrite for f) is refused by name, at
# the with line.
import weakref

from kiln import _objmode, objmode


def f(x):
    with objmode(z="int64"):
        z = x + 1
    return z


_objmode._REWRITTEN[id(f.__code__)] = (weakref.ref(f.__code__), None)

# CHECK: objmode_not_rewritten.py:12: UnsupportedError: with statements are not supported (a numba.objmode() block runs in the Python interpreter: only the Python client, which compiles it from the function's source, can run it)
