# RUN: %mkbundle %s:fdiv > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64, int64" --emit=llvm --opt 0 | FileCheck %s


def fdiv(a, b):
    return a // b

# Python's floor division: a zero check that raises, sdiv/srem, then the
# adjustment toward negative infinity.
# CHECK: integer division by zero
# CHECK: define internal i32 @kiln.fdiv.0(ptr %0, ptr %1, i64 %2, i64 %3)
# CHECK: icmp eq i64 {{.*}}, 0
# CHECK: sdiv i64
# CHECK: srem i64
# CHECK: define i32 @kiln_entry(ptr %0, ptr %1, ptr %2)
