# RUN: %mkbundle %s:shift > %t1.pb
# RUN: %kilnc --bundle %t1.pb --sig "(array(float64, 1d, C),)" --emit=llvm --opt 0 | FileCheck %s --check-prefix=SHIFT
# RUN: %mkbundle %s:double > %t2.pb
# RUN: %kilnc --bundle %t2.pb --sig "(array(float64, 1d, C),)" --emit=llvm --opt 0 | FileCheck %s --check-prefix=ALIAS


def shift(a):
    a[1:] += a[:-1]


def double(a):
    a += a

# An input that may overlap the in-place target is checked at run time
# (FunctionLowering::mustBuffer): the byte ranges meet and it is not the
# target's elements at the same positions; then it is copied first.
# SHIFT: define internal i32 @kiln.shift.0(
# SHIFT: br i1 {{%.*}}, label %inplace.buffer, label %inplace.direct
# SHIFT: inplace.buffer:
# SHIFT: inplace.direct:
# SHIFT: inplace.done:

# The target itself as an input needs no check and no copy.
# ALIAS: define internal i32 @kiln.double.0(
# ALIAS-NOT: inplace.buffer
# ALIAS: ret i32
