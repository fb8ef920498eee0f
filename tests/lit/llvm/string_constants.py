# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "" --emit=llvm --opt 1 | FileCheck %s

# == and != between string constants fold at compile time.


def f():
    s = "test1"
    return s == "test", s != "test", s == "test1"

# CHECK-LABEL: define {{.*}} @kiln_entry
# CHECK-NEXT: entry:
# CHECK-NEXT: store i8 0, ptr %0
# CHECK: store i8 1
# CHECK: store i8 1
# CHECK-NEXT: ret i32 0
