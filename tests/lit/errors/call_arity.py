# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import kiln


@kiln.jit
def g(a, b):
    return a + b


def f(x):
    return g(x, x, x)

# CHECK: call_arity.py:12: TypingError: g() takes 2 positional arguments but 3 were given
