# RUN: %mkbundle %s:vec_add > %t.pb
# RUN: %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C), array(float32, 1d, C), array(float32, 1d, C))" --emit=ptx > %t.ptx
# RUN: FileCheck %s < %t.ptx
# RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin


def vec_add(a, b, c):
    for i in range(c.shape[0]):
        c[i] = a[i] + b[i]

# The PTX ISA of sm_80, one kernel entry whose parameters are the arrays
# flattened (docs/cuda.md "ABI"): data, shape[0], strides[0] per array.
# CHECK: .version 7.0
# CHECK: .target sm_80
# CHECK: .address_size 64
# CHECK: .visible .global .align 4 .b8 kiln_kernel_error[32];
# CHECK: .visible .entry kiln_kernel(
# CHECK-NEXT: .param .u64 kiln_kernel_param_0,
# CHECK-NEXT: .param .u64 kiln_kernel_param_1,
# CHECK-NEXT: .param .u64 kiln_kernel_param_2,
# CHECK-NEXT: .param .u64 kiln_kernel_param_3,
# CHECK-NEXT: .param .u64 kiln_kernel_param_4,
# CHECK-NEXT: .param .u64 kiln_kernel_param_5,
# CHECK-NEXT: .param .u64 kiln_kernel_param_6,
# CHECK-NEXT: .param .u64 kiln_kernel_param_7,
# CHECK-NEXT: .param .u64 kiln_kernel_param_8
# CHECK-NEXT: )
# The arrays are global memory, the sum one f32 add, no call to a runtime.
# CHECK-NOT: call
# CHECK: cvta.to.global.u64
# CHECK: ld.global.f32
# CHECK: add.rn.f32
# CHECK: st.global.f32
# CHECK: ret;
