# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(int32, 1d, C), float64, int64, Tuple(int64, float64))" --emit=typed | FileCheck %s
def f(a, x, n, t):
    s = 0
    for v in a:
        s += v
    a[0] = n
    return a + x, a > 1, n / n, (n, x) < t, n in (1, 2.5), pow(n, 2), s

# Typing records on each operator the types its operands are converted to
# (ir::OperandTypes, shown in braces); lowering reads them and never asks
# typing's promotion rules again.
# CHECK: %[[V:[0-9]+]]: int32 = for_iter %{{[0-9]+}} {int32}
# CHECK: int64 = binop add! %{{[0-9]+}}, %[[V]] {int64}
# CHECK: setitem %0, %{{[0-9]+}}, %2 {int32}
# NumPy's weak scalars: int32 array + float64 computes in float64, but
# int32 array > int64 scalar compares as int32.
# CHECK: array(float64, 1d, C) = binop add %0, %1 {float64}
# CHECK: array(bool, 1d, C) = compare gt %0, %{{[0-9]+}} {int32}
# CHECK: float64 = binop truediv %2, %2 {float64}
# A tuple comparison and `in` a tuple: one type per pair of items.
# CHECK: bool = compare lt %{{[0-9]+}}, %3 {int64, float64}
# CHECK: bool = compare in %2, %{{[0-9]+}} {int64, float64}
# CHECK: int64 = call {{.*}} [pow]
