# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "Tuple(int64, unicode_type)" --emit=typed | FileCheck %s
from kiln import literal_unroll


def f(t):
    n = 0
    for v in literal_unroll(t):
        if isinstance(v, int):
            n += v
    return n

# The loop is unrolled: one copy per item, each typed at its item's type;
# isinstance is a constant and the branch on it is pruned.
# CHECK: ; kiln.f.0 -> int64
# CHECK: int64 = getitem %0, %{{[0-9]+}}
# CHECK: binop add! %{{[0-9]+}}, %{{[0-9]+}} {int64}
# CHECK: unicode_type = getitem %0, %{{[0-9]+}}
# CHECK-NOT: binop add
# CHECK: return
