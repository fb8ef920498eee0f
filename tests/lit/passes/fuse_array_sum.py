# RUN: %mkbundle %s:count > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C),)" --emit=typed | FileCheck %s
# RUN: %mkbundle %s:twice > %t2.pb
# RUN: %kilnc --bundle %t2.pb --sig "(array(float64, 1d, C),)" --emit=typed | FileCheck %s --check-prefix=TWICE
# RUN: %mkbundle %s:axis > %t3.pb
# RUN: %kilnc --bundle %t3.pb --sig "(array(float64, 2d, C),)" --emit=typed | FileCheck %s --check-prefix=AXIS


def count(a):
    return (a > 0.5).sum()


def twice(a):
    t = a > 0.5
    return t.sum() + t[0]


def axis(m):
    return (m * 2.0).sum(axis=0)

# x.sum() of a tree ends it: the fused op's result is the sum, and the
# GetAttr and the call are the body's last lines.
# CHECK: %[[S:[0-9]+]]: int64 = fused %0, %1
# CHECK-NEXT: | %{{[0-9]+}}: array(bool, 1d, C) = compare gt %0, %1 {float64}
# CHECK-NEXT: | %{{[0-9]+}}: BoundFunction(array.sum for array(bool, 1d, C)) = getattr %{{[0-9]+}}.sum [array.sum]
# CHECK-NEXT: | %{{[0-9]+}}: int64 = call %{{[0-9]+}} [array.sum]
# CHECK: return %[[S]]

# An array used again is made, then summed.
# TWICE-NOT: fused
# TWICE: compare gt

# A sum along an axis keeps its own loop.
# AXIS-NOT: int64 = fused
# AXIS: binop mul
# AXIS: call %{{[0-9]+}}, %{{[0-9]+}} kw(axis) [array.sum]
