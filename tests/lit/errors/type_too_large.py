# RUN: %mkbundle %s:grow > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64, int64" --emit=typed 2>&1 | FileCheck %s
# A recursion that doubles its argument's type on every call stops at the
# first type of more than 65536 scalars (kMaxTypeScalars), 16 calls deep.
import kiln


@kiln.jit
def grow(x, n):
    return 0 if n == 0 else grow((x, x), n - 1)

# CHECK: type_too_large.py:10: TypingError: the type of a value is too large: a type of more than 65536 items once its tuples are flattened (UniTuple(UniTuple(UniTuple({{.*}}...); does a recursive call build a larger argument on every call?
