# RUN: %mkbundle %s:wrap > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64, int64" --emit=typed 2>&1 | FileCheck %s
# A recursion that makes a new argument type on every call is refused after
# 64 instances of the function (kMaxInstancesPerFunction), at the call.
import kiln


@kiln.jit
def wrap(x, n):
    return 0 if n == 0 else wrap((x,), n - 1)

# CHECK: too_many_specializations.py:10: TypingError: too many specializations: wrap() is needed for more than 64 lists of argument types, the last (UniTuple(UniTuple({{.*}}..., int64); a recursive call whose argument types change on every call cannot be compiled
