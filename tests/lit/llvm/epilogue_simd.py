# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C), array(float64, 1d, C), float64)" --emit=llvm --cpu x86-64 --features=+avx,+avx2,+bmi,+bmi2,+f16c,+fma,+lzcnt,+movbe,+xsave | FileCheck %s
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C), array(float64, 1d, C), float64)" --emit=llvm | FileCheck %s --check-prefix=SSE2


def f(out, y, s):
    for j in range(out.shape[0]):
        out[j] += s * y[j]

# With AVX2 the main loop runs 4 float64 lanes, interleaved 4 times (16 items
# an iteration); its remainder (up to 15 items) runs in vectors of 2 before
# the last item goes scalar (cpu_target.cpp, tuneLlvmOptions; LLVM 19 alone
# vectorises epilogues only from 16 lanes on).
# CHECK: vector.body:
# CHECK: fmul <4 x double>
# CHECK: vec.epilog.vector.body:
# CHECK: fmul <2 x double>
# CHECK: store <2 x double>
# With SSE2 alone the main loop is 2 lanes: no narrower vector is left for
# the remainder.
# SSE2: fmul <2 x double>
# SSE2-NOT: vec.epilog
