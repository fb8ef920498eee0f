# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64, int64" --emit=kir | FileCheck %s


def f(a, i):
    return a[1:i], a[::2]

# Every slice is a build_slice of (start, stop, step), None where omitted,
# indexed with getitem (3.11: BUILD_SLICE + BINARY_SUBSCR; 3.12: BINARY_SLICE).
# CHECK: [[ONE:%[0-9]+]] = const 1
# CHECK: [[S1:%[0-9]+]] = build_slice [[ONE]], %1, %{{[0-9]+}}
# CHECK: getitem %0, [[S1]]
# CHECK: [[TWO:%[0-9]+]] = const 2
# CHECK: [[S2:%[0-9]+]] = build_slice %{{[0-9]+}}, %{{[0-9]+}}, [[TWO]]
# CHECK: getitem %0, [[S2]]

# The printed IR reads back unchanged (compiler/ir/parser.h). These RUN lines
# are last so that the function's line numbers above stay put.
# RUN: %kilnc --bundle %t.pb --sig "int64, int64" --emit=kir -o %t.kir
# RUN: %kilnc --input-kir %t.kir --emit=kir -o %t.again.kir
# RUN: diff %t.kir %t.again.kir
