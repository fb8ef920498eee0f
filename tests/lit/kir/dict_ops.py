# RUN: %mkbundle %s:counts > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=kir | FileCheck %s


def counts(n):
    d = {1: 2, 3: 4}
    e = {n: 1.5}
    d[n] = 5
    del d[1]
    return len(d) + len(e)

# BUILD_CONST_KEY_MAP: the constant keys, each before its value.
# CHECK: [[K1:%[0-9]+]] = const 1
# CHECK: [[K3:%[0-9]+]] = const 3
# CHECK: build_map [[K1]], {{%[0-9]+}}, [[K3]], {{%[0-9]+}}
# BUILD_MAP
# CHECK: [[E:%[0-9]+]] = build_map %0, {{%[0-9]+}}
# CHECK: setitem
# CHECK: delitem

# The printed IR reads back unchanged (compiler/ir/parser.h).
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=kir -o %t.kir
# RUN: %kilnc --input-kir %t.kir --emit=kir -o %t.again.kir
# RUN: diff %t.kir %t.again.kir
