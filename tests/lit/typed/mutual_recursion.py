# RUN: %mkbundle %s:is_even > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=typed | FileCheck %s
import kiln


@kiln.jit
def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)


@kiln.jit
def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)

# CHECK: ; kiln.is_even.0 -> bool
# CHECK: ; kiln.is_odd.1 -> bool
