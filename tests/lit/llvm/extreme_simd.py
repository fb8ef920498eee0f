# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C),)" --emit=llvm | FileCheck %s
# RUN: %mkbundle %s:g > %t2.pb
# RUN: %kilnc --bundle %t2.pb --sig "(array(int32, 1d, C),)" --emit=llvm | FileCheck %s --check-prefix=INT
import numpy as np


def f(a):
    return np.argmax(a), a.max() - a.min()


def g(a):
    return a.argmin()

# max, min, argmax and argmin go in blocks: the pass over a block is a
# vector maxnum/minnum reduction beside a vector NaN test; only a block
# whose extreme beats the best so far is read again.
# CHECK: @llvm.maxnum.v{{[0-9]+}}f64(<{{[0-9]+}} x double>
# CHECK: fcmp uno <{{[0-9]+}} x double>
# CHECK: @llvm.minnum.v{{[0-9]+}}f64(<{{[0-9]+}} x double>
# INT: @llvm.smin.v{{[0-9]+}}i32(<{{[0-9]+}} x i32>
