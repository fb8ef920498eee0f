# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import kiln


@kiln.jit
def g(a, b=1):
    return a + b


def f(x):
    return g(x, a=2)

# CHECK: call_multiple_values.py:12: TypingError: g() got multiple values for argument 'a'
