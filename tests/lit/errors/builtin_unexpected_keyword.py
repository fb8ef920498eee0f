# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import numpy as np


def f(n):
    return np.zeros(n, colour=3)

# CHECK: builtin_unexpected_keyword.py:7: TypingError: 'numpy.zeros' got an unexpected keyword argument 'colour'
