# RUN: %mkbundle %s:outer > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(int64, float64)" --emit=typed | FileCheck %s


def outer(n, x):
    k = n + 1

    def inner(y, scale=2.0):
        return y * scale + k + x
    return inner(n), inner(3, 0.5)

# The inner function is a value holding what it captured (k, x) and its
# defaults; each call passes the captured values after the arguments.
# CHECK: ; kiln.outer.0 -> UniTuple(float64, 2)
# CHECK: closure(#1, Tuple(int64, float64), UniTuple(float64, 1)) = make_function #1
# CHECK: ; kiln.outer.<locals>.inner.1 -> float64
# CHECK: func @outer.<locals>.inner(%0: int64 y, %1: float64 scale, %2: int64 k, %3: float64 x)
