# RUN: %mkbundle %s:collatz_steps > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=kir | FileCheck %s


def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps

# The loop carries n and steps as block parameters; the ternary joins in a
# block of its own.
# CHECK: func @collatz_steps(%0 n) {
# CHECK: compare ne
# CHECK: truth
# CHECK: branch
# CHECK: binop mod
# CHECK: binop floordiv
# CHECK: binop mul
# CHECK: binop add! {{.*}} ; line 9
# CHECK: return

# The printed IR reads back unchanged (compiler/ir/parser.h). These RUN lines
# are last so that the function's line numbers above stay put.
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=kir -o %t.kir
# RUN: %kilnc --input-kir %t.kir --emit=kir -o %t.again.kir
# RUN: diff %t.kir %t.again.kir
