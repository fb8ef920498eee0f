# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C),)" --emit=llvm | FileCheck %s
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 2d, A),)" --emit=llvm | FileCheck %s


def f(a):
    return a > 0.5

# One elementwise operation (nothing to fuse) over operands that are
# contiguous like the result (known from the layout, or checked at run time
# from the strides) runs a flat loop, which is vectorised.
# CHECK: fcmp ogt <{{[0-9]+}} x double>
# CHECK: store <{{[0-9]+}} x i8>
