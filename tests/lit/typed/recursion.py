# RUN: %mkbundle %s:fib > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=typed | FileCheck %s
import kiln


@kiln.jit
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

# The recursive calls first type as unknown; the fixpoint makes them int64.
# CHECK: ; kiln.fib.0 -> int64
# CHECK: Function(#0) = load_global fib
# CHECK: int64 = call
# CHECK: int64 = binop add
