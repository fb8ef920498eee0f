# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 2d, A), array(float64, 2d, C))" --emit=typed -o %t.txt 2>&1 | FileCheck %s
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 2d, C), array(float64, 2d, F))" --emit=typed -o %t2.txt 2>&1 | FileCheck %s --check-prefix=NONE --allow-empty
import numpy as np


def f(a, b):
    x = np.dot(a, b)
    return x + a @ b

# A warning, not an error: the compile succeeds (kilnc exits 0), one per call
# site, at the user's line; contiguous (C or F) operands do not warn.
# CHECK: contiguity_warning.py:8: PerformanceWarning: np.dot() is faster on contiguous arrays, called on (array(float64, 2d, A), array(float64, 2d, C))
# CHECK-NEXT: contiguity_warning.py:9: PerformanceWarning: '@' is faster on contiguous arrays, called on (array(float64, 2d, A), array(float64, 2d, C))
# NONE-NOT: PerformanceWarning
