# RUN: %mkbundle %s:total > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=kir | FileCheck %s


def total(n):
    s = 0
    for i in range(n):
        if i == 3:
            continue
        s += i
    return s

# CHECK: [[RANGE:%[0-9]+]] = load_global range
# CHECK: [[R:%[0-9]+]] = call [[RANGE]], %0
# CHECK: [[IT:%[0-9]+]] = getiter [[R]]
# CHECK: bb1([[S:%[0-9]+]]{{.*}}):
# CHECK-NEXT: [[I:%[0-9]+]] = for_iter [[IT]], bb2(), bb{{[0-9]+}}
# CHECK: compare eq [[I]]
# CHECK: binop add! [[S]], [[I]]
# CHECK: return [[S]]

# The printed IR reads back unchanged (compiler/ir/parser.h). These RUN lines
# are last so that the function's line numbers above stay put.
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=kir -o %t.kir
# RUN: %kilnc --input-kir %t.kir --emit=kir -o %t.again.kir
# RUN: diff %t.kir %t.again.kir
