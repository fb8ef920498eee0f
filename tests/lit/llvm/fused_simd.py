# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C), array(float64, 1d, C), array(float64, 1d, C))" --emit=llvm | FileCheck %s
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C), array(float64, 1d, C), array(float64, 1d, C))" --emit=asm | FileCheck %s --check-prefix=ASM


def f(a, b, c):
    return a * b + c

# The fused loop over contiguous operands is vectorised: vector loads,
# multiply, add and store of doubles.
# CHECK: load <{{[0-9]+}} x double>
# CHECK: fmul <{{[0-9]+}} x double>
# CHECK: fadd <{{[0-9]+}} x double>
# CHECK: store <{{[0-9]+}} x double>
# ASM: mulpd
# ASM: addpd
