# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(int16, 1d, C), float64)" --emit=typed | FileCheck %s
import math

import numpy as np


def f(a, x):
    z = np.zeros(3, dtype=np.float32)
    return np.sqrt(a), np.amax(a), math.floor(x), abs(x), z, np.arange(4, dtype=np.float64)

# Typing resolves each builtin call to its registry row (builtins.def) once,
# and the typed IR shows it; lowering reads that record.
# CHECK: array(float32, 1d, C) = call {{.*}} kw(dtype) [numpy.zeros]
# CHECK: array(float32, 1d, C) = call {{.*}} [numpy.sqrt]
# CHECK: int16 = call {{.*}} [numpy.amax]
# CHECK: int64 = call {{.*}} [math.floor]
# CHECK: float64 = call {{.*}} [abs]
# CHECK: array(float64, 1d, C) = call {{.*}} kw(dtype) [numpy.arange]
