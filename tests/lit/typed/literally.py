# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=typed | FileCheck %s
from kiln import jit, literally


@jit
def g(x, k):
    k = literally(k)
    return x * k


def f(x):
    return g(x, 3) + g(x, 4) + g(x, 3)

# One instance of g per literal value: g(x, 3) twice shares one, and in each
# the literally call is folded to its constant (the multiply by it is all that
# is left).
# CHECK-LABEL: ; kiln.f.0 -> int64
# CHECK-LABEL: ; kiln.g.1 -> int64
# CHECK: int64 = const 3
# CHECK-NEXT: binop mul %0, %3 {int64}
# CHECK-LABEL: ; kiln.g.2 -> int64
# CHECK: int64 = const 4
# CHECK-NEXT: binop mul %0, %3 {int64}
# CHECK-NOT: ; kiln.g.3
