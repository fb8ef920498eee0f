# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import kiln


@kiln.jit
def g(a, b=1):
    return a + b


def f(x):
    return g(x, c=2)

# CHECK: call_unexpected_keyword.py:12: TypingError: g() got an unexpected keyword argument 'c'
