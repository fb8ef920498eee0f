# RUN: %mkbundle %s:get > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, A), int64)" --emit=llvm --opt 0 --boundscheck | FileCheck %s


def get(a, i):
    return a[i]

# The argument is the kiln_abi.h struct; a negative index wraps by the
# shape, an index still out of bounds raises IndexError (with boundscheck),
# and the address
# is data + index * stride (bytes).
# CHECK: index out of bounds
# CHECK: define internal i32 @kiln.get.0(ptr %0, ptr %1, { ptr, ptr, [1 x i64], [1 x i64] } %2, i64 %3)
# CHECK: [[DIM:%[0-9]+]] = extractvalue { ptr, ptr, [1 x i64], [1 x i64] } %2, 2, 0
# CHECK: [[STRIDE:%[0-9]+]] = extractvalue { ptr, ptr, [1 x i64], [1 x i64] } %2, 3, 0
# CHECK: icmp slt i64 %3, 0
# CHECK: [[IDX:%[0-9]+]] = select i1 {{.*}}, i64 {{.*}}, i64 %3
# CHECK: icmp uge i64 [[IDX]], [[DIM]]
# CHECK: mul i64 [[IDX]], [[STRIDE]]
# CHECK: getelementptr i8
# CHECK: load double
