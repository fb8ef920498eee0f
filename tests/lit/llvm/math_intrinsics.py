# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "float64" --emit=llvm | FileCheck %s
import math


def f(x):
    return math.sin(x) + math.gamma(x) + math.floor(x)

# CHECK: define {{.*}}@kiln_entry
# CHECK-DAG: sin
# CHECK-DAG: tgamma
# CHECK-DAG: floor
# No contraction into fma: CPython rounds every operation.
# CHECK-NOT: fma
