# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import kiln


@kiln.jit
def g(a, b):
    return a + b


def f(x):
    return g(b=x)

# CHECK: call_missing_argument.py:12: TypingError: g() missing required argument 'a'
