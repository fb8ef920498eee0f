# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=typed -o %t.typed --print-after=frontend,simplify-block-params --time-passes 2>&1 | FileCheck %s
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=binary -o %t.so --time-passes 2>&1 | FileCheck %s --check-prefix=TIME


def f(n):
    s = 0
    for i in range(n):
        s += i
    return s

# The frontend gives the loop header a param per local and stack slot;
# simplify-block-params leaves the ones that change around the loop (s, and
# i, which is undef on entry).
# CHECK: ; *** IR after frontend ***
# CHECK: func @f(%0 n) {
# CHECK: bb1(%{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}}):
# CHECK: ; *** IR after simplify-block-params ***
# CHECK: func @f(%0 n) {
# CHECK: bb1(%{{[0-9]+}}, %{{[0-9]+}}):
# CHECK: frontend {{[0-9.]+}} ms
# CHECK-NEXT: simplify-block-params {{[0-9.]+}} ms
# CHECK-NEXT: prune-dead-params {{[0-9.]+}} ms
# CHECK-NEXT: typing {{[0-9.]+}} ms
# CHECK-NEXT: fuse-array-exprs {{[0-9.]+}} ms
# CHECK-NEXT: parallel-loops {{[0-9.]+}} ms
# CHECK-NOT: lowering

# TIME: frontend
# TIME-NEXT: simplify-block-params
# TIME-NEXT: prune-dead-params
# TIME-NEXT: typing
# TIME-NEXT: fuse-array-exprs
# TIME-NEXT: parallel-loops
# TIME-NEXT: lowering
# TIME-NEXT: refcount-prune
# TIME-NEXT: optimize
# TIME-NEXT: codegen
# TIME-NEXT: link
