# RUN: %mkbundle %s:maybe > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=kir | FileCheck %s
# RUN: %mkbundle %s:never > %t2.pb
# RUN: %kilnc --bundle %t2.pb --sig "int64" --emit=kir | FileCheck %s --check-prefix=NEVER


def maybe(c):
    if c:
        x = 1
    return x


def never(c):
    if c:
        return c
    return y + 1
    y = 2  # noqa: F821


# pysub4: x is bound on one path only; a companion bool says which.
# CHECK: [[UNDEF:%[0-9]+]] = undef
# CHECK: [[YES:%[0-9]+]] = const True
# CHECK: [[NO:%[0-9]+]] = const False
# CHECK: bb2([[UNDEF]], [[NO]])
# CHECK: [[ONE:%[0-9]+]] = const 1
# CHECK: jump bb2([[ONE]], [[YES]])
# CHECK: bb2([[X:%[0-9]+]], [[BOUND:%[0-9]+]]):
# CHECK-NEXT: branch [[BOUND]], bb3(), bb4()
# CHECK: bb3():
# CHECK-NEXT: return [[X]]
# CHECK: bb4():
# CHECK-NEXT: load_global builtins.UnboundLocalError
# CHECK-NEXT: const 'cannot access local variable \'x\' where it is not associated with a value'
# CHECK: raise {{%[0-9]+}} UnboundLocalError

# y is bound on no path: the read raises and what follows it is gone.
# NEVER-NOT: const True
# NEVER: load_global builtins.UnboundLocalError
# NEVER-NEXT: const 'cannot access local variable \'y\' where it is not associated with a value'
# NEVER: raise
# NEVER-NOT: binop
# NEVER: }

# The printed IR reads back unchanged (compiler/ir/parser.h).
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=kir -o %t.kir
# RUN: %kilnc --input-kir %t.kir --emit=kir -o %t.again.kir
# RUN: diff %t.kir %t.again.kir
