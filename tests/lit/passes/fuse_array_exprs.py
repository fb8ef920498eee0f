# RUN: %mkbundle %s:expr > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C), array(float32, 2d, A), array(float64, 1d, C))" --emit=typed | FileCheck %s
# RUN: %mkbundle %s:shared > %t2.pb
# RUN: %kilnc --bundle %t2.pb --sig "(array(float64, 1d, C), array(float64, 1d, C))" --emit=typed | FileCheck %s --check-prefix=SHARED
# RUN: %mkbundle %s:written > %t3.pb
# RUN: %kilnc --bundle %t3.pb --sig "(array(float64, 1d, C), array(float64, 1d, C))" --emit=typed | FileCheck %s --check-prefix=WRITTEN
# RUN: %mkbundle %s:intpow > %t4.pb
# RUN: %kilnc --bundle %t4.pb --sig "(array(int64, 1d, C), array(int64, 1d, C))" --emit=typed | FileCheck %s --check-prefix=INTPOW
# RUN: %mkbundle %s:inplace > %t5.pb
# RUN: %kilnc --bundle %t5.pb --sig "(array(float32, 2d, A), array(float64, 1d, C))" --emit=typed | FileCheck %s --check-prefix=INPLACE
import numpy as np


def expr(a, b, c):
    return a * b + np.sin(c) * 2.0 > -a


def shared(a, b):
    t = a * b
    return t + t * 2.0


def written(a, b):
    t = a * b
    a[0] = 1.0
    return t + a


def intpow(a, b):
    return a ** b + a

# One fused op for the whole tree: its operands are the leaves (arrays, the
# callee of np.sin), its body the five ops with the types typing chose; a
# float32 2-d operand broadcasts with the 1-d ones.
# CHECK: func @expr
# CHECK: [[F:%[0-9]+]]: array(bool, 2d, C) = fused %0, %1, %{{[0-9]+}}, %2, %{{[0-9]+}}
# CHECK-NEXT: | [[M:%[0-9]+]]: array(float64, 2d, C) = binop mul %0, %1 {float64}
# CHECK-NEXT: | [[S:%[0-9]+]]: array(float64, 1d, C) = call %{{[0-9]+}}, %2 [numpy.sin]
# CHECK-NEXT: | [[T:%[0-9]+]]: array(float64, 1d, C) = binop mul [[S]], %{{[0-9]+}} {float64}
# CHECK-NEXT: | [[A:%[0-9]+]]: array(float64, 2d, C) = binop add [[M]], [[T]] {float64}
# CHECK-NEXT: | [[N:%[0-9]+]]: array(float64, 1d, C) = unaryop neg %0
# CHECK-NEXT: | %{{[0-9]+}}: array(bool, 2d, C) = compare gt [[A]], [[N]] {float64}
# CHECK-NEXT: return [[F]]

# An intermediate used twice is an array of its own; the rest still fuses.
# SHARED: [[T:%[0-9]+]]: array(float64, 1d, C) = binop mul %0, %1
# SHARED: fused [[T]]
# SHARED-NEXT: | {{.*}} = binop mul [[T]]
# SHARED-NEXT: | {{.*}} = binop add [[T]]

# A write between two ops keeps them apart (t must see a before the write).
# WRITTEN-NOT: fused

# Integer powers raise on negative exponents: left out of trees.
# INTPOW: binop pow
# INTPOW-NOT: fused


def inplace(a, b):
    a += b * 2.0 + np.sqrt(b)
    return a

# In place: the root is a += ..., the target a leaf (fused!): the loop
# writes a's elements.
# INPLACE: [[F:%[0-9]+]]: array(float32, 2d, A) = fused! %1, %{{[0-9]+}}, %{{[0-9]+}}, %0
# INPLACE: | {{.*}} = binop mul %1,
# INPLACE: | {{.*}} = call {{.*}} [numpy.sqrt]
# INPLACE: | {{.*}} = binop add
# INPLACE-NEXT: | %{{[0-9]+}}: array(float32, 2d, A) = binop add! %0, %{{[0-9]+}} {float64}
